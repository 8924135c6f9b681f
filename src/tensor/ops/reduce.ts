// Reductions (over everything, or along one dimension) and softmax. Along-a-dim work views the
// contiguous input as [outer, n, inner] and reduces the middle axis.

import type { DType } from "../api";
import { normDim, shapePanic } from "../errors";
import type { DenseTensor } from "../tensor";
import { filled, withContiguous } from "./result";

export enum ReduceOp {
  Sum = 0,
  Mean = 1,
  Max = 2,
  Min = 3,
  Argmax = 4,
}

const NAME = ["sum", "mean", "max", "min", "argmax"];

function resultDtype(op: ReduceOp, dtype: DType): DType {
  if (op === ReduceOp.Argmax) return "i32";
  if (op === ReduceOp.Mean && dtype === "i32") return "f32";
  return dtype;
}

/** Reduces `n` elements at `data[start + k*step]`; argmax gives the index k. */
export function reduceRun(op: ReduceOp, data: ArrayLike<number>, start: number, n: number, step: number): number {
  switch (op) {
    case ReduceOp.Sum:
    case ReduceOp.Mean: {
      let s = 0;
      for (let k = 0; k < n; k++) s += data[start + k * step];
      return op === ReduceOp.Mean ? s / n : s;
    }
    case ReduceOp.Max:
    case ReduceOp.Min: {
      const isMax = op === ReduceOp.Max;
      let m = data[start];
      for (let k = 1; k < n; k++) {
        const v = data[start + k * step];
        if (v !== v) return v; // NaN propagates, as in PyTorch
        if (isMax ? v > m : v < m) m = v;
        // IEEE 754's maximum and minimum (and the kernels): max(-0, +0) = +0, min(-0, +0) = -0
        else if (v === 0 && m === 0 && Object.is(isMax ? m : v, -0)) m = v;
      }
      return m;
    }
    case ReduceOp.Argmax: {
      let best = 0;
      let m = data[start];
      if (m !== m) return 0;
      for (let k = 1; k < n; k++) {
        const v = data[start + k * step];
        if (v !== v) return k; // the first NaN is the maximum, as in PyTorch
        if (v > m) {
          m = v;
          best = k;
        }
      }
      return best;
    }
  }
}

export function reduceAll(op: ReduceOp, a: DenseTensor): DenseTensor {
  const n = a.numel();
  if (n === 0 && op >= ReduceOp.Max) {
    throw shapePanic(
      `${NAME[op]}(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument.`,
    );
  }
  const dtype = resultDtype(op, a.dtype);
  const value = withContiguous(a, (src) => {
    const kernels = a.rt.kernels;
    const fast = kernels ? kernels.reduceAll(op, src.dtype, src.byteAddress, n) : null;
    return fast ?? reduceRun(op, src.data(), src.base, n, 1);
  });
  const out = a.rt.empty([], dtype, op === ReduceOp.Argmax || (op === ReduceOp.Sum && dtype === "i32"));
  out.data()[out.base] = value;
  return out;
}

export function reduceDim(op: ReduceOp, a: DenseTensor, dim: number): DenseTensor {
  const d = normDim(dim, a.ndim);
  const n = a.ndim === 0 ? 1 : a.shape[d];
  if (n === 0 && op >= ReduceOp.Max) {
    throw shapePanic(`${NAME[op]}(): Expected reduction dim ${d} to have non-zero size.`);
  }
  const outer = a.shape.slice(0, d).reduce((x, y) => x * y, 1);
  const inner = a.shape.slice(d + 1).reduce((x, y) => x * y, 1);
  const outShape = a.shape.filter((_, i) => i !== d);
  const dtype = resultDtype(op, a.dtype);
  const out = a.rt.empty(outShape, dtype, op === ReduceOp.Argmax || (op === ReduceOp.Sum && dtype === "i32"));
  return filled(out, () => withContiguous(a, (src) => reduceDimInto(op, out, src, outer, n, inner)));
}

function reduceDimInto(op: ReduceOp, out: DenseTensor, src: DenseTensor, outer: number, n: number, inner: number): void {
  const dtype = out.dtype;
  const kernels = src.rt.kernels;
  if (!(kernels && (dtype === src.dtype || op === ReduceOp.Argmax) && kernels.reduceDim(op, src.dtype, out.byteAddress, src.byteAddress, outer, n, inner))) {
    const o = out.data();
    const data = src.data();
    for (let i = 0; i < outer; i++) {
      for (let j = 0; j < inner; j++) {
        o[out.base + i * inner + j] = n === 0 ? (op === ReduceOp.Mean ? NaN : 0) : reduceRun(op, data, src.base + i * n * inner + j, n, inner);
      }
    }
  }
}

export function softmax(a: DenseTensor, dim: number): DenseTensor {
  const d = normDim(dim, a.ndim);
  const n = a.ndim === 0 ? 1 : a.shape[d];
  const outer = a.shape.slice(0, d).reduce((x, y) => x * y, 1);
  const inner = a.shape.slice(d + 1).reduce((x, y) => x * y, 1);
  const out = a.rt.empty(a.shape.slice(), a.dtype === "i32" ? "f32" : a.dtype);
  return filled(out, () => withContiguous(a, (src) => softmaxInto(out, src, outer, n, inner)));
}

function softmaxInto(out: DenseTensor, src: DenseTensor, outer: number, n: number, inner: number): void {
  const kernels = src.rt.kernels;
  if (!(kernels && src.dtype === out.dtype && n > 0 && kernels.softmax(src.dtype, out.byteAddress, src.byteAddress, outer, n, inner))) {
    const o = out.data();
    const x = src.data();
    for (let i = 0; i < outer; i++) {
      for (let j = 0; j < inner; j++) {
        const s0 = src.base + i * n * inner + j;
        const o0 = out.base + i * n * inner + j;
        let m = -Infinity;
        for (let k = 0; k < n; k++) m = Math.max(m, x[s0 + k * inner]);
        let sum = 0;
        for (let k = 0; k < n; k++) sum += Math.exp(x[s0 + k * inner] - m);
        for (let k = 0; k < n; k++) o[o0 + k * inner] = Math.exp(x[s0 + k * inner] - m) / sum;
      }
    }
  }
}
