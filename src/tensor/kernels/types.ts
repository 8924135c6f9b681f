// What the ops ask of the compiled SIMD kernels. Every method returns false / null when it does
// not handle the case (the caller then runs its JS loop), so a kernel can cover the fast cases
// only and the runtime stays correct without the .wasm file.

import type { DenseTensor } from "../tensor";
import type { BinOp, UnOp } from "../ops/elementwise";
import type { ReduceOp } from "../ops/reduce";
import type { MatRef } from "../ops/matmul";

export interface Kernels {
  /** Which build is loaded: "simd128" or "relaxed-simd". */
  readonly variant: string;
  /** f32 `out = a op b` (out contiguous, shaped as the broadcast). */
  binary(op: BinOp, out: DenseTensor, a: DenseTensor, b: DenseTensor | number): boolean;
  /** f32 unary math into the contiguous `out`. */
  unary(op: UnOp, out: DenseTensor, a: DenseTensor): boolean;
  /** Reduces `n` contiguous f32 at byte address `src`. */
  reduceAll(op: ReduceOp, src: number, n: number): number | null;
  /** Reduces the middle axis of a contiguous f32 [outer, n, inner] into [outer, inner]. */
  reduceDim(op: ReduceOp, out: number, src: number, outer: number, n: number, inner: number): boolean;
  softmax(out: number, src: number, outer: number, n: number, inner: number): boolean;
  /** Copies the (strided) 4-byte-element `src` into the dense `dst` of the same shape and dtype. */
  copy(dst: DenseTensor, src: DenseTensor): boolean;
  /** C[m×n] (contiguous, element index C) = A[m×k] · B[k×n], operands strided (element units). */
  gemm(m: number, n: number, k: number, A: MatRef, B: MatRef, C: number): boolean;
}
