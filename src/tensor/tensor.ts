// The tensor handle: dtype, shape, strides and an element offset into a storage `Block` of the
// shared wasm memory. Views (transpose, slice, index, reshape of contiguous data) are new handles
// on the same block; the block lives until its last handle is freed.

import type { DType, Shape, Tensor } from "./api";
import { DTYPE_BYTES, TypedArray, coerce } from "./dtype";
import { indexPanic, normDim, shapePanic, shapeStr } from "./errors";
import { formatTensor } from "./format";
import { contiguousStrides, isContiguous, numelOf, resolveReshape } from "./shape";
import type { Block } from "./storage";
import type { Runtime } from "./runtime";
import { binary, binaryInPlace, unary, BinOp, UnOp } from "./ops/elementwise";
import { reduceAll, reduceDim, softmax, ReduceOp } from "./ops/reduce";
import { matmul } from "./ops/matmul";
import { copyInto } from "./ops/copy";

export class DenseTensor implements Tensor {
  readonly dtype: DType;
  readonly shape: Shape;
  readonly strides: number[];
  /** Element offset of element [0, 0, ...] from the start of the block. */
  readonly offset: number;
  readonly block: Block;
  readonly rt: Runtime;
  /** Prints without a dtype suffix: an i32 result PyTorch would give as int64 (argmax). */
  readonly int64Like: boolean;
  readonly contiguous: boolean;
  private _freed = false;

  constructor(rt: Runtime, dtype: DType, shape: Shape, strides: number[], offset: number, block: Block, int64Like = false) {
    this.rt = rt;
    this.dtype = dtype;
    this.shape = shape;
    this.strides = strides;
    this.offset = offset;
    this.block = block;
    this.int64Like = int64Like;
    this.contiguous = isContiguous(shape, strides);
  }

  get freed(): boolean {
    return this._freed || this.block.released;
  }

  free(): void {
    if (this._freed) return;
    this._freed = true;
    this.rt.storage.release(this.block);
  }

  // ---- raw access ----

  /** The typed array over the whole wasm memory for this dtype (re-read after every allocation). */
  data(): TypedArray {
    if (this.freed) throw new Error("internal error: use of a freed tensor");
    const s = this.rt.storage;
    return this.dtype === "f32" ? s.f32 : this.dtype === "f64" ? s.f64 : s.i32;
  }

  /** Index of element [0, ...] in `data()`. */
  get base(): number {
    return this.block.offset / DTYPE_BYTES[this.dtype] + this.offset;
  }

  /** Byte address of element [0, ...] in the wasm memory. */
  get byteAddress(): number {
    return this.block.offset + this.offset * DTYPE_BYTES[this.dtype];
  }

  get ndim(): number {
    return this.shape.length;
  }

  numel(): number {
    return numelOf(this.shape);
  }

  private flatToOffset(i: number): number {
    let off = this.base;
    for (let d = this.shape.length - 1; d >= 0; d--) {
      const n = this.shape[d];
      off += (i % n) * this.strides[d];
      i = Math.floor(i / n);
    }
    return off;
  }

  getFlat(i: number): number {
    const n = this.numel();
    if (!Number.isInteger(i) || i < 0 || i >= n) throw indexPanic(i, 0, n);
    return this.data()[this.contiguous ? this.base + i : this.flatToOffset(i)];
  }

  private indexOffset(index: number[]): number {
    if (index.length !== this.shape.length) {
      throw shapePanic(
        `expected ${this.shape.length} ${this.shape.length === 1 ? "index" : "indices"} for a tensor of shape ${shapeStr(this.shape)}, but got ${index.length}`,
      );
    }
    let off = this.base;
    for (let d = 0; d < index.length; d++) {
      let i = index[d];
      const n = this.shape[d];
      if (!Number.isInteger(i) || i < -n || i >= n) throw indexPanic(i, d, n);
      if (i < 0) i += n;
      off += i * this.strides[d];
    }
    return off;
  }

  get(index: number[]): number {
    return this.data()[this.indexOffset(index)];
  }

  set(index: number[], value: number): void {
    this.data()[this.indexOffset(index)] = coerce(this.dtype, value);
  }

  item(): number {
    const n = this.numel();
    if (n !== 1) throw shapePanic(`a Tensor with ${n} elements cannot be converted to Scalar`);
    return this.data()[this.base];
  }

  /** All elements in row-major order as JS numbers (tests and printing). */
  toArray(): number[] {
    const n = this.numel();
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) out[i] = this.getFlat(i);
    return out;
  }

  clone(): Tensor {
    const out = this.rt.empty(this.shape, this.dtype, this.int64Like);
    copyInto(out, this);
    return out;
  }

  /** This tensor if contiguous, else a contiguous copy — the caller frees it when `!== this`. */
  contiguousOrCopy(): DenseTensor {
    if (this.contiguous) return this;
    return this.clone() as DenseTensor;
  }

  // ---- views ----

  private viewOf(shape: Shape, strides: number[], offset: number): DenseTensor {
    if (this.freed) throw new Error("internal error: use of a freed tensor");
    this.rt.storage.retain(this.block);
    return new DenseTensor(this.rt, this.dtype, shape, strides, offset, this.block, this.int64Like);
  }

  reshape(shape: Shape): Tensor {
    const target = resolveReshape(shape, this.numel());
    if (this.contiguous) return this.viewOf(target, contiguousStrides(target), this.offset);
    const copy = this.clone() as DenseTensor;
    const out = copy.viewOf(target, contiguousStrides(target), copy.offset);
    copy.free();
    return out;
  }

  transpose(d0: number, d1: number): Tensor {
    const a = normDim(d0, this.ndim);
    const b = normDim(d1, this.ndim);
    const shape = this.shape.slice();
    const strides = this.strides.slice();
    [shape[a], shape[b]] = [shape[b], shape[a]];
    [strides[a], strides[b]] = [strides[b], strides[a]];
    if (this.ndim === 0) return this.viewOf([], [], this.offset);
    return this.viewOf(shape, strides, this.offset);
  }

  t(): Tensor {
    if (this.ndim > 2) throw shapePanic(`t() expects a tensor with <= 2 dimensions, but self is ${this.ndim}D`);
    if (this.ndim < 2) return this.viewOf(this.shape.slice(), this.strides.slice(), this.offset);
    return this.transpose(0, 1);
  }

  index(i: number): Tensor {
    if (this.ndim === 0) throw shapePanic("invalid index of a 0-dim tensor");
    const n = this.shape[0];
    if (!Number.isInteger(i) || i < -n || i >= n) throw indexPanic(i, 0, n);
    if (i < 0) i += n;
    return this.viewOf(this.shape.slice(1), this.strides.slice(1), this.offset + i * this.strides[0]);
  }

  slice(dim: number, start: number, end: number): Tensor {
    const d = normDim(dim, this.ndim);
    if (this.ndim === 0) throw shapePanic("slice() cannot be applied to a 0-dim tensor");
    const n = this.shape[d];
    // Python slice semantics: negative counts from the end, out-of-range clamps.
    const clamp = (x: number) => Math.min(n, Math.max(0, x < 0 ? x + n : x));
    const s = clamp(start);
    const e = Math.max(s, clamp(end));
    const shape = this.shape.slice();
    shape[d] = e - s;
    return this.viewOf(shape, this.strides.slice(), this.offset + s * this.strides[d]);
  }

  unsqueeze(dim: number): Tensor {
    const d = normDim(dim, this.ndim + 1);
    const shape = this.shape.slice();
    const strides = this.strides.slice();
    // Any stride reads a size-1 dimension the same; this one keeps a contiguous tensor contiguous.
    const stride = d < this.ndim ? this.strides[d] * this.shape[d] : 1;
    shape.splice(d, 0, 1);
    strides.splice(d, 0, stride);
    return this.viewOf(shape, strides, this.offset);
  }

  squeeze(dim?: number): Tensor {
    const keep = (i: number) => this.shape[i] !== 1 || (dim !== undefined && i !== normDim(dim, this.ndim));
    if (dim !== undefined && this.ndim === 0) normDim(dim, 0);
    const idx = this.shape.map((_, i) => i).filter(keep);
    return this.viewOf(
      idx.map((i) => this.shape[i]),
      idx.map((i) => this.strides[i]),
      this.offset,
    );
  }

  permute(dims: number[]): Tensor {
    if (dims.length !== this.ndim) {
      throw shapePanic(
        `permute: the number of dimensions in the tensor (${this.ndim}, shape ${shapeStr(this.shape)}) does not match the length of the desired ordering of dimensions (${dims.length})`,
      );
    }
    const seen = new Set<number>();
    const order = dims.map((d) => {
      const n = normDim(d, this.ndim);
      if (seen.has(n)) throw shapePanic(`permute: repeated dim ${n} in [${dims.join(", ")}]`);
      seen.add(n);
      return n;
    });
    return this.viewOf(
      order.map((i) => this.shape[i]),
      order.map((i) => this.strides[i]),
      this.offset,
    );
  }

  view(shape: Shape): Tensor {
    const target = resolveReshape(shape, this.numel());
    if (!this.contiguous) {
      throw shapePanic(
        `view size is not compatible with input tensor's size and stride (shape ${shapeStr(this.shape)}, strides ${shapeStr(this.strides)}): ` +
          "it is not contiguous (a transpose or permute); use reshape(), which copies, or clone() it first",
      );
    }
    return this.viewOf(target, contiguousStrides(target), this.offset);
  }

  pow(exponent: number): Tensor {
    const out = this.rt.empty(this.shape, this.dtype) as DenseTensor;
    const src = this.contiguousOrCopy();
    try {
      const from = src.data();
      const to = out.data();
      const n = out.numel();
      // x ** 2 is x * x exactly (Math.pow agrees, but says so less plainly); the typed array rounds to f32.
      if (exponent === 2) for (let i = 0; i < n; i++) to[out.base + i] = from[src.base + i] * from[src.base + i];
      else for (let i = 0; i < n; i++) to[out.base + i] = Math.pow(from[src.base + i], exponent);
    } finally {
      if (src !== this) src.free();
    }
    return out;
  }

  to(dtype: DType): Tensor {
    const out = this.rt.empty(this.shape, dtype) as DenseTensor;
    const src = this.contiguousOrCopy();
    try {
      const from = src.data();
      const to = out.data();
      const base = src.base;
      const n = out.numel();
      for (let i = 0; i < n; i++) to[out.base + i] = from[base + i];
    } finally {
      if (src !== this) src.free();
    }
    return out;
  }

  // ---- arithmetic ----

  add(other: Tensor | number): Tensor {
    return binary(BinOp.Add, this, other as DenseTensor | number);
  }
  sub(other: Tensor | number): Tensor {
    return binary(BinOp.Sub, this, other as DenseTensor | number);
  }
  mul(other: Tensor | number): Tensor {
    return binary(BinOp.Mul, this, other as DenseTensor | number);
  }
  div(other: Tensor | number): Tensor {
    return binary(BinOp.Div, this, other as DenseTensor | number);
  }
  rsub(scalar: number): Tensor {
    return binary(BinOp.RSub, this, scalar);
  }
  rdiv(scalar: number): Tensor {
    return binary(BinOp.RDiv, this, scalar);
  }
  neg(): Tensor {
    return unary(UnOp.Neg, this);
  }
  matmul(other: Tensor): Tensor {
    return matmul(this, other as DenseTensor);
  }

  sum(): Tensor {
    return reduceAll(ReduceOp.Sum, this);
  }
  mean(): Tensor {
    return reduceAll(ReduceOp.Mean, this);
  }
  max(): Tensor {
    return reduceAll(ReduceOp.Max, this);
  }
  min(): Tensor {
    return reduceAll(ReduceOp.Min, this);
  }
  argmax(): Tensor {
    return reduceAll(ReduceOp.Argmax, this);
  }
  sumDim(d: number): Tensor {
    return reduceDim(ReduceOp.Sum, this, d);
  }
  meanDim(d: number): Tensor {
    return reduceDim(ReduceOp.Mean, this, d);
  }
  maxDim(d: number): Tensor {
    return reduceDim(ReduceOp.Max, this, d);
  }
  minDim(d: number): Tensor {
    return reduceDim(ReduceOp.Min, this, d);
  }
  argmaxDim(d: number): Tensor {
    return reduceDim(ReduceOp.Argmax, this, d);
  }

  exp(): Tensor {
    return unary(UnOp.Exp, this);
  }
  log(): Tensor {
    return unary(UnOp.Log, this);
  }
  sqrt(): Tensor {
    return unary(UnOp.Sqrt, this);
  }
  abs(): Tensor {
    return unary(UnOp.Abs, this);
  }
  relu(): Tensor {
    return unary(UnOp.Relu, this);
  }
  sigmoid(): Tensor {
    return unary(UnOp.Sigmoid, this);
  }
  tanh(): Tensor {
    return unary(UnOp.Tanh, this);
  }
  softmax(dim: number): Tensor {
    return softmax(this, dim);
  }

  // ---- in place ----

  fill_(v: number): void {
    const data = this.data();
    const value = coerce(this.dtype, v);
    if (this.contiguous) {
      data.fill(value, this.base, this.base + this.numel());
      return;
    }
    const n = this.numel();
    for (let i = 0; i < n; i++) data[this.flatToOffset(i)] = value;
  }
  zero_(): void {
    this.fill_(0);
  }
  add_(other: Tensor | number): void {
    binaryInPlace(BinOp.Add, this, other as DenseTensor | number);
  }
  mul_(other: Tensor | number): void {
    binaryInPlace(BinOp.Mul, this, other as DenseTensor | number);
  }

  toString(): string {
    if (this.freed) return "tensor(<freed>)";
    const data = this.data();
    return formatTensor(this.dtype, this.shape, (idx) => {
      let off = this.base;
      for (let d = 0; d < idx.length; d++) off += idx[d] * this.strides[d];
      return data[off];
    }, this.int64Like);
  }
}
