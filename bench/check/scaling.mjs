#!/usr/bin/env node
// How the borrow check scales with the length of ONE function: the generator's long body at 1×,
// 2× and 4× its length (200, 400, 800 blocks of 11 lines), both models, the median of several
// interleaved runs, printed per line. A linear analysis keeps µs/line flat; a quadratic one
// doubles it at each step.
//
//   npm run build && node bench/check/scaling.mjs [RUNS]
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const require = createRequire(import.meta.url);
const { makeSourceFile } = require(join(root, "dist/src/syntax/ast.js"));
const { parse } = require(join(root, "dist/src/syntax/parser.js"));
const { checkProgram, loadPrelude } = require(join(root, "dist/src/check/index.js"));
const { checkBorrows } = require(join(root, "dist/src/check/borrow/index.js"));

const runs = Number(process.argv[2] ?? 5);
loadPrelude();
const sizes = [200, 400, 800].map((blocks, i) => {
  const text = execFileSync(process.execPath, [join(here, "gen.mjs"), "--long", String(blocks)], { encoding: "utf8" });
  const parsed = parse(makeSourceFile(`long${blocks}.stark`, text));
  return { scale: 2 ** i, lines: text.split("\n").length, program: parsed.program, checked: checkProgram(parsed.program) };
});
const times = new Map();
// Wall time too: its best run is the least disturbed by other load on a shared machine (CPU time
// also counts V8's compiler and GC threads).
const walls = new Map();
// Warm the JIT on the smallest size first so the first measured run is not a cold one.
for (const model of ["lexical", "nll"]) checkBorrows(sizes[0].program, sizes[0].checked, { model });
for (let r = 0; r < runs; r++) {
  for (const s of sizes) {
    for (const model of ["lexical", "nll"]) {
      const c = process.cpuUsage();
      const t = process.hrtime.bigint();
      const ds = checkBorrows(s.program, s.checked, { model });
      const wall = Number(process.hrtime.bigint() - t) / 1e6;
      const d = process.cpuUsage(c);
      if (ds.length) throw new Error(`unexpected diagnostics: ${ds[0].code} ${ds[0].message}`);
      const key = `${model} ${s.scale}`;
      times.set(key, [...(times.get(key) ?? []), (d.user + d.system) / 1000]);
      walls.set(key, [...(walls.get(key) ?? []), wall]);
    }
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const model of ["lexical", "nll"]) {
  for (const s of sizes) {
    const ms = median(times.get(`${model} ${s.scale}`));
    const best = Math.min(...walls.get(`${model} ${s.scale}`));
    console.log(
      `${model.padEnd(7)} ${s.scale}× (${s.lines} lines in one function): ${ms.toFixed(1).padStart(7)} ms cpu (median), ${((1000 * ms) / s.lines).toFixed(1).padStart(5)} µs/line;` +
        ` best wall ${best.toFixed(1).padStart(7)} ms, ${((1000 * best) / s.lines).toFixed(1).padStart(5)} µs/line`,
    );
  }
}
