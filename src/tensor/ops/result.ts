// Ops allocate their result first and may then need temporaries; if a later allocation fails
// (P0202) the half-made result must not leak, or memoryStats would never return to baseline.

import type { DenseTensor } from "../tensor";

/** Runs `fill`; on a throw, frees `out` (and rethrows). */
export function filled<T extends DenseTensor>(out: T, fill: () => void): T {
  try {
    fill();
    return out;
  } catch (e) {
    out.free();
    throw e;
  }
}

/** Calls `use` with `t` made contiguous, freeing the copy afterwards even on a throw. */
export function withContiguous<R>(t: DenseTensor, use: (c: DenseTensor) => R): R {
  const c = t.contiguousOrCopy();
  try {
    return use(c);
  } finally {
    if (c !== t) c.free();
  }
}
