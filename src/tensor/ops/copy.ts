// Copying a (possibly strided) tensor into a contiguous one of the same shape.

import type { DenseTensor } from "../tensor";
import { forEachRow } from "./iterate";

/** Copies `src` into `dst` (contiguous, same shape; dtypes may differ — values are converted). */
export function copyInto(dst: DenseTensor, src: DenseTensor): void {
  const n = src.numel();
  if (n === 0) return;
  const out = dst.data();
  const inp = src.data();
  const ob = dst.base;
  if (src.contiguous && dst.dtype === src.dtype) {
    const sb = src.base;
    out.set(inp.subarray(sb, sb + n), ob);
    return;
  }
  const kernels = src.rt.kernels;
  if (kernels && kernels.copy(dst, src)) return;
  const toInt = dst.dtype === "i32";
  const last = src.ndim - 1;
  const s = last >= 0 ? src.strides[last] : 0;
  forEachRow(src.shape, src.strides, src.base, src.strides, src.base, (o, a, _b, len) => {
    for (let j = 0; j < len; j++) {
      const v = inp[a + j * s];
      out[ob + o + j] = toInt ? v | 0 : v;
    }
  });
}

/** Writes `src` (any strides) into `dst` of the same shape, which may itself be a strided view. */
export function copyStrided(dst: DenseTensor, src: DenseTensor): void {
  if (dst.contiguous) {
    copyInto(dst, src);
    return;
  }
  const flat = src.contiguousOrCopy();
  const d = dst.data();
  const s = flat.data();
  const last = dst.ndim - 1;
  const stride = last >= 0 ? dst.strides[last] : 0;
  const sb = flat.base;
  const toInt = dst.dtype === "i32";
  forEachRow(dst.shape, dst.strides, dst.base, dst.strides, dst.base, (o, di, _b, n) => {
    for (let j = 0; j < n; j++) d[di + j * stride] = toInt ? s[sb + o + j] | 0 : s[sb + o + j];
  });
  if (flat !== src) flat.free();
}
