#!/usr/bin/env node
// How accurate is STARK's f32 sum, beside numpy's? Both sum the same f32 data (written to a
// temporary file for python3); the exact total is Python's math.fsum, or, without numpy, a
// compensated f64 sum here. Errors are reported in ulps of the f32 result.
//
//   npm run build && node bench/tensor/sum_accuracy.mjs
//
// STARK's kernel: blocks of 1024 elements, each summed by 8 f32x4 accumulators (32 lanes, so
// each lane adds 32 values in f32), and the block totals added in f64. numpy: pairwise summation
// in f32 (blocks of 128 elements unrolled 8 ways, then a binary tree of the block sums).

import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const require = createRequire(import.meta.url);
const { Runtime } = require(join(root, "dist/src/tensor/index.js"));

let seed = 12345;
const uniform = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
const DISTRIBUTIONS = {
  "uniform [0, 1)": () => uniform(),
  "normal (0, 1)": () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform()),
  "1 + uniform·1e-3": () => 1 + uniform() * 1e-3,
  "mixed magnitudes": () => (uniform() - 0.5) * 10 ** Math.floor(uniform() * 8 - 4),
};
const SIZES = [1e5, 1e6, 1e7];

/** Neumaier's compensated sum in f64: exact enough to judge an f32 result. */
function exactSum(xs) {
  let s = 0;
  let c = 0;
  for (const x of xs) {
    const t = s + x;
    c += Math.abs(s) >= Math.abs(x) ? s - t + x : x - t + s;
    s = t;
  }
  return s + c;
}

const ulpOf = (x) => {
  const f = Math.fround(Math.abs(x));
  const buf = new Float32Array([f]);
  const bits = new Uint32Array(buf.buffer);
  bits[0] += 1;
  return buf[0] - f;
};

const rt = new Runtime();
const dir = mkdtempSync(join(tmpdir(), "stark-sum-"));
const rows = [];
try {
  for (const [name, gen] of Object.entries(DISTRIBUTIONS)) {
    for (const n of SIZES) {
      const data = new Float32Array(n);
      for (let i = 0; i < n; i++) data[i] = gen();
      const exact = exactSum(data);
      const t = rt.from(Array.from(data));
      const s = t.sum();
      const stark = s.item();
      t.free();
      s.free();
      const file = join(dir, "data.f32");
      writeFileSync(file, data);
      let numpy = null;
      try {
        const out = execFileSync("python3", ["-c", "import sys, math, numpy as np\nx = np.fromfile(sys.argv[1], dtype=np.float32)\nprint(repr(float(x.sum())), repr(math.fsum(x.tolist())))", file], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
        numpy = out.trim().split(" ").map(Number);
      } catch {
        /* numpy not installed: STARK's column only */
      }
      const truth = numpy ? numpy[1] : exact;
      const ulp = ulpOf(truth);
      rows.push([name, n, Math.abs(stark - truth) / ulp, numpy ? Math.abs(numpy[0] - truth) / ulp : null]);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

console.log("f32 sum, error in ulps of the f32 result (0.5 = correctly rounded)");
console.log(`  ${"data".padEnd(20)} ${"n".padStart(9)}   ${"STARK".padStart(8)}   ${"numpy".padStart(8)}`);
for (const [name, n, s, q] of rows) {
  console.log(`  ${name.padEnd(20)} ${String(n).padStart(9)}   ${s.toFixed(2).padStart(8)}   ${q == null ? "       -" : q.toFixed(2).padStart(8)}`);
}
