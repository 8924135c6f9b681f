#!/usr/bin/env node
// Times bench/ml/mlp_step.stark — the MLP training step of run.mjs written in STARK — through the
// CLI: the program is run with a few and with many steps, and the difference of the wall times
// divided by the difference of the step counts is the time per step with the interpreter's
// overhead (start-up, parsing, checking and warm-up cancel out). Target: ≤ 1.0 ms per step.
//
//   npm run build && node bench/ml/run_stark.mjs [--steps N]

import { execFileSync } from "node:child_process";
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
