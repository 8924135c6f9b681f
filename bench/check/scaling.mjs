#!/usr/bin/env node
// How the borrow check scales with the length of ONE function: the generator's long body at 1×,
// 2×, 4× and 8× its length (200 to 1,600 blocks of 11 lines), both models, the median of several
// interleaved runs, printed per line, and the slope of log(time) over log(lines) fitted across
// the sizes: 1.0 is linear (µs/line flat), 2.0 quadratic (µs/line doubling at each step).
//
//   npm run build && node bench/check/scaling.mjs [RUNS]
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const require = createRequire(import.meta.url);
// STARK_DIST=path compares another build (e.g. a copy of dist/ from before a change) in the same conditions.
const dist = process.env.STARK_DIST ?? join(root, "dist");
const { makeSourceFile } = require(join(dist, "src/syntax/ast.js"));
const { parse } = require(join(dist, "src/syntax/parser.js"));
const { checkProgram, loadPrelude } = require(join(dist, "src/check/index.js"));
const { checkBorrows } = require(join(dist, "src/check/borrow/index.js"));

const runs = Number(process.argv[2] ?? 5);
loadPrelude();
const sizes = [200, 400, 800, 1600].map((blocks, i) => {
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
/** Least-squares slope of log(ms) over log(lines). */
const slope = (points) => {
  const xs = points.map((p) => Math.log(p.lines));
  const ys = points.map((p) => Math.log(p.ms));
  const mx = xs.reduce((a, b) => a + b) / xs.length;
  const my = ys.reduce((a, b) => a + b) / ys.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return num / den;
};
for (const model of ["lexical", "nll"]) {
  const cpu = sizes.map((s) => ({ lines: s.lines, ms: median(times.get(`${model} ${s.scale}`)) }));
  const wall = sizes.map((s) => ({ lines: s.lines, ms: Math.min(...walls.get(`${model} ${s.scale}`)) }));
  sizes.forEach((s, i) => {
    const ms = cpu[i].ms;
    const best = wall[i].ms;
    console.log(
      `${model.padEnd(7)} ${s.scale}× (${s.lines} lines in one function): ${ms.toFixed(1).padStart(7)} ms cpu (median), ${((1000 * ms) / s.lines).toFixed(1).padStart(5)} µs/line;` +
        ` best wall ${best.toFixed(1).padStart(7)} ms, ${((1000 * best) / s.lines).toFixed(1).padStart(5)} µs/line`,
    );
  });
  console.log(`${model.padEnd(7)} slope of log(time) over log(lines), 1× to 8×: cpu ${slope(cpu).toFixed(2)}, best wall ${slope(wall).toFixed(2)} (1.00 = linear)`);
}
