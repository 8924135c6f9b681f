// The TensorRuntime: creation functions, arenas, memory statistics and the storage limit.

import type { DType, NestedNumbers, Shape, Tensor, TensorRuntime } from "./api";
import { DTYPE_BYTES, coerce } from "./dtype";
import { dtypePanic, normDim, sameDtype, shapePanic, shapeStr } from "./errors";
import { MersenneTwister, fillNormal, DEFAULT_SEED } from "./random";
import { checkShape, contiguousStrides, numelOf } from "./shape";
import { TensorStorage } from "./storage";
import { DenseTensor } from "./tensor";
import { copyStrided } from "./ops/copy";
import { filled } from "./ops/result";
import type { Kernels } from "./kernels/types";
import { loadKernels } from "./kernels/load";

export interface RuntimeOptions {
  /** Use the wasm SIMD kernels when their build is present (default true). */
  kernels?: boolean;
  /** Allow the relaxed-SIMD build when the host supports it (default true). */
  relaxed?: boolean;
}

function checkDtype(dtype: DType | undefined): DType {
  const d = dtype ?? "f32";
  if (d !== "f32" && d !== "f64" && d !== "i32") throw dtypePanic(`unknown tensor dtype '${String(d)}' (expected f32, f64 or i32)`);
  return d;
}

export class Runtime implements TensorRuntime {
  readonly storage: TensorStorage;
  private gen = new MersenneTwister(DEFAULT_SEED);
  /** The wasm kernels, compiled on first use: most programs use no tensor, and compiling costs every start ≈ 4 ms. */
  private loadedKernels: Kernels | null | undefined;

  constructor(private readonly options: RuntimeOptions = {}) {
    this.storage = new TensorStorage();
    if (options.kernels === false) this.loadedKernels = null;
  }

  get kernels(): Kernels | null {
    if (this.loadedKernels === undefined) this.loadedKernels = loadKernels(this.storage, this.options.relaxed !== false);
    return this.loadedKernels;
  }

  /** A new contiguous tensor with uninitialized contents. */
  empty(shape: Shape, dtype: DType, int64Like = false): DenseTensor {
    const block = this.storage.allocate(numelOf(shape) * DTYPE_BYTES[dtype]);
    return new DenseTensor(this, dtype, shape, contiguousStrides(shape), 0, block, int64Like);
  }

  zeros(shape: Shape, dtype?: DType): Tensor {
    return this.full(shape, 0, dtype);
  }
  ones(shape: Shape, dtype?: DType): Tensor {
    return this.full(shape, 1, dtype);
  }
  full(shape: Shape, value: number, dtype?: DType): Tensor {
    const t = this.empty(checkShape(shape), checkDtype(dtype));
    t.fill_(value);
    return t;
  }

  rand(shape: Shape, dtype?: DType): Tensor {
    const d = checkDtype(dtype);
    const t = this.empty(checkShape(shape), d);
    const data = t.data();
    const n = t.numel();
    // PyTorch has no integer rand; an i32 request gets 0 (floor of [0, 1)).
    for (let i = 0; i < n; i++) data[t.base + i] = coerce(d, this.gen.uniform(d === "f64"));
    return t;
  }

  randn(shape: Shape, dtype?: DType): Tensor {
    const d = checkDtype(dtype);
    const t = this.empty(checkShape(shape), d);
    const values = new Float64Array(t.numel());
    fillNormal(this.gen, values, d === "f64");
    t.data().set(d === "i32" ? Int32Array.from(values, (v) => v | 0) : values, t.base);
    return t;
  }

  arange(n: number, dtype?: DType): Tensor {
    if (!Number.isFinite(n) || n < 0) throw shapePanic(`arange: upper bound must be a non-negative number, got ${n}`);
    const t = this.empty([Math.ceil(n)], checkDtype(dtype));
    const data = t.data();
    for (let i = 0; i < t.shape[0]; i++) data[t.base + i] = i;
    return t;
  }

  eye(n: number, dtype?: DType): Tensor {
    const t = this.full([n, n], 0, dtype) as DenseTensor;
    const data = t.data();
    for (let i = 0; i < n; i++) data[t.base + i * n + i] = 1;
    return t;
  }

  from(data: NestedNumbers, dtype?: DType): Tensor {
    const d = checkDtype(dtype);
    const shape: number[] = [];
    for (let x: NestedNumbers = data; Array.isArray(x); x = x[0]) {
      shape.push(x.length);
      if (x.length === 0) break;
    }
    const flat: number[] = [];
    const walk = (x: NestedNumbers, dim: number): void => {
      if (dim === shape.length) {
        if (typeof x !== "number") throw shapePanic(`expected a number at depth ${dim} of Tensor::from, found a nested list`);
        flat.push(x);
        return;
      }
      if (!Array.isArray(x) || x.length !== shape[dim]) {
        const got = Array.isArray(x) ? x.length : "a number";
        throw shapePanic(`expected sequence of length ${shape[dim]} at dim ${dim} (got ${got})`);
      }
      for (const y of x) walk(y, dim + 1);
    };
    walk(data, 0);
    const t = this.empty(shape, d);
    const out = t.data();
    for (let i = 0; i < flat.length; i++) out[t.base + i] = coerce(d, flat[i]);
    return t;
  }

  concat(tensors: Tensor[], dim: number): Tensor {
    if (tensors.length === 0) throw shapePanic("concat expects a non-empty list of tensors");
    const ts = tensors as DenseTensor[];
    const first = ts[0];
    const d = normDim(dim, first.ndim);
    const shape = first.shape.slice();
    let total = 0;
    ts.forEach((t, idx) => {
      sameDtype("concat", first.dtype, t.dtype);
      if (t.ndim !== first.ndim) {
        throw shapePanic(`Tensors must have same number of dimensions: got ${first.ndim} and ${t.ndim} (shapes ${shapeStr(first.shape)} and ${shapeStr(t.shape)})`);
      }
      for (let i = 0; i < t.ndim; i++) {
        if (i !== d && t.shape[i] !== first.shape[i]) {
          throw shapePanic(
            `Sizes of tensors must match except in dimension ${d}. Expected size ${first.shape[i]} but got size ${t.shape[i]} for tensor number ${idx} in the list.`,
          );
        }
      }
      total += t.shape[d];
    });
    shape[d] = total;
    const out = this.empty(shape, first.dtype);
    return filled(out, () => {
      let at = 0;
      for (const t of ts) {
        if (t.shape[d] === 0) continue;
        const dst = out.slice(d, at, at + t.shape[d]) as DenseTensor;
        try {
          copyStrided(dst, t);
        } finally {
          dst.free();
        }
        at += t.shape[d];
      }
    });
  }

  manualSeed(seed: number): void {
    this.gen.seed(seed);
  }

  beginArena(): void {
    this.storage.beginArena();
  }

  endArena(keep: Tensor | null): Tensor | null {
    const k = keep as DenseTensor | null;
    if (k && !k.freed && this.storage.inCurrentArena(k.block)) {
      // Copy the result out of the arena into the enclosing context (owned storage, or the outer arena).
      const contiguous = k.contiguousOrCopy();
      const saved = contiguous.data().slice(contiguous.base, contiguous.base + contiguous.numel());
      const shape = k.shape.slice();
      const int64Like = k.int64Like;
      this.storage.endArena();
      const out = this.empty(shape, k.dtype, int64Like);
      out.data().set(saved, out.base);
      return out;
    }
    this.storage.endArena();
    return keep;
  }

  memoryStats(): { liveBytes: number; liveTensors: number; peakBytes: number } {
    const s = this.storage;
    return { liveBytes: s.liveBytes, liveTensors: s.liveTensors, peakBytes: s.peakBytes };
  }

  setLimit(bytes: number | null): void {
    this.storage.setLimit(bytes);
  }
}
