// Placeholder until the wasm kernels are built: the JS paths run everything.
import type { TensorStorage } from "../storage";
import type { Kernels } from "./types";

export function loadKernels(_storage: TensorStorage, _relaxed: boolean): Kernels | null {
  return null;
}
