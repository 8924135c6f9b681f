// `matmul` / `@` with PyTorch's shape rules: 1-D·1-D is a dot product, a 1-D operand is a row
// (left) or column (right) vector, and leading batch dimensions broadcast. Each matrix product is
// one strided GEMM, so transposed operands need no copy: the kernels pack them directly.

import type { Shape } from "../api";
import { sameDtype, shapePanic, shapeStr } from "../errors";
import { broadcastShapes } from "../shape";
import type { DenseTensor } from "../tensor";
import { filled } from "./result";

/** One operand of a GEMM: element (i, j) is at `data[base + i*rs + j*cs]`. */
export interface MatRef {
  base: number;
  rs: number;
  cs: number;
}

export function matmul(a: DenseTensor, b: DenseTensor): DenseTensor {
  sameDtype("matmul", a.dtype, b.dtype);
  if (a.ndim === 0 || b.ndim === 0) {
    throw shapePanic(`both arguments to matmul need to be at least 1D, but they are ${a.ndim}D and ${b.ndim}D`);
  }
  if (a.ndim === 1 && b.ndim === 1 && a.shape[0] !== b.shape[0]) {
    throw shapePanic(
      `inconsistent tensor size, expected tensor ${shapeStr(a.shape)} and src ${shapeStr(b.shape)} to have the same number of elements, but got ${a.shape[0]} and ${b.shape[0]} elements respectively`,
    );
  }
  // Promote vectors to matrices (as strided views of the same data), remembering what to drop.
  const aShape = a.ndim === 1 ? [1, a.shape[0]] : a.shape;
  const aStrides = a.ndim === 1 ? [0, a.strides[0]] : a.strides;
  const bShape = b.ndim === 1 ? [b.shape[0], 1] : b.shape;
  const bStrides = b.ndim === 1 ? [b.strides[0], 0] : b.strides;
  const m = aShape[aShape.length - 2];
  const k = aShape[aShape.length - 1];
  const k2 = bShape[bShape.length - 2];
  const n = bShape[bShape.length - 1];
  if (k !== k2) {
    // A batched product names the whole shapes too: the matrices alone do not say which operand is which.
    const whole = a.ndim > 2 || b.ndim > 2 ? ` (shapes ${shapeStr(a.shape)} and ${shapeStr(b.shape)})` : "";
    throw shapePanic(`mat1 and mat2 shapes cannot be multiplied (${m}x${k} and ${k2}x${n})${whole}`);
  }
  const batchA = aShape.slice(0, -2);
  const batchB = bShape.slice(0, -2);
  let batch: Shape;
  try {
    batch = broadcastShapes(batchA, batchB);
  } catch {
    throw shapePanic(
      `matmul: the batch dimensions ${shapeStr(batchA)} and ${shapeStr(batchB)} cannot broadcast (shapes ${shapeStr(a.shape)} and ${shapeStr(b.shape)})`,
    );
  }
  let outShape: Shape = [...batch, m, n];
  if (a.ndim === 1) outShape = outShape.filter((_, i) => i !== outShape.length - 2);
  if (b.ndim === 1) outShape = outShape.slice(0, -1);
  const out = a.rt.empty(outShape, a.dtype);
  return filled(out, () => gemmBatches(out, a, b, batch, batchA, batchB, aStrides, bStrides, m, n, k));
}

function gemmBatches(
  out: DenseTensor,
  a: DenseTensor,
  b: DenseTensor,
  batch: Shape,
  batchA: Shape,
  batchB: Shape,
  aStrides: number[],
  bStrides: number[],
  m: number,
  n: number,
  k: number,
): void {
  const batchCount = batch.reduce((x, y) => x * y, 1);
  const idx = new Array<number>(batch.length).fill(0);
  for (let t = 0; t < batchCount; t++) {
    const aOff = batchOffset(idx, batchA, aStrides, batch.length);
    const bOff = batchOffset(idx, batchB, bStrides, batch.length);
    const A: MatRef = { base: a.base + aOff, rs: aStrides[aStrides.length - 2], cs: aStrides[aStrides.length - 1] };
    const B: MatRef = { base: b.base + bOff, rs: bStrides[bStrides.length - 2], cs: bStrides[bStrides.length - 1] };
    const C = out.base + t * m * n;
    const kernels = a.rt.kernels;
    if (!(kernels && kernels.gemm(a.dtype, m, n, k, A, B, C))) gemmJs(out, a, b, m, n, k, A, B, C);
    for (let d = batch.length - 1; d >= 0; d--) {
      if (++idx[d] < batch[d]) break;
      idx[d] = 0;
    }
  }
}

/** Offset of batch index `idx` (over the broadcast batch shape) in an operand with `shape`. */
function batchOffset(idx: number[], shape: Shape, strides: number[], nb: number): number {
  let off = 0;
  const lead = nb - shape.length;
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] !== 1) off += idx[lead + i] * strides[i];
  }
  return off;
}

function gemmJs(out: DenseTensor, a: DenseTensor, b: DenseTensor, m: number, n: number, k: number, A: MatRef, B: MatRef, C: number): void {
  const o = out.data();
  const ad = a.data();
  const bd = b.data();
  const isInt = out.dtype === "i32";
  const row = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    row.fill(0);
    for (let p = 0; p < k; p++) {
      const av = ad[A.base + i * A.rs + p * A.cs];
      const bb = B.base + p * B.rs;
      if (isInt) for (let j = 0; j < n; j++) row[j] = (row[j] + Math.imul(av, bd[bb + j * B.cs])) | 0;
      else for (let j = 0; j < n; j++) row[j] += av * bd[bb + j * B.cs];
    }
    for (let j = 0; j < n; j++) o[C + i * n + j] = row[j];
  }
}
