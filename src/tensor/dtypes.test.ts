// The f64 and i32 kernels (f64x2 and i32x4 lanes) against the reference, with the JS paths run
// on the same cases: elementwise arithmetic with broadcasting (i32 wrapping as the JS path's
// `| 0` and Math.imul do), unary ops on every layout, reductions over everything and along each dim,
// the f64 and i32 GEMMs, softmax, strided copies, and argmax along a middle dim (its own kernel).

import type { DType, Tensor } from "./api";
import { BinOp, UnOp } from "./ops/elementwise";
import { ReduceOp } from "./ops/reduce";
import { Runtime } from "./runtime";
import type { DenseTensor } from "./tensor";
import { expectClose, makeTensor, partnerShape, randomShape, randomValues } from "./testing/cases";
import { Lcg, lanes, numel, refBroadcast, refMatmul2d, refSoftmax, toRef } from "./testing/reference";

const kernelRuntime = new Runtime();
const jsRuntime = new Runtime({ kernels: false });

test("the kernels cover f64 and i32", () => {
  const k = kernelRuntime.kernels!;
  expect(k).not.toBeNull();
  for (const op of [UnOp.Neg, UnOp.Abs, UnOp.Relu]) {
    expect(k.hasUnary(op, "f64")).toBe(true);
    expect(k.hasUnary(op, "i32")).toBe(true);
  }
  for (const op of [UnOp.Sqrt, UnOp.Exp, UnOp.Log, UnOp.Tanh, UnOp.Sigmoid]) expect(k.hasUnary(op, "f64")).toBe(true);
  const x = kernelRuntime.arange(6, "f64") as DenseTensor;
  const sm = kernelRuntime.empty([6], "f64");
  expect(k.softmax("f64", sm.byteAddress, x.byteAddress, 1, 6, 1)).toBe(true);
  // float math on i32 gives f32 (as in PyTorch): converted by the JS loop
  expect(k.hasUnary(UnOp.Exp, "i32")).toBe(false);
  const none = { base: 0, rs: 0, cs: 0 };
  expect(k.gemm("f64", 0, 0, 0, none, none, 0)).toBe(true);
  expect(k.gemm("i32", 0, 0, 0, none, none, 0)).toBe(true);
  const a = kernelRuntime.arange(10, "f64") as DenseTensor;
  const out = kernelRuntime.empty([10], "f64");
  expect(k.binary(BinOp.Add, out, a, a)).toBe(true);
  expect(toRef(out).data).toEqual(Array.from({ length: 10 }, (_, i) => 2 * i));
  const i = kernelRuntime.arange(10, "i32") as DenseTensor;
  expect(k.reduceAll(ReduceOp.Sum, "i32", i.byteAddress, 10)).toBe(45);
});

/** Values for i32 cases: small ones, and ones near ±2^31 so that + - * wrap. */
function intValues(rng: Lcg, n: number, big: boolean): number[] {
  return Array.from({ length: n }, () => (big ? (rng.int(-(2 ** 31), 2 ** 31 - 1) | 0) : rng.int(-50, 50)));
}

describe.each([
  ["kernels", kernelRuntime],
  ["js", jsRuntime],
])("f64 and i32 (%s)", (_name, rt) => {
  const F64_OPS: [string, (a: Tensor, b: Tensor) => Tensor, (x: number, y: number) => number][] = [
    ["add", (a, b) => a.add(b), (x, y) => x + y],
    ["sub", (a, b) => a.sub(b), (x, y) => x - y],
    ["mul", (a, b) => a.mul(b), (x, y) => x * y],
    ["div", (a, b) => a.div(b), (x, y) => x / y],
  ];
  const I32_OPS: [string, (a: Tensor, b: Tensor) => Tensor, (x: number, y: number) => number][] = [
    ["add", (a, b) => a.add(b), (x, y) => (x + y) | 0],
    ["sub", (a, b) => a.sub(b), (x, y) => (x - y) | 0],
    ["mul", (a, b) => a.mul(b), (x, y) => Math.imul(x, y)],
  ];

  test.each([
    ["f64", F64_OPS],
    ["i32", I32_OPS],
  ] as const)("%s binary ops with broadcasting match the reference exactly", (dtype, ops) => {
    const rng = new Lcg(dtype === "f64" ? 11 : 12);
    for (let c = 0; c < 120; c++) {
      const [name, op, f] = ops[c % ops.length];
      let sa = randomShape(rng);
      let sb = partnerShape(rng, sa);
      if (rng.next() < 0.5) [sa, sb] = [sb, sa];
      const big = c % 2 === 0;
      const va = dtype === "i32" ? intValues(rng, numel(sa), big) : randomValues(rng, numel(sa), dtype);
      const vb = dtype === "i32" ? intValues(rng, numel(sb), big) : randomValues(rng, numel(sb), dtype);
      const a = makeTensor(rt, sa, va, dtype, rng.next() < 0.4);
      const b = makeTensor(rt, sb, vb, dtype, rng.next() < 0.4);
      const out = op(a, b);
      expect(out.dtype).toBe(dtype);
      const expected = refBroadcast({ shape: sa, data: va }, { shape: sb, data: vb }, f);
      expectClose(toRef(out), expected, () => 0, `${dtype} ${name} ${JSON.stringify(sa)} ${JSON.stringify(sb)}`);
      [a, b, out].forEach((t) => t.free());
    }
  });

  test("scalar forms: t op s and s op t, f64 and i32 (wrapping)", () => {
    const rng = new Lcg(13);
    for (const n of [0, 1, 2, 3, 5, 17, 64, 67]) {
      const vf = randomValues(rng, n, "f64");
      const f = rt.from(vf, "f64");
      const s = 0.1 + rng.next();
      expectClose(toRef(f.add(s)), { shape: [n], data: vf.map((x) => x + s) }, () => 0, "f64 t + s");
      expectClose(toRef(f.sub(s)), { shape: [n], data: vf.map((x) => x - s) }, () => 0, "f64 t - s");
      expectClose(toRef(f.rsub(s)), { shape: [n], data: vf.map((x) => s - x) }, () => 0, "f64 s - t");
      expectClose(toRef(f.mul(s)), { shape: [n], data: vf.map((x) => x * s) }, () => 0, "f64 t * s");
      expectClose(toRef(f.div(s)), { shape: [n], data: vf.map((x) => x / s) }, () => 0, "f64 t / s");
      expectClose(toRef(f.rdiv(s)), { shape: [n], data: vf.map((x) => s / x) }, () => 0, "f64 s / t");
      const vi = intValues(rng, n, true);
      const t = rt.from(vi, "i32");
      const k = 2 ** 30 + 7;
      expect(toRef(t.add(k)).data).toEqual(vi.map((x) => (x + k) | 0));
      expect(toRef(t.sub(k)).data).toEqual(vi.map((x) => (x - k) | 0));
      expect(toRef(t.rsub(k)).data).toEqual(vi.map((x) => (k - x) | 0));
      expect(toRef(t.mul(3)).data).toEqual(vi.map((x) => Math.imul(x, 3)));
      expect(t.mul(3).dtype).toBe("i32");
      expect(t.div(2).dtype).toBe("f32");
    }
  });

  test("unary ops over random shapes and layouts; i32 abs and neg wrap at i32::MIN", () => {
    const rng = new Lcg(14);
    const cases: [DType, string, (t: Tensor) => Tensor, (x: number) => number][] = [
      ["f64", "neg", (t) => t.neg(), (x) => -x],
      ["f64", "abs", (t) => t.abs(), Math.abs],
      ["f64", "sqrt", (t) => t.sqrt(), Math.sqrt],
      ["f64", "relu", (t) => t.relu(), (x) => (x > 0 ? x : 0)],
      ["f64", "exp", (t) => t.exp(), Math.exp],
      ["f64", "tanh", (t) => t.tanh(), Math.tanh],
      ["i32", "neg", (t) => t.neg(), (x) => -x | 0],
      ["i32", "abs", (t) => t.abs(), (x) => Math.abs(x) | 0],
      ["i32", "relu", (t) => t.relu(), (x) => (x > 0 ? x : 0)],
    ];
    for (let c = 0; c < 90; c++) {
      const [dtype, name, op, f] = cases[c % cases.length];
      const shape = randomShape(rng);
      const v = dtype === "i32" ? intValues(rng, numel(shape), c % 2 === 0) : randomValues(rng, numel(shape), dtype, name === "sqrt" ? 0 : -4, 4);
      if (dtype === "i32" && v.length > 0) v[0] = -(2 ** 31);
      const a = makeTensor(rt, shape, v, dtype, c % 3 === 0);
      const out = op(a);
      expect(out.dtype).toBe(dtype);
      // exp and tanh are polynomials (within 1 and 4 ulp, see math.test.ts); the rest are exact
      const expected = v.map(f);
      const tol = name === "exp" || name === "tanh" ? (i: number) => 4 * 2 ** -52 * Math.abs(expected[i]) : () => 0;
      expectClose(toRef(out), { shape, data: expected }, tol, `${dtype} ${name} ${JSON.stringify(shape)}`);
      a.free();
      out.free();
    }
    expect(toRef(rt.from([-0, NaN, -1.5], "f64").relu()).data).toEqual([0, NaN, 0]);
  });

  test("reductions over everything: f64 sums to a few ulp, i32 sums exact then wrapped into i32", () => {
    const rng = new Lcg(15);
    for (let c = 0; c < 60; c++) {
      const dtype: DType = c % 2 === 0 ? "f64" : "i32";
      const shape = randomShape(rng, 4, 6000);
      const n = numel(shape);
      const v = dtype === "i32" ? intValues(rng, n, c % 4 === 1) : randomValues(rng, n, dtype);
      const a = makeTensor(rt, shape, v, dtype, c % 3 === 0);
      const sum = v.reduce((s, x) => s + x, 0);
      const tol = dtype === "f64" ? 1e-14 * v.reduce((s, x) => s + Math.abs(x), 0) : 0;
      const got = a.sum().item();
      expect(Math.abs(got - (dtype === "i32" ? sum | 0 : sum))).toBeLessThanOrEqual(tol);
      if (n === 0) continue;
      expect(Math.abs(a.mean().item() - (dtype === "i32" ? Math.fround(sum / n) : sum / n))).toBeLessThanOrEqual(tol / n + (dtype === "i32" ? Math.abs(sum / n) * 2 ** -23 : 0));
      expect(a.max().item()).toBe(Math.max(...v));
      expect(a.min().item()).toBe(Math.min(...v));
      expect(a.argmax().item()).toBe(v.indexOf(Math.max(...v)));
    }
    const withNaN = rt.from([1, 2, NaN, 7, NaN, 0, 0], "f64");
    expect(withNaN.max().item()).toBeNaN();
    expect(withNaN.argmax().item()).toBe(2);
  });

  test("reductions along each dim, f64 and i32", () => {
    const rng = new Lcg(16);
    for (let c = 0; c < 80; c++) {
      const dtype: DType = c % 2 === 0 ? "f64" : "i32";
      const shape = randomShape(rng, 4, 3000);
      if (shape.length === 0) continue;
      const v = dtype === "i32" ? intValues(rng, numel(shape), c % 4 === 1) : randomValues(rng, numel(shape), dtype);
      const a = makeTensor(rt, shape, v, dtype, c % 3 === 0);
      const d = rng.int(0, shape.length - 1);
      const { outShape, groups } = lanes({ shape, data: v }, d);
      const sums = groups.map((g) => g.reduce((s, x) => s + x, 0));
      const tol = (i: number) => (dtype === "f64" ? 1e-14 * groups[i].reduce((s, x) => s + Math.abs(x), 0) : 0);
      expectClose(toRef(a.sumDim(d)), { shape: outShape, data: dtype === "i32" ? sums.map((s) => s | 0) : sums }, tol, `${dtype} sumDim ${d} ${JSON.stringify(shape)}`);
      if (shape[d] === 0) continue;
      if (dtype === "f64") expectClose(toRef(a.meanDim(d)), { shape: outShape, data: sums.map((s, i) => s / groups[i].length) }, tol, "meanDim");
      expectClose(toRef(a.maxDim(d)), { shape: outShape, data: groups.map((g) => Math.max(...g)) }, () => 0, `${dtype} maxDim`);
      expectClose(toRef(a.minDim(d)), { shape: outShape, data: groups.map((g) => Math.min(...g)) }, () => 0, `${dtype} minDim`);
      expectClose(toRef(a.argmaxDim(d)), { shape: outShape, data: groups.map((g) => g.indexOf(Math.max(...g))) }, () => 0, `${dtype} argmaxDim ${d} ${JSON.stringify(shape)}`);
    }
  });

  test("f64 softmax along every dim of random shapes and layouts", () => {
    const rng = new Lcg(25);
    for (let c = 0; c < 40; c++) {
      const shape = randomShape(rng, 3, 3000);
      if (shape.length === 0) continue;
      const v = randomValues(rng, numel(shape), "f64", -30, 30);
      const a = makeTensor(rt, shape, v, "f64", c % 2 === 1);
      const d = rng.int(0, shape.length - 1);
      const out = a.softmax(d);
      expect(out.dtype).toBe("f64");
      const expected = refSoftmax({ shape, data: v }, d).data;
      expectClose(toRef(out), { shape, data: expected }, (i) => 1e-14 * expected[i] + 1e-300, `f64 softmax dim ${d} of ${JSON.stringify(shape)}`);
      a.free();
      out.free();
    }
  });

  test.each(["f32", "f64"] as const)("%s argmax along a middle dim: first maximum, or first NaN, in every column", (dtype) => {
    const rng = new Lcg(17);
    for (const [outer, n, inner] of [
      [1, 5, 2],
      [2, 7, 4],
      [3, 9, 5],
      [1, 33, 17],
      [2, 1, 6],
    ]) {
      const v = randomValues(rng, outer * n * inner, dtype).map((x) => Math.round(x)); // ties
      for (let i = 0; i < v.length; i += 7) if (rng.next() < 0.3) v[i] = NaN;
      const a = rt.from(v, dtype).reshape([outer, n, inner]);
      const { outShape, groups } = lanes({ shape: [outer, n, inner], data: v }, 1);
      const first = (g: number[]) => {
        const nan = g.findIndex((x) => Number.isNaN(x));
        return nan >= 0 ? nan : g.indexOf(Math.max(...g));
      };
      expectClose(toRef(a.argmaxDim(1)), { shape: outShape, data: groups.map(first) }, () => 0, `argmax [${outer}, ${n}, ${inner}]`);
      const maxes = groups.map((g) => (g.some((x) => Number.isNaN(x)) ? NaN : Math.max(...g)));
      expectClose(toRef(a.maxDim(1)), { shape: outShape, data: maxes }, () => 0, "maxDim with NaN");
    }
  });

  test("f64 products with every combination of transposed operands, across the cache blocks", () => {
    const rng = new Lcg(18);
    const SIZES = [0, 1, 2, 3, 4, 5, 7, 8, 9, 17, 33, 65];
    const shapes: [number, number, number][] = Array.from({ length: 40 }, () => [rng.pick(SIZES), rng.pick(SIZES), rng.pick(SIZES)]);
    shapes.push([70, 300, 13]); // k > KC, m > MC
    shapes.forEach(([m, k, n], c) => {
      const va = randomValues(rng, m * k, "f64", -1, 1);
      const vb = randomValues(rng, k * n, "f64", -1, 1);
      const a = makeTensor(rt, [m, k], va, "f64", c % 2 === 1);
      const b = makeTensor(rt, [k, n], vb, "f64", c % 4 >= 2);
      const out = a.matmul(b);
      expect(out.dtype).toBe("f64");
      const expected = refMatmul2d({ shape: [m, k], data: va }, { shape: [k, n], data: vb });
      expectClose(toRef(out), expected, () => 1e-15 * (k + 1) * 4, `f64 matmul ${m}x${k} @ ${k}x${n}`);
      [a, b, out].forEach((t) => t.free());
    });
  });

  test("i32 products wrap as PyTorch's int32 ones do, with transposed operands, across the blocks", () => {
    const rng = new Lcg(24);
    const SIZES = [0, 1, 3, 4, 5, 8, 9, 17, 33];
    const shapes: [number, number, number][] = Array.from({ length: 30 }, () => [rng.pick(SIZES), rng.pick(SIZES), rng.pick(SIZES)]);
    shapes.push([131, 300, 20]); // k > KC, m > MC
    shapes.forEach(([m, k, n], c) => {
      const big = c % 2 === 0;
      const va = intValues(rng, m * k, big);
      const vb = intValues(rng, k * n, big);
      const a = makeTensor(rt, [m, k], va, "i32", c % 2 === 1);
      const b = makeTensor(rt, [k, n], vb, "i32", c % 4 >= 2);
      const out = a.matmul(b);
      expect(out.dtype).toBe("i32");
      const expected: number[] = [];
      for (let i = 0; i < m; i++)
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let p = 0; p < k; p++) s = (s + Math.imul(va[i * k + p], vb[p * n + j])) | 0;
          expected.push(s);
        }
      expectClose(toRef(out), { shape: [m, n], data: expected }, () => 0, `i32 matmul ${m}x${k} @ ${k}x${n}`);
      [a, b, out].forEach((t) => t.free());
    });
  });

  test("strided f64 and i32 views copy into dense tensors", () => {
    const rng = new Lcg(19);
    for (const dtype of ["f64", "i32"] as DType[]) {
      for (let c = 0; c < 20; c++) {
        const shape = randomShape(rng);
        const v = randomValues(rng, numel(shape), dtype).map((x) => (dtype === "i32" ? x | 0 : x)); // (no -0 in i32)
        const a = makeTensor(rt, shape, v, dtype, true);
        const dense = (a as DenseTensor).contiguousOrCopy();
        expect(toRef(dense)).toEqual({ shape, data: v });
        a.free();
        if (dense !== a) dense.free();
      }
    }
  });
});

test("the f64 GEMM of the relaxed-SIMD build agrees with the plain one", () => {
  const plain = new Runtime({ relaxed: false });
  const rng = new Lcg(20);
  const [m, k, n] = [37, 300, 29];
  const va = randomValues(rng, m * k, "f64", -1, 1);
  const vb = randomValues(rng, k * n, "f64", -1, 1);
  const r1 = toRef(kernelRuntime.from(va, "f64").reshape([m, k]).matmul(kernelRuntime.from(vb, "f64").reshape([k, n])));
  const r2 = toRef(plain.from(va, "f64").reshape([m, k]).matmul(plain.from(vb, "f64").reshape([k, n])));
  expectClose(r1, r2, () => 1e-13, "relaxed vs plain f64");
});
