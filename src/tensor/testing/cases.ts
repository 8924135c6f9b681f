// Random test cases for the tensor ops: shapes with size-0 and size-1 dims and lengths that are
// not a multiple of any SIMD width, broadcasting partners, values per dtype, tensors built
// contiguous or as strided views, and an element-by-element comparison with tolerances.

import type { DType, Shape, Tensor } from "../api";
import type { Runtime } from "../runtime";
import { Lcg, Ref, numel, ravel, unravel } from "./reference";

export const DIMS = [0, 1, 1, 1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 33];

export function randomShape(rng: Lcg, maxNd = 4, maxNumel = 4000): Shape {
  for (;;) {
    const nd = rng.int(0, maxNd);
    const shape = Array.from({ length: nd }, () => rng.pick(DIMS));
    if (numel(shape) <= maxNumel) return shape;
  }
}

/** A shape that broadcasts with `shape`: some dims set to 1, some leading dims dropped. */
export function partnerShape(rng: Lcg, shape: Shape): Shape {
  let s = shape.map((d) => (rng.next() < 0.3 ? 1 : d));
  const drop = rng.int(0, s.length);
  if (rng.next() < 0.4) s = s.slice(drop);
  return s;
}

export function randomValues(rng: Lcg, n: number, dtype: DType, lo = -4, hi = 4): number[] {
  return Array.from({ length: n }, () => {
    const v = lo + (hi - lo) * rng.next();
    return dtype === "i32" ? Math.round(v * 10) : dtype === "f32" ? Math.fround(v) : v;
  });
}

export function nest(data: number[], shape: Shape): any {
  if (shape.length === 0) return data[0];
  const step = numel(shape.slice(1));
  return Array.from({ length: shape[0] }, (_, i) => nest(data.slice(i * step, (i + 1) * step), shape.slice(1)));
}

/**
 * A tensor of `shape` holding `values` (row-major). `strided` builds it as a view whose strides
 * are not row-major: the dims are stored in reverse order and transposed back.
 */
export function makeTensor(rt: Runtime, shape: Shape, values: number[], dtype: DType, strided: boolean): Tensor {
  if (!strided || shape.length === 0) {
    return shape.length === 0 ? rt.full([], values[0], dtype) : rt.from(nest(values, shape), dtype).reshape(shape);
  }
  if (shape.length === 1) {
    // every other element of a [n, 2] tensor's transpose
    const base = rt.from(nest(values.flatMap((v) => [v, 0]), [shape[0], 2]), dtype).reshape([shape[0], 2]);
    const tr = base.t();
    const view = tr.index(0);
    base.free();
    tr.free();
    return view;
  }
  const rev = shape.slice().reverse();
  const revValues = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) revValues[ravel(unravel(i, shape).reverse(), rev)] = values[i];
  let t = rt.from(nest(revValues, rev), dtype).reshape(rev);
  for (let i = 0; i < Math.floor(shape.length / 2); i++) {
    const next = t.transpose(i, shape.length - 1 - i);
    t.free();
    t = next;
  }
  return t;
}

export function expectClose(actual: Ref, expected: Ref, tol: (i: number) => number, what: string): void {
  if (JSON.stringify(actual.shape) !== JSON.stringify(expected.shape)) {
    throw new Error(`${what}: shape ${JSON.stringify(actual.shape)}, expected ${JSON.stringify(expected.shape)}`);
  }
  for (let i = 0; i < expected.data.length; i++) {
    const a = actual.data[i];
    const e = expected.data[i];
    if (Number.isNaN(e)) {
      if (!Number.isNaN(a)) throw new Error(`${what}: element ${i} is ${a}, expected NaN`);
      continue;
    }
    if (!(Math.abs(a - e) <= tol(i))) throw new Error(`${what}: element ${i} is ${a}, expected ${e} (±${tol(i)})`);
  }
}
