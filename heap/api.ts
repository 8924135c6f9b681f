// The managed-heap interface: the only way the interpreter creates or touches a managed value
// (LANGUAGE.md §3, §5). The library knows nothing of STARK syntax; the interpreter knows nothing
// of how the heap lays out or collects objects.
//
// Rules every user of this interface must follow (they are what makes collection exact and
// moving safe):
//
// 1. A `Ptr` is an opaque number; 0 is the null pointer. Objects may MOVE when the collector
//    runs, so a Ptr held in a JavaScript variable is only valid until the next collection point.
// 2. Collection happens only inside `safepoint()`, `collectYoung()` and `collectFull()` — never
//    inside an allocation or a slot access. (When the nursery is full, allocation keeps going —
//    into the old generation if it must — and the next safepoint collects.)
// 3. At a collection point every live Ptr must be reachable from the root scanner (frames,
//    globals, handle scopes), which visits each root slot and stores back the value `visit`
//    returns (the object's new address).
// 4. Pointer slots are written with `setPtr` (it runs the write barrier); scalar slots with `set`.

export type Ptr = number;

/** What one slot of an object holds, so the collector is precise. */
export const enum SlotKind {
  /** A number (integer, float, bool, char code): never followed. */
  Scalar = 0,
  /** A Ptr to another managed object (or 0). */
  Pointer = 1,
  /** An owned tensor handle id (or 0): released through `onTensorRelease` when the object dies. */
  Tensor = 2,
  /**
   * A tensor the object refers to without owning it (a `&Tensor` in a `Vec<&Tensor>`): to the
   * collector a number like Scalar, never released.
   */
  TensorRef = 3,
}

export interface LayoutSpec {
  /** Shown in stats and the REPL's `:heap` ("Point", "Vec<i32>", "String", "closure env"). */
  name: string;
  /** Fixed-size object: the kind of every slot. */
  slots: SlotKind[];
}

export interface ArrayLayoutSpec {
  name: string;
  /** Variable-length object: every element has this kind; "byte" for UTF-8 string data. */
  element: SlotKind | "byte";
}

export type GCModeName = "Throughput" | "LowLatency" | "Memory" | "Training" | "Inference";

/** LANGUAGE.md §5 `GCConfig`, in plain units. Every field has a per-mode default. */
export interface GCConfig {
  mode: GCModeName;
  /** Bytes; null = unlimited. */
  maxHeapSize: number | null;
  youngGenSize: number;
  concurrentThreads: number;
  /** Milliseconds. */
  pauseTargetMs: number;
  throughputTarget: number;
}

/** LANGUAGE.md §5 `GCStats`. Times in milliseconds, sizes in bytes. */
export interface GCStats {
  youngCollections: number;
  fullCollections: number;
  /** Incremental old-generation marking slices. */
  markSlices: number;
  totalPauseMs: number;
  maxPauseMs: number;
  p99PauseMs: number;
  heapUsed: number;
  heapCommitted: number;
  youngUsed: number;
  oldUsed: number;
  bytesAllocated: number;
  bytesPromoted: number;
  /** Share of run time outside GC pauses, 0..1. */
  throughput: number;
  /** Training mode: young collections at a batch boundary vs. inside a step. */
  collectionsAtBoundary: number;
  collectionsInStep: number;
  mode: GCModeName;
  concurrentThreads: number;
}

/** One line of `--gc-trace`, and one point of the heap report's time series. */
export interface GCEvent {
  kind: "young" | "full" | "mark-slice" | "compact";
  reason: string;
  /** Milliseconds since the heap was created. */
  atMs: number;
  pauseMs: number;
  heapBefore: number;
  heapAfter: number;
  youngAfter: number;
  oldAfter: number;
  promoted: number;
}

export type RootScanner = (visit: (p: Ptr) => Ptr) => void;

export interface ManagedHeap {
  defineLayout(spec: LayoutSpec): number;
  defineArrayLayout(spec: ArrayLayoutSpec): number;

  /** A fixed-size object with every slot 0. */
  alloc(layout: number): Ptr;
  /** A variable-length object of `length` elements, all 0. */
  allocArray(layout: number, length: number): Ptr;

  layoutOf(p: Ptr): number;
  layoutName(layout: number): string;
  /** Slot count of a fixed object, element count of an array. */
  length(p: Ptr): number;

  get(p: Ptr, i: number): number;
  set(p: Ptr, i: number, v: number): void;
  getPtr(p: Ptr, i: number): Ptr;
  setPtr(p: Ptr, i: number, v: Ptr): void;
  /**
   * Optional, for compiled code that reads and writes slots without a call (src/eval/codegen.ts):
   * the array of slot words, where slot `i` of object `p` is `slotWords()[p + slotOffset + i]`.
   * The array is replaced when the heap grows, which any allocation or collection point may do,
   * so a caller re-reads it after anything that can allocate. Pointer slots are still written
   * with `setPtr` (the write barrier); scalar slots may be written through the array.
   */
  slotWords?(): Float64Array;
  /** With `slotWords`: the words between an object's address and its slot 0. */
  readonly slotOffset?: number;
  /**
   * Optional: copy every slot (or byte) of `from` into `to`, an object of the same layout and
   * length allocated since the last collection point, with the write barrier its pointer slots
   * need (`to` is in the old generation when it was allocated with the nursery full, so
   * copying pointers into it with `set` would hide old→young pointers from the collector).
   */
  copySlots?(to: Ptr, from: Ptr): void;
  getByte(p: Ptr, i: number): number;
  setByte(p: Ptr, i: number, v: number): void;

  /** Strings: UTF-8 bytes in a byte array object. */
  allocString(text: string): Ptr;
  readString(p: Ptr): string;

  setRootScanner(scan: RootScanner): void;
  /** A collection point: collects if the heap asked for one (nursery full, a pacing step is due). */
  safepoint(): void;
  /**
   * Optional: while deferred (calls nest), safepoints do not collect — for a native that holds
   * object addresses in JavaScript variables while it calls back into program code (a user
   * `Ord::cmp` called by a sort). Allocation still never collects; the next safepoint after the
   * outermost `deferCollections(false)` does the work that was due.
   */
  deferCollections?(on: boolean): void;
  /** Training mode: the safe point between two iterations of a `batches()` loop. */
  batchBoundary(): void;
  collectYoung(reason?: string): void;
  collectFull(reason?: string): void;

  configure(config: Partial<GCConfig>): void;
  config(): GCConfig;
  stats(): GCStats;
  /** Bytes in use by live and not-yet-collected objects (`gc::heap_size()`). */
  heapSize(): number;
  /** Called with the tensor handle ids held in Tensor slots of objects found dead. */
  onTensorRelease(fn: (id: number) => void): void;
  /**
   * Optional: tensor bytes that Tensor slots started (+) or stopped (-) holding. Tensor data
   * lives outside the heap, so a few small dead objects (an autograd graph's nodes) can pin
   * megabytes of tensors while the heap looks nearly empty; a heap that implements this can let
   * those bytes pace its collections, as V8 does with external memory. (Reported by src/ml.)
   */
  adjustExternalMemory?(deltaBytes: number): void;
  /** Called once per collection event (for `--gc-trace` and the heap report). */
  onEvent(fn: (e: GCEvent) => void): void;
  /** Live objects by layout name after the last full collection (REPL `:heap`, heap report). */
  liveByLayout(): { name: string; count: number; bytes: number }[];
}
