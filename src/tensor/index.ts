// The tensor runtime the interpreter binds STARK's `Tensor` to (LANGUAGE.md §6).

import { Runtime } from "./runtime";

export type { DType, Shape, NestedNumbers, Tensor, TensorRuntime } from "./api";
export { Runtime } from "./runtime";
export type { RuntimeOptions } from "./runtime";
export { DenseTensor } from "./tensor";

/** The process-wide runtime: one WebAssembly.Memory for all tensors. */
export const tensorRuntime: Runtime = new Runtime();
