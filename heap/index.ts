// The heap library's entry point.

import { GCConfig, ManagedHeap } from "./api";
import { GenerationalHeap, HeapOptions } from "./heap";

export * from "./api";
export { HeapExhaustedError } from "./errors";
export { HeapCorruption } from "./verifier";
export { GenerationalHeap } from "./heap";
export type { HeapOptions } from "./heap";
export { BumpHeap } from "./bump";
export { MODE_DEFAULTS } from "./modes";

/** A generational, incremental heap with the given GCConfig fields (the rest: mode defaults). */
export function createHeap(config: Partial<GCConfig> = {}, options: HeapOptions = {}): ManagedHeap & GenerationalHeap {
  return new GenerationalHeap(config, options);
}
