// A non-collecting bump-allocated arena implementing ManagedHeap: the simplest correct heap,
// used as the reference for the collector's tests and while bringing up the interpreter.
//
// Object layout (8-byte words): [layout id, length, slots...]; byte arrays store their bytes
// after the two header words, rounded up to whole words.

import {
  ArrayLayoutSpec,
  GCConfig,
  GCEvent,
  GCStats,
  LayoutSpec,
  ManagedHeap,
  Ptr,
  RootScanner,
} from "./api";

const HEADER_WORDS = 2;

interface LayoutInfo {
  name: string;
  /** Slot count of a fixed layout; -1 for arrays. */
  slots: number;
  bytes: boolean;
}

export class BumpHeap implements ManagedHeap {
  private words = new Float64Array(1 << 16);
  private bytesView = new Uint8Array(this.words.buffer);
  /** Word 0 is reserved so that 0 is the null pointer. */
  private top = 1;
  private layouts: LayoutInfo[] = [];
  private cfg: GCConfig = {
    mode: "Throughput",
    maxHeapSize: null,
    youngGenSize: 8 << 20,
    concurrentThreads: 0,
    pauseTargetMs: 10,
    throughputTarget: 0.95,
  };
  private allocated = 0;
  private readonly encoder = new TextEncoder();
  private readonly decoder = new TextDecoder();

  defineLayout(spec: LayoutSpec): number {
    this.layouts.push({ name: spec.name, slots: spec.slots.length, bytes: false });
    return this.layouts.length - 1;
  }

  defineArrayLayout(spec: ArrayLayoutSpec): number {
    this.layouts.push({ name: spec.name, slots: -1, bytes: spec.element === "byte" });
    return this.layouts.length - 1;
  }

  private reserve(layout: number, length: number, dataWords: number): Ptr {
    const size = HEADER_WORDS + dataWords;
    while (this.top + size > this.words.length) this.grow();
    const p = this.top;
    this.top += size;
    this.words[p] = layout;
    this.words[p + 1] = length;
    this.allocated += size * 8;
    return p;
  }

  private grow(): void {
    const next = new Float64Array(this.words.length * 2);
    next.set(this.words);
    this.words = next;
    this.bytesView = new Uint8Array(next.buffer);
  }

  alloc(layout: number): Ptr {
    const slots = this.layouts[layout].slots;
    return this.reserve(layout, slots, slots);
  }

  allocArray(layout: number, length: number): Ptr {
    const info = this.layouts[layout];
    return this.reserve(layout, length, info.bytes ? Math.ceil(length / 8) : length);
  }

  layoutOf(p: Ptr): number {
    return this.words[p];
  }
  layoutName(layout: number): string {
    return this.layouts[layout].name;
  }
  length(p: Ptr): number {
    return this.words[p + 1];
  }
  get(p: Ptr, i: number): number {
    return this.words[p + HEADER_WORDS + i];
  }
  set(p: Ptr, i: number, v: number): void {
    this.words[p + HEADER_WORDS + i] = v;
  }
  getPtr(p: Ptr, i: number): Ptr {
    return this.words[p + HEADER_WORDS + i];
  }
  setPtr(p: Ptr, i: number, v: Ptr): void {
    this.words[p + HEADER_WORDS + i] = v;
  }
  /** api.ts `copySlots` (nothing moves here: no barrier to keep). */
  copySlots(to: Ptr, from: Ptr): void {
    const n = this.length(from);
    const words = this.layouts[this.layoutOf(from)].bytes ? Math.ceil(n / 8) : n;
    this.words.copyWithin(to + HEADER_WORDS, from + HEADER_WORDS, from + HEADER_WORDS + words);
  }

  /** The slot words (api.ts `slotWords`): replaced when the heap grows. */
  slotWords(): Float64Array {
    return this.words;
  }
  readonly slotOffset = HEADER_WORDS;
  getByte(p: Ptr, i: number): number {
    return this.bytesView[(p + HEADER_WORDS) * 8 + i];
  }
  setByte(p: Ptr, i: number, v: number): void {
    this.bytesView[(p + HEADER_WORDS) * 8 + i] = v;
  }

  private stringLayout = -1;
  allocString(text: string): Ptr {
    if (this.stringLayout < 0) this.stringLayout = this.defineArrayLayout({ name: "String", element: "byte" });
    const bytes = this.encoder.encode(text);
    const p = this.allocArray(this.stringLayout, bytes.length);
    this.bytesView.set(bytes, (p + HEADER_WORDS) * 8);
    return p;
  }
  readString(p: Ptr): string {
    const start = (p + HEADER_WORDS) * 8;
    return this.decoder.decode(this.bytesView.subarray(start, start + this.length(p)));
  }

  setRootScanner(_scan: RootScanner): void {}
  safepoint(): void {}
  batchBoundary(): void {}
  collectYoung(): void {}
  collectFull(): void {}
  configure(config: Partial<GCConfig>): void {
    this.cfg = { ...this.cfg, ...config };
  }
  config(): GCConfig {
    return { ...this.cfg };
  }
  stats(): GCStats {
    const used = this.top * 8;
    return {
      youngCollections: 0,
      fullCollections: 0,
      markSlices: 0,
      totalPauseMs: 0,
      maxPauseMs: 0,
      p99PauseMs: 0,
      heapUsed: used,
      heapCommitted: this.words.byteLength,
      youngUsed: 0,
      oldUsed: used,
      bytesAllocated: this.allocated,
      bytesPromoted: 0,
      throughput: 1,
      collectionsAtBoundary: 0,
      collectionsInStep: 0,
      mode: this.cfg.mode,
      concurrentThreads: this.cfg.concurrentThreads,
    };
  }
  heapSize(): number {
    return this.top * 8;
  }
  onTensorRelease(_fn: (id: number) => void): void {}
  onEvent(_fn: (e: GCEvent) => void): void {}
  liveByLayout(): { name: string; count: number; bytes: number }[] {
    return [];
  }
}
