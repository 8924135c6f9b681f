// The tensor runtime's interface to the interpreter (LANGUAGE.md §6).
//
// A `Tensor` is a small JS object (dtype, shape, strides, offset, storage block) whose data lives
// in owned tensor storage (one WebAssembly.Memory) — never in the managed heap. The interpreter
// owns tensors the way STARK code does: `free()` is called exactly once, when the owner drops it.
// Every operation that fails on shapes or dtypes throws a StarkPanic (P0401 / P0402); running out
// of storage throws P0202.

export type DType = "f32" | "f64" | "i32";
export type Shape = number[];

/** A nested JS array of numbers, as `Tensor::from([[1.0, 2.0], [3.0, 4.0]])` gives it. */
export type NestedNumbers = number | NestedNumbers[];

export interface TensorRuntime {
  zeros(shape: Shape, dtype?: DType): Tensor;
  ones(shape: Shape, dtype?: DType): Tensor;
  full(shape: Shape, value: number, dtype?: DType): Tensor;
  rand(shape: Shape, dtype?: DType): Tensor;
  randn(shape: Shape, dtype?: DType): Tensor;
  arange(n: number, dtype?: DType): Tensor;
  eye(n: number, dtype?: DType): Tensor;
  from(data: NestedNumbers, dtype?: DType): Tensor;
  concat(tensors: Tensor[], dim: number): Tensor;
  manualSeed(seed: number): void;

  /** `with_arena(|| ...)`: tensors created until `endArena` come from one bump arena. */
  beginArena(): void;
  /** Frees every arena tensor except `keep`, which is copied to owned storage and returned. */
  endArena(keep: Tensor | null): Tensor | null;

  memoryStats(): { liveBytes: number; liveTensors: number; peakBytes: number };
  /** `--max-tensor-memory`, bytes. */
  setLimit(bytes: number | null): void;
}

export interface Tensor {
  readonly dtype: DType;
  readonly shape: Shape;
  numel(): number;
  /** Flat row-major element `i` (handles strides). */
  getFlat(i: number): number;
  get(index: number[]): number;
  set(index: number[], value: number): void;
  item(): number;
  clone(): Tensor;
  /** Releases the storage. Any later use is a bug in the interpreter (the checker prevents it in STARK code). */
  free(): void;
  readonly freed: boolean;

  add(other: Tensor | number): Tensor;
  sub(other: Tensor | number): Tensor;
  mul(other: Tensor | number): Tensor;
  div(other: Tensor | number): Tensor;
  /** `scalar - t`, `scalar / t` */
  rsub(scalar: number): Tensor;
  rdiv(scalar: number): Tensor;
  neg(): Tensor;
  matmul(other: Tensor): Tensor;

  sum(): Tensor;
  mean(): Tensor;
  max(): Tensor;
  min(): Tensor;
  argmax(): Tensor;
  sumDim(d: number): Tensor;
  meanDim(d: number): Tensor;
  maxDim(d: number): Tensor;
  minDim(d: number): Tensor;
  argmaxDim(d: number): Tensor;

  exp(): Tensor;
  log(): Tensor;
  sqrt(): Tensor;
  abs(): Tensor;
  relu(): Tensor;
  sigmoid(): Tensor;
  tanh(): Tensor;
  softmax(dim: number): Tensor;
  /**
   * 1 where the element is greater than `scalar`, else 0, in the same dtype. Optional: autograd
   * (src/ml) uses it for relu's and abs's gradient masks and falls back to a slow loop without it.
   */
  gt?(scalar: number): Tensor;

  reshape(shape: Shape): Tensor;
  transpose(d0: number, d1: number): Tensor;
  t(): Tensor;
  /** `t[i]`: the sub-tensor at index i of dim 0. */
  index(i: number): Tensor;
  /** `slice(dim, start, end)` */
  slice(dim: number, start: number, end: number): Tensor;
  /** A size-1 dimension inserted at `dim` (a view). */
  unsqueeze(dim: number): Tensor;
  /** Without its size-1 dimensions, or only `dim` if it has size 1 (a view). */
  squeeze(dim?: number): Tensor;
  /** The dimensions reordered: dimension i of the result is dimension `dims[i]` (a view). */
  permute(dims: number[]): Tensor;
  /** `reshape` that never copies: P0401 when the tensor's strides cannot be viewed as `shape`. */
  view(shape: Shape): Tensor;
  /** Each element raised to `exponent` (`x.pow(2.0)`); float dtypes. */
  pow(exponent: number): Tensor;
  /** A copy converted to `dtype` (float to int truncates toward zero, as PyTorch's `.int()`). */
  to(dtype: DType): Tensor;

  fill_(v: number): void;
  add_(other: Tensor | number): void;
  mul_(other: Tensor | number): void;
  zero_(): void;

  /** PyTorch's printing: `tensor([[1., 2.],\n        [3., 4.]])`, `tensor(65536.)`, elision of large tensors. */
  toString(): string;
}
