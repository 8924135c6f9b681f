// A tiny *moving*, precise ManagedHeap for the ML library's tests: every collection copies the
// objects reachable from the roots to new addresses and releases the Tensor slots of everything
// left behind. It exists to prove two things the real collector relies on: the autograd graph,
// models and optimizers are fully described by their layouts (nothing dies that is still used,
// no tensor leaks), and the library never keeps a Ptr across a collection point.

import type {
  ArrayLayoutSpec,
  GCConfig,
  GCEvent,
  GCStats,
  LayoutSpec,
  ManagedHeap,
  Ptr,
  RootScanner,
} from "../../../heap/api";
import { SlotKind } from "../../../heap/api";

interface Layout {
  name: string;
  /** Kinds of a fixed layout's slots, or null for arrays. */
  slots: SlotKind[] | null;
  element: SlotKind | "byte";
}

interface Obj {
  layout: number;
  words: Float64Array | null;
  bytes: Uint8Array | null;
}

export class CopyingTestHeap implements ManagedHeap {
  private objects = new Map<Ptr, Obj>();
  private next = 1;
  private layouts: Layout[] = [];
  private scan: RootScanner = () => {};
  private releaseTensor: (id: number) => void = () => {};
  private cfg: GCConfig = {
    mode: "Throughput",
    maxHeapSize: null,
    youngGenSize: 1 << 20,
    concurrentThreads: 0,
    pauseTargetMs: 10,
    throughputTarget: 0.95,
  };
  collections = 0;
  collectionsAtBoundary = 0;
  /** Collect at every safepoint (the stress mode that shakes out unrooted Ptrs). */
  collectAtSafepoints = false;

  defineLayout(spec: LayoutSpec): number {
    this.layouts.push({ name: spec.name, slots: spec.slots.slice(), element: SlotKind.Scalar });
    return this.layouts.length - 1;
  }
  defineArrayLayout(spec: ArrayLayoutSpec): number {
    this.layouts.push({ name: spec.name, slots: null, element: spec.element });
    return this.layouts.length - 1;
  }

  alloc(layout: number): Ptr {
    const n = this.layouts[layout].slots!.length;
    return this.put({ layout, words: new Float64Array(n), bytes: null });
  }
  allocArray(layout: number, length: number): Ptr {
    const isBytes = this.layouts[layout].element === "byte";
    return this.put({
      layout,
      words: isBytes ? null : new Float64Array(length),
      bytes: isBytes ? new Uint8Array(length) : null,
    });
  }
  private put(o: Obj): Ptr {
    const p = this.next++;
    this.objects.set(p, o);
    return p;
  }
  private obj(p: Ptr): Obj {
    const o = this.objects.get(p);
    if (!o) throw new Error(`test heap: ${p} is not a live object (a Ptr kept across a collection?)`);
    return o;
  }

  layoutOf(p: Ptr): number {
    return this.obj(p).layout;
  }
  layoutName(layout: number): string {
    return this.layouts[layout].name;
  }
  length(p: Ptr): number {
    const o = this.obj(p);
    return o.words ? o.words.length : o.bytes!.length;
  }
  get(p: Ptr, i: number): number {
    return this.obj(p).words![i];
  }
  set(p: Ptr, i: number, v: number): void {
    this.obj(p).words![i] = v;
  }
  getPtr(p: Ptr, i: number): Ptr {
    return this.obj(p).words![i];
  }
  setPtr(p: Ptr, i: number, v: Ptr): void {
    if (v !== 0) this.obj(v);
    this.obj(p).words![i] = v;
  }
  getByte(p: Ptr, i: number): number {
    return this.obj(p).bytes![i];
  }
  setByte(p: Ptr, i: number, v: number): void {
    this.obj(p).bytes![i] = v;
  }
  private stringLayout = -1;
  allocString(text: string): Ptr {
    if (this.stringLayout < 0) this.stringLayout = this.defineArrayLayout({ name: "String", element: "byte" });
    const bytes = new TextEncoder().encode(text);
    const p = this.allocArray(this.stringLayout, bytes.length);
    this.obj(p).bytes!.set(bytes);
    return p;
  }
  readString(p: Ptr): string {
    return new TextDecoder().decode(this.obj(p).bytes!);
  }

  setRootScanner(scan: RootScanner): void {
    this.scan = scan;
  }
  onTensorRelease(fn: (id: number) => void): void {
    this.releaseTensor = fn;
  }
  safepoint(): void {
    if (this.collectAtSafepoints) this.collectYoung("stress");
  }
  batchBoundary(): void {
    this.collectionsAtBoundary++;
    this.collectYoung("batch boundary");
  }
  collectYoung(_reason?: string): void {
    this.collect();
  }
  collectFull(_reason?: string): void {
    this.collect();
  }

  private kindOf(o: Obj, i: number): SlotKind {
    const l = this.layouts[o.layout];
    return l.slots ? l.slots[i] : (l.element as SlotKind);
  }

  /** Copies everything reachable to fresh addresses; releases tensors of the rest. */
  private collect(): void {
    this.collections++;
    const from = this.objects;
    const to = new Map<Ptr, Obj>();
    const forward = new Map<Ptr, Ptr>();
    const work: Ptr[] = [];
    const visit = (p: Ptr): Ptr => {
      if (p === 0) return 0;
      const done = forward.get(p);
      if (done !== undefined) return done;
      const o = from.get(p);
      if (!o) throw new Error(`test heap: root ${p} is not a live object`);
      const q = this.next++;
      forward.set(p, q);
      to.set(q, o);
      work.push(q);
      return q;
    };
    this.scan(visit);
    while (work.length > 0) {
      const o = to.get(work.pop()!)!;
      if (!o.words) continue;
      for (let i = 0; i < o.words.length; i++) {
        if (this.kindOf(o, i) === SlotKind.Pointer) o.words[i] = visit(o.words[i]);
      }
    }
    this.objects = to;
    for (const [p, o] of from) {
      if (forward.has(p) || !o.words) continue;
      for (let i = 0; i < o.words.length; i++) {
        if (this.kindOf(o, i) === SlotKind.Tensor && o.words[i] !== 0) this.releaseTensor(o.words[i]);
      }
    }
  }

  get liveObjects(): number {
    return this.objects.size;
  }

  configure(config: Partial<GCConfig>): void {
    this.cfg = { ...this.cfg, ...config };
  }
  config(): GCConfig {
    return { ...this.cfg };
  }
  stats(): GCStats {
    return {
      youngCollections: this.collections,
      fullCollections: 0,
      markSlices: 0,
      totalPauseMs: 0,
      maxPauseMs: 0,
      p99PauseMs: 0,
      heapUsed: 0,
      heapCommitted: 0,
      youngUsed: 0,
      oldUsed: 0,
      bytesAllocated: 0,
      bytesPromoted: 0,
      throughput: 1,
      collectionsAtBoundary: this.collectionsAtBoundary,
      collectionsInStep: this.collections - this.collectionsAtBoundary,
      mode: this.cfg.mode,
      concurrentThreads: 0,
    };
  }
  heapSize(): number {
    return this.objects.size;
  }
  onEvent(_fn: (e: GCEvent) => void): void {}
  liveByLayout(): { name: string; count: number; bytes: number }[] {
    return [];
  }
}

/** Roots for tests: a list of Ptrs the collector updates in place. */
export class TestRoots {
  readonly ptrs: Ptr[] = [];
  constructor(heap: ManagedHeap) {
    heap.setRootScanner((visit) => {
      for (let i = 0; i < this.ptrs.length; i++) this.ptrs[i] = visit(this.ptrs[i]);
    });
  }
  /** Roots `p`; returns its index (read it back with `get` after a collection). */
  add(p: Ptr): number {
    this.ptrs.push(p);
    return this.ptrs.length - 1;
  }
  get(i: number): Ptr {
    return this.ptrs[i];
  }
  clear(): void {
    this.ptrs.length = 0;
  }
}
