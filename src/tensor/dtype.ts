// Element types: their sizes, the typed arrays that read them, and how values are coerced into them.

import type { DType } from "./api";

export const DTYPE_BYTES: Record<DType, number> = { f32: 4, f64: 8, i32: 4 };

/** The names PyTorch prints in `dtype=torch.float64` and uses in its error messages. */
export const TORCH_NAME: Record<DType, string> = { f32: "torch.float32", f64: "torch.float64", i32: "torch.int32" };

export type TypedArray = Float32Array | Float64Array | Int32Array;

export function isFloat(dtype: DType): boolean {
  return dtype !== "i32";
}

/** What storing `v` into an element of `dtype` keeps (i32 truncates toward zero, as a cast does). */
export function coerce(dtype: DType, v: number): number {
  switch (dtype) {
    case "f32":
      return Math.fround(v);
    case "f64":
      return v;
    case "i32":
      return v | 0;
  }
}
