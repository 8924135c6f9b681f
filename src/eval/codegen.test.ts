// The JavaScript tier (codegen.ts) against the closure compiler: every annotated program of the
// evaluator and language corpora prints the same and panics with the same code at the same line
// with the tier on and off, and the tier really takes the functions it is meant to take.

import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { compile } from "../cli/pipeline";
import { createHeap } from "../../heap";
import { lineCol, makeSourceFile } from "../syntax/ast";
import { codegenStats } from "./codegen";
import { run } from "./index";

const ROOT = resolve(__dirname, "../..");

function execute(path: string, codegen: boolean, stress = false) {
  const saved = process.env.STARK_CODEGEN;
  process.env.STARK_CODEGEN = codegen ? "1" : "0";
  try {
    const compiled = compile(makeSourceFile(path, readFileSync(path, "utf8")), { borrowck: "lexical" });
    if (!compiled.program || compiled.diagnostics.some((d) => d.severity === "error")) return null;
    let stdout = "";
    const heap = stress ? createHeap({}, { stress: 1 }) : undefined;
    const r = run(compiled.program, { heap, stdout: (s) => (stdout += s), stderr: () => {} });
    const panic = r.panic ? `${r.panic.code} ${r.panic.span ? lineCol(r.panic.span.file, r.panic.span.start).line : "?"}` : null;
    return { stdout, panic };
  } finally {
    if (saved === undefined) delete process.env.STARK_CODEGEN;
    else process.env.STARK_CODEGEN = saved;
  }
}

const corpus = ["test/programs/eval", "test/programs/lang"].flatMap((dir) =>
  readdirSync(join(ROOT, dir))
    .filter((n) => n.endsWith(".stark"))
    .sort()
    .map((n) => join(dir, n)),
);

describe("the JS tier prints and panics exactly as the closure compiler does", () => {
  // deep_recursion.stark needs the JS tier's smaller frames (the closure compiler's run out first).
  const comparable = corpus.filter((p) => !p.endsWith("deep_recursion.stark") && !/gc::stats|gc::heap_size|max_heap_size|\/\/ args:/.test(readFileSync(join(ROOT, p), "utf8")));
  test.each(comparable)("%s", (rel) => {
    const path = join(ROOT, rel);
    const closures = execute(path, false);
    if (closures === null) return; // a compile error: the corpus suite reports it
    const generated = execute(path, true);
    expect(generated).toEqual(closures);
  });
});

test("numeric functions, loops and recursion are compiled to JS; tensor code is not", () => {
  const before = codegenStats.generated;
  const out = execute(join(ROOT, "test/programs/eval/codegen_paths.stark"), true);
  expect(out?.panic).toBeNull();
  for (const name of ["step", "first_over", "grid", "collatz", "shadow", "mixed", "swap_ends", "main"]) expect(codegenStats.names).toContain(name);
  expect(codegenStats.generated - before).toBeGreaterThanOrEqual(8);
  execute(join(ROOT, "test/programs/eval/codegen_patterns.stark"), true);
  for (const name of ["area", "classify", "drain", "first_even"]) expect(codegenStats.names).toContain(name);
  const declined = codegenStats.declined;
  execute(join(ROOT, "test/programs/eval/tensors_ownership.stark"), true);
  expect(codegenStats.declined).toBeGreaterThan(declined);
});

test("generated code keeps every pointer rooted: the JS tier under stress GC prints what the closures print", () => {
  for (const rel of ["test/programs/eval/codegen_paths.stark", "test/programs/eval/codegen_patterns.stark", "test/programs/lang/algo_sieve.stark", "test/programs/lang/for_iter_mut.stark", "test/programs/lang/gc_graph_cycle.stark"]) {
    const path = join(ROOT, rel);
    expect(execute(path, true, true)).toEqual(execute(path, false));
  }
});

test("STARK_CODEGEN=0 leaves every function to the closure compiler", () => {
  const before = codegenStats.generated;
  execute(join(ROOT, "test/programs/eval/codegen_paths.stark"), false);
  expect(codegenStats.generated).toBe(before);
});
