#!/usr/bin/env node
// Runs binary-trees and GCBench in STARK (every GC mode), CPython and plain Node side by side:
// median wall time of several runs, STARK/CPython ratio, allocation rate, GC time share, max and
// p99 pauses (all collections; young only; old-generation mark slices only), and in Memory mode
// the peak arena beside the live data. STARK figures come from the gc::stats() line each program
// prints last and from `stark run --gc-trace`.
//
//   node bench/gc/stark/run.mjs [--runs 3] [--n 16,18] [--gcbench 18,16,16] [--modes Throughput,..]
//                               [--only binary_trees|gcbench] [--json out.json]
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const STARK = resolve(HERE, "../../../bin/stark.js");
const TMP = mkdtempSync(join(tmpdir(), "stark-gcbench-"));

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const RUNS = Number(opt("runs", "3"));
const NS = opt("n", "16,18").split(",").map(Number);
const GCBENCH = opt("gcbench", "18,16,16").split(",").map(Number);
const ONLY = opt("only", "");
const JSON_OUT = opt("json", "");

/** gc::configure per mode; LowLatency is measured with the 1 MiB nursery and 5 ms target. */
const MODES = {
  Throughput: "GCConfig { mode: GCMode::Throughput }",
  LowLatency: "GCConfig { mode: GCMode::LowLatency, young_gen_size: 1048576, pause_target: Duration::milliseconds(5) }",
  Memory: "GCConfig { mode: GCMode::Memory }",
  Training: "GCConfig { mode: GCMode::Training }",
  Inference: "GCConfig { mode: GCMode::Inference }",
};
const modeNames = opt("modes", Object.keys(MODES).join(",")).split(",");

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const percentile = (xs, p) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(p * xs.length) - 1)] : 0);

/**
 * Wall time, and CPU time (user + sys, from /usr/bin/time) — on a shared, loaded machine the
 * wall time includes waiting for a core, so ratios are given on CPU time too.
 */
function timed(cmd, args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync("/usr/bin/time", ["-f", "@@cpu %U %S", cmd, ...args], { encoding: "utf8", maxBuffer: 1 << 28 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}: ${r.stderr.slice(0, 2000)}`);
  const m = /@@cpu ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr);
  const cpuMs = m ? (Number(m[1]) + Number(m[2])) * 1000 : NaN;
  return { ms, cpuMs, stdout: r.stdout, stderr: m ? r.stderr.slice(0, m.index) : r.stderr };
}

/** "454.197364ms" → 454.197364 (milliseconds) */
function durationMs(s) {
  const m = /^([\d.]+)(ns|µs|us|ms|s)$/.exec(s);
  if (!m) return NaN;
  return Number(m[1]) * { ns: 1e-6, µs: 1e-3, us: 1e-3, ms: 1, s: 1000 }[m[2]];
}

function parseStats(stdout) {
  const line = stdout.split("\n").find((l) => l.startsWith("GCStats {"));
  if (!line) throw new Error("the program printed no gc::stats() line");
  const fields = Object.fromEntries([...line.matchAll(/(\w+): ([^,}]+)/g)].map((m) => [m[1], m[2].trim()]));
  const num = (k) => Number(fields[k]);
  return {
    young: num("young_collections"),
    full: num("full_collections"),
    totalPauseMs: durationMs(fields.total_pause),
    maxPauseMs: durationMs(fields.max_pause),
    p99PauseMs: durationMs(fields.p99_pause),
    bytesAllocated: num("bytes_allocated"),
    heapCommitted: num("heap_committed"),
    throughput: num("throughput"),
  };
}

const TRACE = /^gc \d+ @[\d.]+s (\S+) \((.*)\): pause ([\d.]+) ms, heap ([\d.]+) MiB -> ([\d.]+) MiB/;
function parseTrace(stderr) {
  const events = [];
  for (const l of stderr.split("\n")) {
    const m = TRACE.exec(l);
    if (m) events.push({ kind: m[1], reason: m[2], pauseMs: Number(m[3]), before: Number(m[4]) * 2 ** 20, after: Number(m[5]) * 2 ** 20 });
  }
  return events;
}

function starkRun(source, name, mode) {
  const text = source.replace(/fn main\(\) \{/, `fn main() {\n    gc::configure(${MODES[mode]});`);
  const file = join(TMP, `${name}_${mode}.stark`);
  writeFileSync(file, text);
  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    const r = timed(process.execPath, [STARK, "run", "--gc-trace", file]);
    runs.push({ ms: r.ms, cpuMs: r.cpuMs, stdout: r.stdout, stats: parseStats(r.stdout), trace: parseTrace(r.stderr) });
  }
  const mid = runs.find((r) => r.ms === median(runs.map((x) => x.ms)));
  const pauses = (kinds) => mid.trace.filter((e) => kinds.includes(e.kind)).map((e) => e.pauseMs);
  // Live data: the heap after a full collection; without one, after any collection (an upper bound).
  const full = mid.trace.filter((e) => e.kind === "full" || e.kind === "compact");
  const fulls = full.length ? full : mid.trace;
  const s = mid.stats;
  return {
    mode,
    wallMs: mid.ms,
    cpuMs: median(runs.map((x) => x.cpuMs)),
    output: mid.stdout.replace(/GCStats \{.*\n/, ""),
    collections: { young: s.young, full: s.full, traced: mid.trace.length },
    allocMBps: s.bytesAllocated / 1e6 / (mid.ms / 1000),
    gcShare: s.totalPauseMs / mid.ms,
    statsThroughput: s.throughput,
    maxPauseMs: s.maxPauseMs,
    p99PauseMs: s.p99PauseMs,
    youngP99Ms: percentile(pauses(["young"]), 0.99),
    youngMaxMs: Math.max(0, ...pauses(["young"])),
    sliceP99Ms: percentile(pauses(["mark-slice"]), 0.99),
    sliceMaxMs: Math.max(0, ...pauses(["mark-slice"])),
    slices: pauses(["mark-slice"]).length,
    peakUsedMiB: Math.max(0, ...mid.trace.map((e) => e.before)) / 2 ** 20,
    liveMiB: Math.max(0, ...fulls.map((e) => e.after)) / 2 ** 20,
    committedMiB: s.heapCommitted / 2 ** 20,
  };
}

function baseline(cmd, args) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(timed(cmd, args));
  const ms = median(runs.map((r) => r.ms));
  return { ms, cpuMs: median(runs.map((r) => r.cpuMs)), output: runs[0].stdout };
}

const f = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : "-");
function report(title, py, js, rows) {
  console.log(`\n## ${title}\n`);
  console.log(`CPython ${f(py.ms, 0)} ms wall / ${f(py.cpuMs, 0)} ms CPU, Node ${f(js.ms, 0)} ms wall / ${f(js.cpuMs, 0)} ms CPU (medians of ${RUNS})\n`);
  console.log("| mode | wall ms | CPU ms | STARK/CPython wall | STARK/CPython CPU | alloc MB/s | GC share | max pause ms | p99 pause ms | young p99/max ms | slice p99/max ms (n) | young/full | peak used / live MiB |");
  console.log(`|${" --- |".repeat(13)}`);
  for (const r of rows) {
    const same = r.output === py.output ? "" : " (OUTPUT DIFFERS)";
    console.log(
      `| ${r.mode}${same} | ${f(r.wallMs, 0)} | ${f(r.cpuMs, 0)} | ${f(r.wallMs / py.ms, 2)} | ${f(r.cpuMs / py.cpuMs, 2)} | ${f(r.allocMBps)} | ${f(100 * r.gcShare)}% | ${f(r.maxPauseMs, 2)} | ${f(r.p99PauseMs, 2)} | ` +
        `${f(r.youngP99Ms, 2)} / ${f(r.youngMaxMs, 2)} | ${f(r.sliceP99Ms, 2)} / ${f(r.sliceMaxMs, 2)} (${r.slices}) | ${r.collections.young}/${r.collections.full} | ` +
        `${f(r.peakUsedMiB)} / ${f(r.liveMiB)} (${f(r.liveMiB ? r.peakUsedMiB / r.liveMiB : NaN, 2)}×) |`,
    );
  }
}

const results = [];
if (ONLY !== "gcbench") {
  const src = readFileSync(join(HERE, "binary_trees.stark"), "utf8");
  for (const n of NS) {
    const text = src.replace(/const MAX_DEPTH: i32 = \d+;/, `const MAX_DEPTH: i32 = ${n};`);
    const py = baseline("python3", [join(HERE, "binary_trees.py"), String(n)]);
    const js = baseline(process.execPath, [join(HERE, "binary_trees.js"), String(n)]);
    const rows = modeNames.map((m) => starkRun(text, `binary_trees_${n}`, m));
    report(`binary-trees N=${n}`, py, js, rows);
    results.push({ bench: "binary_trees", n, cpythonMs: py.ms, cpythonCpuMs: py.cpuMs, nodeMs: js.ms, nodeCpuMs: js.cpuMs, rows: rows.map(({ output, ...r }) => r) });
  }
}
if (ONLY !== "binary_trees") {
  const [stretch, longLived, max] = GCBENCH;
  const text = readFileSync(join(HERE, "gcbench.stark"), "utf8")
    .replace(/const STRETCH_DEPTH: i32 = \d+;/, `const STRETCH_DEPTH: i32 = ${stretch};`)
    .replace(/const LONG_LIVED_DEPTH: i32 = \d+;/, `const LONG_LIVED_DEPTH: i32 = ${longLived};`)
    .replace(/const MAX_DEPTH: i32 = \d+;/, `const MAX_DEPTH: i32 = ${max};`);
  const args = GCBENCH.map(String);
  const py = baseline("python3", [join(HERE, "gcbench.py"), ...args]);
  const js = baseline(process.execPath, [join(HERE, "gcbench.js"), ...args]);
  const rows = modeNames.map((m) => starkRun(text, "gcbench", m));
  report(`GCBench depths ${GCBENCH.join("/")}`, py, js, rows);
  results.push({ bench: "gcbench", depths: GCBENCH, cpythonMs: py.ms, cpythonCpuMs: py.cpuMs, nodeMs: js.ms, nodeCpuMs: js.cpuMs, rows: rows.map(({ output, ...r }) => r) });
}
if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify(results, null, 2));
