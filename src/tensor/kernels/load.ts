// Loads the compiled SIMD kernels (built by ./build.mjs into dist/) over the runtime's memory,
// choosing the relaxed-SIMD build only when this host is detected to support it, and adapts the
// ops' requests (shapes, strides, broadcasting) to the kernels' flat row loops.

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as v8 from "node:v8";
import type { DType } from "../api";
import { DTYPE_BYTES } from "../dtype";
import type { DenseTensor } from "../tensor";
import type { TensorStorage } from "../storage";
import { BinOp, UnOp } from "../ops/elementwise";
import { ReduceOp } from "../ops/reduce";
import type { MatRef } from "../ops/matmul";
import { broadcastStrides } from "../shape";
import { Wasm } from "../wasm";
import type { Kernels } from "./types";

/** A minimal module using `f32x4.relaxed_madd`: (v128, v128, v128) -> v128. */
const RELAXED_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b, // type: (v128 v128 v128) -> v128
  0x03, 0x02, 0x01, 0x00, // one function of type 0
  0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfd, 0x85, 0x02, 0x0b, // body
]);

/** Does this host run relaxed SIMD? Node 20 has it behind a flag that can be set before compiling. */
export function detectRelaxedSimd(): boolean {
  try {
    if (Wasm.validate(RELAXED_PROBE)) return true;
    v8.setFlagsFromString("--experimental-wasm-relaxed-simd");
    return Wasm.validate(RELAXED_PROBE);
  } catch {
    return false;
  }
}

/** The built .wasm beside the compiled module (dist/), or in dist/ when running from src/ (jest). */
function findWasm(file: string): string | null {
  const candidates = [join(__dirname, file), join(__dirname, "../../../dist/src/tensor/kernels", file)];
  return candidates.find((p) => existsSync(p)) ?? null;
}

interface Exports {
  [name: string]: (...args: number[]) => number;
}

export function loadKernels(storage: TensorStorage, allowRelaxed: boolean): Kernels | null {
  const relaxed = allowRelaxed && detectRelaxedSimd();
  const path = findWasm(relaxed ? "kernels-relaxed.wasm" : "kernels.wasm") ?? findWasm("kernels.wasm");
  if (!path) return null;
  try {
    const module = new Wasm.Module(readFileSync(path));
    const instance = new Wasm.Instance(module, { env: { memory: storage.memory } });
    return new WasmKernels(storage, instance.exports as Exports, path.endsWith("relaxed.wasm") ? "relaxed-simd" : "simd128");
  } catch {
    // A host without SIMD128 (or a damaged build) runs the JS paths.
    return null;
  }
}

const BIN_NAME = ["add", "sub", "mul", "div"];
const UN_NAME: Record<UnOp, string> = {
  [UnOp.Neg]: "neg",
  [UnOp.Exp]: "exp",
  [UnOp.Log]: "log",
  [UnOp.Sqrt]: "sqrt",
  [UnOp.Abs]: "abs",
  [UnOp.Relu]: "relu",
  [UnOp.Sigmoid]: "sigmoid",
  [UnOp.Tanh]: "tanh",
};

type Fn = (...args: number[]) => number;

/** One dtype's exports, looked up once; a missing op is `undefined` (the caller runs JS). */
interface DtypeFns {
  /** log2 of the element size: element index → byte offset. */
  shift: number;
  /** By BinOp: `t op s` for Add..Div, `s - t` and `s / t` for RSub and RDiv. */
  scalar: (Fn | undefined)[];
  /** By BinOp (Add..Div): the broadcasting row loop. */
  bin: (Fn | undefined)[];
  /** By UnOp. */
  un: (Fn | undefined)[];
  sum: Fn;
  max: Fn;
  min: Fn;
  argmax: Fn;
  reduceRows: Fn;
  reduceMid: Fn;
  argmaxMid: Fn | undefined;
  softmaxRows: Fn | undefined;
  softmaxMid: Fn | undefined;
  copy2d: Fn;
  gemm: Fn | undefined;
  /** Bytes of packing scratch `gemm` needs: an A block, and a B panel for `n` columns. */
  gemmPackABytes: Fn | undefined;
  gemmPackBBytes: Fn | undefined;
}

const SUFFIX: Record<DType, string> = { f32: "", f64: "_f64", i32: "_i32" };

function dtypeFns(x: Exports, dtype: DType): DtypeFns {
  const sfx = SUFFIX[dtype];
  const scalar = BIN_NAME.map((n) => x[`scalar_${n}${sfx}`]);
  return {
    shift: Math.log2(DTYPE_BYTES[dtype]),
    scalar: [...scalar, x[`rscalar_sub${sfx}`], x[`rscalar_div${sfx}`]],
    bin: BIN_NAME.map((n) => x[`bin_${n}${sfx}`]),
    un: Object.values(UnOp)
      .filter((v): v is UnOp => typeof v === "number")
      .map((op) => x[`un_${UN_NAME[op]}${sfx}`]),
    sum: x[`sum${sfx}`],
    max: x[`max${sfx}`],
    min: x[`min${sfx}`],
    argmax: x[`argmax${sfx}`],
    reduceRows: x[`reduce_rows${sfx}`],
    reduceMid: x[`reduce_mid${sfx}`],
    argmaxMid: x[`argmax_mid${sfx}`],
    softmaxRows: x[`softmax_rows${sfx}`],
    softmaxMid: x[`softmax_mid${sfx}`],
    copy2d: DTYPE_BYTES[dtype] === 8 ? x.copy2d_8 : x.copy2d,
    gemm: x[`gemm${sfx}`],
    gemmPackABytes: x[`gemm_pack_a_bytes${sfx}`],
    gemmPackBBytes: x[`gemm_pack_b_bytes${sfx}`],
  };
}

class WasmKernels implements Kernels {
  /** GEMM packing buffers, shared by the GEMMs of every dtype and grown on demand. */
  private packA = 0;
  private packABytes = 0;
  private packB = 0;
  private packBBytes = 0;
  private readonly fns: Record<DType, DtypeFns>;

  constructor(
    private storage: TensorStorage,
    private x: Exports,
    readonly variant: string,
  ) {
    this.fns = { f32: dtypeFns(x, "f32"), f64: dtypeFns(x, "f64"), i32: dtypeFns(x, "i32") };
  }

  binary(op: BinOp, out: DenseTensor, a: DenseTensor, b: DenseTensor | number): boolean {
    if (a.dtype !== out.dtype) return false;
    const f = this.fns[out.dtype];
    if (typeof b === "number") {
      const fn = f.scalar[op];
      if (!fn || !a.contiguous) return false;
      const n = out.numel();
      if (n > 0) fn(out.byteAddress, a.byteAddress, b, n);
      return true;
    }
    const fn = f.bin[op];
    if (b.dtype !== out.dtype || !fn) return false;
    const n = out.numel();
    if (n === 0) return true;
    if (a.contiguous && b.contiguous && a.numel() === n && b.numel() === n) {
      // the common case: same shape, both dense — one flat row
      fn(out.byteAddress, a.byteAddress, 0, 1, b.byteAddress, 0, 1, 1, n);
      return true;
    }
    const plan = collapse(out.shape, broadcastStrides(a.shape, a.strides, out.shape), broadcastStrides(b.shape, b.strides, out.shape));
    const nd = plan.dims.length;
    const cols = nd > 0 ? plan.dims[nd - 1] : 1;
    const aInner = nd > 0 ? plan.a[nd - 1] : 1;
    const bInner = nd > 0 ? plan.b[nd - 1] : 1;
    if ((aInner !== 0 && aInner !== 1) || (bInner !== 0 && bInner !== 1)) return false;
    const sh = f.shift;
    const rows = nd > 1 ? plan.dims[nd - 2] : 1;
    const ars = nd > 1 ? plan.a[nd - 2] << sh : 0;
    const brs = nd > 1 ? plan.b[nd - 2] << sh : 0;
    // Outer dimensions (after collapsing) are walked here; each step is one rows×cols block.
    const outerDims = plan.dims.slice(0, Math.max(0, nd - 2));
    const idx = new Array<number>(outerDims.length).fill(0);
    const blocks = outerDims.reduce((x, y) => x * y, 1);
    let aOff = 0;
    let bOff = 0;
    let o = out.byteAddress;
    const aBase = a.byteAddress;
    const bBase = b.byteAddress;
    for (let t = 0; t < blocks; t++) {
      fn(o, aBase + aOff * (1 << sh), ars, aInner, bBase + bOff * (1 << sh), brs, bInner, rows, cols);
      o += (rows * cols) << sh;
      for (let d = outerDims.length - 1; d >= 0; d--) {
        idx[d]++;
        aOff += plan.a[d];
        bOff += plan.b[d];
        if (idx[d] < outerDims[d]) break;
        aOff -= plan.a[d] * outerDims[d];
        bOff -= plan.b[d] * outerDims[d];
        idx[d] = 0;
      }
    }
    return true;
  }

  hasUnary(op: UnOp, dtype: DType): boolean {
    return this.fns[dtype].un[op] !== undefined;
  }

  unary(op: UnOp, out: DenseTensor, a: DenseTensor): boolean {
    const fn = this.fns[a.dtype].un[op];
    if (!fn || !a.contiguous || out.dtype !== a.dtype) return false;
    const n = a.numel();
    if (n > 0) fn(out.byteAddress, a.byteAddress, n);
    return true;
  }

  reduceAll(op: ReduceOp, dtype: DType, src: number, n: number): number | null {
    const f = this.fns[dtype];
    switch (op) {
      case ReduceOp.Sum:
        return f.sum(src, n);
      case ReduceOp.Mean:
        return f.sum(src, n) / n;
      case ReduceOp.Max:
        return f.max(src, n);
      case ReduceOp.Min:
        return f.min(src, n);
      case ReduceOp.Argmax:
        return f.argmax(src, n);
    }
  }

  reduceDim(op: ReduceOp, dtype: DType, out: number, src: number, outer: number, n: number, inner: number): boolean {
    if (n === 0) return false;
    if (outer * inner === 0) return true;
    if (op === ReduceOp.Mean && dtype === "i32") return false; // its mean is f32
    const f = this.fns[dtype];
    if (inner === 1) {
      f.reduceRows(op, out, src, outer, n);
      return true;
    }
    if (op === ReduceOp.Argmax) {
      if (!f.argmaxMid) return false;
      const bytes = inner << f.shift;
      const scratch = this.storage.allocScratch(bytes);
      f.argmaxMid(out, src, outer, n, inner, scratch);
      this.storage.freeScratch(scratch, bytes);
      return true;
    }
    f.reduceMid(op === ReduceOp.Mean ? ReduceOp.Sum : op, out, src, outer, n, inner);
    if (op === ReduceOp.Mean) f.scalar[BinOp.Div]!(out, out, n, outer * inner);
    return true;
  }

  softmax(dtype: DType, out: number, src: number, outer: number, n: number, inner: number): boolean {
    const f = this.fns[dtype];
    if (!f.softmaxRows || !f.softmaxMid) return false;
    if (outer * inner === 0) return true;
    if (inner === 1) {
      f.softmaxRows(out, src, outer, n);
      return true;
    }
    const bytes = (2 * inner) << f.shift; // the running max row and the sum row
    const scratch = this.storage.allocScratch(bytes);
    f.softmaxMid(out, src, outer, n, inner, scratch);
    this.storage.freeScratch(scratch, bytes);
    return true;
  }

  copy(dst: DenseTensor, src: DenseTensor): boolean {
    if (dst.dtype !== src.dtype) return false;
    const f = this.fns[src.dtype];
    const sh = f.shift;
    const plan = collapse(src.shape, src.strides, src.strides);
    const nd = plan.dims.length;
    const cols = nd > 0 ? plan.dims[nd - 1] : 1;
    const scs = nd > 0 ? plan.a[nd - 1] << sh : 1 << sh;
    const rows = nd > 1 ? plan.dims[nd - 2] : 1;
    const srs = nd > 1 ? plan.a[nd - 2] << sh : 0;
    const outerDims = plan.dims.slice(0, Math.max(0, nd - 2));
    const idx = new Array<number>(outerDims.length).fill(0);
    const blocks = outerDims.reduce((x, y) => x * y, 1);
    let off = 0;
    let o = dst.byteAddress;
    const base = src.byteAddress;
    for (let t = 0; t < blocks; t++) {
      f.copy2d(o, base + off * (1 << sh), rows, cols, srs, scs);
      o += (rows * cols) << sh;
      for (let d = outerDims.length - 1; d >= 0; d--) {
        idx[d]++;
        off += plan.a[d];
        if (idx[d] < outerDims[d]) break;
        off -= plan.a[d] * outerDims[d];
        idx[d] = 0;
      }
    }
    return true;
  }

  gemm(dtype: DType, m: number, n: number, k: number, A: MatRef, B: MatRef, C: number): boolean {
    const f = this.fns[dtype];
    if (!f.gemm || !f.gemmPackABytes || !f.gemmPackBBytes) return false;
    if (m === 0 || n === 0) return true;
    const bytes = 1 << f.shift;
    if (k === 0) {
      new Uint8Array(this.storage.memory.buffer, C * bytes, m * n * bytes).fill(0);
      return true;
    }
    this.ensureScratch(f.gemmPackABytes(), f.gemmPackBBytes(n));
    f.gemm(m, n, k, A.base * bytes, A.rs * bytes, A.cs * bytes, B.base * bytes, B.rs * bytes, B.cs * bytes, C * bytes, this.packA, this.packB);
    return true;
  }

  /** Packing buffers, kept between calls and grown to the largest A block and B panel seen. */
  private ensureScratch(aBytes: number, bBytes: number): void {
    if (aBytes > this.packABytes) {
      if (this.packA !== 0) this.storage.freeScratch(this.packA, this.packABytes);
      this.packA = this.storage.allocScratch(aBytes);
      this.packABytes = aBytes;
    }
    if (bBytes > this.packBBytes) {
      if (this.packB !== 0) this.storage.freeScratch(this.packB, this.packBBytes);
      this.packB = this.storage.allocScratch(bBytes);
      this.packBBytes = bBytes;
    }
  }
}

/**
 * Drops size-1 dimensions and merges neighbours that both operands step through contiguously,
 * so `[2, 3, 4] + [2, 3, 4]` is one row of 24 and `[8, 16] + [16]` is 8 rows of a broadcast row.
 */
function collapse(shape: number[], sa: number[], sb: number[]): { dims: number[]; a: number[]; b: number[] } {
  const dims: number[] = [];
  const a: number[] = [];
  const b: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] === 1) continue;
    if (dims.length > 0 && sa[d] === a[0] * dims[0] && sb[d] === b[0] * dims[0]) {
      dims[0] *= shape[d];
      continue;
    }
    dims.unshift(shape[d]);
    a.unshift(sa[d]);
    b.unshift(sb[d]);
  }
  return { dims, a, b };
}
