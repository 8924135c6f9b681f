// `stark run --unchecked`: runs a program the borrow checker rejects, with run-time tracking of
// moved and freed data at the places the checker named; never the default.
import { accessSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../../src/cli/main";

const examples = "/work/shared/spec/examples";

function run(args: string[]) {
  let out = "";
  let err = "";
  const code = runCli(args, { stdout: (s) => (out += s), stderr: (s) => (err += s), stdoutIsTTY: false, stderrIsTTY: false, stdinIsTTY: false, env: {} });
  return { code, out, err };
}

function program(text: string): string {
  const p = join(mkdtempSync(join(tmpdir(), "stark-unchecked-")), "p.stark");
  writeFileSync(p, text);
  return p;
}

const seed = (name: string, text: string) => {
  const path = join(examples, name);
  try {
    accessSync(path);
    return path;
  } catch {
    return program(text);
  }
};

test("use after drop: stops at the use, naming the line where the tensor was moved", () => {
  const f = seed("seed_memory_safety_err_use_after_drop.stark", "fn main() {\n    let tensor = Tensor::rand([100, 100]);\n    drop(tensor);\n    print(tensor.shape());\n}\n");
  const r = run(["run", "--unchecked", f]);
  expect(r.code).toBe(101);
  expect(r.err).toMatch(/running UNCHECKED/);
  expect(r.err).toContain("use of moved value `tensor`: it was moved at line 3");
  expect(r.err).toMatch(/p?\.stark:4:11/);
  expect(r.err).not.toContain("__unchecked");
});

test("dangling reference: stops at the use, naming the line where the storage was freed", () => {
  const f = seed(
    "seed_memory_safety_err_dangling.stark",
    "fn main() {\n    let reference: &Tensor;\n    {\n        let tensor = Tensor::rand([100, 100]);\n        reference = &tensor;\n    }\n    print(reference.shape());\n}\n",
  );
  const r = run(["run", "--unchecked", f]);
  expect(r.code).toBe(101);
  expect(r.err).toContain("whose storage was freed: it was freed at line 6");
  expect(r.err).toContain(":7:11");
});

test("the check is dynamic: a move on a branch not taken does not stop the run", () => {
  const f = program(
    "fn main() {\n    let v = vec![1, 2];\n    let go = v.len() > 5;\n    if go {\n        let w = v;\n        print(w.len());\n    }\n    print(v.len());\n}\n",
  );
  expect(run(["check", f]).code).toBe(1);
  const r = run(["run", "--unchecked", f]);
  expect(r.err).toMatch(/running UNCHECKED.*E0382/);
  expect(r.out).toBe("2\n");
  expect(r.code).toBe(0);
});

test("without --unchecked the same program does not run; type errors stop --unchecked too", () => {
  const f = program("fn main() {\n    let t = Tensor::rand([2]);\n    drop(t);\n    print(t.shape());\n}\n");
  const plain = run(["run", f]);
  expect(plain.code).toBe(1);
  expect(plain.out).toBe("");
  const typed = run(["run", "--unchecked", program("fn main() {\n    let x: i32 = \"s\";\n}\n")]);
  expect(typed.code).toBe(1);
  expect(typed.err).toContain("E0308");
  expect(typed.err).not.toContain("UNCHECKED");
});
