// Accuracy of the vectorized exp / log / tanh / sigmoid kernels, in ulps against Math.* (rounded
// to f32 for the f32 kernels), over wide ranges and at the special values; f32 and f64.

import { Runtime } from "./runtime";
import { Lcg, ulpDistance, ulpDistance64 } from "./testing/reference";
import type { Tensor } from "./api";

const rt = new Runtime();

/** Applies `op` to `xs` through the runtime and returns the worst ulp error and where. */
function worstUlp(xs: number[], op: (t: Tensor) => Tensor, f: (x: number) => number): { ulp: number; at: number } {
  const t = rt.from(xs);
  const out = op(t);
  let worst = { ulp: 0, at: NaN };
  for (let i = 0; i < xs.length; i++) {
    const u = ulpDistance(out.getFlat(i), Math.fround(f(Math.fround(xs[i]))));
    if (u > worst.ulp) worst = { ulp: u, at: xs[i] };
  }
  t.free();
  out.free();
  return worst;
}

function linspace(lo: number, hi: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.fround(lo + ((hi - lo) * i) / (n - 1)));
}

function logspace(lo: number, hi: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.fround(Math.exp(Math.log(lo) + ((Math.log(hi) - Math.log(lo)) * i) / (n - 1))));
}

test("the kernels are loaded (otherwise this measures Math.*)", () => {
  expect(rt.kernels).not.toBeNull();
});

test("exp is within 2 ulp over its whole finite range, subnormal results included", () => {
  expect(worstUlp(linspace(-87, 88.7, 200001), (t) => t.exp(), Math.exp).ulp).toBeLessThanOrEqual(2);
  expect(worstUlp(linspace(-1, 1, 20001), (t) => t.exp(), Math.exp).ulp).toBeLessThanOrEqual(2);
  expect(worstUlp(linspace(-103, -87.5, 2001), (t) => t.exp(), Math.exp).ulp).toBeLessThanOrEqual(2);
});

test("log is within 2 ulp from subnormals to the largest floats", () => {
  expect(worstUlp(logspace(1e-44, 3e38, 200001), (t) => t.log(), Math.log).ulp).toBeLessThanOrEqual(2);
  expect(worstUlp(linspace(0.5, 2, 20001), (t) => t.log(), Math.log).ulp).toBeLessThanOrEqual(2);
});

test("tanh and sigmoid are within 4 ulp", () => {
  expect(worstUlp(linspace(-12, 12, 100001), (t) => t.tanh(), Math.tanh).ulp).toBeLessThanOrEqual(4);
  expect(worstUlp(logspace(1e-30, 1, 10001), (t) => t.tanh(), Math.tanh).ulp).toBeLessThanOrEqual(4);
  expect(worstUlp(linspace(-80, 40, 100001), (t) => t.sigmoid(), (x) => 1 / (1 + Math.exp(-x))).ulp).toBeLessThanOrEqual(4);
});

test("sqrt is exact", () => {
  expect(worstUlp(logspace(1e-40, 1e38, 50001), (t) => t.sqrt(), Math.sqrt).ulp).toBe(0);
});

test("special values behave as Math.* does", () => {
  const xs = [0, -0, Infinity, -Infinity, NaN, -1, 1e-45, 3e-39, 20, -20].map(Math.fround);
  const pick = (op: (t: Tensor) => Tensor) => {
    const t = rt.from(xs);
    const out = op(t);
    return xs.map((_, i) => out.getFlat(i));
  };
  const same = (got: number[], f: (x: number) => number) =>
    got.forEach((g, i) => expect(Object.is(g, Math.fround(f(xs[i]))) || (g === 0 && f(xs[i]) === 0)).toBe(true));
  same(pick((t) => t.exp()), Math.exp);
  same(pick((t) => t.log()), Math.log);
  same(pick((t) => t.tanh()), Math.tanh);
  same(pick((t) => t.sigmoid()), (x) => 1 / (1 + Math.exp(-x)));
  same(pick((t) => t.sqrt()), Math.sqrt);
  expect(pick((t) => t.relu()).slice(0, 6)).toEqual([0, 0, Infinity, 0, NaN, 0]);
});

describe("f64 kernels", () => {
  /** Worst f64 ulp error of `op` over `xs`, on a length that is not a multiple of two. */
  function worstUlp64(xs: number[], op: (t: Tensor) => Tensor, f: (x: number) => number): { ulp: number; at: number } {
    const t = rt.from(xs.length % 2 === 0 ? xs.concat([xs[0]]) : xs, "f64");
    const out = op(t);
    expect(out.dtype).toBe("f64");
    let worst = { ulp: 0, at: NaN };
    for (let i = 0; i < t.numel(); i++) {
      const u = ulpDistance64(out.getFlat(i), f(t.getFlat(i)));
      if (u > worst.ulp) worst = { ulp: u, at: t.getFlat(i) };
    }
    t.free();
    out.free();
    return worst;
  }
  const rng = new Lcg(31);
  const uniform = (lo: number, hi: number, n: number) => Array.from({ length: n }, () => lo + (hi - lo) * rng.next());
  const logUniform = (lo: number, hi: number, n: number) =>
    Array.from({ length: n }, () => Math.exp(Math.log(lo) + (Math.log(hi) - Math.log(lo)) * rng.next()));

  test("kernels exist for the f64 math", () => {
    expect(rt.kernels!.hasUnary(1 /* UnOp.Exp */, "f64")).toBe(true);
  });

  test("exp is within 1 ulp from the subnormal results to overflow", () => {
    expect(worstUlp64(uniform(-746, 709.78, 100001), (t) => t.exp(), Math.exp).ulp).toBeLessThanOrEqual(1);
    expect(worstUlp64(uniform(-1, 1, 20001), (t) => t.exp(), Math.exp).ulp).toBeLessThanOrEqual(1);
    expect(worstUlp64(uniform(-1e-9, 1e-9, 2001), (t) => t.exp(), Math.exp).ulp).toBeLessThanOrEqual(1);
  });

  test("log is within 1 ulp from subnormals to the largest doubles", () => {
    expect(worstUlp64(logUniform(5e-324, 1.7e308, 100001), (t) => t.log(), Math.log).ulp).toBeLessThanOrEqual(1);
    expect(worstUlp64(uniform(0.5, 2, 20001), (t) => t.log(), Math.log).ulp).toBeLessThanOrEqual(1);
  });

  test("tanh and sigmoid are within 4 ulp", () => {
    expect(worstUlp64(uniform(-25, 25, 100001), (t) => t.tanh(), Math.tanh).ulp).toBeLessThanOrEqual(4);
    expect(worstUlp64(logUniform(1e-300, 1, 10001), (t) => t.tanh(), Math.tanh).ulp).toBeLessThanOrEqual(4);
    expect(worstUlp64(uniform(-745, 40, 100001), (t) => t.sigmoid(), (x) => 1 / (1 + Math.exp(-x))).ulp).toBeLessThanOrEqual(4);
  });

  test("special values behave as Math.* does", () => {
    const xs = [0, -0, Infinity, -Infinity, NaN, -1, 5e-324, 2e-308, 1.7976931348623157e308, 709.79, -745.2, 30, -30];
    for (const [op, f] of [
      [(t: Tensor) => t.exp(), Math.exp],
      [(t: Tensor) => t.log(), Math.log],
      [(t: Tensor) => t.tanh(), Math.tanh],
      [(t: Tensor) => t.sigmoid(), (x: number) => 1 / (1 + Math.exp(-x))],
    ] as [(t: Tensor) => Tensor, (x: number) => number][]) {
      const out = op(rt.from(xs, "f64"));
      xs.forEach((x, i) => {
        const want = f(x);
        if (!Object.is(out.getFlat(i), want)) throw new Error(`f64 ${op} of ${x}: ${out.getFlat(i)}, expected ${want}`);
      });
    }
  });
});
