// A deliberately naive tensor model for the tests: nested loops over row-major number arrays in
// float64, written independently of the runtime's strided loops and kernels.

import type { Shape, Tensor } from "../api";

export interface Ref {
  shape: Shape;
  data: number[];
}

export function toRef(t: Tensor): Ref {
  const n = t.numel();
  const data: number[] = [];
  for (let i = 0; i < n; i++) data.push(t.getFlat(i));
  return { shape: t.shape.slice(), data };
}

export function numel(shape: Shape): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function unravel(i: number, shape: Shape): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return idx;
}

export function ravel(idx: number[], shape: Shape): number {
  let i = 0;
  for (let d = 0; d < shape.length; d++) i = i * shape[d] + idx[d];
  return i;
}

export function refBroadcast(a: Ref, b: Ref, f: (x: number, y: number) => number): Ref {
  const n = Math.max(a.shape.length, b.shape.length);
  const pa = [...new Array(n - a.shape.length).fill(1), ...a.shape];
  const pb = [...new Array(n - b.shape.length).fill(1), ...b.shape];
  const shape = pa.map((d, i) => (d === 1 ? pb[i] : d));
  const data: number[] = [];
  for (let i = 0; i < numel(shape); i++) {
    const idx = unravel(i, shape);
    const ia = ravel(idx.map((x, d) => (pa[d] === 1 ? 0 : x)), pa);
    const ib = ravel(idx.map((x, d) => (pb[d] === 1 ? 0 : x)), pb);
    data.push(f(a.data[ia], b.data[ib]));
  }
  return { shape, data };
}

/** Values along `dim` for every other index, as [outer*inner][n]. */
export function lanes(a: Ref, dim: number): { outShape: Shape; groups: number[][] } {
  const outShape = a.shape.filter((_, i) => i !== dim);
  const groups: number[][] = [];
  for (let o = 0; o < numel(outShape); o++) {
    const oi = unravel(o, outShape);
    const g: number[] = [];
    for (let k = 0; k < a.shape[dim]; k++) {
      const idx = [...oi.slice(0, dim), k, ...oi.slice(dim)];
      g.push(a.data[ravel(idx, a.shape)]);
    }
    groups.push(g);
  }
  return { outShape, groups };
}

/** Softmax along `dim` (max-subtracted), in f64, written back to row-major positions. */
export function refSoftmax(a: Ref, dim: number): Ref {
  const { shape, data: v } = a;
  const expected = new Array<number>(v.length);
  const outer = numel(shape.slice(0, dim));
  const inner = numel(shape.slice(dim + 1));
  for (let o = 0; o < outer; o++)
    for (let j = 0; j < inner; j++) {
      const at = (k: number) => (o * shape[dim] + k) * inner + j;
      const xs = Array.from({ length: shape[dim] }, (_, k) => v[at(k)]);
      const m = Math.max(...xs);
      const z = xs.reduce((s, x) => s + Math.exp(x - m), 0);
      xs.forEach((x, k) => (expected[at(k)] = Math.exp(x - m) / z));
    }
  return { shape, data: expected };
}

export function refMatmul2d(a: Ref, b: Ref): Ref {
  const [m, k] = a.shape;
  const n = b.shape[1];
  const data: number[] = [];
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a.data[i * k + p] * b.data[p * n + j];
      data.push(s);
    }
  return { shape: [m, n], data };
}

/** A small seeded generator so the random shapes of a failing test can be replayed. */
export class Lcg {
  constructor(private s: number) {}
  next(): number {
    this.s = (Math.imul(this.s, 1664525) + 1013904223) >>> 0;
    return this.s / 2 ** 32;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(xs: T[]): T {
    return xs[Math.floor(this.next() * xs.length)];
  }
}

/** Distance in units in the last place between two f32 values (NaN equals NaN). */
export function ulpDistance(x: number, y: number): number {
  if (Number.isNaN(x) && Number.isNaN(y)) return 0;
  if (x === y) return 0;
  if (!Number.isFinite(x) || !Number.isFinite(y)) return Infinity;
  const key = (v: number) => {
    const b = new Int32Array(new Float32Array([v]).buffer)[0];
    return b < 0 ? -(b & 0x7fffffff) : b;
  };
  return Math.abs(key(x) - key(y));
}

/** Distance in units in the last place between two f64 values (NaN equals NaN). */
export function ulpDistance64(x: number, y: number): number {
  if (Number.isNaN(x) && Number.isNaN(y)) return 0;
  if (x === y) return 0;
  if (!Number.isFinite(x) || !Number.isFinite(y)) return Infinity;
  const key = (v: number) => {
    const b = new BigInt64Array(new Float64Array([v]).buffer)[0];
    return b < 0n ? -(b & 0x7fffffffffffffffn) : b;
  };
  const d = key(x) - key(y);
  return Number(d < 0n ? -d : d);
}
