// Walking strided tensors in row-major order: the general path every kernel falls back to for
// non-contiguous views and general broadcasting. The innermost dimension is a plain loop so the
// callback-free hot paths below stay monomorphic.

import type { Shape } from "../api";

/**
 * Calls `row(outStart, aStart, bStart, n)` for each innermost row of `shape`, where the start
 * offsets advance by the given strides (a stride of 0 broadcasts). Element j of the row is at
 * `aStart + j * aStrides[last]` (and likewise for b); the output is contiguous.
 */
export function forEachRow(
  shape: Shape,
  aStrides: number[],
  aOffset: number,
  bStrides: number[],
  bOffset: number,
  row: (outStart: number, aStart: number, bStart: number, n: number) => void,
): void {
  const nd = shape.length;
  if (nd === 0) {
    row(0, aOffset, bOffset, 1);
    return;
  }
  const inner = shape[nd - 1];
  let total = 1;
  for (const d of shape) total *= d;
  if (total === 0) return;
  const idx = new Array<number>(nd - 1).fill(0);
  let ia = aOffset;
  let ib = bOffset;
  for (let out = 0; out < total; out += inner) {
    row(out, ia, ib, inner);
    // Odometer increment over the outer dimensions.
    for (let d = nd - 2; d >= 0; d--) {
      idx[d]++;
      ia += aStrides[d];
      ib += bStrides[d];
      if (idx[d] < shape[d]) break;
      ia -= aStrides[d] * shape[d];
      ib -= bStrides[d] * shape[d];
      idx[d] = 0;
    }
  }
}
