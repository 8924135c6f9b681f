// binary-trees (the Benchmarks Game algorithm) written against the managed-heap API, the way
// the interpreter uses it: a safepoint at every function entry and loop back-edge, and every
// Ptr that must survive a safepoint kept in a shadow-stack slot the root scanner visits.
//
//   node bench/gc/binary_trees_heap.mjs [depth=16] [mode=Throughput] [youngGenSize bytes] [--cold]
// prints the program's usual output on stderr and one JSON line of measurements on stdout.
// Unless --cold, depth-14 runs on separate heaps first warm up the JIT (the collector is
// JavaScript too: its first collections would run before V8 has optimised it).

import { createRequire } from "node:module";
const require = createRequire(import.meta.url);
const { createHeap } = require("../../dist/heap/index.js");
const POINTER = 1; // SlotKind.Pointer (a const enum: not present at run time)

export function binaryTrees(depth, mode, youngGenSize, log = () => {}) {
  const config = { mode };
  if (youngGenSize) config.youngGenSize = youngGenSize;
  const heap = createHeap(config);
  const Tree = heap.defineLayout({ name: "Tree", slots: [POINTER, POINTER] });

  // The shadow stack: frame slots holding Ptrs across calls.
  const stack = new Float64Array(1 << 16);
  let sp = 0;
  heap.setRootScanner((visit) => {
    for (let i = 0; i < sp; i++) stack[i] = visit(stack[i]);
  });
  let maxLive = 0;
  heap.onEvent((e) => {
    if (e.kind === "full" || e.kind === "compact") maxLive = Math.max(maxLive, e.heapAfter);
  });

  let nodes = 0;
  function bottomUp(d) {
    heap.safepoint();
    nodes++;
    if (d === 0) return heap.alloc(Tree);
    stack[sp++] = bottomUp(d - 1);
    const right = bottomUp(d - 1);
    const left = stack[--sp];
    const t = heap.alloc(Tree);
    heap.setPtr(t, 0, left);
    heap.setPtr(t, 1, right);
    return t;
  }
  function check(t) {
    const left = heap.getPtr(t, 0);
    return left === 0 ? 1 : 1 + check(left) + check(heap.getPtr(t, 1));
  }

  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const maxDepth = Math.max(6, depth);
  const stretch = maxDepth + 1;
  log(`stretch tree of depth ${stretch}\t check: ${check(bottomUp(stretch))}`);
  stack[sp++] = bottomUp(maxDepth); // the long-lived tree, in a frame slot
  for (let d = 4; d <= maxDepth; d += 2) {
    const iterations = 1 << (maxDepth - d + 4);
    let sum = 0;
    for (let i = 0; i < iterations; i++) {
      heap.safepoint();
      sum += check(bottomUp(d));
    }
    log(`${iterations}\t trees of depth ${d}\t check: ${sum}`);
  }
  log(`long lived tree of depth ${maxDepth}\t check: ${check(stack[--sp])}`);
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);

  // Figures of the run itself (a final collection would add a pause outside wallMs).
  const s = heap.stats();
  const gcCpuMs = heap.gcCpuMs();
  const byKind = Object.fromEntries(heap.pauseReport().map((k) => [k.kind, k]));
  return {
    program: "binary-trees (heap API)",
    warm: !process.argv.includes("--cold"),
    depth,
    mode,
    youngGenSize: heap.config().youngGenSize,
    pauseTargetMs: heap.config().pauseTargetMs,
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    nodes,
    objectsPerSec: nodes / (wallMs / 1000),
    allocMBperSec: s.bytesAllocated / 1e6 / (wallMs / 1000),
    gcShare: s.totalPauseMs / wallMs,
    gcCpuShare: gcCpuMs / ((cpu.user + cpu.system) / 1000),
    youngCollections: s.youngCollections,
    fullCollections: s.fullCollections,
    markSlices: s.markSlices,
    maxPauseMs: s.maxPauseMs,
    p99PauseMs: s.p99PauseMs,
    byKind,
    peakArenaBytes: heap.peakCommittedBytes(),
    maxLiveBytes: maxLive,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2).filter((a) => !a.startsWith("--"));
  const cold = process.argv.includes("--cold");
  const depth = Number(args[0] ?? 16);
  const mode = args[1] ?? "Throughput";
  const young = args[2] ? Number(args[2]) : undefined;
  // Warm-up: the same program at depth 14, once with a small nursery so that the collector's
  // own code (young copying, promotion, marking, sweeping) has run often enough to be optimised.
  if (!cold) {
    binaryTrees(Math.min(14, depth), mode, 256 * 1024);
    binaryTrees(Math.min(14, depth), mode, young);
  }
  const r = binaryTrees(depth, mode, young, (line) => process.stderr.write(line + "\n"));
  process.stdout.write(JSON.stringify(r) + "\n");
}
