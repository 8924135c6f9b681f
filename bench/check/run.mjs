#!/usr/bin/env node
// Times parse, type check and borrow check (lexical and NLL) of a generated 10,000-line program.
//
//   npm run build && node bench/check/run.mjs [LINES] [--nll-first] [--turbofan]
//
// Uses the compiled dist/ (no ts-node). Prints one line per phase; the target for checking
// (types + borrows) is under 0.5 s. Runs with V8's optimizing compiler off, as `stark check` does
// (src/cli/main.ts); `--turbofan` leaves it on, as in `stark run` and the test suite.
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";

if (!process.argv.includes("--turbofan")) setFlagsFromString("--max-opt=1");

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const require = createRequire(import.meta.url);
// STARK_DIST=path compares another build (e.g. a copy of dist/ from before a change) in the same conditions.
const dist = process.env.STARK_DIST ?? join(root, "dist");
const lines = process.argv.slice(2).find((a) => !a.startsWith("--")) ?? "10000";
const text = execFileSync(process.execPath, [join(here, "gen.mjs"), lines], { encoding: "utf8", maxBuffer: 1 << 28 });

const { makeSourceFile } = require(join(dist, "src/syntax/ast.js"));
const { parse } = require(join(dist, "src/syntax/parser.js"));
const { checkProgram, loadPrelude } = require(join(dist, "src/check/index.js"));
const { checkBorrows } = require(join(dist, "src/check/borrow/index.js"));

loadPrelude(); // parsed and checked once per process: not part of a program's check time
const ms = (t) => `${(Number(process.hrtime.bigint() - t) / 1e6).toFixed(1)} ms`;
// CPU time as well as wall time: on a loaded machine (shared cores) the wall time overstates the cost.
const cpuMs = (c) => {
  const d = process.cpuUsage(c);
  return (d.user + d.system) / 1000;
};
const file = makeSourceFile("bench.stark", text);
let t = process.hrtime.bigint();
const parsed = parse(file);
console.log(`lines: ${text.split("\n").length}`);
console.log(`parse:        ${ms(t)}`);
if (!parsed.program) {
  console.error(parsed.diagnostics.map((d) => d.message).join("\n"));
  process.exit(1);
}
t = process.hrtime.bigint();
let c = process.cpuUsage();
const checked = checkProgram(parsed.program);
const typeMs = Number(process.hrtime.bigint() - t) / 1e6;
const typeCpu = cpuMs(c);
console.log(`type check:   ${typeMs.toFixed(1)} ms wall, ${typeCpu.toFixed(1)} ms cpu (${checked.diagnostics.length} diagnostics)`);
// The first model timed runs cold (the borrow checker's code is not yet optimized by V8, as in
// one `stark check` process); the second runs warm. `--nll-first` swaps them.
const models = process.argv.includes("--nll-first") ? ["nll", "lexical"] : ["lexical", "nll"];
for (const [i, model] of models.entries()) {
  t = process.hrtime.bigint();
  c = process.cpuUsage();
  const ds = checkBorrows(parsed.program, checked, { model });
  const bMs = Number(process.hrtime.bigint() - t) / 1e6;
  const bCpu = cpuMs(c);
  console.log(`borrow check (${model}, ${i === 0 ? "cold" : "warm"}): ${bMs.toFixed(1)} ms wall, ${bCpu.toFixed(1)} ms cpu (${ds.length} diagnostics${ds.length ? ": " + ds.slice(0, 3).map((d) => d.code + " " + d.message).join("; ") : ""})`);
  console.log(`checking total (${model}): ${(typeMs + bMs).toFixed(1)} ms wall, ${(typeCpu + bCpu).toFixed(1)} ms cpu`);
}
