// The borrow checker's diagnostics tell the three-event story (LANGUAGE.md §4.3–§4.4): where the
// value was moved or borrowed, the conflicting use, and where the borrow is used later or ends.

import type { Diagnostic } from "../../diagnostics";
import { lineCol, makeSourceFile } from "../../syntax/ast";
import { parse } from "../../syntax/parser";
import { checkProgram } from "../index";
import { checkBorrows } from "./index";

function borrowDiags(src: string, model: "lexical" | "nll" = "lexical"): Diagnostic[] {
  const file = makeSourceFile("t.stark", src);
  const parsed = parse(file);
  if (!parsed.program) throw new Error(parsed.diagnostics.map((d) => d.message).join("; "));
  const checked = checkProgram(parsed.program);
  const errors = checked.diagnostics.filter((d) => d.severity === "error");
  if (errors.length) throw new Error(errors.map((d) => d.message).join("; "));
  return checkBorrows(parsed.program, checked, { model });
}

const at = (d: { span: { file: Parameters<typeof lineCol>[0]; start: number } }) => lineCol(d.span.file, d.span.start).line;
const labels = (d: Diagnostic) => d.labels.map((l) => `${at(l)}: ${l.message}`);

describe("borrow diagnostics", () => {
  it("E0382: names the move, the type reason and a clone fix", () => {
    const [d, ...rest] = borrowDiags(`fn main() {
    let tensor1 = Tensor::rand([10]);
    let tensor2 = tensor1;
    print(tensor1.shape());
    print(tensor2.shape());
}`);
    expect(rest).toEqual([]);
    expect(d.code).toBe("E0382");
    expect(d.message).toBe("borrow of moved value: `tensor1`");
    expect(at(d.primary)).toBe(4);
    expect(d.primary.message).toBe("value borrowed here after move");
    expect(labels(d)).toEqual(["3: value moved here"]);
    expect(d.notes).toEqual([
      "move occurs because `tensor1` has type `Tensor`, which does not implement the `Copy` trait",
      "`tensor1` has no permissions; `shape` needs R; R was removed: moved at 3:19",
    ]);
    expect(d.help).toEqual(["consider cloning the value: `tensor1.clone()`"]);
  });

  it("a closure passed to an `impl Fn` parameter: E0594 at the assignment, pointing at the closure and the bound", () => {
    const [d, ...rest] = borrowDiags(`fn call_twice(f: impl Fn()) {
    f();
    f();
}
fn main() {
    let mut n = 0;
    call_twice(|| n += 1);
}`, "nll");
    expect(rest).toEqual([]);
    expect(d.code).toBe("E0594");
    expect(d.message).toBe("cannot assign to `n`, as it is a captured variable in a `Fn` closure");
    expect(d.primary.span.file.text.slice(d.primary.span.start, d.primary.span.end)).toBe("n += 1");
    expect(labels(d)).toEqual(["7: in this closure", "6: `n` declared here, outside the closure", "1: change this to accept `FnMut` instead of `Fn`"]);
  });

  it("an `FnMut` closure argument (`for_each`) that gives a capture away: E0507 at the move", () => {
    const [d, ...rest] = borrowDiags(`fn eat(s: String) -> i32 { 1 }
fn main() {
    let s = String::from("a");
    let mut t = 0;
    vec![1].iter().for_each(|x| t += x + eat(s));
}`, "nll");
    expect(rest).toEqual([]);
    expect(d.code).toBe("E0507");
    expect(d.message).toBe("cannot move out of `s`, a captured variable in an `FnMut` closure");
    expect(d.primary.message).toBe("move occurs because `s` has type `String`, which does not implement the `Copy` trait");
    expect(labels(d)).toEqual(["5: captured by this `FnMut` closure", "3: `s` declared here, outside the closure"]);
  });

  it("E0597: a closure borrowing a local stored in a `Box<dyn Fn>` field, which is `'static`", () => {
    const [d, ...rest] = borrowDiags(`struct Mapper {
    f: Box<dyn Fn(i32) -> i32>,
}
fn main() {
    let n = 5;
    let m = Mapper { f: Box::new(|x| x * n) };
    print((m.f)(2));
}`, "nll");
    expect(rest).toEqual([]);
    expect(d.code).toBe("E0597");
    expect(d.message).toBe("`n` does not live long enough");
    expect(d.primary.span.file.text.slice(d.primary.span.start, d.primary.span.end)).toBe("n");
    expect(at(d.primary)).toBe(6);
    expect(labels(d)).toEqual(["5: binding `n` declared here", "8: `n` dropped here while still borrowed"]);
    expect(d.help).toEqual(["to force the closure to take ownership of `n`, use the `move` keyword"]);
  });

  it("E0382 in a loop says the move happened in the previous iteration", () => {
    const [d] = borrowDiags(`fn eat(s: String) {}
fn main() {
    let s = String::from("a");
    for i in 0..2 {
        eat(s);
    }
}`);
    expect(d.code).toBe("E0382");
    expect(d.primary.message).toBe("value moved here, in previous iteration of loop");
  });

  it("E0502 under lexical: the borrow ends at the holder's scope, with the NLL note", () => {
    const [d] = borrowDiags(`fn main() {
    let mut tensor = Tensor::ones([2]);
    let ref1 = &tensor;
    print(ref1.shape());
    tensor.fill_(0.0);
}`);
    expect(d.code).toBe("E0502");
    expect(d.message).toBe("cannot borrow `tensor` as mutable because it is also borrowed as immutable");
    expect(d.primary.message).toBe("mutable borrow occurs here");
    expect(labels(d)).toEqual(["3: immutable borrow occurs here", "6: `ref1` goes out of scope here, ending the borrow"]);
    expect(d.notes).toEqual([
      "this borrow lasts until `ref1` goes out of scope at line 6; with --borrowck=nll it would end after its last use at line 4",
      "`tensor` has R; `fill_` needs R+W; W was removed: borrowed by `ref1` at 3:16",
    ]);
  });

  it("E0502 under NLL points at the later use and has no lexical note", () => {
    const [d] = borrowDiags(
      `fn main() {
    let mut v = vec![1];
    let first = &v[0];
    v.push(2);
    print(first);
}`,
      "nll",
    );
    expect(d.code).toBe("E0502");
    expect(labels(d)).toEqual(["3: immutable borrow occurs here", "5: immutable borrow later used here"]);
    expect(d.notes).toEqual(["`v` has R; `push` needs R+W; W was removed: borrowed by `first` at 3:17"]);
  });

  it("E0597: the referent is dropped at the block's closing brace while still borrowed", () => {
    const [d] = borrowDiags(`fn main() {
    let reference: &Tensor;
    {
        let tensor = Tensor::rand([2]);
        reference = &tensor;
    }
    print(reference.shape());
}`);
    expect(d.code).toBe("E0597");
    expect(d.message).toBe("`tensor` does not live long enough");
    expect(at(d.primary)).toBe(5);
    expect(labels(d)).toEqual(["6: `tensor` dropped here while still borrowed", "7: borrow later used here"]);
  });

  it("E0596: suggests `mut` for the seed's fill_ on a non-mut tensor", () => {
    const [d] = borrowDiags(`fn main() {
    let tensor = Tensor::ones([2]);
    tensor.fill_(0.0);
}`);
    expect(d.code).toBe("E0596");
    expect(d.help).toEqual(["consider changing this to be mutable: `mut tensor`"]);
  });

  it("E0373: a returned closure borrowing a local suggests `move`", () => {
    const [d] = borrowDiags(`fn counter() -> impl Fn() -> i32 {
    let n = 5;
    || n + 1
}
fn main() {}`);
    expect(d.code).toBe("E0373");
    expect(d.help[0]).toContain("use the `move` keyword");
  });

  it("reports every problem once, without cascades from one move", () => {
    const ds = borrowDiags(`fn main() {
    let s = String::from("a");
    let t = s;
    print(s);
    print(s);
    let mut v = vec![1];
    let r = &mut v;
    let w = &mut v;
    r.push(1);
    w.push(2);
}`);
    expect(ds.map((d) => `${d.code}@${at(d.primary)}`)).toEqual(["E0382@4", "E0499@8"]);
  });

  it("NLL problem case #3: points at the return that keeps the borrow, with the look-first help", () => {
    const [d, ...rest] = borrowDiags(`fn get(m: &mut Map<u32, String>, k: u32) -> &String {
    if let Some(v) = m.get(&k) {
        return v;
    }
    m.insert(k, String::new());
    m.get(&k).unwrap()
}
fn main() {
    let mut m: Map<u32, String> = Map::new();
    print(get(&mut m, 1));
}`, "nll");
    expect(rest).toEqual([]);
    expect([d.code, at(d.primary)]).toEqual(["E0502", 5]);
    expect(labels(d)).toContain("3: returning this value requires that the borrow lasts until the function returns");
    expect(labels(d).some((l) => l.includes("later used"))).toBe(false);
    expect(d.notes[0]).toContain("problem case #3");
    expect(d.help[0]).toContain("contains_key");
  });

  it("two `&mut` of elements of one Vec: the note on indices and the split_at_mut help", () => {
    const [d] = borrowDiags(`fn main() {
    let mut v = vec![1, 2];
    let a = &mut v[0];
    let b = &mut v[1];
    *a += *b;
}`, "nll");
    expect(d.code).toBe("E0499");
    expect(d.notes[0]).toBe("two indices may name the same element, so each `&mut` of an element borrows the whole collection");
    expect(d.help[0]).toContain("`.split_at_mut(position)`");
  });

  it("writing through a `&T` parameter: labels the declaration and helps with `&mut T`", () => {
    const [d] = borrowDiags(`struct P {
    x: i32,
}
fn reset(p: &P) {
    p.x = 0;
}
fn main() {}`, "nll");
    expect(d.code).toBe("E0594");
    expect(labels(d)).toEqual(["4: `p` is declared here as a `&` reference"]);
    expect(d.help).toEqual(["consider changing this to be a mutable reference: `&mut P`"]);
  });

  it("a conflict with a closure's capture: the closure's |params| and the use inside it", () => {
    const [d] = borrowDiags(`fn main() {
    let mut n = 0;
    let mut inc = |k: i32| {
        n += k;
    };
    inc(1);
    print(n);
    inc(2);
}`, "nll");
    expect([d.code, at(d.primary)]).toEqual(["E0502", 7]);
    const text = (s: { start: number; end: number; file: { text: string } }) => s.file.text.slice(s.start, s.end);
    expect(d.labels.map((l) => [text(l.span), l.message])).toEqual([
      ["|k: i32|", "mutable borrow occurs here"],
      ["n", "first borrow occurs due to use of `n` in closure"],
      ["inc", "mutable borrow later used here"],
    ]);
  });

  it("changing a collection inside a for loop over it: the iterator note and the fixes", () => {
    const [d] = borrowDiags(`fn main() {
    let mut v = vec![1, 2];
    for x in v.iter() {
        if *x > 1 {
            v.push(0);
        }
    }
}`, "nll");
    expect(d.code).toBe("E0502");
    expect(d.notes[0]).toBe("a `for` loop's iterator borrows `v` until the loop ends, so `v` cannot change inside the loop");
    expect(d.help[0]).toContain("`retain`");
  });

  it("one E0596 per binding not declared `mut`: at the declaration, each use labelled", () => {
    const ds = borrowDiags(`fn main() {
    let v = Vec::new();
    v.push(1);
    v.push(2);
    print(v);
}`, "nll");
    expect(ds.map((d) => [d.code, at(d.primary), d.primary.message])).toEqual([["E0596", 2, "not mutable"]]);
    expect(labels(ds[0])).toEqual(["3: cannot borrow as mutable", "4: cannot borrow as mutable"]);
  });

  it("a trait object holding a borrow uses it when dropped", () => {
    const [d] = borrowDiags(`fn main() {
    let mut calls = 0;
    let mut f: Box<dyn FnMut()> = Box::new(|| calls += 1);
    f();
    print(calls);
}`, "nll");
    expect([d.code, at(d.primary)]).toEqual(["E0502", 5]);
    expect(labels(d)).toContain("6: mutable borrow might be used here, when `f` is dropped and runs the destructor of its trait object");
  });

  it("a view pushed into a container: the container holds the view", () => {
    const [d] = borrowDiags(`fn main() {
    let mut t = Tensor::zeros([4]);
    let mut vs = Vec::new();
    vs.push(t.view([2, 2]));
    t.fill_(1.0);
    print(vs.len());
}`, "nll");
    expect([d.code, at(d.primary)]).toEqual(["E0502", 5]);
    expect(d.notes[0]).toBe("`vs` holds a view of `t`: it shares `t`'s storage, so changing `t` would change what `vs` holds too");
  });
});
