// The checker's diagnostics: codes, spans, labels, notes and helps in rustc's words; no cascades;
// the REPL-style session that checks one input at a time.

import { makeSourceFile, lineCol } from "../syntax/ast";
import { parse } from "../syntax/parser";
import { CheckSession } from "./index";
import { checkSource } from "./testing";

const text = (d: { primary: { span: { file: { text: string }; start: number; end: number } } }) =>
  d.primary.span.file.text.slice(d.primary.span.start, d.primary.span.end);

test("E0425 points at the name with rustc's label and suggests a close name", () => {
  const r = checkSource("fn main() { let count = 1; print(cuont); }");
  expect(r.codes).toEqual(["E0425"]);
  const d = r.diagnostics[0];
  expect(d.message).toBe("cannot find value `cuont` in this scope");
  expect(d.primary.message).toBe("not found in this scope");
  expect(text(d)).toBe("cuont");
  expect(d.help).toEqual(["a local variable with a similar name exists: `count`"]);
});

test("E0412 suggests a similarly named type, not a value", () => {
  const r = checkSource("fn f(v: Vec<Strng>) {}");
  expect(r.codes).toEqual(["E0412"]);
  expect(r.diagnostics[0].help).toEqual(["a type with a similar name exists: `String`"]);
});

test("E0308 at an argument labels the parameter", () => {
  const r = checkSource(`fn area(w: f64, h: f64) -> f64 { w * h } fn main() { area(2.0, "3"); }`);
  expect(r.codes).toEqual(["E0308"]);
  const d = r.diagnostics[0];
  expect(d.primary.message).toBe("expected `f64`, found `String`");
  expect(text(d)).toBe('"3"');
  expect(d.labels.map((l) => l.message)).toEqual(["parameter defined here"]);
});

test("E0308 for a return value points at the return type", () => {
  const r = checkSource("fn f() -> i32 { true }");
  expect(r.codes).toEqual(["E0308"]);
  expect(r.diagnostics[0].labels[0].message).toBe("expected because of return type");
});

test("E0061 names the counts and the function's definition", () => {
  const r = checkSource("fn add(a: i32, b: i32) -> i32 { a + b } fn main() { add(1, 2, 3); }");
  expect(r.codes).toEqual(["E0061"]);
  const d = r.diagnostics[0];
  expect(d.message).toBe("this function takes 2 arguments but 3 arguments were supplied");
  expect(d.labels[0].message).toBe("function defined here");
});

test("E0063 lists the missing fields", () => {
  const r = checkSource("struct P { x: i32, y: i32, z: i32 } fn main() { let p = P { y: 1 }; }");
  expect(r.diagnostics[0].message).toBe("missing fields `x` and `z` in initializer of `P`");
});

test("E0599 and E0609 suggest close names", () => {
  const r = checkSource("struct P { count: i32 } fn main() { let p = P { count: 1 }; print(p.cout); let v = vec![1]; v.pushh(2); }");
  expect(r.codes).toEqual(["E0609", "E0599"]);
  expect(r.diagnostics[0].help).toEqual(["a field with a similar name exists: `count`"]);
  expect(r.diagnostics[1].help).toEqual(["there is a method `push` with a similar name"]);
});

test("E0369 for an operator on a struct without the trait", () => {
  const r = checkSource("struct P { x: i32 } fn main() { let a = P { x: 1 }; let b = P { x: 2 }; let c = a + b; let d = a == b; }");
  expect(r.codes).toEqual(["E0369", "E0369"]);
  expect(r.diagnostics[0].message).toBe("cannot add `P` to `P`");
  expect(r.diagnostics[1].help[0]).toContain("#[derive(PartialEq)]");
});

test("an error does not cascade through the expressions built on it", () => {
  const r = checkSource("fn main() { let a = nothing; let b = a.len() + a.field; let c = b; print(c.foo()); }");
  expect(r.codes).toEqual(["E0425"]);
});

test("independent errors are all reported", () => {
  const r = checkSource("fn main() { let a: i32 = true; let b = zzz; let c: String = 1; }");
  expect(r.codes).toEqual(["E0308", "E0425", "E0308"]);
});

test("E0599 for a missing method on a user type, E0282 for an unknown receiver", () => {
  const r = checkSource("struct S; fn main() { S.go(); let v = Vec::new(); let x = v.pop().unwrap().size; }");
  expect(r.codes[0]).toBe("E0599");
  expect(r.codes).toContain("E0282");
});

test("a session checks inputs one at a time against what came before", () => {
  const session = new CheckSession();
  const input = (src: string, n: number) => {
    const p = parse(makeSourceFile(`<repl:${n}>`, src)).program!;
    return { p, r: session.check(p) };
  };
  const a = input("let x = 40; fn inc(n: i32) -> i32 { n + 1 }", 1);
  expect(a.r.diagnostics).toEqual([]);
  const b = input("let y = inc(x) + 1;", 2);
  expect(b.r.diagnostics).toEqual([]);
  expect(b.p.globalFrameSize).toBe(2);
  const c = input("let z: String = y;", 3);
  expect(c.r.diagnostics.map((d) => d.code)).toEqual(["E0308"]);
  expect(lineCol(c.r.diagnostics[0].primary.span.file, c.r.diagnostics[0].primary.span.start).line).toBe(1);
});

test("a field used without `self.` gets rustc's hint", () => {
  const r = checkSource("struct C { count: i32 } impl C { fn get(&self) -> i32 { count } }");
  expect(r.codes).toEqual(["E0425"]);
  expect(r.diagnostics[0].help).toEqual(["you might have meant to use the available field: `self.count`"]);
});

test("a char where a string is expected suggests double quotes", () => {
  const r = checkSource(`fn main() { let mut s = String::from("a"); s.push_str(' '); }`);
  expect(r.codes).toEqual(["E0308"]);
  expect(r.diagnostics[0].help[0]).toContain('`" "`');
});

test("the String search methods take a char pattern as Rust's do", () => {
  expect(checkSource(`fn main() { let s = "a,b"; let n = s.split(',').count(); let i = s.find(','); let b = s.starts_with('a') && s.ends_with("b"); let r = s.replace(',', ";"); }`).codes).toEqual([]);
  expect(checkSource(`fn main() { let s = "a,b"; let n = s.split(1).count(); }`).codes).toEqual(["E0277"]);
});

test("a method of the value inside an Option points at unwrapping", () => {
  const r = checkSource(`fn main() { let v = vec!["a"]; print(v.first().len()); }`);
  expect(r.codes).toEqual(["E0599"]);
  expect(r.diagnostics[0].help[0]).toContain("handle the `None` case first");
});

test("E0308 hints for everyday mistakes: a missing return type, `=` in a condition, an integer type to cast", () => {
  const noRet = checkSource("fn add(a: i32, b: i32) { a + b }");
  expect(noRet.codes).toEqual(["E0308"]);
  expect(noRet.diagnostics[0].help).toEqual(["`add` has no return type, so its last expression must be `()`: add `-> i32` after the parameters to return it"]);
  const assign = checkSource("fn main() { let x = 5; if x = 5 { print(1); } }");
  expect(assign.diagnostics[0].help).toEqual(["to compare for equality, write `==`: `x == 5`"]);
  const cast = checkSource("fn main() { let s = String::from(\"ab\"); let n: i32 = s.len(); }");
  expect(cast.diagnostics[0].help).toEqual(["convert with `as`: `s.len() as i32`"]);
});

test("E0038 names the method that keeps a trait from being an object and the where Self: Sized fix", () => {
  const r = checkSource("trait S { fn new() -> Self; fn area(&self) -> f64; } fn total(v: &Vec<Box<dyn S>>) -> usize { v.len() }");
  expect(r.codes).toEqual(["E0038"]);
  const d = r.diagnostics[0];
  expect(d.message).toBe("the trait `S` is not dyn compatible");
  expect(d.notes[0]).toBe("`S` cannot be used as a trait object because the associated function `new` has no `self` parameter");
  expect(d.help[0]).toContain("where Self: Sized");
  expect(checkSource("trait S { fn new() -> Self where Self: Sized; fn area(&self) -> f64; } fn total(v: &Vec<Box<dyn S>>) -> usize { v.len() }").codes).toEqual([]);
});

test("? without a From conversion is E0277 in rustc's words; with one it checks", () => {
  const src = (conv: string) => `struct A; struct B; ${conv} fn f() -> Result<i32, A> { Err(A) } fn g() -> Result<i32, B> { let x = f()?; Ok(x) }`;
  const r = checkSource(src(""));
  expect(r.codes).toEqual(["E0277"]);
  expect(r.diagnostics[0].message).toBe("`?` couldn't convert the error to `B`");
  expect(checkSource(src("impl From<A> for B { fn from(a: A) -> B { B } }")).codes).toEqual([]);
});

test("floats are not Ord: sort() and std::cmp::max report E0277 with the partial_cmp fix", () => {
  const r = checkSource("fn main() { let mut v = vec![1.5, 0.5]; v.sort(); let m = std::cmp::max(1.0, 2.0); }");
  expect(r.codes).toEqual(["E0277", "E0277"]);
  expect(r.diagnostics[0].message).toBe("the trait bound `{float}: Ord` is not satisfied");
  expect(r.diagnostics[0].help[0]).toContain("partial_cmp");
});

test("E0308 for vec![\"a\"] passed as &Vec<&str> says that string literals are Strings", () => {
  const r = checkSource(`fn count(words: &Vec<&str>) -> usize { words.len() } fn main() { let w = vec!["a", "b"]; print(count(&w)); }`);
  expect(r.codes).toEqual(["E0308"]);
  expect(r.diagnostics[0].help).toEqual([
    "string literals are `String`s in STARK, so this holds `String`s: declare `&Vec<String>` here, or annotate the value where it is made (`let v: Vec<&str> = ...`)",
  ]);
  // The annotation it suggests compiles.
  expect(checkSource(`fn count(words: &Vec<&str>) -> usize { words.len() } fn main() { let w: Vec<&str> = vec!["a", "b"]; print(count(&w)); }`).codes).toEqual([]);
});
