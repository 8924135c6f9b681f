// Driver: every annotated program of the borrow corpora goes through parse → type check →
// borrow check in-process, and must get exactly its annotated (code, line) set of errors
// (format: /work/shared/spec/examples/README.md; a first line `// args: --borrowck=nll` selects NLL).

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { lineCol, makeSourceFile } from "../../syntax/ast";
import { parse } from "../../syntax/parser";
import { checkProgram } from "../index";
import { analyzeBorrows } from "./index";

const ROOT = join(__dirname, "..", "..", "..");
const SHARED_EXAMPLES = "/work/shared/spec/examples";

function starkFiles(dir: string, filter: (name: string) => boolean = () => true): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => n.endsWith(".stark") && filter(n))
    .sort()
    .map((n) => join(dir, n));
}

function annotatedErrors(text: string): string[] {
  const out = new Set<string>();
  text.split("\n").forEach((line, i) => {
    for (const m of line.matchAll(/\/\/\s*error:\s*([A-Z]\d{4})/g)) out.add(`${m[1]}@${i + 1}`);
  });
  return [...out].sort();
}

/** The (code, line) set the pipeline reports for a program, or a description of what stopped it earlier. */
function borrowVerdict(path: string): string[] {
  const text = readFileSync(path, "utf8");
  const nll = /^\/\/\s*args:.*--borrowck=nll/.test(text);
  const file = makeSourceFile(path, text);
  const parsed = parse(file);
  if (!parsed.program) return parsed.diagnostics.map((d) => `parse ${d.code}@${lineCol(file, d.primary.span.start).line}: ${d.message}`);
  const checked = checkProgram(parsed.program);
  const typeErrors = checked.diagnostics.filter((d) => d.severity === "error");
  if (typeErrors.length) return typeErrors.map((d) => `type ${d.code}@${lineCol(file, d.primary.span.start).line}: ${d.message}`);
  const r = analyzeBorrows(parsed.program, checked, { model: nll ? "nll" : "lexical" });
  if (r.internalErrors.length) return r.internalErrors.map((e) => `internal: ${e}`);
  return [...new Set(r.diagnostics.map((d) => `${d.code}@${lineCol(file, d.primary.span.start).line}`))].sort();
}

const corpora: [string, string[]][] = [
  ["test/programs/borrow", starkFiles(join(ROOT, "test/programs/borrow"))],
  ["test/programs/rustc-agreement", starkFiles(join(ROOT, "test/programs/rustc-agreement"))],
  [
    "seed examples (borrow-related)",
    starkFiles(SHARED_EXAMPLES, (n) => /^seed_(borrows|ownership|memory_safety)/.test(n) || /^seed_.*err/.test(n)),
  ],
];

for (const [name, files] of corpora) {
  describe(`borrow corpus: ${name}`, () => {
    if (files.length === 0) {
      it.skip("has no programs here", () => undefined);
      return;
    }
    it.each(files.map((f) => [f.slice(f.lastIndexOf("/") + 1), f]))("%s", (_short, path) => {
      const want = annotatedErrors(readFileSync(path, "utf8"));
      const got = borrowVerdict(path);
      if (path.startsWith(SHARED_EXAMPLES)) {
        // The spec's annotation rule: every annotated (code, line), and no error on another line
        // (a second code on an annotated line is allowed: `tensor.fill_(0.0)` on a tensor that is
        // neither `mut` nor free of borrows is E0596 and, under the lexical model, E0502).
        const lines = new Set(want.map((w) => w.split("@")[1]));
        expect(want.filter((w) => !got.includes(w))).toEqual([]);
        expect(got.filter((g) => !lines.has(g.split("@")[1] ?? ""))).toEqual([]);
      } else expect(got).toEqual(want);
    });
  });
}

describe("borrow corpus: size", () => {
  it("holds at least 200 programs, 80 of them accepted, every code at least 6 times", () => {
    const files = starkFiles(join(ROOT, "test/programs/borrow"));
    const texts = files.map((f) => readFileSync(f, "utf8"));
    const accepted = texts.filter((t) => annotatedErrors(t).length === 0);
    const counts = new Map<string, number>();
    for (const t of texts) for (const e of annotatedErrors(t)) counts.set(e.split("@")[0], (counts.get(e.split("@")[0]) ?? 0) + 1);
    expect(files.length).toBeGreaterThanOrEqual(200);
    expect(accepted.length).toBeGreaterThanOrEqual(80);
    for (const code of ["E0382", "E0381", "E0384", "E0499", "E0502", "E0503", "E0505", "E0506", "E0507", "E0515", "E0596", "E0597", "E0373"]) {
      expect([code, counts.get(code) ?? 0]).toEqual([code, expect.any(Number)]);
      expect(counts.get(code) ?? 0).toBeGreaterThanOrEqual(6);
    }
  });
});

// Programs written for other parts of the project (the language corpus, the examples) that are
// meant to run: the borrow checker must accept them (false positives count as much as misses)
// and must never fail internally. Programs the type checker rejects are not its concern here.
describe("borrow checker on the language corpus and examples", () => {
  const files = [
    ...starkFiles(join(ROOT, "test/programs/lang")),
    ...starkFiles(join(ROOT, "examples")),
    ...starkFiles(SHARED_EXAMPLES),
  ].filter((f) => annotatedErrors(readFileSync(f, "utf8")).length === 0);
  if (files.length === 0) {
    it.skip("has no programs here", () => undefined);
    return;
  }
  it.each(files.map((f) => [f.slice(f.lastIndexOf("/") + 1), f]))("%s", (_short, path) => {
    const verdict = borrowVerdict(path);
    const typeProblem = verdict.some((v) => v.startsWith("type ") || v.startsWith("parse "));
    if (!typeProblem) expect(verdict).toEqual([]);
  });
});
