// Loads the compiled SIMD kernels (built by ./build.mjs into dist/) over the runtime's memory,
// choosing the relaxed-SIMD build only when this host is detected to support it, and adapts the
// ops' requests (shapes, strides, broadcasting) to the kernels' flat row loops.

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as v8 from "node:v8";
import type { DenseTensor } from "../tensor";
import type { TensorStorage } from "../storage";
import { BinOp, UnOp } from "../ops/elementwise";
import { ReduceOp } from "../ops/reduce";
import type { MatRef } from "../ops/matmul";
import { broadcastStrides } from "../shape";
import { Wasm } from "../wasm";
import type { Kernels } from "./types";

/** GEMM blocking, mirrored from wat.mjs (the packing scratch is sized from it). */
const MC = 128;
const KC = 256;
const NC = 2048;

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

const BIN_NAME: Record<number, string> = { [BinOp.Add]: "add", [BinOp.Sub]: "sub", [BinOp.Mul]: "mul", [BinOp.Div]: "div" };
const UN_NAME: Record<UnOp, string> = {
  [UnOp.Neg]: "un_neg",
  [UnOp.Exp]: "un_exp",
  [UnOp.Log]: "un_log",
  [UnOp.Sqrt]: "un_sqrt",
  [UnOp.Abs]: "un_abs",
  [UnOp.Relu]: "un_relu",
  [UnOp.Sigmoid]: "un_sigmoid",
  [UnOp.Tanh]: "un_tanh",
};

class WasmKernels implements Kernels {
  private packA = 0;
  private packB = 0;
  private packBBytes = 0;
  /** Export lookups done once, indexed by BinOp / UnOp. */
  private readonly scalarFns: ((...args: number[]) => number)[];
  private readonly binFns: ((...args: number[]) => number)[];
  private readonly unFns: ((...args: number[]) => number)[];

  constructor(
    private storage: TensorStorage,
    private x: Exports,
    readonly variant: string,
  ) {
    const names = [BinOp.Add, BinOp.Sub, BinOp.Mul, BinOp.Div].map((op) => BIN_NAME[op]);
    this.scalarFns = [...names.map((n) => x[`scalar_${n}`]), x.rscalar_sub, x.rscalar_div];
    this.binFns = names.map((n) => x[`bin_${n}`]);
    this.unFns = Object.values(UnOp)
      .filter((v): v is UnOp => typeof v === "number")
      .map((op) => x[UN_NAME[op]]);
  }

  binary(op: BinOp, out: DenseTensor, a: DenseTensor, b: DenseTensor | number): boolean {
    if (typeof b === "number") {
      if (!a.contiguous) return false;
      const n = out.numel();
      if (n > 0) this.scalarFns[op](out.byteAddress, a.byteAddress, b, n);
      return true;
    }
    if (b.dtype !== "f32" || op > BinOp.Div) return false;
    const n = out.numel();
    if (n === 0) return true;
    if (a.contiguous && b.contiguous && a.numel() === n && b.numel() === n) {
      // the common case: same shape, both dense — one flat row
      this.binFns[op](out.byteAddress, a.byteAddress, 0, 1, b.byteAddress, 0, 1, 1, n);
      return true;
    }
    const plan = collapse(out.shape, broadcastStrides(a.shape, a.strides, out.shape), broadcastStrides(b.shape, b.strides, out.shape));
    const nd = plan.dims.length;
    const cols = nd > 0 ? plan.dims[nd - 1] : 1;
    const aInner = nd > 0 ? plan.a[nd - 1] : 1;
    const bInner = nd > 0 ? plan.b[nd - 1] : 1;
    if ((aInner !== 0 && aInner !== 1) || (bInner !== 0 && bInner !== 1)) return false;
    const rows = nd > 1 ? plan.dims[nd - 2] : 1;
    const ars = nd > 1 ? plan.a[nd - 2] * 4 : 0;
    const brs = nd > 1 ? plan.b[nd - 2] * 4 : 0;
    const fn = this.binFns[op];
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
      fn(o, aBase + aOff * 4, ars, aInner, bBase + bOff * 4, brs, bInner, rows, cols);
      o += rows * cols * 4;
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

  unary(op: UnOp, out: DenseTensor, a: DenseTensor): boolean {
    if (!a.contiguous) return false;
    const n = a.numel();
    if (n > 0) this.unFns[op](out.byteAddress, a.byteAddress, n);
    return true;
  }

  reduceAll(op: ReduceOp, src: number, n: number): number | null {
    switch (op) {
      case ReduceOp.Sum:
        return this.x.sum(src, n);
      case ReduceOp.Mean:
        return this.x.sum(src, n) / n;
      case ReduceOp.Max:
        return this.x.max(src, n);
      case ReduceOp.Min:
        return this.x.min(src, n);
      case ReduceOp.Argmax:
        return this.x.argmax(src, n);
    }
  }

  reduceDim(op: ReduceOp, out: number, src: number, outer: number, n: number, inner: number): boolean {
    if (n === 0) return false;
    if (outer * inner === 0) return true;
    if (inner === 1) {
      this.x.reduce_rows(op, out, src, outer, n);
      return true;
    }
    if (op === ReduceOp.Argmax) return false;
    this.x.reduce_mid(op === ReduceOp.Mean ? ReduceOp.Sum : op, out, src, outer, n, inner);
    if (op === ReduceOp.Mean) this.x.scalar_div(out, out, n, outer * inner);
    return true;
  }

  softmax(out: number, src: number, outer: number, n: number, inner: number): boolean {
    if (outer * inner === 0) return true;
    if (inner === 1) {
      this.x.softmax_rows(out, src, outer, n);
      return true;
    }
    const scratch = this.storage.allocScratch(8 * inner);
    this.x.softmax_mid(out, src, outer, n, inner, scratch);
    this.storage.freeScratch(scratch, 8 * inner);
    return true;
  }

  copy(dst: DenseTensor, src: DenseTensor): boolean {
    if (dst.dtype !== src.dtype || dst.dtype === "f64") return false;
    const plan = collapse(src.shape, src.strides, src.strides);
    const nd = plan.dims.length;
    const cols = nd > 0 ? plan.dims[nd - 1] : 1;
    const scs = nd > 0 ? plan.a[nd - 1] * 4 : 4;
    const rows = nd > 1 ? plan.dims[nd - 2] : 1;
    const srs = nd > 1 ? plan.a[nd - 2] * 4 : 0;
    const outerDims = plan.dims.slice(0, Math.max(0, nd - 2));
    const idx = new Array<number>(outerDims.length).fill(0);
    const blocks = outerDims.reduce((x, y) => x * y, 1);
    let off = 0;
    let o = dst.byteAddress;
    const base = src.byteAddress;
    for (let t = 0; t < blocks; t++) {
      this.x.copy2d(o, base + off * 4, rows, cols, srs, scs);
      o += rows * cols * 4;
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

  gemm(m: number, n: number, k: number, A: MatRef, B: MatRef, C: number): boolean {
    if (m === 0 || n === 0) return true;
    if (k === 0) {
      this.storage.f32.fill(0, C, C + m * n);
      return true;
    }
    this.ensureScratch(Math.min(n, NC));
    this.x.gemm(m, n, k, A.base * 4, A.rs * 4, A.cs * 4, B.base * 4, B.rs * 4, B.cs * 4, C * 4, this.packA, this.packB);
    return true;
  }

  /** Packing buffers, kept between calls and grown to the widest B panel seen. */
  private ensureScratch(nc: number): void {
    if (this.packA === 0) this.packA = this.storage.allocScratch(MC * KC * 4);
    const bBytes = KC * Math.ceil(nc / 8) * 8 * 4;
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
