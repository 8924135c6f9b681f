// End-to-end evaluator tests, in process: the annotated programs of test/programs/eval (every
// construct of the evaluator and every panic code it owns) must pass on the reference BumpHeap
// AND on the generational heap in stress mode (collect at every safepoint, poison freed memory),
// which proves the evaluator's roots are exact. The language corpus (test/programs/lang) must
// print the same under both heaps: collection is never observable (LANGUAGE.md §5).

import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { compile } from "../cli/pipeline";
import { createHeap } from "../../heap";
import type { ManagedHeap } from "../../heap/api";
import { lineCol, makeSourceFile } from "../syntax/ast";
import { run } from "./index";

const ROOT = resolve(__dirname, "../..");

interface Outcome {
  stdout: string;
  panic: { code: string; line: number | null } | null;
  compileErrors: string[];
}

function execute(path: string, heap: () => ManagedHeap | undefined): Outcome {
  const file = makeSourceFile(path, readFileSync(path, "utf8"));
  const compiled = compile(file, { borrowck: "lexical" });
  const errors = compiled.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.code} ${d.message}`);
  if (errors.length || !compiled.program) return { stdout: "", panic: null, compileErrors: errors };
  let stdout = "";
  const r = run(compiled.program, { heap: heap(), stdout: (s) => (stdout += s), stderr: () => {} });
  const panic = r.panic ? { code: r.panic.code, line: r.panic.span ? lineCol(r.panic.span.file, r.panic.span.start).line : null } : null;
  return { stdout, panic, compileErrors: [] };
}

/** The `// expect:` lines (in order) and the `// panic:` line of an annotated program. */
function annotations(path: string) {
  const lines = readFileSync(path, "utf8").split("\n");
  const expects: string[] = [];
  let panic: { code: string; line: number } | null = null;
  lines.forEach((l, i) => {
    const e = l.match(/\/\/ expect: ?(.*)$/);
    if (e) expects.push(e[1]);
    const p = l.match(/\/\/ panic: (P\d{4})/);
    if (p) panic = { code: p[1], line: i + 1 };
  });
  return { expects, panic: panic as { code: string; line: number } | null };
}

function starkFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => n.endsWith(".stark"))
    .sort()
    .map((n) => join(dir, n));
}

const heaps: [string, () => ManagedHeap | undefined][] = [
  ["bump heap", () => undefined],
  ["generational heap, stress mode", () => createHeap({}, { stress: 1 })],
];

const evalPrograms = starkFiles(join(ROOT, "test/programs/eval"));

describe.each(heaps)("test/programs/eval on the %s", (_name, heap) => {
  test.each(evalPrograms.map((p) => [p.slice(ROOT.length + 1), p]))("%s", (_rel, path) => {
    // The reference BumpHeap never collects, so it cannot enforce a heap limit.
    if (heap() === undefined && readFileSync(path, "utf8").includes("max_heap_size")) return;
    const want = annotations(path);
    const got = execute(path, heap);
    expect(got.compileErrors).toEqual([]);
    const lines = got.stdout.split("\n");
    if (lines[lines.length - 1] === "") lines.pop();
    expect(lines).toEqual(want.expects);
    expect(got.panic).toEqual(want.panic);
  });
});

test("every owned panic code is covered at least three times", () => {
  const counts = new Map<string, number>();
  for (const p of evalPrograms) {
    const a = annotations(p);
    if (a.panic) counts.set(a.panic.code, (counts.get(a.panic.code) ?? 0) + 1);
  }
  for (const code of ["P0101", "P0102", "P0103", "P0104", "P0105", "P0106"]) expect(counts.get(code) ?? 0).toBeGreaterThanOrEqual(3);
});

test("owned tensors are freed deterministically, those a struct owns when its variable's scope ends", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { tensorRuntime } = require("../tensor") as typeof import("../tensor");
  const path = join(ROOT, "test/programs/eval/tensors_ownership.stark");
  const compiled = compile(makeSourceFile(path, readFileSync(path, "utf8")), { borrowck: "lexical" });
  const heap = createHeap({});
  const before = tensorRuntime.memoryStats().liveTensors;
  const r = run(compiled.program!, { heap, tensors: tensorRuntime, stdout: () => {}, stderr: () => {} });
  expect(r.panic).toBeNull();
  // The `Layer` struct's tensor went with its variable `l`, before any collection.
  expect(tensorRuntime.memoryStats().liveTensors - before).toBe(0);
  heap.collectFull();
  expect(tensorRuntime.memoryStats().liveTensors - before).toBe(0);
});

describe("collection is not observable: the language corpus prints the same under stress GC", () => {
  const corpus = starkFiles(join(ROOT, "test/programs/lang")).filter((p) => !/\/\/ (error|args):|gc::stats|gc::heap_size/.test(readFileSync(p, "utf8")));
  test.each(corpus.map((p) => [p.slice(ROOT.length + 1), p]))("%s", (_rel, path) => {
    const plain = execute(path, () => undefined);
    if (plain.compileErrors.length) return; // a front-end gap, reported by the corpus suite
    const stressed = execute(path, () => createHeap({}, { stress: 1 }));
    expect(stressed.stdout).toBe(plain.stdout);
    expect(stressed.panic).toEqual(plain.panic);
  });
});
