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

function wall(steps) {
  const file = join(dir, `mlp_${steps}.stark`);
  writeFileSync(file, source.replace("let steps = 200;", `let steps = ${steps};`));
  const t0 = performance.now();
  execFileSync(process.execPath, [cli, "run", file], { stdio: ["ignore", "pipe", "inherit"] });
  return performance.now() - t0;
}

// Best of three of each, to keep other processes' noise out.
const best = (steps) => Math.min(wall(steps), wall(steps), wall(steps));
const few = best(BASE);
const many = best(BASE + STEPS);
const perStep = (many - few) / STEPS;
console.log(`STARK program (interpreter + ML library): ${perStep.toFixed(3)} ms/step over ${STEPS} steps (target ≤ 1.0 ms)`);
