// The five collector modes of LANGUAGE.md §5: their GCConfig defaults and the policy knobs
// that follow from each mode (how old-generation collection is done and when it starts).

import { GCConfig, GCModeName } from "./api";

const KiB = 1024;
const MiB = 1024 * KiB;

export const MODE_DEFAULTS: Record<GCModeName, GCConfig> = {
  // Large nursery so most objects die young and collections are rare: a young collection
  // costs what survives, not what was allocated, and the survivors are mostly the objects the
  // program was in the middle of building, so the fewer collections the less is copied
  // (binary-trees 16: with 8 MiB 15% of the run time is spent in young pauses, 32 MiB 5-6%).
  // Promotion at the first survival (tenureAge 1 in MODE_POLICY), so no survivor spaces and
  // eden is the whole nursery: an object that survives a collection has outlived 32 MiB of
  // allocation and is most likely long-lived, and every extra copy of long-lived data is what a
  // large nursery makes expensive (binary-trees 16 through the API, median of 3 interleaved
  // runs: 4.3% of the CPU time in pauses, against 4.8% promoting at the second survival).
  Throughput: {
    mode: "Throughput",
    maxHeapSize: null,
    youngGenSize: 32 * MiB,
    concurrentThreads: 0,
    pauseTargetMs: 50,
    throughputTarget: 0.99,
  },
  // A small nursery keeps young pauses short; old marking runs in slices under pauseTargetMs.
  // concurrentThreads is the request; marking still runs in slices on the main thread.
  LowLatency: {
    mode: "LowLatency",
    maxHeapSize: null,
    youngGenSize: 1 * MiB,
    concurrentThreads: 2,
    pauseTargetMs: 5,
    throughputTarget: 0.9,
  },
  // Small heap: a small nursery, old collections when the old generation grows by a quarter,
  // compaction so the arena shrinks back to the live data.
  Memory: {
    mode: "Memory",
    maxHeapSize: null,
    youngGenSize: 256 * KiB,
    concurrentThreads: 0,
    pauseTargetMs: 20,
    throughputTarget: 0.8,
  },
  // Young collections at batch boundaries; a nursery big enough for one training step.
  Training: {
    mode: "Training",
    maxHeapSize: null,
    youngGenSize: 4 * MiB,
    concurrentThreads: 0,
    pauseTargetMs: 20,
    throughputTarget: 0.95,
  },
  // Fixed nursery, steady young cadence, incremental old marking; a stop-the-world full
  // collection only when the heap is nearly full.
  Inference: {
    mode: "Inference",
    maxHeapSize: null,
    youngGenSize: 2 * MiB,
    concurrentThreads: 0,
    pauseTargetMs: 10,
    throughputTarget: 0.95,
  },
};

export interface ModePolicy {
  /** How the old generation is collected when it has grown enough. */
  readonly old: "stop-the-world" | "incremental";
  /** Compact the old generation at full collections. */
  readonly compact: boolean;
  /** Start an old collection when the old generation exceeds live-after-last × this. */
  readonly growthFactor: number;
  /** ... but not before it holds this many bytes. */
  readonly minOldTrigger: number;
  /** Young collections an object survives before promotion (1: no survivor spaces). */
  readonly tenureAge: number;
  /** Young collections wait for batchBoundary() unless the nursery is full. */
  readonly batchAligned: boolean;
  /** Old collections only once the heap is this close to maxHeapSize (Inference). */
  readonly fullOnlyNearLimit: boolean;
}

export const MODE_POLICY: Record<GCModeName, ModePolicy> = {
  Throughput: { old: "stop-the-world", compact: false, growthFactor: 2, minOldTrigger: 32 * MiB, tenureAge: 1, batchAligned: false, fullOnlyNearLimit: false },
  LowLatency: { old: "incremental", compact: false, growthFactor: 1.5, minOldTrigger: 4 * MiB, tenureAge: 2, batchAligned: false, fullOnlyNearLimit: false },
  Memory: { old: "stop-the-world", compact: true, growthFactor: 1.25, minOldTrigger: 512 * KiB, tenureAge: 2, batchAligned: false, fullOnlyNearLimit: false },
  Training: { old: "stop-the-world", compact: false, growthFactor: 2, minOldTrigger: 16 * MiB, tenureAge: 2, batchAligned: true, fullOnlyNearLimit: false },
  Inference: { old: "incremental", compact: false, growthFactor: 2, minOldTrigger: 8 * MiB, tenureAge: 2, batchAligned: false, fullOnlyNearLimit: true },
};

/** Share of the limit at which Inference mode allows a stop-the-world full collection. */
export const NEARLY_FULL = 0.9;

export function defaultsFor(mode: GCModeName): GCConfig {
  return { ...MODE_DEFAULTS[mode] };
}
