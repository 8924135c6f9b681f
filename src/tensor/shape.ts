// Shapes, strides and broadcasting (NumPy/PyTorch rules: align from the right, size 1 stretches).

import type { Shape } from "./api";
import { shapePanic, shapeStr } from "./errors";

export function numelOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

export function isContiguous(shape: Shape, strides: number[]): boolean {
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && strides[i] !== s) return false;
    s *= shape[i];
  }
  return true;
}

export function checkShape(shape: Shape): Shape {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw shapePanic(`invalid shape ${shapeStr(shape)}: every dimension must be a non-negative integer`);
    }
  }
  return shape.slice();
}

/** The broadcast shape of a and b, or P0401 in PyTorch's words with both shapes. */
export function broadcastShapes(a: Shape, b: Shape): Shape {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  // From the last dimension, as PyTorch compares them (and names the first mismatch it meets).
  for (let i = n - 1; i >= 0; i--) {
    const da = i - (n - a.length) >= 0 ? a[i - (n - a.length)] : 1;
    const db = i - (n - b.length) >= 0 ? b[i - (n - b.length)] : 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw shapePanic(
        `The size of tensor a (${da}) must match the size of tensor b (${db}) at non-singleton dimension ${i}` +
          ` (shapes ${shapeStr(a)} and ${shapeStr(b)})`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Strides that read a tensor of (shape, strides) as if it had `outShape` (0 on stretched dims). */
export function broadcastStrides(shape: Shape, strides: number[], outShape: Shape): number[] {
  const n = outShape.length;
  const out = new Array<number>(n).fill(0);
  const lead = n - shape.length;
  for (let i = 0; i < shape.length; i++) {
    out[lead + i] = shape[i] === 1 ? 0 : strides[i];
  }
  return out;
}

/** Fills in a single `-1` of a reshape target, or P0401 when the sizes cannot agree. */
export function resolveReshape(target: Shape, numel: number): Shape {
  const out = target.slice();
  let infer = -1;
  let known = 1;
  for (let i = 0; i < out.length; i++) {
    const d = out[i];
    if (d === -1 && infer < 0) infer = i;
    else if (!Number.isInteger(d) || d < 0) throw shapePanic(`shape '${shapeStr(target)}' is invalid for input of size ${numel}`);
    else known *= d;
  }
  if (infer >= 0) {
    if (known === 0 || numel % known !== 0) throw shapePanic(`shape '${shapeStr(target)}' is invalid for input of size ${numel}`);
    out[infer] = numel / known;
  } else if (known !== numel) {
    throw shapePanic(`shape '${shapeStr(target)}' is invalid for input of size ${numel}`);
  }
  return out;
}
