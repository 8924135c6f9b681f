// The tensor runtime as one run sees it: the process's runtime (src/tensor), loaded when the
// program first uses it. Loading it creates its WebAssembly.Memory (a reservation of the whole
// 4 GiB it may grow to) and, in a process started from the start-up snapshot, compiles the
// module from dist/ — it cannot be in the snapshot. Most programs use no tensor: for them this
// was ≈ 2 % of `stark run hello.stark`.

import type { DType, NestedNumbers, Shape, Tensor, TensorRuntime } from "../tensor/api";
import { DEFAULT_SEED } from "../tensor/random";

export class RunTensors implements TensorRuntime {
  private loaded: TensorRuntime | null = null;

  /** `limit`: `--max-tensor-memory` in bytes, null for none. */
  constructor(private readonly limit: number | null) {}

  /**
   * The process's runtime, reset for this run on first use: every run starts from the same
   * limit and seed, so runs repeat (and several runs in one process agree).
   */
  private get rt(): TensorRuntime {
    if (this.loaded) return this.loaded;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const rt = (require("../tensor") as typeof import("../tensor")).tensorRuntime;
    rt.setLimit(this.limit);
    rt.manualSeed(DEFAULT_SEED);
    return (this.loaded = rt);
  }

  zeros(shape: Shape, dtype?: DType): Tensor {
    return this.rt.zeros(shape, dtype);
  }
  ones(shape: Shape, dtype?: DType): Tensor {
    return this.rt.ones(shape, dtype);
  }
  full(shape: Shape, value: number, dtype?: DType): Tensor {
    return this.rt.full(shape, value, dtype);
  }
  rand(shape: Shape, dtype?: DType): Tensor {
    return this.rt.rand(shape, dtype);
  }
  randn(shape: Shape, dtype?: DType): Tensor {
    return this.rt.randn(shape, dtype);
  }
  arange(n: number, dtype?: DType): Tensor {
    return this.rt.arange(n, dtype);
  }
  eye(n: number, dtype?: DType): Tensor {
    return this.rt.eye(n, dtype);
  }
  from(data: NestedNumbers, dtype?: DType): Tensor {
    return this.rt.from(data, dtype);
  }
  concat(tensors: Tensor[], dim: number): Tensor {
    return this.rt.concat(tensors, dim);
  }
  manualSeed(seed: number): void {
    this.rt.manualSeed(seed);
  }
  beginArena(): void {
    this.rt.beginArena();
  }
  endArena(keep: Tensor | null): Tensor | null {
    return this.rt.endArena(keep);
  }
  memoryStats(): { liveBytes: number; liveTensors: number; peakBytes: number } {
    return this.rt.memoryStats();
  }
  setLimit(bytes: number | null): void {
    this.rt.setLimit(bytes);
  }
}
