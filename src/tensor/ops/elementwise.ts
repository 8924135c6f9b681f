// Elementwise arithmetic with broadcasting, and unary math. Work goes to the SIMD kernels when
// they are loaded and cover the dtype (see ../kernels/types.ts); the rest (f64 and i32 exp, log,
// tanh, sigmoid; i32 division and float scalars, which give f32; no .wasm) runs the strided loops.

import type { DType } from "../api";
import { coerce } from "../dtype";
import { dtypePanic, sameDtype, shapePanic, shapeStr } from "../errors";
import { broadcastShapes, broadcastStrides } from "../shape";
import type { DenseTensor } from "../tensor";
import { copyStrided } from "./copy";
import { filled, withContiguous } from "./result";
import { forEachRow } from "./iterate";

export enum BinOp {
  Add = 0,
  Sub = 1,
  Mul = 2,
  Div = 3,
  /** scalar - t */
  RSub = 4,
  /** scalar / t */
  RDiv = 5,
}

export enum UnOp {
  Neg = 0,
  Exp = 1,
  Log = 2,
  Sqrt = 3,
  Abs = 4,
  Relu = 5,
  Sigmoid = 6,
  Tanh = 7,
}

const OP_NAME = ["add", "sub", "mul", "div", "rsub", "rdiv"];

/** Integer tensors stay integer under + - *; true division and float scalars give f32 (as PyTorch). */
function binaryDtype(op: BinOp, a: DenseTensor, b: DenseTensor | number): DType {
  if (typeof b !== "number") sameDtype(OP_NAME[op], a.dtype, b.dtype);
  if (a.dtype !== "i32") return a.dtype;
  if (op === BinOp.Div || op === BinOp.RDiv) return "f32";
  if (typeof b === "number" && !Number.isInteger(b)) return "f32";
  return "i32";
}

function scalarFn(op: BinOp, intOut: boolean): (x: number, y: number) => number {
  if (intOut) {
    switch (op) {
      case BinOp.Add:
        return (x, y) => (x + y) | 0;
      case BinOp.Sub:
        return (x, y) => (x - y) | 0;
      case BinOp.Mul:
        return (x, y) => Math.imul(x, y);
      case BinOp.RSub:
        return (x, y) => (y - x) | 0;
      default:
        throw new Error("integer division is done in f32");
    }
  }
  switch (op) {
    case BinOp.Add:
      return (x, y) => x + y;
    case BinOp.Sub:
      return (x, y) => x - y;
    case BinOp.Mul:
      return (x, y) => x * y;
    case BinOp.Div:
      return (x, y) => x / y;
    case BinOp.RSub:
      return (x, y) => y - x;
    case BinOp.RDiv:
      return (x, y) => y / x;
  }
}

export function binary(op: BinOp, a: DenseTensor, b: DenseTensor | number): DenseTensor {
  const dtype = binaryDtype(op, a, b);
  const outShape = typeof b === "number" ? a.shape.slice() : broadcastShapes(a.shape, b.shape);
  const out = a.rt.empty(outShape, dtype);
  return filled(out, () => binaryInto(op, out, a, b));
}

/** Computes `a op b` into the contiguous `out`, whose shape is the broadcast shape. */
function binaryInto(op: BinOp, out: DenseTensor, a: DenseTensor, b: DenseTensor | number): void {
  const kernels = a.rt.kernels;
  if (kernels && out.dtype === a.dtype && (typeof b === "number" || b.dtype === a.dtype)) {
    if (kernels.binary(op, out, a, b)) return;
    // Operands strided along their last dim: dense copies (a wasm copy each) let the kernel run.
    const done = withContiguous(a, (ca) =>
      typeof b === "number" ? kernels.binary(op, out, ca, b) : withContiguous(b, (cb) => kernels.binary(op, out, ca, cb)),
    );
    if (done) return;
  }
  const fn = scalarFn(op, out.dtype === "i32");
  const o = out.data();
  const ob = out.base;
  const ad = a.data();
  const as = broadcastStrides(a.shape, a.strides, out.shape);
  const last = out.ndim - 1;
  const sa = last >= 0 ? as[last] : 0;
  if (typeof b === "number") {
    const y = coerce(a.dtype === "i32" && out.dtype === "i32" ? "i32" : "f64", b);
    forEachRow(out.shape, as, a.base, as, a.base, (oi, ai, _bi, n) => {
      for (let j = 0; j < n; j++) o[ob + oi + j] = fn(ad[ai + j * sa], y);
    });
    return;
  }
  const bd = b.data();
  const bs = broadcastStrides(b.shape, b.strides, out.shape);
  const sb = last >= 0 ? bs[last] : 0;
  forEachRow(out.shape, as, a.base, bs, b.base, (oi, ai, bi, n) => {
    for (let j = 0; j < n; j++) o[ob + oi + j] = fn(ad[ai + j * sa], bd[bi + j * sb]);
  });
}

/** `a.add_(b)`, `a.mul_(b)`: b must broadcast to a's own shape, and the result keep a's dtype. */
export function binaryInPlace(op: BinOp, a: DenseTensor, b: DenseTensor | number): void {
  const dtype = binaryDtype(op, a, b);
  if (dtype !== a.dtype) {
    throw dtypePanic(`result type ${dtype} can't be cast to the desired output type ${a.dtype}`);
  }
  if (typeof b !== "number") {
    const shape = broadcastShapes(a.shape, b.shape);
    if (shape.length !== a.ndim || shape.some((d, i) => d !== a.shape[i])) {
      throw shapePanic(`output with shape ${shapeStr(a.shape)} doesn't match the broadcast shape ${shapeStr(shape)}`);
    }
  }
  // A dense `a` not sharing storage with `b` is updated directly (each element is read before it
  // is written); otherwise computing into a fresh tensor keeps aliasing and strides correct.
  if (a.contiguous && (typeof b === "number" || b.block !== a.block)) {
    binaryInto(op, a, a, b);
    return;
  }
  const result = binary(op, a, b);
  copyStrided(a, result);
  result.free();
}

/** Math that would leave the integers gives f32 for an i32 input (as PyTorch's float ops). */
function unaryDtype(op: UnOp, dtype: DType): DType {
  if (dtype !== "i32") return dtype;
  return op === UnOp.Neg || op === UnOp.Abs || op === UnOp.Relu ? "i32" : "f32";
}

export const UNARY_REFERENCE: Record<UnOp, (x: number) => number> = {
  [UnOp.Neg]: (x) => -x,
  [UnOp.Exp]: Math.exp,
  [UnOp.Log]: Math.log,
  [UnOp.Sqrt]: Math.sqrt,
  [UnOp.Abs]: Math.abs,
  [UnOp.Relu]: (x) => (x > 0 ? x : x !== x ? x : 0),
  [UnOp.Sigmoid]: (x) => 1 / (1 + Math.exp(-x)),
  [UnOp.Tanh]: Math.tanh,
};

export function unary(op: UnOp, a: DenseTensor): DenseTensor {
  const dtype = unaryDtype(op, a.dtype);
  const out = a.rt.empty(a.shape.slice(), dtype);
  const kernels = a.rt.kernels;
  if (kernels && dtype === a.dtype && kernels.hasUnary(op, dtype)) {
    let done = false;
    filled(out, () => (done = withContiguous(a, (src) => kernels.unary(op, out, src))));
    if (done) return out;
  }
  const fn = UNARY_REFERENCE[op];
  const toInt = dtype === "i32";
  const o = out.data();
  const ob = out.base;
  const ad = a.data();
  const last = a.ndim - 1;
  const s = last >= 0 ? a.strides[last] : 0;
  forEachRow(a.shape, a.strides, a.base, a.strides, a.base, (oi, ai, _b, n) => {
    for (let j = 0; j < n; j++) {
      const v = fn(ad[ai + j * s]);
      o[ob + oi + j] = toInt ? v | 0 : v;
    }
  });
  return out;
}
