// The f32 sum's accuracy (blocked summation: f32 lanes within blocks of 1024, block totals in
// f64 — see sumF32 in kernels/wat.mjs): on a million random values it is as exact as numpy's
// pairwise sum (bench/tensor/sum_accuracy.mjs prints both), far better than one f32 running
// total, and lengths around the block and vector sizes sum every element once.

import { Runtime } from "./runtime";
import { Lcg } from "./testing/reference";

const rt = new Runtime();

/** Neumaier's compensated f64 sum: the reference total. */
function exactSum(xs: Float32Array): number {
  let s = 0;
  let c = 0;
  for (const x of xs) {
    const t = s + x;
    c += Math.abs(s) >= Math.abs(x) ? s - t + x : x - t + s;
    s = t;
  }
  return s + c;
}

function ulp(x: number): number {
  const f = new Float32Array([Math.abs(x)]);
  const bits = new Uint32Array(f.buffer);
  const lo = f[0];
  bits[0] += 1;
  return f[0] - lo;
}

function starkSum(data: Float32Array): number {
  const t = rt.from(Array.from(data));
  const s = t.sum();
  const v = s.item();
  t.free();
  s.free();
  return v;
}

test("the kernels are loaded (otherwise this measures the JS f64 loop)", () => {
  expect(rt.kernels).not.toBeNull();
});

test("a million uniform values sum to within 1 ulp; one f32 running total is off by more than 8", () => {
  const rng = new Lcg(21);
  const data = Float32Array.from({ length: 1_000_000 }, () => rng.next());
  const exact = exactSum(data);
  expect(Math.abs(starkSum(data) - exact)).toBeLessThanOrEqual(ulp(exact));
  let naive = 0;
  for (const x of data) naive = Math.fround(naive + x);
  expect(Math.abs(naive - exact)).toBeGreaterThan(8 * ulp(exact));
});

test("with cancellation (normal values), the error stays within the blocked-summation bound", () => {
  const rng = new Lcg(22);
  const data = Float32Array.from({ length: 1_000_000 }, () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next()));
  const exact = exactSum(data);
  const absSum = data.reduce((s, x) => s + Math.abs(x), 0);
  // each block: 32 sequential f32 adds per lane and a 5-level tree, then exact f64 additions;
  // the bound is (32 + 5) u Σ|x| in the worst case, and random errors are far below it
  const bound = 37 * 2 ** -24 * absSum;
  const err = Math.abs(starkSum(data) - exact);
  expect(err).toBeLessThanOrEqual(bound / 100);
});

test("lengths around the vector, iteration and block sizes add every element once", () => {
  for (const n of [0, 1, 3, 4, 31, 32, 33, 1023, 1024, 1025, 2047, 4096 + 37]) {
    const data = Float32Array.from({ length: n }, (_, i) => (i % 7) + 1);
    expect(starkSum(data)).toBe(data.reduce((s, x) => s + x, 0));
  }
});
