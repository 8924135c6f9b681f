// Every op against the naive reference (testing/reference.ts) on random shapes: broadcasting
// edge cases, size-0 and size-1 dims, non-contiguous views, lengths that are not a multiple of
// the SIMD width. Runs with the wasm kernels (built by `npm run build`) and with the JS paths.

import { StarkPanic } from "../diagnostics";
import type { DType, Shape, Tensor } from "./api";
import { Runtime } from "./runtime";
import { expectClose, makeTensor, nest, partnerShape, randomShape, randomValues } from "./testing/cases";
import { Lcg, lanes, numel, refBroadcast, refMatmul2d, refSoftmax, toRef } from "./testing/reference";

const kernelRuntime = new Runtime();
const jsRuntime = new Runtime({ kernels: false });

test("the SIMD kernels are built and loaded", () => {
  // `npm run build` assembles them; without them every op below would only test the JS paths.
  expect(kernelRuntime.kernels).not.toBeNull();
});

const F32_OPS: [string, (a: Tensor, b: Tensor | number) => Tensor, (x: number, y: number) => number][] = [
  ["add", (a, b) => a.add(b), (x, y) => x + y],
  ["sub", (a, b) => a.sub(b), (x, y) => x - y],
  ["mul", (a, b) => a.mul(b), (x, y) => x * y],
  ["div", (a, b) => a.div(b), (x, y) => x / y],
];

describe.each([
  ["kernels", kernelRuntime],
  ["js", jsRuntime],
])("elementwise (%s)", (_name, rt) => {
  test("binary ops with broadcasting match the reference exactly (f32 rounds once)", () => {
    const rng = new Lcg(1);
    for (let c = 0; c < 160; c++) {
      const [name, op, f] = F32_OPS[c % 4];
      let sa = randomShape(rng);
      let sb = partnerShape(rng, sa);
      if (rng.next() < 0.5) [sa, sb] = [sb, sa];
      const va = randomValues(rng, numel(sa), "f32");
      const vb = randomValues(rng, numel(sb), "f32");
      const a = makeTensor(rt, sa, va, "f32", rng.next() < 0.4);
      const b = makeTensor(rt, sb, vb, "f32", rng.next() < 0.4);
      const out = op(a, b);
      const expected = refBroadcast({ shape: sa, data: va }, { shape: sb, data: vb }, (x, y) => Math.fround(f(x, y)));
      expectClose(toRef(out), expected, () => 0, `${name} ${JSON.stringify(sa)} ${JSON.stringify(sb)}`);
      [a, b, out].forEach((t) => t.free());
    }
  });

  test("scalar forms: t op s, s - t, s / t", () => {
    const rng = new Lcg(2);
    for (let c = 0; c < 40; c++) {
      const shape = randomShape(rng);
      const v = randomValues(rng, numel(shape), "f32");
      const s = Math.fround(rng.next() * 3 + 0.5);
      const a = makeTensor(rt, shape, v, "f32", c % 2 === 1);
      const cases: [Tensor, (x: number) => number][] = [
        [a.add(s), (x) => x + s],
        [a.sub(s), (x) => x - s],
        [a.mul(s), (x) => x * s],
        [a.div(s), (x) => x / s],
        [a.rsub(s), (x) => s - x],
        [a.rdiv(s), (x) => s / x],
        [a.neg(), (x) => -x],
      ];
      for (const [out, f] of cases) {
        expectClose(toRef(out), { shape, data: v.map((x) => Math.fround(f(x))) }, () => 0, `scalar op on ${JSON.stringify(shape)}`);
        out.free();
      }
      a.free();
    }
  });

  test("f64 and i32 arithmetic, and integer division giving f32", () => {
    const a = rt.from([[1, 2, 3], [4, 5, 6]], "i32");
    const b = rt.from([10, 20, 30], "i32");
    expect(toRef(a.add(b)).data).toEqual([11, 22, 33, 14, 25, 36]);
    expect(a.mul(b).dtype).toBe("i32");
    const q = a.div(2);
    expect(q.dtype).toBe("f32");
    expect(toRef(q).data).toEqual([0.5, 1, 1.5, 2, 2.5, 3]);
    expect(a.add(0.5).dtype).toBe("f32");
    const d = rt.from([0.1, 0.2], "f64");
    expect(d.add(rt.from([0.2, 0.1], "f64")).getFlat(0)).toBe(0.1 + 0.2);
  });

  test("unary math over random shapes and layouts", () => {
    const rng = new Lcg(3);
    const ops: [string, (t: Tensor) => Tensor, (x: number) => number, number, number][] = [
      ["exp", (t) => t.exp(), Math.exp, -10, 10],
      ["log", (t) => t.log(), Math.log, 0.001, 100],
      ["sqrt", (t) => t.sqrt(), Math.sqrt, 0, 100],
      ["abs", (t) => t.abs(), Math.abs, -5, 5],
      ["relu", (t) => t.relu(), (x) => Math.max(0, x), -5, 5],
      ["sigmoid", (t) => t.sigmoid(), (x) => 1 / (1 + Math.exp(-x)), -10, 10],
      ["tanh", (t) => t.tanh(), Math.tanh, -5, 5],
    ];
    for (let c = 0; c < 70; c++) {
      const [name, op, f, lo, hi] = ops[c % ops.length];
      const shape = randomShape(rng);
      const v = randomValues(rng, numel(shape), "f32", lo, hi);
      const a = makeTensor(rt, shape, v, "f32", c % 3 === 0);
      const out = op(a);
      const expected = v.map((x) => Math.fround(f(x)));
      expectClose(toRef(out), { shape, data: expected }, (i) => Math.abs(expected[i]) * 4 * 2 ** -23 + 1e-30, name);
      a.free();
      out.free();
    }
  });

  test("in-place ops, on contiguous tensors and on views", () => {
    const a = rt.from([[1, 2, 3], [4, 5, 6]]);
    a.add_(rt.from([1, 1, 1]));
    a.mul_(2);
    expect(toRef(a).data).toEqual([4, 6, 8, 10, 12, 14]);
    const col = a.slice(1, 1, 2);
    col.fill_(0);
    col.add_(7);
    expect(toRef(a).data).toEqual([4, 7, 8, 10, 7, 14]);
    const tr = a.t();
    tr.mul_(rt.from([1, 10]));
    expect(toRef(a).data).toEqual([4, 7, 8, 100, 70, 140]);
    a.zero_();
    expect(toRef(a).data).toEqual([0, 0, 0, 0, 0, 0]);
    // b aliasing a at other positions must see a's old values
    const sq = rt.from([[1, 2], [3, 4]]);
    sq.add_(sq.t());
    expect(toRef(sq).data).toEqual([2, 5, 5, 8]);
    sq.mul_(rt.from([[2], [3]]));
    expect(toRef(sq).data).toEqual([4, 10, 15, 24]);
    const big = rt.arange(37);
    big.add_(big);
    big.mul_(0.5);
    expect(toRef(big).data).toEqual(Array.from({ length: 37 }, (_, i) => i));
    expect(() => a.add_(rt.zeros([3, 3]))).toThrow(StarkPanic);
  });
});

describe.each([
  ["kernels", kernelRuntime],
  ["js", jsRuntime],
])("reductions and softmax (%s)", (_name, rt) => {
  const sumTol = (vals: number[]) => 1e-6 * vals.reduce((s, x) => s + Math.abs(x), 0) + 1e-6;

  test("sum mean max min argmax over everything", () => {
    const rng = new Lcg(4);
    for (let c = 0; c < 60; c++) {
      const shape = randomShape(rng, 4, 6000);
      const n = numel(shape);
      const v = randomValues(rng, n, "f32");
      const a = makeTensor(rt, shape, v, "f32", c % 2 === 1);
      const sum = v.reduce((s, x) => s + x, 0);
      expect(Math.abs(a.sum().item() - sum)).toBeLessThanOrEqual(sumTol(v));
      if (n === 0) {
        expect(a.mean().item()).toBeNaN();
        expect(() => a.max()).toThrow(StarkPanic);
        continue;
      }
      expect(Math.abs(a.mean().item() - sum / n)).toBeLessThanOrEqual(sumTol(v) / n);
      expect(a.max().item()).toBe(Math.max(...v));
      expect(a.min().item()).toBe(Math.min(...v));
      expect(a.argmax().item()).toBe(v.indexOf(Math.max(...v)));
    }
  });

  test("reductions along each dim", () => {
    const rng = new Lcg(5);
    for (let c = 0; c < 60; c++) {
      const shape = randomShape(rng, 4, 3000);
      if (shape.length === 0) continue;
      const v = randomValues(rng, numel(shape), "f32");
      const a = makeTensor(rt, shape, v, "f32", c % 2 === 1);
      const d = rng.int(0, shape.length - 1);
      const { outShape, groups } = lanes({ shape, data: v }, d);
      const sums = groups.map((g) => g.reduce((s, x) => s + x, 0));
      expectClose(toRef(a.sumDim(d)), { shape: outShape, data: sums }, (i) => sumTol(groups[i]), "sumDim");
      if (shape[d] === 0) {
        expect(() => a.maxDim(d)).toThrow(StarkPanic);
        continue;
      }
      expectClose(toRef(a.meanDim(d)), { shape: outShape, data: sums.map((s, i) => s / groups[i].length) }, (i) => sumTol(groups[i]), "meanDim");
      expectClose(toRef(a.maxDim(d)), { shape: outShape, data: groups.map((g) => Math.max(...g)) }, () => 0, "maxDim");
      expectClose(toRef(a.minDim(d)), { shape: outShape, data: groups.map((g) => Math.min(...g)) }, () => 0, "minDim");
      const am = a.argmaxDim(d);
      expect(am.dtype).toBe("i32");
      expectClose(toRef(am), { shape: outShape, data: groups.map((g) => g.indexOf(Math.max(...g))) }, () => 0, "argmaxDim");
    }
  });

  test("negative dims count from the end; out-of-range dims are P0401", () => {
    const a = rt.from([[1, 2, 3], [4, 5, 6]]);
    expect(toRef(a.sumDim(-1)).data).toEqual([6, 15]);
    expect(() => a.sumDim(2)).toThrow(/Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)/);
  });

  test("max propagates NaN and argmax points at the first NaN, as in PyTorch", () => {
    const a = rt.from([1, NaN, 3, NaN, 0, 0, 0, 0, 0]);
    expect(a.max().item()).toBeNaN();
    expect(a.argmax().item()).toBe(1);
  });

  test("max and min of signed zeros follow IEEE 754 (max(-0, +0) = +0); a NaN anywhere wins", () => {
    for (const n of [2, 5, 16, 17, 64, 67]) {
      for (const at of [0, n - 1, Math.floor(n / 2)]) {
        const zeros = Array.from({ length: n }, (_, i) => (i === at ? 0 : -0));
        expect(Object.is(rt.from(zeros).max().item(), 0)).toBe(true);
        expect(Object.is(rt.from(zeros).min().item(), -0)).toBe(true);
        expect(Object.is(rt.from(zeros.map((z) => -z)).min().item(), -0)).toBe(true);
        expect(Object.is(rt.from(zeros.map(() => -0)).max().item(), -0)).toBe(true);
        const withNaN = Array.from({ length: n }, (_, i) => (i === at ? NaN : i));
        expect(rt.from(withNaN).max().item()).toBeNaN();
        expect(rt.from(withNaN, "f64").min().item()).toBeNaN();
        expect(rt.from(withNaN).argmax().item()).toBe(at);
        const rows = rt.from(withNaN.concat(withNaN)).reshape([2, n]);
        expect(toRef(rows.maxDim(1)).data).toEqual([NaN, NaN]);
        expect(toRef(rows.argmaxDim(1)).data).toEqual([at, at]);
      }
    }
  });

  test("max and min along a middle dim: NaN wins per column, signed zeros as IEEE 754", () => {
    const ieee = (isMax: boolean) => (m: number, v: number) =>
      m !== m || v !== v ? NaN : v === 0 && m === 0 ? (Object.is(isMax ? m : v, -0) ? v : m) : isMax ? Math.max(m, v) : Math.min(m, v);
    const rng = new Lcg(23);
    for (const dtype of ["f32", "f64"] as const) {
      for (const [outer, n, inner] of [
        [1, 3, 17],
        [2, 5, 36],
        [1, 2, 67],
      ]) {
        // zeros of both signs, some negatives, a few NaNs
        const v = Array.from({ length: outer * n * inner }, () => {
          const r = rng.next();
          return r < 0.4 ? -0 : r < 0.7 ? 0 : r < 0.97 ? Math.fround(-1 - rng.next()) : NaN;
        });
        const a = rt.from(v, dtype).reshape([outer, n, inner]);
        const { outShape, groups } = lanes({ shape: [outer, n, inner], data: v }, 1);
        for (const isMax of [true, false]) {
          const got = toRef(isMax ? a.maxDim(1) : a.minDim(1));
          expect(got.shape).toEqual(outShape);
          const want = groups.map((g) => g.reduce(ieee(isMax)));
          want.forEach((w, i) => {
            if (!Object.is(got.data[i], w)) throw new Error(`${dtype} ${isMax ? "max" : "min"} column ${i}: ${got.data[i]}, expected ${Object.is(w, -0) ? "-0" : w}`);
          });
        }
      }
    }
  });

  test("softmax along every dim", () => {
    const rng = new Lcg(6);
    for (let c = 0; c < 40; c++) {
      const shape = randomShape(rng, 3, 3000);
      if (shape.length === 0) continue;
      const v = randomValues(rng, numel(shape), "f32", -20, 20);
      const a = makeTensor(rt, shape, v, "f32", c % 2 === 1);
      const d = rng.int(0, shape.length - 1);
      const out = toRef(a.softmax(d));
      const expected = refSoftmax({ shape, data: v }, d).data;
      expectClose(out, { shape, data: expected }, (i) => 4e-7 * expected[i] + 1e-9, `softmax dim ${d} of ${JSON.stringify(shape)}`);
    }
  });
});

describe.each([
  ["kernels", kernelRuntime],
  ["js", jsRuntime],
])("matmul (%s)", (_name, rt) => {
  const SIZES = [0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33, 64, 65];

  test("2-D products with every combination of transposed operands", () => {
    const rng = new Lcg(7);
    for (let c = 0; c < 60; c++) {
      const m = rng.pick(SIZES);
      const k = rng.pick(SIZES);
      const n = rng.pick(SIZES);
      const va = randomValues(rng, m * k, "f32", -1, 1);
      const vb = randomValues(rng, k * n, "f32", -1, 1);
      const a = makeTensor(rt, [m, k], va, "f32", c % 2 === 1);
      const b = makeTensor(rt, [k, n], vb, "f32", c % 4 >= 2);
      const out = a.matmul(b);
      const expected = refMatmul2d({ shape: [m, k], data: va }, { shape: [k, n], data: vb });
      expectClose(toRef(out), expected, () => 2e-7 * (k + 1) * 4, `matmul ${m}x${k} @ ${k}x${n}`);
      [a, b, out].forEach((t) => t.free());
    }
  });

  test("a large product crosses the GEMM's cache blocks (k > 256, m > 128)", () => {
    const rng = new Lcg(8);
    const [m, k, n] = [131, 300, 45];
    const va = randomValues(rng, m * k, "f32", -1, 1);
    const vb = randomValues(rng, k * n, "f32", -1, 1);
    const a = makeTensor(rt, [m, k], va, "f32", false);
    const b = makeTensor(rt, [k, n], vb, "f32", true);
    const expected = refMatmul2d({ shape: [m, k], data: va }, { shape: [k, n], data: vb });
    expectClose(toRef(a.matmul(b)), expected, () => 1e-4, "blocked matmul");
    const at = a.t().contiguousOrCopy().t();
    expectClose(toRef(at.matmul(b)), expected, () => 1e-4, "blocked matmul, A transposed");
  });

  test.each(["f32", "f64"] as DType[])("a wide %s product crosses the GEMM's B panel width (n > 2048, not a multiple of NR)", (dtype) => {
    const rng = new Lcg(9);
    const [m, k, n] = [5, 7, 2053];
    const va = randomValues(rng, m * k, dtype, -1, 1);
    const vb = randomValues(rng, k * n, dtype, -1, 1);
    const expected = refMatmul2d({ shape: [m, k], data: va }, { shape: [k, n], data: vb });
    const out = makeTensor(rt, [m, k], va, dtype, false).matmul(makeTensor(rt, [k, n], vb, dtype, false));
    expectClose(toRef(out), expected, () => 1e-5, `wide ${dtype} matmul`);
  });

  test("vectors, batches and broadcast batches", () => {
    const a = rt.from([[1, 2, 3], [4, 5, 6]]);
    const v = rt.from([1, 0, -1]);
    expect(toRef(a.matmul(v))).toEqual({ shape: [2], data: [-2, -2] });
    expect(toRef(rt.from([1, 1]).matmul(a))).toEqual({ shape: [3], data: [5, 7, 9] });
    expect(toRef(v.matmul(v))).toEqual({ shape: [], data: [2] });
    const batch = rt.from([[[1, 0], [0, 1]], [[2, 0], [0, 2]]]);
    expect(toRef(batch.matmul(a))).toEqual({ shape: [2, 2, 3], data: [1, 2, 3, 4, 5, 6, 2, 4, 6, 8, 10, 12] });
    expect(toRef(rt.from([[1, 2]], "i32").matmul(rt.from([[3], [4]], "i32")))).toEqual({ shape: [1, 1], data: [11] });
  });

  test("shape and dtype errors name both operands", () => {
    const a = rt.zeros([2, 3]);
    expect(() => a.matmul(rt.zeros([4, 5]))).toThrow("mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)");
    try {
      a.matmul(rt.zeros([3, 2], "f64"));
      throw new Error("no panic");
    } catch (e) {
      expect((e as StarkPanic).code).toBe("P0402");
    }
  });
});

describe("errors", () => {
  const rt = kernelRuntime;
  test("broadcast mismatch is P0401 in PyTorch's words, with both shapes", () => {
    try {
      rt.zeros([2, 3]).add(rt.zeros([2, 4]));
      throw new Error("no panic");
    } catch (e) {
      expect(e).toBeInstanceOf(StarkPanic);
      expect((e as StarkPanic).code).toBe("P0401");
      expect((e as Error).message).toBe(
        "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1 (shapes [2, 3] and [2, 4])",
      );
    }
  });
  test("dtype mismatch is P0402", () => {
    expect(() => rt.zeros([2]).add(rt.zeros([2], "f64"))).toThrow(expect.objectContaining({ code: "P0402" }));
  });
  test("indexing out of bounds is P0103; a wrong index count and a bad reshape are P0401", () => {
    const a = rt.zeros([2, 3]);
    expect(() => a.get([2, 0])).toThrow(expect.objectContaining({ code: "P0103", message: "index 2 is out of bounds for dimension 0 with size 2" }));
    expect(() => a.get([0])).toThrow(expect.objectContaining({ code: "P0401" }));
    expect(() => a.reshape([4, 2])).toThrow(expect.objectContaining({ code: "P0401", message: "shape '[4, 2]' is invalid for input of size 6" }));
    expect(() => a.item()).toThrow(expect.objectContaining({ code: "P0401" }));
    expect(() => rt.from([[1, 2], [3]] as any)).toThrow(expect.objectContaining({ code: "P0401" }));
  });
});

describe("kernel builds", () => {
  test("relaxed SIMD is detected, not assumed; both builds compute the same products", () => {
    const plain = new Runtime({ relaxed: false });
    expect(plain.kernels?.variant).toBe("simd128");
    const auto = kernelRuntime.kernels!.variant;
    // Node 20 runs relaxed SIMD once the V8 flag is set; either answer is legitimate elsewhere
    expect(["simd128", "relaxed-simd"]).toContain(auto);
    const rng = new Lcg(9);
    const [m, k, n] = [37, 300, 29];
    const va = randomValues(rng, m * k, "f32", -1, 1);
    const vb = randomValues(rng, k * n, "f32", -1, 1);
    const r1 = toRef(kernelRuntime.from(nest(va, [m, k])).matmul(kernelRuntime.from(nest(vb, [k, n]))));
    const r2 = toRef(plain.from(nest(va, [m, k])).matmul(plain.from(nest(vb, [k, n]))));
    // fused multiply-add rounds once instead of twice: results differ in the last bits only
    expectClose(r1, r2, () => 1e-4, "relaxed vs plain");
  });
});
