// Owned storage: deterministic free, views keeping their base alive, arenas, the limit (P0202).

import { StarkPanic } from "../diagnostics";
import { Runtime } from "./runtime";
import { sizeClass } from "./storage";
import type { DenseTensor } from "./tensor";

test("size classes round up by at most a quarter and stay 64-byte aligned", () => {
  for (const n of [1, 63, 64, 65, 100, 1000, 4097, 123457, 1 << 20]) {
    const c = sizeClass(n);
    expect(c).toBeGreaterThanOrEqual(n);
    expect(c % 64).toBe(0);
    if (n > 256) expect(c).toBeLessThanOrEqual(n * 1.25 + 64);
  }
});

test("a loop creating and dropping tensors returns to its baseline, and memory is reused", () => {
  const rt = new Runtime();
  const keep = rt.ones([10]);
  const base = rt.memoryStats();
  const addresses = new Set<number>();
  for (let i = 0; i < 200; i++) {
    const a = rt.rand([64, 64]);
    const b = a.matmul(a);
    const shifted = b.add(1);
    const c = shifted.relu();
    addresses.add((c as DenseTensor).block.offset);
    [a, b, shifted, c].forEach((t) => t.free());
  }
  const after = rt.memoryStats();
  expect(after.liveBytes).toBe(base.liveBytes);
  expect(after.liveTensors).toBe(base.liveTensors);
  expect(after.peakBytes).toBeGreaterThanOrEqual(base.liveBytes + 3 * 64 * 64 * 4);
  // the same few blocks are handed out again and again
  expect(addresses.size).toBeLessThanOrEqual(4);
  expect(rt.storage.memory.buffer.byteLength).toBeLessThan(4 << 20);
  keep.free();
  expect(rt.memoryStats().liveBytes).toBe(0);
});

test("stats count bytes and handles; free is idempotent", () => {
  const rt = new Runtime();
  const a = rt.zeros([3, 5]);
  expect(rt.memoryStats()).toEqual({ liveBytes: 60, liveTensors: 1, peakBytes: 60 });
  const d = rt.zeros([2], "f64");
  expect(rt.memoryStats().liveBytes).toBe(76);
  a.free();
  a.free();
  d.free();
  expect(a.freed).toBe(true);
  expect(rt.memoryStats()).toEqual({ liveBytes: 0, liveTensors: 0, peakBytes: 76 });
});

test("a view shares storage and keeps its base alive after the owner is freed", () => {
  const rt = new Runtime();
  const a = rt.from([[1, 2, 3], [4, 5, 6]]);
  const row = a.index(1);
  const col = a.slice(1, 2, 3);
  const tr = a.t();
  const flat = a.reshape([6]);
  expect(rt.memoryStats()).toMatchObject({ liveBytes: 24, liveTensors: 5 });
  row.set([0], 40);
  expect(a.get([1, 0])).toBe(40);
  expect(tr.get([0, 1])).toBe(40);
  expect(flat.getFlat(3)).toBe(40);
  a.free();
  expect(rt.memoryStats().liveBytes).toBe(24);
  expect(col.get([1, 0])).toBe(6);
  [row, col, tr].forEach((t) => t.free());
  expect(rt.memoryStats().liveBytes).toBe(24);
  flat.free();
  expect(rt.memoryStats()).toMatchObject({ liveBytes: 0, liveTensors: 0 });
});

test("an arena frees everything at its end and moves the result out", () => {
  const rt = new Runtime();
  const outside = rt.ones([4]);
  const base = rt.memoryStats();
  rt.beginArena();
  let x = rt.rand([32, 32]);
  for (let i = 0; i < 10; i++) {
    const next = x.matmul(x).tanh();
    x.free(); // dropped inside the arena: counted as freed, memory reclaimed at the end
    x = next;
  }
  const leaked = rt.zeros([100]); // never dropped explicitly: the arena end frees it
  const view = x.index(0); // the result is a view of an arena tensor
  const result = rt.endArena(view)!;
  expect(leaked.freed).toBe(true);
  expect(x.freed).toBe(true);
  expect(result.freed).toBe(false);
  expect(result.shape).toEqual([32]);
  expect(rt.memoryStats().liveBytes).toBe(base.liveBytes + 32 * 4);
  expect(rt.memoryStats().liveTensors).toBe(base.liveTensors + 1);
  result.free();
  expect(rt.memoryStats()).toMatchObject({ liveBytes: base.liveBytes, liveTensors: base.liveTensors });
  // a tensor from outside returned from the block is passed through untouched
  rt.beginArena();
  rt.zeros([8]);
  expect(rt.endArena(outside)).toBe(outside);
  expect(outside.freed).toBe(false);
  // nested arenas: the inner result lands in the outer arena and is freed with it
  rt.beginArena();
  rt.beginArena();
  const inner = rt.endArena(rt.ones([3]))!;
  expect(inner.freed).toBe(false);
  rt.endArena(null);
  expect(inner.freed).toBe(true);
  expect(rt.memoryStats()).toMatchObject({ liveBytes: base.liveBytes, liveTensors: base.liveTensors });
});

test("the limit gives P0202 and nothing leaks; the runtime keeps working", () => {
  const rt = new Runtime();
  rt.setLimit(1 << 20);
  const a = rt.zeros([128, 1024]); // 512 KiB
  let err: unknown = null;
  try {
    rt.zeros([256, 1024]);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(StarkPanic);
  expect((err as StarkPanic).code).toBe("P0202");
  expect((err as Error).message).toMatch(/tensor storage exhausted/);
  expect(() => a.matmul(rt.zeros([1024, 512]))).toThrow(expect.objectContaining({ code: "P0202" }));
  expect(rt.memoryStats().liveTensors).toBe(1);
  rt.setLimit(null);
  expect(rt.zeros([256, 1024]).numel()).toBe(256 * 1024);
});

test("an op whose temporary copy hits the limit frees its half-made result", () => {
  const rt = new Runtime();
  const a = rt.rand([256, 256]); // 256 KiB
  const t = a.t(); // a strided view: unary math copies it to a dense temporary first
  const before = rt.memoryStats();
  // each limit leaves room for the input and the op's result, but not for a dense temporary too
  const cases: [() => unknown, number][] = [[() => t.exp(), 2.5], [() => t.add(t), 2.5], [() => t.softmax(1), 2.5], [() => t.sumDim(0), 1.9]];
  for (const [op, limit] of cases) {
    rt.setLimit(256 * 1024 * limit);
    expect(op).toThrow(expect.objectContaining({ code: "P0202" }));
    expect(rt.memoryStats()).toMatchObject({ liveBytes: before.liveBytes, liveTensors: before.liveTensors });
  }
});

test("memory beyond what wasm32 can address is P0202, not a crash", () => {
  const rt = new Runtime();
  expect(() => rt.zeros([1 << 20, 1 << 12])).toThrow(expect.objectContaining({ code: "P0202" }));
});
