#!/usr/bin/env node
// Times bench/ml/mlp_step.stark — the MLP training step of run.mjs written in STARK — two ways:
//
// 1. Through the CLI: the program is run with a few and with many steps, and the difference of
//    the times divided by the difference of the step counts is the time per step with the
//    interpreter's overhead (start-up, parsing, checking and warm-up cancel out). Whole-process
//    CPU time also counts V8's background threads (JIT, GC).
// 2. In one process (the evaluator's Session, as the REPL runs programs): `bench(steps)` is run
//    with 20 and 220 steps, interleaved, seven times; the median difference per step, in wall
//    and CPU time. Steady state, interpreter overhead included.
//
// Target: ≤ 1.0 ms per step.
//
//   npm run build && node bench/ml/run_stark.mjs [--steps N]

import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, "../../bin/stark.js");
const argSteps = process.argv.indexOf("--steps");
const STEPS = argSteps > 0 ? Number(process.argv[argSteps + 1]) : 300;
const BASE = 20;
const source = readFileSync(join(here, "mlp_step.stark"), "utf8");
const dir = mkdtempSync(join(tmpdir(), "stark-mlbench-"));

/** Wall and CPU (user + system, read with bash's `times`) milliseconds of one run. */
function run(steps) {
  const file = join(dir, `mlp_${steps}.stark`);
  writeFileSync(file, source.replace("let steps = 200;", `let steps = ${steps};`));
  const t0 = performance.now();
  const out = execFileSync("bash", ["-c", `"${process.execPath}" "${cli}" run "${file}" >/dev/null; times`], { encoding: "utf8" });
  const wall = performance.now() - t0;
  // `times` prints the shell's own times, then its children's: "0m1.234s 0m0.056s".
  const child = out.trim().split("\n")[1].split(" ").map((t) => {
    const m = /(\d+)m([\d.]+)s/.exec(t);
    return m ? (Number(m[1]) * 60 + Number(m[2])) * 1000 : 0;
  });
  return { wall, cpu: child[0] + child[1] };
}

// Best of three of each, to keep other processes' noise out (the machine is shared).
function best(steps) {
  const runs = [run(steps), run(steps), run(steps)];
  return { wall: Math.min(...runs.map((r) => r.wall)), cpu: Math.min(...runs.map((r) => r.cpu)) };
}
const few = best(BASE);
const many = best(BASE + STEPS);
const wallPerStep = (many.wall - few.wall) / STEPS;
const cpuPerStep = (many.cpu - few.cpu) / STEPS;
console.log(`STARK program (interpreter + ML library), ${STEPS} steps: ${wallPerStep.toFixed(3)} ms/step wall, ${cpuPerStep.toFixed(3)} ms/step CPU (target ≤ 1.0 ms)`);

// ---- in one process ----
const require = createRequire(import.meta.url);
const dist = join(here, "../../dist");
const { CheckSession } = require(join(dist, "src/check/index.js"));
const { Session } = require(join(dist, "src/eval/index.js"));
const { makeSourceFile } = require(join(dist, "src/syntax/ast.js"));
const { parse } = require(join(dist, "src/syntax/parser.js"));
const { createHeap } = require(join(dist, "heap/index.js"));

const check = new CheckSession();
const session = new Session({ heap: createHeap(), stdout: () => {}, stderr: (t) => process.stderr.write(t) });
let inputs = 0;
/** Wall and CPU milliseconds of one input run in the session. */
function runInput(text) {
  const program = parse(makeSourceFile(`<bench ${inputs++}>`, text)).program;
  const diagnostics = check.check(program).diagnostics;
  if (diagnostics.length > 0) throw new Error(diagnostics.map((d) => d.message).join("\n"));
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = session.run(program, false);
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  if (r.panic) throw new Error(r.panic.message);
  return { wall, cpu: (c.user + c.system) / 1000 };
}
runInput(source.replace("fn main() {", "fn bench(steps: i64) {").replace(/let steps = 200;.*\n/, "").replace("print(last);", ""));
runInput("bench(50);"); // warm-up
const walls = [];
const cpus = [];
for (let i = 0; i < 7; i++) {
  const a = runInput("bench(20);");
  const b = runInput("bench(220);");
  walls.push((b.wall - a.wall) / 200);
  cpus.push((b.cpu - a.cpu) / 200);
}
const median = (xs) => xs.slice().sort((x, y) => x - y)[xs.length >> 1];
console.log(`STARK program in one process (steady state), 200 steps × 7: ${median(walls).toFixed(3)} ms/step wall, ${median(cpus).toFixed(3)} ms/step CPU (medians)`);
