#!/usr/bin/env node
// The managed-heap benchmarks (issue 4, item 7), from dist/ (run `npm run build` first):
//   node bench/gc/run.mjs [--quick] [--runs N]
//      --quick: depth 16 only, skip depth 18;
//      --runs N: run each measurement N times (interleaved) and report the median of every
//                figure (default 1; on a shared machine one run's pauses can be another
//                process's doing)
//
// 1. raw allocation rate through the heap API (mitata + a timed loop), and the cost of one young
//    collection of a full 1 MiB nursery (young_copy.mjs);
// 2. binary-trees depth 16 against the heap API in every mode, beside plain Node and CPython;
// 3. depth 18 for Throughput, plain Node and CPython;
// 4. the STARK program bench/gc/stark/binary_trees.stark through `stark run`.
// The heap-API runs are measured after a warm-up run (see binary_trees_heap.mjs); their CPU
// time is that of the measured run. Every figure is printed with wall and CPU time: on a shared machine wall time (and so every
// pause, which is wall time) includes time the process was not scheduled; the load average is
// printed so the numbers can be read in context.

import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const quick = process.argv.includes("--quick");
const runsArg = process.argv.indexOf("--runs");
const RUNS = runsArg >= 0 ? Math.max(1, Number(process.argv[runsArg + 1])) : 1;
if (!existsSync(join(root, "dist/heap/index.js"))) {
  console.error("bench/gc: dist/heap is missing; run `npm run build` first");
  process.exit(2);
}

/** Run a command; return its JSON line (stdout) plus the child's CPU time from /usr/bin/time. */
function measure(cmd, args) {
  const useTime = existsSync("/usr/bin/time");
  const r = useTime
    ? spawnSync("/usr/bin/time", ["-f", "__cpu %U %S", cmd, ...args], { cwd: root, encoding: "utf8", maxBuffer: 1 << 26 })
    : spawnSync(cmd, args, { cwd: root, encoding: "utf8", maxBuffer: 1 << 26 });
  const cpuLine = (r.stderr ?? "").split("\n").find((l) => l.startsWith("__cpu"));
  const childCpuMs = cpuLine ? cpuLine.split(" ").slice(1).reduce((s, x) => s + Number(x) * 1000, 0) : null;
  const jsonLine = (r.stdout ?? "").split("\n").find((l) => l.startsWith("{"));
  if (r.status !== 0 || !jsonLine) return { error: `exit ${r.status}: ${(r.stderr ?? "").slice(-400)}`, stdout: r.stdout, childCpuMs };
  return { ...JSON.parse(jsonLine), childCpuMs };
}

/** The median of each numeric figure over several runs' results (same shape; the rest from the first). */
function medianOf(results) {
  const ok = results.filter((r) => !r.error);
  if (ok.length === 0) return results[0];
  const merge = (vals) => {
    const first = vals[0];
    if (typeof first === "number") {
      const xs = vals.filter((v) => typeof v === "number").sort((a, b) => a - b);
      return xs[Math.floor((xs.length - 1) / 2)];
    }
    if (first && typeof first === "object" && !Array.isArray(first)) {
      return Object.fromEntries(Object.keys(first).map((k) => [k, merge(vals.map((v) => v?.[k]))]));
    }
    return first;
  };
  return { ...merge(ok), runs: ok.length };
}

/** `measure` RUNS times, interleaved with the other measurements of a round, reported as medians. */
function measureRuns(list) {
  const rounds = [];
  for (let i = 0; i < RUNS; i++) rounds.push(list.map(([cmd, args]) => measure(cmd, args)));
  return list.map((_, j) => medianOf(rounds.map((round) => round[j])));
}

const f = (x, d = 1) => (x === null || x === undefined || Number.isNaN(x) ? "-" : Number(x).toFixed(d));
const results = { when: new Date().toISOString(), loadavg: loadavg(), node: process.version };
console.log(
  `# managed-heap benchmarks  (node ${process.version}, load average ${loadavg().map((x) => x.toFixed(1)).join(" ")}` +
    `${RUNS > 1 ? `; medians of ${RUNS} interleaved runs` : ""})\n`,
);

// 1. Raw allocation.
const [alloc, youngCopy] = measureRuns([
  [process.execPath, [join(here, "alloc_rate.mjs")]],
  [process.execPath, [join(here, "young_copy.mjs"), String(1 << 20), "300"]],
]);
results.alloc = alloc;
console.log("## raw allocation through the heap API (2-slot objects, safepoint every 1000)");
console.log(
  `  ${f(alloc.objectsPerSecWall / 1e6)} M objects/s wall, ${f(alloc.objectsPerSecCpu / 1e6)} M/s CPU, ` +
    `mitata ${f(alloc.mitataObjectsPerSec / 1e6)} M/s  (target >= 30 M/s)\n`,
);

// 1b. One young collection of a full 1 MiB nursery (the worst case of LowLatency's young pause).
results.youngCopy = youngCopy;
console.log("## young collection copying a full 1 MiB nursery (LowLatency; 70% of eden live)");
console.log(
  `  ${f(youngCopy.nsPerWord, 1)} ns per copied word; CPU per collection median ${f(youngCopy.cpuMedianMs, 2)} ms, ` +
    `p99 ${f(youngCopy.cpuP99Ms, 2)} ms, max ${f(youngCopy.cpuMaxMs, 2)} ms\n`,
);

// 2./3. binary-trees.
const MODES = ["Throughput", "LowLatency", "Memory", "Training", "Inference"];
// Also measured under `node --single-threaded`, where V8 runs no compiler or GC threads: the
// process's CPU time is then the main thread's, and a pause's CPU figure holds no other thread's
// work (see README.md, "Last run").
const MAIN_THREAD_MODES = ["Throughput", "LowLatency"];
const runs = [];
for (const depth of quick ? [16] : [16, 18]) {
  const modes = depth === 16 ? MODES : ["Throughput"];
  const mainThreadModes = depth === 16 ? MAIN_THREAD_MODES : [];
  const [py, plain, ...rest] = measureRuns([
    ["python3", [join(here, "binary_trees.py"), String(depth)]],
    [process.execPath, [join(here, "binary_trees_node.mjs"), String(depth)]],
    ...modes.map((m) => [process.execPath, [join(here, "binary_trees_heap.mjs"), String(depth), m]]),
    ...mainThreadModes.map((m) => [process.execPath, ["--single-threaded", join(here, "binary_trees_heap.mjs"), String(depth), m]]),
  ]);
  const heapRuns = rest.slice(0, modes.length);
  const mainThreadRuns = rest.slice(modes.length);
  runs.push({ depth, py, plain, heapRuns, mainThreadRuns });
  console.log(`## binary-trees depth ${depth}`);
  console.log(`  CPython    wall ${f(py.wallMs, 0)} ms  cpu ${f(py.cpuMs, 0)} ms`);
  console.log(`  plain Node wall ${f(plain.wallMs, 0)} ms  cpu ${f(plain.cpuMs, 0)} ms`);
  console.log(
    "  heap API:  mode        wall ms  cpu ms  ×CPython(cpu)  M obj/s  MB/s   GC share wall/cpu  young p99/max ms (cpu p99/max)  old-slice p99/max ms (cpu p99/max)  full/compact max ms  collections y/f/slices",
  );
  for (const r of heapRuns) {
    if (r.error) {
      console.log(`    ${r.mode ?? "?"}: ${r.error}`);
      continue;
    }
    const k = r.byKind;
    const young = k.young;
    const slice = k["mark-slice"];
    const full = k.full ?? k.compact;
    console.log(
      `             ${r.mode.padEnd(11)} ${f(r.wallMs, 0).padStart(7)} ${f(r.cpuMs, 0).padStart(7)}  ${f(r.cpuMs / py.cpuMs, 2).padStart(12)}` +
        `  ${f(r.objectsPerSec / 1e6).padStart(7)}  ${f(r.allocMBperSec, 0).padStart(5)}  ${(f(r.gcShare * 100) + "%/" + f(r.gcCpuShare * 100) + "%").padStart(17)}` +
        `  ${(f(young?.p99Ms, 2) + "/" + f(young?.maxMs, 2) + " (" + f(young?.cpuP99Ms, 2) + "/" + f(young?.cpuMaxMs, 2) + ")").padStart(30)}` +
        `  ${(f(slice?.p99Ms, 2) + "/" + f(slice?.maxMs, 2) + " (" + f(slice?.cpuP99Ms, 2) + "/" + f(slice?.cpuMaxMs, 2) + ")").padStart(34)}` +
        `  ${f(full?.maxMs, 2).padStart(19)}  ${r.youngCollections}/${r.fullCollections}/${r.markSlices}`,
    );
    if (r.mode === "Memory") {
      console.log(
        `             Memory mode: peak arena ${f(r.peakArenaBytes / 1048576, 2)} MiB vs max live after a full collection ` +
          `${f(r.maxLiveBytes / 1048576, 2)} MiB = ${f(r.peakArenaBytes / r.maxLiveBytes, 2)}× (target <= 1.5×)`,
      );
    }
  }
  if (mainThreadRuns.length) console.log("  main thread only (node --single-threaded):");
  for (const r of mainThreadRuns) {
    if (r.error) {
      console.log(`    ${r.error}`);
      continue;
    }
    console.log(
      `             ${r.mode.padEnd(11)} GC share ${f(r.gcCpuShare * 100)}% of CPU, young p99/max ${f(r.byKind.young?.cpuP99Ms, 2)}/${f(r.byKind.young?.cpuMaxMs, 2)} ms CPU` +
        (r.byKind["mark-slice"] ? `, old-slice p99 ${f(r.byKind["mark-slice"].cpuP99Ms, 2)} ms CPU` : ""),
    );
  }
  console.log("");
}
results.binaryTrees = runs;

// 4. The STARK program, once the interpreter runs it.
const starkSrc = join(here, "stark/binary_trees.stark");
const stark = measure(process.execPath, [join(root, "bin/stark.js"), "run", starkSrc]);
results.stark = stark;
console.log("## binary-trees depth 16 in STARK (bin/stark.js run bench/gc/stark/binary_trees.stark)");
if (stark.childCpuMs !== null && (stark.stdout ?? "").includes("long lived tree")) {
  const py16 = runs[0].py;
  console.log(`  cpu ${f(stark.childCpuMs, 0)} ms = ${f(stark.childCpuMs / py16.cpuMs, 2)}× CPython (target <= 0.5×)`);
} else {
  console.log(`  not measured: ${stark.error ?? "the interpreter did not finish the program"}`);
}

writeFileSync(join(here, "last-run.json"), JSON.stringify(results, null, 2));
console.log("\n(all figures also in bench/gc/last-run.json)");
