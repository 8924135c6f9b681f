// Annotated programs: test/programs/types/ (this checker's own) and the seed examples in
// /work/shared/spec/examples/ (skipped when that folder is missing). Only the type checker runs
// here: an `err_*` program must report exactly its annotated (code, line) pairs, and every other
// program must type-check. Their `// expect:` output is checked by the conformance runner.

import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { lineCol, makeSourceFile } from "../syntax/ast";
import { parse } from "../syntax/parser";
import { checkProgram } from "./index";

function starkFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) out.push(...starkFiles(p));
    else if (f.endsWith(".stark")) out.push(p);
  }
  return out.sort();
}

function check(path: string): { found: string[]; annotated: string[] } {
  const text = readFileSync(path, "utf8");
  const file = makeSourceFile(path, text);
  const parsed = parse(file);
  expect(parsed.diagnostics).toEqual([]);
  const r = checkProgram(parsed.program!);
  // (E0596 on `&mut m[i]` without `IndexMut` comes from the type checker, as rustc's does from
  // its borrow checker: borrow codes are compared by the full run only, either way.)
  const found = r.diagnostics.filter((d) => !BORROW_CODES.has(d.code)).map((d) => `${d.code}@${lineCol(d.primary.span.file, d.primary.span.start).line}`);
  const annotated: string[] = [];
  text.split("\n").forEach((line, i) => {
    const m = /\/\/ error: (E\d{4})/.exec(line);
    // A learner's program may mix in ownership mistakes: those codes come from the borrow
    // checker, which test/programs.test.ts runs on this folder too.
    if (m && !BORROW_CODES.has(m[1])) annotated.push(`${m[1]}@${i + 1}`);
  });
  return { found: found.sort(), annotated: annotated.sort() };
}

const BORROW_CODES = new Set(["E0373", "E0381", "E0382", "E0384", "E0499", "E0502", "E0503", "E0505", "E0506", "E0507", "E0515", "E0596", "E0597", "E0716"]);

const TYPE_CODES = new Set(["E0004", "E0308", "E0425", "E0412", "E0599", "E0609", "E0061", "E0063", "E0369", "E0277", "E0282", "E0433", "E0560", "E0023", "E0026", "E0614", "E0600"]);

describe("test/programs/types", () => {
  const files = starkFiles(join(__dirname, "../../test/programs/types"));
  test("there are at least 3 error programs per code and 30 accepted programs", () => {
    const perCode = new Map<string, number>();
    for (const f of files) {
      for (const m of readFileSync(f, "utf8").matchAll(/\/\/ error: (E\d{4})/g)) perCode.set(m[1], (perCode.get(m[1]) ?? 0) + 1);
    }
    for (const code of ["E0308", "E0425", "E0412", "E0599", "E0609", "E0061", "E0063"]) expect([code, perCode.get(code) ?? 0]).toEqual([code, expect.any(Number)]);
    for (const code of ["E0308", "E0425", "E0412", "E0599", "E0609", "E0061", "E0063"]) expect(perCode.get(code)).toBeGreaterThanOrEqual(3);
    expect(files.filter((f) => f.includes("/ok_")).length).toBeGreaterThanOrEqual(30);
  });
  for (const f of files) {
    test(f.slice(f.indexOf("types/")), () => {
      const { found, annotated } = check(f);
      expect(found).toEqual(annotated);
    });
  }
});

describe("seed examples type-check", () => {
  const files = starkFiles("/work/shared/spec/examples");
  if (files.length === 0) test.skip("examples folder missing", () => {});
  for (const f of files) {
    test(f.slice(f.indexOf("examples/")), () => {
      const { found, annotated } = check(f);
      // Borrow errors are the borrow checker's; the type checker must report nothing else.
      expect(found).toEqual(annotated.filter((a) => TYPE_CODES.has(a.split("@")[0])));
    });
  }
});
