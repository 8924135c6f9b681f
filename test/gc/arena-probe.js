// Child process for arena.test.ts (run with `node --expose-gc`): runs one STARK program on a
// generational heap and, at every explicit gc::collect() of the program, records the arena's
// heap_used beside V8's heapUsed after a full V8 collection. The explicit collections are the
// program's own checkpoints, so the samples are taken while its objects are alive.
"use strict";
const { readFileSync } = require("node:fs");
const { makeSourceFile } = require("../../dist/src/syntax/ast.js");
const { compile } = require("../../dist/src/cli/pipeline.js");
const { run } = require("../../dist/src/eval/index.js");
const { createHeap } = require("../../dist/heap/index.js");

const file = process.argv[2];
const compiled = compile(makeSourceFile(file, readFileSync(file, "utf8")), { borrowck: "lexical" });
if (compiled.diagnostics.some((d) => d.severity === "error")) {
  process.stdout.write(JSON.stringify({ error: compiled.diagnostics.map((d) => d.message) }));
  process.exit(0);
}
const heap = createHeap({}, {});
const samples = [];
heap.onEvent((e) => {
  if (e.kind !== "full" || !/explicit|gc::collect|user/i.test(e.reason)) return;
  global.gc();
  samples.push({ reason: e.reason, arena: heap.stats().heapUsed, js: process.memoryUsage().heapUsed });
});
let out = "";
const result = run(compiled.program, { heap, stdout: (s) => (out += s), stderr: () => {} });
process.stdout.write(JSON.stringify({ out, panic: result.panic && result.panic.code, samples }));
