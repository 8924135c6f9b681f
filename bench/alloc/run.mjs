#!/usr/bin/env node
// The design document's allocation table, measured (issue 4 item 8). Four kinds of allocation:
//
//   stack array   `[f32; 1024]`              document: "Fastest (microseconds)"
//   owned tensor  `Tensor::zeros([1024])`    document: "Fast (milliseconds)"
//   GC object     `Model { .. }` (a struct)  document: "Moderate overhead"
//   arena batch   tensors in `with_arena()`  document: "Fastest for batches"
//
// 1. In STARK. STARK has no clock (and this adds none to the language), so each kind is its own
//    program — a loop of K allocations — run whole with `stark run`; its CPU time (user + sys,
//    /usr/bin/time: the machine is shared, wall time includes waiting for a core) minus that of
//    the same loop without the allocation, divided by K, is the cost per allocation.
// 2. The same allocations through the TypeScript APIs the interpreter calls (heap/ and
//    src/tensor/ from dist/), timed by mitata.
//
//   npm run build && node bench/alloc/run.mjs [--runs 3] [--scale 1] [--json out.json]
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { bench, run, do_not_optimize } from "mitata";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "../..");
const require = createRequire(import.meta.url);
const TMP = mkdtempSync(join(tmpdir(), "stark-alloc-"));
const argv = process.argv.slice(2);
const opt = (name, dflt) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : dflt);
const RUNS = Number(opt("runs", "3"));
const SCALE = Number(opt("scale", "1"));
const JSON_OUT = opt("json", "");
const BATCH = 100; // tensors per with_arena block

/**
 * Each kind: the document's claim, the loop body that allocates (and touches the result so it is
 * not dead code), the same body without the allocation, and K.
 */
const KINDS = [
  {
    kind: "stack array [f32; 1024]",
    claim: "Fastest (microseconds)",
    k: 20000,
    body: "let a: [f32; 1024] = [0.0; 1024]; sink = sink + a[(i % 1024) as usize] as f64;",
    base: "sink = sink + ((i % 1024) as f64) * 0.0;",
  },
  {
    kind: "owned Tensor::zeros([1024])",
    claim: "Fast (milliseconds)",
    k: 20000,
    body: "let t = Tensor::zeros([1024]); sink = sink + t.numel() as f64;",
    base: "sink = sink + 1024 as f64;",
  },
  {
    kind: "GC object Model { .. } (3 fields)",
    claim: "Moderate overhead",
    k: 200000,
    body: "let m = Model { layers: i, lr: 0.1, hidden: 64 }; sink = sink + m.lr;",
    base: "sink = sink + 0.1;",
  },
  {
    kind: `arena: ${BATCH} Tensor::zeros([1024]) per with_arena()`,
    claim: "Fastest for batches",
    k: 20000,
    outer: true,
    body: `let s = with_arena(|| { let mut acc = 0.0; for _j in 0..${BATCH} { let u = Tensor::zeros([1024]); acc = acc + u.numel() as f64; } acc }); sink = sink + s + ((i % 1) as f64);`,
    base: `let s = { let mut acc = 0.0; for _j in 0..${BATCH} { acc = acc + 1024 as f64; } acc }; sink = sink + s + ((i % 1) as f64);`,
  },
];

function program(body, iterations) {
  return `struct Model { layers: i64, lr: f64, hidden: i64 }

fn main() {
    let mut sink = 0.0;
    for i in 0..${iterations} {
        ${body}
    }
    print(sink);
}
`;
}

function cpuMs(file) {
  const r = spawnSync("/usr/bin/time", ["-f", "@@cpu %U %S", process.execPath, join(ROOT, "bin/stark.js"), "run", file], { encoding: "utf8" });
  const m = /@@cpu ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`stark run ${file} failed: ${r.stderr.slice(0, 2000)}`);
  return { ms: (Number(m[1]) + Number(m[2])) * 1000, out: r.stdout };
}

/** The fastest of RUNS runs: the one least disturbed by other processes on the machine. */
function bestCpuMs(name, text) {
  const file = join(TMP, `${name}.stark`);
  writeFileSync(file, text);
  let best = Infinity;
  let out = "";
  for (let i = 0; i < RUNS; i++) {
    const r = cpuMs(file);
    best = Math.min(best, r.ms);
    out = r.out;
  }
  return { ms: best, out };
}

const starkRows = [];
for (const [i, k] of KINDS.entries()) {
  const iterations = Math.max(1, Math.round((k.outer ? k.k / BATCH : k.k) * SCALE));
  const allocs = k.outer ? iterations * BATCH : iterations;
  const alloc = bestCpuMs(`kind${i}`, program(k.body, iterations));
  const base = bestCpuMs(`base${i}`, program(k.base, iterations));
  if (alloc.out !== base.out) throw new Error(`${k.kind}: the allocating loop printed ${alloc.out}, its baseline ${base.out}`);
  starkRows.push({ kind: k.kind, claim: k.claim, allocs, allocMs: alloc.ms, baseMs: base.ms, usPerAlloc: ((alloc.ms - base.ms) * 1000) / allocs });
}

// ── the TypeScript APIs, with mitata ──
const { createHeap } = require(join(ROOT, "dist/heap/index.js"));
const { tensorRuntime } = require(join(ROOT, "dist/src/tensor/index.js"));
const SCALAR = 0;
const heap = createHeap({ mode: "Throughput" });
const F32Array = heap.defineArrayLayout({ name: "[f32]", element: SCALAR });
const Model = heap.defineLayout({ name: "Model", slots: [SCALAR, SCALAR, SCALAR] });
heap.setRootScanner(() => {});
const N = 100; // allocations per mitata iteration

bench("heap.allocArray(1024 slots)", () => {
  for (let i = 0; i < N; i++) do_not_optimize(heap.allocArray(F32Array, 1024));
  heap.safepoint();
});
bench("tensor zeros([1024]) + free()", () => {
  for (let i = 0; i < N; i++) tensorRuntime.zeros([1024]).free();
});
bench("heap.alloc(Model, 3 slots)", () => {
  for (let i = 0; i < N; i++) do_not_optimize(heap.alloc(Model));
  heap.safepoint();
});
bench("beginArena; zeros([1024]) x100; endArena", () => {
  tensorRuntime.beginArena();
  for (let i = 0; i < N; i++) do_not_optimize(tensorRuntime.zeros([1024]));
  tensorRuntime.endArena(null);
});
bench("reference: new Float32Array(1024)", () => {
  for (let i = 0; i < N; i++) do_not_optimize(new Float32Array(1024));
});
const res = await run({ format: "quiet" });
const apiNs = res.benchmarks.map((b) => b.runs[0].stats.avg / N);

const fmt = (us) => (us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : us >= 1 ? `${us.toFixed(2)} µs` : `${(us * 1000).toFixed(0)} ns`);
console.log("| kind | the document's claim | STARK program, per allocation | TypeScript API, per allocation |");
console.log("| --- | --- | --- | --- |");
for (const [i, r] of starkRows.entries()) {
  console.log(`| ${r.kind} | ${r.claim} | ${fmt(r.usPerAlloc)} | ${fmt(apiNs[i] / 1000)} |`);
}
console.log(`| (reference: JS new Float32Array(1024)) | | | ${fmt(apiNs[4] / 1000)} |`);
console.log("\nSTARK runs (CPU ms, best of " + RUNS + "): " + starkRows.map((r) => `${r.kind}: ${r.allocMs.toFixed(0)} - ${r.baseMs.toFixed(0)} over ${r.allocs}`).join("; "));
if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify({ stark: starkRows, apiNsPerAlloc: apiNs }, null, 2));
