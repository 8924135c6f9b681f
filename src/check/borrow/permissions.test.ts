// Every ownership diagnostic carries, beside rustc's three-event story, the permissions fact:
// what the operation needed (R/W/O), what the place had, and the event that removed the rest
// (LANGUAGE.md §4; the same sentence `stark check --explain-ownership` prints at the error).

import type { Diagnostic } from "../../diagnostics";
import { diagnosticJson, renderDiagnostic } from "../../cli/render";
import { makeSourceFile } from "../../syntax/ast";
import { parse } from "../../syntax/parser";
import { checkProgram } from "../index";
import { checkBorrows } from "./index";
import { isPermissionNote } from "./permissions";

function borrowDiags(src: string, model: "lexical" | "nll" = "nll"): Diagnostic[] {
  const parsed = parse(makeSourceFile("t.stark", src));
  if (!parsed.program) throw new Error(parsed.diagnostics.map((d) => d.message).join("; "));
  const checked = checkProgram(parsed.program);
  return checkBorrows(parsed.program, checked, { model });
}

const permissionNotes = (d: Diagnostic) => d.notes.filter(isPermissionNote);

describe("the permissions fact of each ownership code", () => {
  const cases: [string, string, string, "lexical" | "nll"][] = [
    [
      "E0382",
      `fn main() {
    let s = String::from("a");
    let t = s;
    let n = s.len();
    print(t);
}`,
      "`s` has no permissions; `len` needs R; R was removed: moved at 3:13",
      "nll",
    ],
    [
      "E0499",
      `fn main() {
    let mut v = vec![1];
    let a = &mut v;
    let b = &mut v;
    a.push(1);
    b.push(2);
}`,
      "`v` has no permissions; borrowing it mutably needs R+W; R+W were removed: mutably borrowed by `a` at 3:13",
      "nll",
    ],
    [
      "E0502",
      `fn main() {
    let mut tensor = Tensor::ones([2]);
    let ref1 = &tensor;
    tensor.fill_(0.0);
    print(ref1.shape());
}`,
      "`tensor` has R; `fill_` needs R+W; W was removed: borrowed by `ref1` at 3:16",
      "nll",
    ],
    [
      "E0505",
      `fn eat(v: Vec<i32>) {}
fn main() {
    let v = vec![1];
    let r = &v;
    eat(v);
    print(r);
}`,
      "`v` has R; moving it needs R+O; O was removed: borrowed by `r` at 4:13",
      "nll",
    ],
    [
      "E0506",
      `fn main() {
    let mut x = 1;
    let r = &x;
    x = 2;
    print(r);
}`,
      "`x` has R; assigning to it needs W; W was removed: borrowed by `r` at 3:13",
      "nll",
    ],
    [
      "E0503",
      `fn main() {
    let mut n = 1;
    let r = &mut n;
    let y = n + 1;
    *r += y;
}`,
      "`n` has no permissions; using it needs R; R was removed: mutably borrowed by `r` at 3:13",
      "nll",
    ],
    [
      "E0596",
      `fn main() {
    let v = vec![1];
    v.push(2);
}`,
      "`v` has R+O; `push` needs R+W; W: `v` is not declared `mut`",
      "nll",
    ],
    [
      "E0384",
      `fn main() {
    let k = 1;
    print(k);
    k = 2;
}`,
      "`k` has R+O; assigning to it needs W; W: `k` is not declared `mut`",
      "nll",
    ],
    [
      "E0507",
      `fn take(r: &Vec<String>) -> String {
    let s = *r;
    s[0].clone()
}
fn main() {
    print(take(&vec![String::from("a")]));
}`,
      "`*r` has R; moving it needs R+O; O: `*r` is behind a reference, which does not own it",
      "nll",
    ],
    [
      "E0597",
      `fn main() {
    let r;
    {
        let x = 5;
        r = &x;
    }
    print(r);
}`,
      "`x` has R; dropping it at the end of its scope needs O; O was removed: borrowed by `r` at 5:13",
      "nll",
    ],
  ];
  test.each(cases)("%s", (code, src, note, model) => {
    const d = borrowDiags(src, model).find((x) => x.code === code);
    expect(d).toBeDefined();
    expect(permissionNotes(d!)).toEqual([note]);
  });

  it("keeps the three-event story first: the permissions note comes after rustc's notes", () => {
    const [d] = borrowDiags(
      `fn main() {
    let mut tensor = Tensor::ones([2]);
    let ref1 = &tensor;
    print(ref1.shape());
    tensor.fill_(0.0);
}`,
      "lexical",
    );
    expect(d.notes[0]).toMatch(/^this borrow lasts until `ref1` goes out of scope/);
    expect(d.notes[1]).toBe("`tensor` has R; `fill_` needs R+W; W was removed: borrowed by `ref1` at 3:16");
  });
});

describe("golden: the permissions fact in `stark check` output", () => {
  const src = `fn main() {
    let mut tensor = Tensor::ones([2]);
    let ref1 = &tensor;
    tensor.fill_(0.0);
    print(ref1.shape());
}`;

  it("terminal form", () => {
    const [d] = borrowDiags(src);
    expect(renderDiagnostic(d)).toBe(`error[E0502]: cannot borrow \`tensor\` as mutable because it is also borrowed as immutable
 --> t.stark:4:5
  |
3 |     let ref1 = &tensor;
  |                ------- immutable borrow occurs here
4 |     tensor.fill_(0.0);
  |     ^^^^^^ mutable borrow occurs here
5 |     print(ref1.shape());
  |           ---- immutable borrow later used here
  |
  = note: \`tensor\` has R; \`fill_\` needs R+W; W was removed: borrowed by \`ref1\` at 3:16
`);
  });

  it("JSON form (`--format json`)", () => {
    const [d] = borrowDiags(src);
    expect(JSON.parse(diagnosticJson(d))).toEqual({
      severity: "error",
      code: "E0502",
      message: "cannot borrow `tensor` as mutable because it is also borrowed as immutable",
      file: "t.stark",
      line: 4,
      column: 5,
      endLine: 4,
      endColumn: 11,
      labels: [
        { line: 4, column: 5, endLine: 4, endColumn: 11, message: "mutable borrow occurs here", primary: true },
        { line: 3, column: 16, endLine: 3, endColumn: 23, message: "immutable borrow occurs here" },
        { line: 5, column: 11, endLine: 5, endColumn: 15, message: "immutable borrow later used here" },
      ],
      notes: ["`tensor` has R; `fill_` needs R+W; W was removed: borrowed by `ref1` at 3:16"],
      help: [],
    });
  });
});
