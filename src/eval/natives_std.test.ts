// natives_std.ts behaviour that an annotated program cannot show: tensor storage freed (the
// corpus runs share one tensor runtime, so their live counts are not their own).
import { compile } from "../cli/pipeline";
import { makeSourceFile } from "../syntax/ast";
import { Runtime as TensorRuntime } from "../tensor";
import { run } from "./index";

function runWithTensors(src: string): { stdout: string; live: number } {
  const tensors = new TensorRuntime();
  const compiled = compile(makeSourceFile("t.stark", src), { borrowck: "nll" });
  expect(compiled.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  let stdout = "";
  const r = run(compiled.program!, { tensors, stdout: (s) => (stdout += s), stderr: () => {} });
  expect(r.panic).toBeNull();
  return { stdout, live: tensors.memoryStats().liveTensors };
}

test("an or_insert default that is not needed is dropped; the stored tensor is not", () => {
  const { stdout, live } = runWithTensors(`
    let mut grads: Map<String, Tensor> = Map::new();
    for name in ["w", "b", "w", "w"] {
        grads.entry(name).or_insert(Tensor::zeros([2])).add_(1.0);
    }
    print(grads.get("w").unwrap());
    print(tensor::memory_stats().live_tensors);
  `);
  expect(stdout).toBe("tensor([3., 3.])\n2\n");
  expect(live).toBe(2);
});

test("a tensor updated through get_mut or last_mut stays alive in its Vec", () => {
  const { stdout } = runWithTensors(`
    let mut layers = vec![Tensor::ones([2]), Tensor::ones([2])];
    layers.get_mut(0).unwrap().add_(1.0);
    layers.last_mut().unwrap().mul_(5.0);
    print(layers);
  `);
  expect(stdout).toBe("[tensor([2., 2.]), tensor([5., 5.])]\n");
});

test("mem::swap and mem::replace of tensor, Gc and reference variables rebind the variables", () => {
  const { stdout, live } = runWithTensors(`
    let mut a = Tensor::zeros([1]);
    let mut b = Tensor::ones([1]);
    std::mem::swap(&mut a, &mut b);
    let old = std::mem::replace(&mut a, Tensor::full([1], 5.0));
    print(f"{a} {b} {old}");
    let mut g = Gc::new(vec![1]);
    let mut h = Gc::new(vec![2]);
    let alias = g;
    std::mem::swap(&mut g, &mut h);
    print(f"{g:?} {h:?} {alias:?}");
    let v1 = vec![1];
    let v2 = vec![2];
    let mut r = &v1;
    let mut s = &v2;
    std::mem::swap(&mut r, &mut s);
    print(f"{r:?} {s:?} {v1:?} {v2:?}");
  `);
  expect(stdout).toBe("tensor([5.]) tensor([0.]) tensor([1.])\n[2] [1] [1]\n[2] [1] [1] [2]\n");
  expect(live).toBe(3);
});

test("mem::swap of tensor fields exchanges them; through reference parameters it panics saying what to exchange instead", () => {
  const { stdout, live } = runWithTensors(`
    struct Buffers { cur: Tensor, next: Tensor }
    let mut b = Buffers { cur: Tensor::zeros([1]), next: Tensor::ones([1]) };
    std::mem::swap(&mut b.cur, &mut b.next);
    let old = std::mem::replace(&mut b.next, Tensor::full([1], 7.0));
    print(f"{b.cur} {b.next} {old}");
  `);
  expect(stdout).toBe("tensor([1.]) tensor([7.]) tensor([0.])\n");
  expect(live).toBe(3);

  const tensors = new TensorRuntime();
  const src = "fn flip(a: &mut Tensor, b: &mut Tensor) { std::mem::swap(a, b); }\nlet mut x = Tensor::zeros([1]);\nlet mut y = Tensor::ones([1]);\nflip(&mut x, &mut y);\n";
  const compiled = compile(makeSourceFile("t.stark", src), { borrowck: "nll" });
  const r = run(compiled.program!, { tensors, stdout: () => {}, stderr: () => {} });
  expect(r.panic?.code).toBe("P0105");
  expect(r.panic?.message).toContain("exchange the variables or fields that hold them");
});
