import { makeSourceFile, Span } from "../syntax/ast";
import { Diagnostic, StarkPanic } from "../diagnostics";
import { COLOR, diagnosticJson, panicJson, PLAIN, renderDiagnostic, renderPanic } from "./render";

const src = [
  "fn main() {",
  "    let tensor1 = Tensor::rand([2, 2]);",
  "    let tensor2 = tensor1;",
  "    print(tensor1.shape());",
  "}",
  "",
].join("\n");
const file = makeSourceFile("moved.stark", src);
const at = (needle: string, nth = 0): Span => {
  let i = -1;
  for (let k = 0; k <= nth; k++) i = src.indexOf(needle, i + 1);
  return { file, start: i, end: i + needle.length };
};

const moved: Diagnostic = {
  severity: "error",
  code: "E0382",
  message: "borrow of moved value: `tensor1`",
  primary: { span: at("tensor1", 2), message: "value borrowed here after move" },
  labels: [
    { span: at("tensor1", 0), message: "move occurs because `tensor1` has type `Tensor`, which does not implement the `Copy` trait" },
    { span: at("tensor1", 1), message: "value moved here" },
  ],
  notes: [],
  help: ["consider cloning the value: `tensor1.clone()`"],
};

describe("terminal rendering", () => {
  test("rustc layout: header, location, gutter, carets and labels in line order", () => {
    expect(renderDiagnostic(moved, PLAIN)).toBe(
      [
        "error[E0382]: borrow of moved value: `tensor1`",
        " --> moved.stark:4:11",
        "  |",
        "2 |     let tensor1 = Tensor::rand([2, 2]);",
        "  |         ------- move occurs because `tensor1` has type `Tensor`, which does not implement the `Copy` trait",
        "3 |     let tensor2 = tensor1;",
        "  |                   ------- value moved here",
        "4 |     print(tensor1.shape());",
        "  |           ^^^^^^^ value borrowed here after move",
        "  |",
        "  = help: consider cloning the value: `tensor1.clone()`",
        "",
      ].join("\n"),
    );
  });

  test("skipped lines are shown as ... and a single skipped line is printed instead", () => {
    const d: Diagnostic = { ...moved, labels: [{ span: at("fn main"), message: "here" }], help: [] };
    const lines = renderDiagnostic(d, PLAIN).split("\n");
    expect(lines).toContain("...");
    const one: Diagnostic = { ...moved, labels: [{ span: at("tensor1", 1), message: "moved" }], help: [] };
    expect(renderDiagnostic(one, PLAIN)).not.toContain("...");
  });

  test("colours only when asked for", () => {
    expect(renderDiagnostic(moved, PLAIN)).not.toContain("\x1b[");
    expect(renderDiagnostic(moved, COLOR)).toContain("\x1b[1;31merror[E0382]");
  });
});

describe("JSON lines", () => {
  test("the LANGUAGE.md §1 shape with 1-based positions", () => {
    const o = JSON.parse(diagnosticJson(moved));
    expect(o).toMatchObject({
      severity: "error",
      code: "E0382",
      file: "moved.stark",
      line: 4,
      column: 11,
      endLine: 4,
      endColumn: 18,
      notes: [],
      help: ["consider cloning the value: `tensor1.clone()`"],
    });
    expect(o.labels.map((l: { message: string }) => l.message)).toContain("value moved here");
  });
});

describe("panics", () => {
  test("message, source line and STARK stack trace; JSON has the trace", () => {
    const p = new StarkPanic("P0103", "index out of bounds: the len is 3 but the index is 5", at("tensor1.shape()"));
    p.trace.push({ function: "helper", span: at("tensor1.shape()") }, { function: "main", span: at("let tensor2") });
    const text = renderPanic(p, PLAIN);
    expect(text).toContain("panic[P0103]: index out of bounds: the len is 3 but the index is 5");
    expect(text).toContain("4 |     print(tensor1.shape());");
    expect(text).toContain("  0: helper at moved.stark:4:11");
    expect(text).toContain("  1: main at moved.stark:3:5");
    expect(text).not.toMatch(/at .*\.js:/);
    const o = JSON.parse(panicJson(p));
    expect(o).toMatchObject({ severity: "panic", code: "P0103", line: 4, column: 11 });
    expect(o.trace[1]).toMatchObject({ function: "main", line: 3, column: 5 });
  });
});
