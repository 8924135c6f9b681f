// The checker's slices (`&[T]`, `&v[a..b]`, unsizing coercions) and operator traits on generic
// parameters (`T: Add<Output = T>`, comparisons needing `PartialOrd`/`PartialEq`, `AddAssign`).

import { checkSource, exprsOf, show, typeOfBinding } from "./testing";

describe("slices", () => {
  test("a range index under & is a slice of the element type, of a Vec, an array and a slice", () => {
    const r = checkSource("fn main() { let v = vec![1, 2, 3]; let a = &v[1..]; let arr = [1.5, 2.5]; let b = &arr[..1]; let c = &a[..]; let d = &mut vec![true][..]; }");
    expect(r.codes).toEqual([]);
    expect(typeOfBinding(r.program, "a")).toBe("&[i32]");
    expect(typeOfBinding(r.program, "b")).toBe("&[f64]");
    expect(typeOfBinding(r.program, "c")).toBe("&[i32]");
    expect(typeOfBinding(r.program, "d")).toBe("&mut [bool]");
  });

  test("a String sliced by a byte range is text (STARK's `str` is `String`)", () => {
    const r = checkSource(`fn main() { let s = String::from("hello"); let h = &s[0..2]; }`);
    expect(r.codes).toEqual([]);
    expect(typeOfBinding(r.program, "h")).toBe("&String");
  });

  test("indexing a slice gives an element; its methods and the Vec's slice methods type-check", () => {
    const r = checkSource("fn f(s: &[i64]) -> i64 { s[0] } fn main() { let v = vec![1, 2]; let n = v[..].len(); let w = v.windows(2); let (x, y) = v.split_at(1); let z = f(&vec![3]); }");
    expect(r.codes).toEqual([]);
    expect(typeOfBinding(r.program, "n")).toBe("usize");
    expect(typeOfBinding(r.program, "w")).toBe("Iter<&[i32]>");
    expect(typeOfBinding(r.program, "x")).toBe("&[i32]");
    expect(typeOfBinding(r.program, "z")).toBe("i64");
  });

  test("&Vec<T> and &[T; N] coerce to &[T], recorded as the argument's coercion", () => {
    const r = checkSource("fn sum(xs: &[i32]) -> i32 { 0 } fn main() { let v = vec![1]; sum(&v); let a = [1, 2]; sum(&a); let m: &[i32] = &mut vec![2]; }");
    expect(r.codes).toEqual([]);
    const refs = exprsOf(r.program, "RefExpr");
    expect(show(refs[0].coercedTo)).toBe("&[i32]");
    expect(show(refs[1].coercedTo)).toBe("&[i32]");
  });

  test("the coercion needs the same element type and does not make &mut from &", () => {
    const r = checkSource("fn sum(xs: &[i32]) -> i32 { 0 } fn main() { let v = vec![1.5]; sum(&v); let w = vec![1]; let m: &mut [i32] = &w; }");
    expect(r.codes).toEqual(["E0308", "E0308"]);
    expect(r.diagnostics[0].primary.message).toBe("expected `&[i32]`, found `&Vec<{float}>`");
  });

  test("an unborrowed range index is E0277 with the borrow to write", () => {
    const r = checkSource("fn main() { let v = vec![1, 2]; let s = v[1..]; }");
    expect(r.codes).toEqual(["E0277"]);
    expect(r.diagnostics[0].message).toBe("the size for values of type `[{integer}]` cannot be known at compilation time");
    expect(r.diagnostics[0].help).toEqual(["consider borrowing here: `&v[1..]`"]);
  });

  test("a slice compares (==, !=) with a slice, Vec or array of the same element type, read in place", () => {
    expect(checkSource("fn main() { let v = vec![1]; let a = v[..] == [1]; let b = &v[..] != &v; let c = v == v[..]; }").codes).toEqual([]);
    expect(checkSource(`fn main() { let v = vec![1]; let a = v[..] == ["x"]; }`).codes).toEqual(["E0308"]);
  });

  test("a slice has no Vec-only methods", () => {
    const r = checkSource("fn main() { let mut v = vec![1]; let s = &mut v[..]; s.push(2); }");
    expect(r.codes).toEqual(["E0599"]);
  });
});

describe("operator traits on generic parameters", () => {
  test("T: Add<Output = T> makes a + b a T; numbers and user impls satisfy the bound", () => {
    const r = checkSource(`
      #[derive(Clone, Copy)] struct P { x: i32 }
      impl Add for P { type Output = P; fn add(self, o: P) -> Self::Output { P { x: self.x + o.x } } }
      fn add2<T: Add<Output = T> + Copy>(a: T, b: T) -> T { let c = a + b; c }
      fn main() { let i = add2(1, 2); let f = add2(1.5, 2.0); let p = add2(P { x: 1 }, P { x: 2 }); }`);
    expect(r.codes).toEqual([]);
    expect(typeOfBinding(r.program, "c")).toBe("T");
    expect(typeOfBinding(r.program, "i")).toBe("i32");
    expect(typeOfBinding(r.program, "p")).toBe("P");
  });

  test("the bound's Output is the result type, also through a where clause and std::ops paths", () => {
    const r = checkSource("fn f<T>(a: T) -> bool where T: std::ops::Mul<Output = bool> + Copy { a * a }");
    expect(r.codes).toEqual([]);
  });

  test("+ without the bound is E0369 with rustc's restriction help", () => {
    const r = checkSource("fn f<T>(a: T, b: T) -> T { a + b }");
    expect(r.codes).toEqual(["E0369"]);
    expect(r.diagnostics[0].message).toBe("cannot add `T` to `T`");
    expect(r.diagnostics[0].help).toEqual(["consider restricting type parameter `T` with trait `Add`: `T: std::ops::Add<Output = T>`"]);
  });

  test("T: Add without Output leaves a + b as <T as Add>::Output: E0308", () => {
    const r = checkSource("fn f<T: Add>(a: T, b: T) -> T { a + b }");
    expect(r.codes).toEqual(["E0308"]);
    expect(r.diagnostics[0].help).toEqual(["consider further restricting this bound: `T: Add<Output = T>`"]);
  });

  test("< needs PartialOrd (Ord implies it), == needs PartialEq", () => {
    expect(checkSource("fn f<T>(a: T, b: T) -> bool { a < b }").codes).toEqual(["E0369"]);
    expect(checkSource("fn f<T: Ord>(a: T, b: T) -> bool { a < b }").codes).toEqual([]);
    expect(checkSource("fn f<T: PartialOrd>(a: &T, b: &T) -> bool { a == b }").codes).toEqual([]);
    const eq = checkSource("fn f<T: Clone>(a: T, b: T) -> bool { a == b }");
    expect(eq.codes).toEqual(["E0369"]);
    expect(eq.diagnostics[0].help).toEqual(["consider restricting type parameter `T` with trait `PartialEq`: `T: std::cmp::PartialEq`"]);
  });

  test("unary - on T needs Neg; += on T needs AddAssign", () => {
    expect(checkSource("fn f<T>(a: T) -> T { -a }").codes).toEqual(["E0600"]);
    expect(checkSource("fn f<T: Neg<Output = T>>(a: T) -> T { -a }").codes).toEqual([]);
    expect(checkSource("fn f<T: Copy>(mut a: T, b: T) -> T { a += b; a }").codes).toEqual(["E0368"]);
    expect(checkSource("fn f<T: AddAssign + Copy>(mut a: T, b: T) -> T { a += b; a }").codes).toEqual([]);
  });

  test("the numbers' operator traits: unsigned integers are not Neg, String is Add", () => {
    const src = (t: string, tr: string) => `fn f<T: ${tr}<Output = T>>(a: T) -> T { a } fn main() { let x: ${t} = f(3); }`;
    expect(checkSource(src("u32", "Neg")).codes).toEqual(["E0277"]);
    expect(checkSource(src("i32", "Neg")).codes).toEqual([]);
    expect(checkSource(`fn f<T: Add<Output = T>>(a: T) -> T { a } fn main() { let s = f(String::new()); }`).codes).toEqual([]);
  });

  test("impls for different right operands are told apart by the right operand's type", () => {
    const r = checkSource(`#[derive(Clone, Copy)] struct V { x: f64 }
      impl Mul<f64> for V { type Output = V; fn mul(self, k: f64) -> V { V { x: self.x * k } } }
      impl Mul for V { type Output = f64; fn mul(self, o: V) -> f64 { self.x * o.x } }
      fn scale<T: Mul<f64, Output = T>>(a: T) -> T { a * 2.0 }
      fn main() { let v = V { x: 1.0 }; let s = v * 2.0; let d = v * v; let t = scale(v); }`);
    expect(r.codes).toEqual([]);
    expect(typeOfBinding(r.program, "s")).toBe("V");
    expect(typeOfBinding(r.program, "d")).toBe("f64");
    expect(typeOfBinding(r.program, "t")).toBe("V");
  });

  test("impl AddAssign is recorded on a += b", () => {
    const r = checkSource(`struct P { x: i32 } impl AddAssign for P { fn add_assign(&mut self, o: P) { self.x += o.x; } }
      fn main() { let mut a = P { x: 1 }; a += P { x: 2 }; }`);
    expect(r.codes).toEqual([]);
    const assign = exprsOf(r.program, "AssignExpr").find((a) => a.op === "+=" && a.method);
    expect(assign?.method?.kind).toBe("fn");
  });
});

describe("trait functions named through the trait", () => {
  test("Default::default() takes Self from the expected type and records it for the evaluator", () => {
    const r = checkSource("fn main() { let x: i64 = Default::default(); }");
    expect(r.codes).toEqual([]);
    const callee = exprsOf(r.program, "PathExpr").find((p) => p.res?.kind === "fn" && p.res.selfTy);
    expect(callee && callee.res?.kind === "fn" ? show(callee.res.selfTy) : "").toBe("i64");
  });

  test("with nothing to say which type, it is E0282", () => {
    expect(checkSource("fn main() { let x = Default::default(); }").codes).toEqual(["E0282"]);
  });
});
