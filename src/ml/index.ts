// The ML library (LANGUAGE.md §7): autograd, nn, optim, CSV datasets and PyTorch .pt files, as
// TypeScript modules over the tensor runtime and the managed heap. The evaluator binds STARK's
// `nn::`, `optim::`, `Dataset::` and `torch::` natives to these (see README.md beside this file).

import type { ManagedHeap } from "../../heap/api";
import type { TensorRuntime } from "../tensor/api";
import { Autograd } from "./autograd";
import { TensorHandles, TensorSlots, releaseTensorsOnCollect } from "./handles";
import { NN } from "./nn";
import { Optim } from "./optim";
import { TrainingBoundary } from "./training";

export { Autograd, Op, Slot } from "./autograd";
export type { Node } from "./autograd";
export { TensorHandles, releaseTensorsOnCollect } from "./handles";
export type { TensorSlots } from "./handles";
export { NN } from "./nn";
export type { Module, LinearOptions } from "./nn";
export { Optim } from "./optim";
export type { Optimizer, SGDOptions, AdamOptions } from "./optim";
export { Dataset, BatchIterator, DEFAULT_SHUFFLE_BUFFER } from "./dataset";
export type { Batch, Row, DatasetOptions } from "./dataset";
export { TrainingBoundary, DEFAULT_TENSOR_BUDGET } from "./training";
export { loadStateDict, saveStateDict, freeStateDict } from "./torch/state_dict";
export type { StateDict, LoadedTensor, SavableStateDict, TorchDtype, LoadOptions } from "./torch/state_dict";
export { ProgressBar } from "./progress";

export interface MlLibrary {
  ag: Autograd;
  nn: NN;
  optim: Optim;
  /** Call between training steps (pass it to datasets as `onBatchBoundary`). */
  boundary: TrainingBoundary;
}

/**
 * The library wired to one runtime and heap. Without `slots`, the library keeps its own tensor
 * table and registers the heap's (single) `onTensorRelease` callback for it; an embedder that
 * already owns that callback (the evaluator) passes an adapter over its own table instead.
 */
export function createMl(rt: TensorRuntime, heap: ManagedHeap, slots?: TensorSlots & { readonly liveBytes?: number }): MlLibrary {
  let table: TensorSlots & { readonly liveBytes?: number };
  if (slots) table = slots;
  else {
    const own = new TensorHandles(heap);
    releaseTensorsOnCollect(heap, own);
    table = own;
  }
  const ag = new Autograd(rt, heap, table);
  const bytes = { get liveBytes() { return table.liveBytes ?? 0; } };
  return { ag, nn: new NN(ag), optim: new Optim(ag), boundary: new TrainingBoundary(heap, bytes) };
}
