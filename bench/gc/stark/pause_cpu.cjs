#!/usr/bin/env node
// CPU time in GC pauses over one STARK run, against the process's CPU time: the GC share that a
// loaded machine does not distort. run.mjs's share is pause wall time over run wall time, and on
// 2 cores shared by several engineers both are mostly time spent waiting for a core. Run it
// under `node --single-threaded` so that V8's compiler and GC threads add nothing to the
// process's CPU time (nor, through the process-wide clock, to a pause's).
//
//   npm run build && node --single-threaded bench/gc/stark/pause_cpu.cjs PROGRAM.stark
// (the program's output, then the figures as one JSON line on stderr; the program must call
// gc::stats(), as the benchmarks do last, which is where the heap is found)
const { resolve } = require("node:path");

const ROOT = resolve(__dirname, "../../..");
const { GenerationalHeap } = require(`${ROOT}/dist/heap/heap.js`);
const stats = GenerationalHeap.prototype.stats;
let heap = null;
GenerationalHeap.prototype.stats = function () {
  heap = this;
  return stats.call(this);
};

const cpu0 = process.cpuUsage();
process.on("exit", () => {
  const c = process.cpuUsage(cpu0);
  const processCpuMs = (c.user + c.system) / 1000;
  const gcCpuMs = heap ? heap.gcCpuMs() : NaN;
  const byKind = heap ? Object.fromEntries(heap.pauseReport().map((k) => [k.kind, { count: k.count, cpuP99Ms: k.cpuP99Ms, cpuMaxMs: k.cpuMaxMs }])) : {};
  const round = (x) => Math.round(x * 100) / 100;
  process.stderr.write(JSON.stringify({ gcCpuMs: round(gcCpuMs), processCpuMs: round(processCpuMs), gcShare: round((100 * gcCpuMs) / processCpuMs) / 100, byKind }) + "\n");
});
require(`${ROOT}/dist/src/cli/main.js`).main(["run", process.argv[2]]);
