// What the ops ask of the compiled SIMD kernels. Every method returns false / null when it does
// not handle the case (the caller then runs its JS loop), so a kernel can cover the fast cases
// only and the runtime stays correct without the .wasm file.

import type { DType } from "../api";
import type { DenseTensor } from "../tensor";
import type { BinOp, UnOp } from "../ops/elementwise";
import type { ReduceOp } from "../ops/reduce";
import type { MatRef } from "../ops/matmul";

export interface Kernels {
  /** Which build is loaded: "simd128" or "relaxed-simd". */
  readonly variant: string;
  /**
   * `out = a op b` (out contiguous, shaped as the broadcast), all three of one dtype: f32 and
   * f64 + - * /, i32 + - * (wrapping).
   */
  binary(op: BinOp, out: DenseTensor, a: DenseTensor, b: DenseTensor | number): boolean;
  /** Whether `unary` has a kernel for this op and dtype (f64 and i32 have the exact ops only). */
  hasUnary(op: UnOp, dtype: DType): boolean;
  /** Unary math into the contiguous `out` of the input's dtype. */
  unary(op: UnOp, out: DenseTensor, a: DenseTensor): boolean;
  /** Reduces `n` contiguous elements at byte address `src` (sums are exact for i32). */
  reduceAll(op: ReduceOp, dtype: DType, src: number, n: number): number | null;
  /** Reduces the middle axis of a contiguous [outer, n, inner] into [outer, inner]. */
  reduceDim(op: ReduceOp, dtype: DType, out: number, src: number, outer: number, n: number, inner: number): boolean;
  /** f32 / f64 softmax along the middle axis of a contiguous [outer, n, inner]. */
  softmax(dtype: DType, out: number, src: number, outer: number, n: number, inner: number): boolean;
  /** Copies the (strided) `src` into the dense `dst` of the same shape and dtype. */
  copy(dst: DenseTensor, src: DenseTensor): boolean;
  /** C[m×n] (contiguous, element index C) = A[m×k] · B[k×n], operands strided (element units); i32 wraps. */
  gemm(dtype: DType, m: number, n: number, k: number, A: MatRef, B: MatRef, C: number): boolean;
}
