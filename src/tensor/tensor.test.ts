// Creation, queries, views, concat and seeded randomness (the §6 surface outside the math).

import { Runtime } from "./runtime";
import { toRef } from "./testing/reference";

const rt = new Runtime();

test("creation functions", () => {
  expect(toRef(rt.zeros([2, 2]))).toEqual({ shape: [2, 2], data: [0, 0, 0, 0] });
  expect(toRef(rt.ones([3]))).toEqual({ shape: [3], data: [1, 1, 1] });
  expect(toRef(rt.full([2], 2.5, "f64"))).toEqual({ shape: [2], data: [2.5, 2.5] });
  expect(toRef(rt.arange(4))).toEqual({ shape: [4], data: [0, 1, 2, 3] });
  expect(toRef(rt.eye(3)).data).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
  expect(toRef(rt.from([[1.5, 2], [3, 4]], "i32"))).toEqual({ shape: [2, 2], data: [1, 2, 3, 4] });
  expect(rt.from(3).shape).toEqual([]);
  expect(rt.from([]).shape).toEqual([0]);
  expect(rt.full([3], 0.1).getFlat(0)).toBe(Math.fround(0.1));
  expect(() => rt.zeros([2, -1])).toThrow(expect.objectContaining({ code: "P0401" }));
});

test("zeros really are zero when the allocator reuses a dirty block", () => {
  const a = rt.full([100], 7);
  a.free();
  expect(toRef(rt.zeros([100])).data.every((x) => x === 0)).toBe(true);
});

test("queries: shape, dtype, numel, item, get, set", () => {
  const a = rt.from([[1, 2, 3], [4, 5, 6]], "f64");
  expect(a.shape).toEqual([2, 3]);
  expect(a.dtype).toBe("f64");
  expect(a.numel()).toBe(6);
  expect(a.get([1, 2])).toBe(6);
  expect(a.get([-1, 0])).toBe(4);
  a.set([0, 1], 20);
  expect(a.getFlat(1)).toBe(20);
  expect(rt.from([[7]]).item()).toBe(7);
  const i = rt.zeros([2], "i32");
  i.set([0], 3.9);
  expect(i.get([0])).toBe(3);
});

test("reshape (with -1), transpose, t, index and slice", () => {
  const a = rt.arange(12).reshape([3, -1]);
  expect(a.shape).toEqual([3, 4]);
  const t = a.t();
  expect(t.shape).toEqual([4, 3]);
  expect(toRef(t.index(1)).data).toEqual([1, 5, 9]);
  // reshape of a non-contiguous view copies, in logical order
  expect(toRef(t.reshape([12])).data).toEqual([0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
  const b = rt.arange(24).reshape([2, 3, 4]);
  expect(b.transpose(0, 2).shape).toEqual([4, 3, 2]);
  expect(b.transpose(0, 2).get([3, 2, 1])).toBe(b.get([1, 2, 3]));
  expect(toRef(a.slice(1, 1, 3))).toEqual({ shape: [3, 2], data: [1, 2, 5, 6, 9, 10] });
  expect(a.slice(0, -1, 100).shape).toEqual([1, 4]); // Python slice clamping
  expect(a.slice(0, 2, 1).shape).toEqual([0, 4]);
  expect(() => a.index(3)).toThrow(expect.objectContaining({ code: "P0103" }));
  expect(() => b.t()).toThrow(expect.objectContaining({ code: "P0401" }));
});

test("concat along any dim, with views as inputs", () => {
  const a = rt.from([[1, 2], [3, 4]]);
  const b = rt.from([[5, 6]]);
  expect(toRef(rt.concat([a, b], 0))).toEqual({ shape: [3, 2], data: [1, 2, 3, 4, 5, 6] });
  expect(toRef(rt.concat([a, a.t()], 1))).toEqual({ shape: [2, 4], data: [1, 2, 1, 3, 3, 4, 2, 4] });
  expect(toRef(rt.concat([a, rt.zeros([0, 2])], 0)).shape).toEqual([2, 2]);
  expect(() => rt.concat([a, b], 1)).toThrow(
    "Sizes of tensors must match except in dimension 1. Expected size 2 but got size 1 for tensor number 1 in the list.",
  );
  expect(() => rt.concat([a, rt.zeros([1, 2], "f64")], 0)).toThrow(expect.objectContaining({ code: "P0402" }));
  expect(() => rt.concat([], 0)).toThrow(expect.objectContaining({ code: "P0401" }));
});

test("rand and randn give PyTorch's numbers for the same seed", () => {
  const r = new Runtime({ kernels: false });
  r.manualSeed(0);
  const close = (xs: number[], ys: number[]) => xs.forEach((x, i) => expect(x).toBeCloseTo(ys[i], 6));
  close(toRef(r.rand([3])).data, [0.49625658988952637, 0.7682217955589294, 0.08847743272781372]);
  close(toRef(r.randn([3])).data, [0.3643381893634796, 0.13439632952213287, 0.16421625018119812]);
  r.manualSeed(0);
  close(toRef(r.randn([20])).data.slice(0, 4), [-1.1258398294448853, -1.152360200881958, -0.2505785822868347, -0.4338788092136383]);
  r.manualSeed(42);
  close(toRef(r.rand([2, 2], "f64")).data, [0.05815448596142969, 0.06291016742457756, 0.12358607277440903, 0.05258016436107704]);
});

test("the default seed is fixed, so runs repeat", () => {
  const a = toRef(new Runtime().randn([5])).data;
  const b = toRef(new Runtime().randn([5])).data;
  expect(a).toEqual(b);
  const u = toRef(new Runtime().rand([1000])).data;
  expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
  expect(Math.max(...u)).toBeLessThan(1);
  const mean = u.reduce((s, x) => s + x, 0) / u.length;
  expect(Math.abs(mean - 0.5)).toBeLessThan(0.05);
});

describe("PyTorch's view ops beyond §6: unsqueeze, squeeze, permute, view", () => {
  const x = rt.arange(24).reshape([2, 3, 4]);

  test("unsqueeze inserts a size-1 dimension, negative dims counting from the new end", () => {
    expect(x.unsqueeze(0).shape).toEqual([1, 2, 3, 4]);
    expect(x.unsqueeze(3).shape).toEqual([2, 3, 4, 1]);
    expect(x.unsqueeze(-1).shape).toEqual([2, 3, 4, 1]);
    expect(toRef(x.unsqueeze(1)).data).toEqual(toRef(x).data);
    expect(() => x.unsqueeze(5)).toThrow(expect.objectContaining({ code: "P0401" }));
  });

  test("squeeze drops size-1 dimensions, or only the one asked for (a no-op when it is not 1)", () => {
    const z = rt.zeros([1, 3, 1, 2]);
    expect(z.squeeze().shape).toEqual([3, 2]);
    expect(z.squeeze(2).shape).toEqual([1, 3, 2]);
    expect(z.squeeze(1).shape).toEqual([1, 3, 1, 2]);
    expect(z.squeeze(-2).shape).toEqual([1, 3, 2]);
    expect(rt.from(5).squeeze().shape).toEqual([]);
  });

  test("permute reorders dimensions without copying and reads the same elements as PyTorch", () => {
    const p = x.permute([2, 0, 1]);
    expect(p.shape).toEqual([4, 2, 3]);
    // torch.arange(24.).reshape(2,3,4).permute(2,0,1)[3,1,2] == 23; [1,0,2] == 9
    expect(p.get([3, 1, 2])).toBe(23);
    expect(p.get([1, 0, 2])).toBe(9);
    expect(x.permute([-1, 0, 1]).shape).toEqual([4, 2, 3]);
    expect(() => x.permute([0, 1])).toThrow(/number of dimensions/);
    expect(() => x.permute([0, 0, 1])).toThrow(/repeated dim 0/);
  });

  test("view shares storage with a contiguous tensor and refuses a transposed one", () => {
    const v = x.view([6, 4]);
    v.set([0, 0], 100);
    expect(x.get([0, 0, 0])).toBe(100);
    x.set([0, 0, 0], 0);
    expect(x.view([-1]).shape).toEqual([24]);
    expect(() => x.transpose(0, 1).view([24])).toThrow(/view size is not compatible.*use reshape\(\)/);
    expect(() => x.view([5, 5])).toThrow(/invalid for input of size 24/);
  });

  test("to() converts dtypes, truncating toward zero into i32 as .int() does", () => {
    const f = rt.from([1.9, -1.9, 2.5, -0.5]);
    const i = f.to("i32");
    expect(i.dtype).toBe("i32");
    expect(toRef(i).data).toEqual([1, -1, 2, 0]);
    expect(f.to("f64").getFlat(0)).toBe(Math.fround(1.9));
    // A non-contiguous source converts in its logical order.
    expect(toRef(rt.arange(6).reshape([2, 3]).t().to("i32")).data).toEqual([0, 3, 1, 4, 2, 5]);
  });
});

describe("stack", () => {
  test("joins equal shapes along a new dimension", async () => {
    const { stack } = await import("./stack");
    const a = rt.from([1, 2]);
    const b = rt.from([3, 4]);
    expect(toRef(stack(rt, [a, b], 0))).toEqual({ shape: [2, 2], data: [1, 2, 3, 4] });
    expect(toRef(stack(rt, [a, b], 1))).toEqual({ shape: [2, 2], data: [1, 3, 2, 4] });
    expect(toRef(stack(rt, [a, b], -1))).toEqual({ shape: [2, 2], data: [1, 3, 2, 4] });
    expect(() => stack(rt, [a, rt.zeros([3])], 0)).toThrow("stack expects each tensor to be equal size, but got [2] at entry 0 and [3] at entry 1");
    expect(() => stack(rt, [], 0)).toThrow(/non-empty/);
  });
});

test("pow: squares exactly, fractional powers of negatives are NaN (as torch.pow)", () => {
  expect(toRef(rt.from([1.5, -3]).pow(2)).data).toEqual([2.25, 9]);
  expect(toRef(rt.from([4, 2], "f64").pow(0.5)).data).toEqual([2, Math.SQRT2]);
  expect(Number.isNaN(rt.from([-0.5]).pow(0.5).getFlat(0))).toBe(true);
  expect(toRef(rt.arange(6).reshape([2, 3]).t().pow(3)).data).toEqual([0, 27, 1, 64, 8, 125]);
});
