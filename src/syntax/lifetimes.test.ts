// Rust lifetimes in STARK source: one E0001 per item that writes them, every lifetime marked,
// the item's first line shown without them; loop labels are not lifetimes.
import { lineCol, makeSourceFile } from "./ast";
import { withoutLifetimes } from "./lifetimes";
import { parse } from "./parser";

function diagnose(src: string) {
  const file = makeSourceFile("t.stark", src);
  const r = parse(file);
  expect(r.program).toBeNull();
  return r.diagnostics.map((d) => ({
    code: d.code,
    message: d.message,
    at: [lineCol(file, d.primary.span.start).line, lineCol(file, d.primary.span.start).column],
    label: d.primary.message,
    marked: 1 + d.labels.length,
    notes: d.notes,
    help: d.help,
  }));
}

describe("lifetime annotations", () => {
  test("the Rust Book's longest: one diagnostic, every `'a` marked, the fixed signature as help", () => {
    const [d, ...rest] = diagnose("fn longest<'a>(x: &'a str, y: &'a str) -> &'a str {\n    if x.len() > y.len() { x } else { y }\n}\n");
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ code: "E0001", message: "lifetime annotations are not part of STARK", at: [1, 12], label: "lifetime parameter", marked: 4 });
    expect(d.notes[0]).toMatch(/returns is taken to borrow from every reference parameter/);
    expect(d.help).toEqual(["delete `'a`: `fn longest(x: &str, y: &str) -> &str`"]);
  });

  test("one diagnostic per item: struct, impl, method, 'static", () => {
    const src = [
      "struct Holder<'a> { part: &'a str }",
      "impl<'a> Holder<'a> {",
      "    fn part(&self) -> &'a str { self.part }",
      "}",
      "fn name() -> &'static str { \"hi\" }",
      "fn main() {}",
    ].join("\n");
    const ds = diagnose(src);
    expect(ds.map((d) => d.at[0])).toEqual([1, 2, 3, 5]);
    expect(ds.map((d) => d.help[0])).toEqual([
      "delete `'a`: `struct Holder { part: &str }`",
      "delete `'a`: `impl Holder`",
      "delete `'a`: `fn part(&self) -> &str`",
      "delete `'static`: `fn name() -> String`",
    ]);
    expect(ds[3].label).toBe("`'static` lifetime");
    expect(ds[3].notes).toContain("a string literal in STARK is a `String`: where Rust writes `&'static str`, write `String`");
  });

  test("a lifetime after other code that is fine still gets its own message", () => {
    const ds = diagnose("fn ok() -> i32 { 1 }\nfn first<'a>(v: &'a Vec<i32>) -> &'a i32 { &v[0] }\n");
    expect(ds).toHaveLength(1);
    expect(ds[0].at).toEqual([2, 10]);
  });

  test("loop labels are not lifetimes", () => {
    const ds = diagnose("fn main() {\n    'outer: for i in 0..3 {\n        break 'outer;\n    }\n    let x = ;\n}\n");
    expect(ds).toHaveLength(1);
    expect(ds[0].message).toBe("expected expression, found `;`");
  });

  test.each([
    ["fn f<'a>(x: &'a str) -> &'a str", "fn f(x: &str) -> &str"],
    ["fn f<'a, T>(x: &'a mut T) -> &'a T", "fn f<T>(x: &mut T) -> &T"],
    ["fn f<T, 'a>(x: &'a T)", "fn f<T>(x: &T)"],
    ["fn f<'a, 'b: 'a>(x: &'a str, y: &'b str) -> &'a str", "fn f(x: &str, y: &str) -> &str"],
    ["fn f<T: Clone + 'a>(x: T)", "fn f<T: Clone>(x: T)"],
    ["fn f<T: 'a + Clone>(x: T)", "fn f<T: Clone>(x: T)"],
    ["fn f<T: 'a>(x: T)", "fn f<T>(x: T)"],
    ["impl<'a> Iterator for Words<'a>", "impl Iterator for Words"],
    ["fn fmt(&self, f: &mut Formatter<'_>) -> Result", "fn fmt(&self, f: &mut Formatter) -> Result"],
    ["fn get(m: &Entry<'_, K, V>)", "fn get(m: &Entry<K, V>)"],
    ["const NAME: &'static str = \"x\";", "const NAME: String = \"x\";"],
  ])("%s → %s", (rust, stark) => {
    expect(withoutLifetimes(rust)).toBe(stark);
  });
});
