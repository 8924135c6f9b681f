// The panics the tensor runtime raises, worded as PyTorch words them (LANGUAGE.md §4.5, §6).

import { StarkPanic } from "../diagnostics";
import type { DType, Shape } from "./api";

export function shapeStr(shape: Shape): string {
  return `[${shape.join(", ")}]`;
}

/** P0401: the tensor shapes do not fit the operation. */
export function shapePanic(message: string): StarkPanic {
  return new StarkPanic("P0401", message);
}

/** P0402: the dtypes do not fit the operation. */
export function dtypePanic(message: string): StarkPanic {
  return new StarkPanic("P0402", message);
}

/** P0103: an index outside a dimension. */
export function indexPanic(index: number, dim: number, size: number): StarkPanic {
  return new StarkPanic("P0103", `index ${index} is out of bounds for dimension ${dim} with size ${size}`);
}

/** P0202: tensor storage exhausted. */
export function storagePanic(message: string): StarkPanic {
  return new StarkPanic("P0202", message);
}

export function sameDtype(op: string, a: DType, b: DType): void {
  if (a !== b) {
    throw dtypePanic(`${op}: expected both tensors to have the same dtype, but got ${a} and ${b}`);
  }
}

/** Normalizes a possibly negative dimension, as PyTorch does (`-1` is the last). */
export function normDim(d: number, ndim: number): number {
  const n = Math.max(ndim, 1);
  if (!Number.isInteger(d) || d < -n || d >= n) {
    throw shapePanic(`Dimension out of range (expected to be in range of [${-n}, ${n - 1}], but got ${d})`);
  }
  return d < 0 ? d + n : d;
}
