// The generational heap: the ManagedHeap the interpreter uses. This file holds the hot path
// (allocation and slot access, the write barrier) and the policy that decides when to collect;
// the collectors themselves live in nursery.ts (young, copying), marker.ts (old, incremental
// tri-colour marking), oldspace.ts (sweeping, free lists) and compactor.ts (Memory mode).

import {
  ArrayLayoutSpec,
  GCConfig,
  GCEvent,
  GCModeName,
  GCStats,
  LayoutSpec,
  ManagedHeap,
  Ptr,
  RootScanner,
} from "./api";
import { Arena, DEFAULT_RESERVE_BYTES } from "./arena";
import { compact } from "./compactor";
import { HeapExhaustedError } from "./errors";
import { GCCounters } from "./gcstats";
import { Header, Page, Space } from "./header";
import { LayoutKind, LayoutTable } from "./layouts";
import { Marker } from "./marker";
import { defaultsFor, MODE_POLICY, ModePolicy, NEARLY_FULL } from "./modes";
import { EdenSizer } from "./edensizer";
import { EvacuationResult, forEachTensor, Nursery, PromotionFailed } from "./nursery";
import { LARGE_WORDS_LIMIT, OldSpace } from "./oldspace";
import { RememberedSet } from "./remset";
import { verifyHeap } from "./verifier";

/** Debugging switches: what the stress tests and `npm test`'s stress run turn on. */
export interface HeapOptions {
  /** Collect at every safepoint once this many allocations happened since the last one (0: off). */
  stress?: number;
  /** Run the heap verifier after every collection. */
  verify?: boolean;
  /** Fill freed and evacuated memory with an impossible pattern (default: on with stress). */
  poison?: boolean;
  /** Address space reserved for the arena, bytes (default 4 GiB, or what maxHeapSize needs). */
  reserveBytes?: number;
}

const enum Phase {
  Idle = 0,
  Marking = 1,
  Sweeping = 2,
}

export class GenerationalHeap implements ManagedHeap {
  // --- hot-path state (read on every allocation and slot access) ---
  /** The arena's views; replaced when the arena grows or shrinks (see arena.ts). */
  private f64: Float64Array;
  private i32: Int32Array;
  private u8: Uint8Array;
  /** Page table: the write barrier's one check is `space[p >>> Page.SHIFT] >= Space.FirstOld`. */
  private readonly space: Uint8Array;
  private top = 0;
  private edenEnd = 0;
  private allocations = 0;
  /** Some collector work may be due at the next safepoint. */
  private due = false;
  private tensorLayouts = 0;

  // --- the parts ---
  private readonly arena: Arena;
  private readonly layouts = new LayoutTable();
  private readonly old: OldSpace;
  private readonly nursery: Nursery;
  private readonly remset: RememberedSet;
  private readonly marker: Marker;
  private readonly counters = new GCCounters();
  private readonly edenSizer = new EdenSizer();

  // --- policy state ---
  private cfg: GCConfig;
  private policy: ModePolicy;
  private phase = Phase.Idle;
  private rootScanner: RootScanner | null = null;
  private releaseTensor: (id: number) => void = () => {};
  private youngRequested = false;
  private pendingResize = false;
  /** Old-generation bytes at which the next old collection starts. */
  private oldTrigger: number;
  /** Old-generation bytes (with external ones) live after the last old collection; 0 before the first. */
  private liveAfterOld = 0;
  /** Words allocated before the current eden contents (bytesAllocated = 8 × this + eden use). */
  private allocatedWordsBase = 0;
  private allocationsAtLastGC = 0;
  private allocatedAtLastSlice = 0;
  private stressCollections = 0;
  private cpuAtPause = 0;
  /** Recent cost of sweeping one block (decaying maximum), for sizing sweep slices. */
  private sweepBlockMs = 0;
  private youngVerifications = 0;
  /** Tensor bytes held by Tensor slots (adjustExternalMemory), and those added since the last young collection. */
  private externalBytes = 0;
  private externalSinceYoung = 0;
  private externalRequested = false;
  private gcCpuMicros = 0;
  private cycleStartedAt = 0;
  /** Live objects and words by layout id, counted by the sweep or compaction in progress. */
  private liveCount = new Float64Array(64);
  private liveWords = new Float64Array(64);
  private lastLive: { name: string; count: number; bytes: number }[] = [];
  // Training mode: batch boundaries seen and the average allocation of a step.
  private boundaries = 0;
  private allocatedAtBoundary = 0;
  private stepBytes = 0;

  private readonly stress: number;
  private readonly verify: boolean;
  private readonly poison: boolean;
  private readonly encoder = new TextEncoder();
  private readonly decoder = new TextDecoder();
  private stringLayout = -1;

  constructor(config: Partial<GCConfig> = {}, options: HeapOptions = {}) {
    this.cfg = { ...defaultsFor(config.mode ?? "Throughput"), ...definedFields(config) };
    this.policy = MODE_POLICY[this.cfg.mode];
    this.oldTrigger = this.policy.minOldTrigger;
    this.stress = options.stress ?? 0;
    this.verify = options.verify ?? false;
    this.poison = options.poison ?? this.stress > 0;
    const reserve = options.reserveBytes ?? DEFAULT_RESERVE_BYTES;
    this.arena = new Arena(reserve);
    this.setPolicy(this.policy);
    this.f64 = this.arena.f64;
    this.i32 = this.arena.i32;
    this.u8 = this.arena.u8;
    this.arena.onResize(() => {
      this.f64 = this.arena.f64;
      this.i32 = this.arena.i32;
      this.u8 = this.arena.u8;
    });
    this.space = this.arena.space;
    this.old = new OldSpace(this.arena, this.layouts);
    this.old.poison = this.poison;
    this.nursery = new Nursery(this.arena, this.layouts, this.old);
    this.remset = new RememberedSet(this.arena);
    this.marker = new Marker(this.arena, this.layouts);
    if (!this.nursery.setup(this.cfg.youngGenSize, this.policy.tenureAge > 1)) throw new HeapExhaustedError(reserve, 0);
    this.top = this.nursery.top;
    this.edenEnd = this.nursery.edenEnd;
    this.due = this.stress > 0;
  }

  // ---------------------------------------------------------------- layouts

  defineLayout(spec: LayoutSpec): number {
    const id = this.layouts.defineFixed(spec);
    if (this.layouts.all[id].hasTensors) this.tensorLayouts++;
    return id;
  }

  defineArrayLayout(spec: ArrayLayoutSpec): number {
    const id = this.layouts.defineArray(spec);
    if (this.layouts.all[id].hasTensors) this.tensorLayouts++;
    return id;
  }

  layoutOf(p: Ptr): number {
    return this.i32[2 * p] & Header.LAYOUT_MASK;
  }

  layoutName(layout: number): string {
    return this.layouts.all[layout].name;
  }

  length(p: Ptr): number {
    return this.i32[2 * p + 1];
  }

  // ---------------------------------------------------------------- allocation

  alloc(layout: number): Ptr {
    const n = this.layouts.fixedSlots[layout];
    const p = this.top;
    if (n >= 0 && p + n + Header.WORDS <= this.edenEnd) {
      this.top = p + n + Header.WORDS;
      this.i32[2 * p] = layout;
      this.i32[2 * p + 1] = n;
      for (let k = p + 1; k <= p + n; k++) this.f64[k] = 0;
      this.allocations++;
      if (this.tensorLayouts !== 0 && this.layouts.holdsTensors[layout] !== 0) this.nursery.tensorHolders.push(p);
      return p;
    }
    return this.allocSlow(layout, n);
  }

  allocArray(layout: number, length: number): Ptr {
    if (!this.layouts.isValid(layout) || this.layouts.all[layout].kind === LayoutKind.Fixed) {
      throw new RangeError(`heap: layout ${layout} is not an array layout`);
    }
    if (!Number.isInteger(length) || length < 0 || length > 0x7fffffff) {
      throw new RangeError(`heap: invalid array length ${length}`);
    }
    const words = this.layouts.objectWords(layout, length);
    const p = this.top;
    if (words <= LARGE_WORDS_LIMIT && p + words <= this.edenEnd) {
      this.top = p + words;
      this.i32[2 * p] = layout;
      this.i32[2 * p + 1] = length;
      // A loop beats fill()'s call for the small arrays most Vecs and Strings are.
      if (words <= 17) for (let k = p + 1; k < p + words; k++) this.f64[k] = 0;
      else this.f64.fill(0, p + 1, p + words);
      this.allocations++;
      if (this.layouts.holdsTensors[layout] !== 0) this.nursery.tensorHolders.push(p);
      return p;
    }
    return this.allocSlow(layout, length);
  }

  /** Eden is full or the object is large: allocate in the old generation (never collects). */
  private allocSlow(layout: number, length: number): Ptr {
    if (!this.layouts.isValid(layout)) throw new RangeError(`heap: unknown layout ${layout}`);
    if (length < 0) throw new RangeError(`heap: layout ${layout} is an array layout; use allocArray`);
    const words = this.layouts.objectWords(layout, length);
    if (words <= LARGE_WORDS_LIMIT) this.youngRequested = true;
    this.due = true;
    const p = this.old.alloc(words);
    if (p === 0) throw new HeapExhaustedError(this.limitBytes(), this.heapSize());
    this.i32[2 * p] |= layout; // keeps the MARK bit old.alloc preset when allocating black
    this.i32[2 * p + 1] = length;
    this.f64.fill(0, p + 1, p + words);
    this.allocations++;
    this.allocatedWordsBase += words;
    return p;
  }

  // ---------------------------------------------------------------- slots

  get(p: Ptr, i: number): number {
    return this.f64[p + Header.WORDS + i];
  }

  set(p: Ptr, i: number, v: number): void {
    this.f64[p + Header.WORDS + i] = v;
  }

  getPtr(p: Ptr, i: number): Ptr {
    return this.f64[p + Header.WORDS + i];
  }

  /** The write barrier: stores into young objects (the common case) cost one page-table check. */
  setPtr(p: Ptr, i: number, v: Ptr): void {
    const a = p + Header.WORDS + i;
    if (this.space[p >>> Page.SHIFT] >= Space.FirstOld) this.barrierSlow(p, a, v);
    this.f64[a] = v;
  }

  private barrierSlow(p: Ptr, a: number, v: Ptr): void {
    // SATB deletion barrier: the overwritten value stays alive for the marking in progress.
    if (this.phase === Phase.Marking) this.marker.grey(this.f64[a]);
    // Generational barrier: log the old object once if it now points into the nursery.
    if (v !== 0 && this.space[v >>> Page.SHIFT] < Space.FirstOld) this.remset.record(p);
  }

  /** api.ts `copySlots`: one block copy, then the generational barrier for the whole object. */
  copySlots(to: Ptr, from: Ptr): void {
    const layout = this.i32[2 * from] & Header.LAYOUT_MASK;
    const words = this.layouts.objectWords(layout, this.i32[2 * from + 1]) - Header.WORDS;
    this.f64.copyWithin(to + Header.WORDS, from + Header.WORDS, from + Header.WORDS + words);
    // `to` is new: the values it had were 0 (nothing for the SATB barrier to keep). If it is old,
    // log it whenever it can hold pointers; the next young collection keeps it logged only if one
    // of them points young.
    if (this.space[to >>> Page.SHIFT] >= Space.FirstOld && this.layouts.all[layout].hasPointers) this.remset.record(to);
  }

  /** The slot words (api.ts `slotWords`): replaced when the arena grows. */
  slotWords(): Float64Array {
    return this.f64;
  }
  readonly slotOffset = Header.WORDS;

  getByte(p: Ptr, i: number): number {
    return this.u8[(p + Header.WORDS) * 8 + i];
  }

  setByte(p: Ptr, i: number, v: number): void {
    this.u8[(p + Header.WORDS) * 8 + i] = v;
  }

  allocString(text: string): Ptr {
    if (this.stringLayout < 0) this.stringLayout = this.defineArrayLayout({ name: "String", element: "byte" });
    const bytes = this.encoder.encode(text);
    const p = this.allocArray(this.stringLayout, bytes.length);
    this.u8.set(bytes, (p + Header.WORDS) * 8);
    return p;
  }

  readString(p: Ptr): string {
    const start = (p + Header.WORDS) * 8;
    // A copy: TextDecoder does not accept views of resizable buffers.
    return this.decoder.decode(this.u8.slice(start, start + this.i32[2 * p + 1]));
  }

  // ---------------------------------------------------------------- collection points

  setRootScanner(scan: RootScanner): void {
    this.rootScanner = scan;
  }

  safepoint(): void {
    if (this.due && this.deferred === 0) this.serviceSafepoint(false);
  }

  /** Nesting depth of `deferCollections(true)` (api.ts). */
  private deferred = 0;

  deferCollections(on: boolean): void {
    this.deferred += on ? 1 : -1;
  }

  batchBoundary(): void {
    this.boundaries++;
    const allocated = this.bytesAllocated();
    const step = allocated - this.allocatedAtBoundary;
    this.allocatedAtBoundary = allocated;
    this.stepBytes = this.boundaries === 1 ? step : 0.7 * this.stepBytes + 0.3 * step;
    if (!this.policy.batchAligned) return this.safepoint();
    // Collect now if the next step would probably not fit in what is left of eden.
    const edenLeft = (this.edenEnd - this.top) * 8;
    if (this.youngRequested || this.externalRequested || this.pendingResize || edenLeft < 1.5 * this.stepBytes) {
      this.counters.collectionsAtBoundary++;
      this.doYoung("batch boundary");
    }
    this.serviceSafepoint(true);
  }

  collectYoung(reason = "requested"): void {
    this.doYoung(reason);
    this.checkLimit();
  }

  collectFull(reason = "requested"): void {
    this.doFull(reason);
    this.checkLimit(true);
  }

  private serviceSafepoint(atBoundary: boolean): void {
    if (this.stress > 0 && this.allocations - this.allocationsAtLastGC >= this.stress) this.stressCollect();
    // Inside a training loop (batch-aligned mode, a boundary seen), a resize asked for by
    // `gc::configure` waits for the next boundary; only a full nursery collects inside a step.
    // Before the first boundary there is no step to be inside of.
    const inLoop = this.policy.batchAligned && this.boundaries > 0;
    let collected = false;
    if (this.youngRequested || (this.pendingResize && !inLoop)) {
      if (inLoop) this.counters.collectionsInStep++;
      this.doYoung(this.youngRequested ? "nursery full" : "nursery resized");
      collected = true;
    }
    // An old-generation slice right after a young collection would make one pause of two:
    // it waits for the next safepoint (the `due` flag stays set while a cycle runs).
    if (!(collected && this.phase !== Phase.Idle && this.policy.old === "incremental" && this.stress === 0)) this.paceOld(atBoundary);
    this.checkLimit();
    this.due = this.stress > 0 || this.phase !== Phase.Idle || this.youngRequested || this.pendingResize;
  }

  /** Start, advance or finish old-generation collection as the mode's policy says. */
  private paceOld(atBoundary: boolean): void {
    const oldBytes = this.old.usedWords * 8 + this.externalBytes;
    if (this.phase === Phase.Idle) {
      if (this.policy.fullOnlyNearLimit && this.nearlyFull()) return this.doFull("heap nearly full");
      if (oldBytes <= this.oldTrigger) return;
      if (this.policy.old === "incremental") return this.startMarking("old generation grew");
      // Training mode keeps old collections for batch boundaries once it has seen one.
      if (this.policy.batchAligned && this.boundaries > 0 && !atBoundary && oldBytes < 2 * this.oldTrigger) return;
      return this.doFull("old generation grew");
    }
    if (this.policy.old !== "incremental") return this.finishCycle();
    const sliceStep = this.stress > 0 ? 0 : Math.max(64 * 1024, this.cfg.youngGenSize / 4);
    if (this.bytesAllocated() - this.allocatedAtLastSlice < sliceStep) return;
    this.slice(this.stress > 0 ? 1 : Infinity);
  }

  private nearlyFull(): boolean {
    const limit = this.cfg.maxHeapSize;
    return limit !== null && this.heapSize() > NEARLY_FULL * limit;
  }

  private checkLimit(justCollected = false): void {
    const limit = this.cfg.maxHeapSize;
    if (limit === null || this.heapSize() <= limit) return;
    if (!justCollected) this.doFull("heap limit reached");
    if (this.heapSize() > limit) throw new HeapExhaustedError(limit, this.heapSize());
  }

  private stressCollect(): void {
    this.stressCollections++;
    if (this.stressCollections % 4 !== 0) return this.doYoung("stress");
    if (this.policy.old === "incremental" && this.phase === Phase.Idle) return this.startMarking("stress");
    if (this.policy.old === "incremental") return this.slice(1);
    this.doFull("stress");
  }

  // ---------------------------------------------------------------- young collection

  private doYoung(reason: string): void {
    const t0 = this.pauseStart();
    const before = this.heapSize();
    const { promotedWords } = this.emptyNursery(this.policy.tenureAge);
    this.counters.youngCollections++;
    this.finishPause("young", reason, t0, before, promotedWords * 8);
    this.due = true; // the old generation may have grown past its trigger
  }

  /**
   * Evacuate the nursery (tenureAge 0: promote everything, as a full collection does) and hand
   * out its eden again, resized if a new size is pending: the opening of every collection.
   */
  private emptyNursery(tenureAge: number): EvacuationResult {
    const nursery = this.nursery;
    nursery.top = this.top;
    const edenUsed = this.top - nursery.edenStart;
    const fromWords = nursery.fromTop - nursery.fromStart;
    this.allocatedWordsBase += edenUsed;
    const result = this.evacuate(this.pendingResize ? 0 : tenureAge);
    const copied = result.promotedWords + result.survivedWords;
    this.edenSizer.observe((cpuMicros() - this.cpuAtPause) / 1000, edenUsed, fromWords, copied);
    if (this.pendingResize) this.resizeNursery();
    this.top = nursery.top;
    this.setEdenEnd();
    this.youngRequested = false;
    this.externalRequested = false;
    this.externalSinceYoung = 0;
    this.allocationsAtLastGC = this.allocations;
    return result;
  }

  /**
   * Where eden allocation stops before the next young collection: eden's end, or, in the modes
   * that promise pauses (LowLatency, Inference: the incremental ones), earlier when a full eden
   * would not be copied within 40% of the pause target (see edensizer.ts). The other modes
   * collect as rarely as their nursery allows.
   */
  private setEdenEnd(): void {
    const n = this.nursery;
    if (this.policy.old !== "incremental") {
      this.edenEnd = n.edenEnd;
      return;
    }
    const budgetMs = this.cfg.pauseTargetMs * 0.4;
    this.edenEnd = n.edenStart + this.edenSizer.edenLimit(budgetMs, n.edenWords, n.fromTop - n.fromStart);
  }

  private evacuate(tenureAge: number): EvacuationResult {
    try {
      return this.nursery.evacuate(this.rootScanner, this.remset, tenureAge, this.releaseTensor, this.poison);
    } catch (e) {
      if (e instanceof PromotionFailed) throw new HeapExhaustedError(this.limitBytes(), this.heapSize());
      throw e;
    }
  }

  private resizeNursery(): void {
    this.pendingResize = false;
    this.edenSizer.reset();
    if (!this.nursery.setup(this.cfg.youngGenSize, this.policy.tenureAge > 1)) throw new HeapExhaustedError(this.limitBytes(), this.heapSize());
    // A smaller nursery takes the lowest free pages: what the old one held past them is given
    // back when nothing lies beyond it (a program that switches modes as it starts: the
    // default Throughput nursery's 32 MiB stayed in the arena of a Memory-mode run).
    this.arena.shrink();
  }

  // ---------------------------------------------------------------- old collection

  /** Stop-the-world full collection: empty the nursery, mark, then sweep or compact. */
  private doFull(reason: string): void {
    this.abandonCycle();
    const t0 = this.pauseStart();
    const before = this.heapSize();
    const { promotedWords } = this.emptyNursery(0);

    if (this.rootScanner) this.rootScanner((p) => (this.marker.grey(p), p));
    this.marker.drain(Infinity);
    this.clearLiveCounts();
    let kind: GCEvent["kind"] = "full";
    if (this.policy.compact) {
      compact(this.arena, this.layouts, this.old, this.rootScanner, this.deadObject, this.liveObject, this.poison);
      kind = "compact";
    } else {
      this.old.beginSweep();
      this.sweepRest();
    }
    this.endCycle();
    this.finishPause(kind, reason, t0, before, promotedWords * 8);
  }

  /** Drop an incremental cycle in progress (a full collection starts over). */
  private abandonCycle(): void {
    if (this.phase === Phase.Marking) {
      this.marker.clear();
      this.old.allocateBlack = false;
      this.old.forEachChunk((p, h0) => {
        if (!(h0 & Header.FREE)) this.i32[2 * p] = h0 & ~Header.MARK;
      });
    } else if (this.phase === Phase.Sweeping) {
      this.sweepRest();
    }
    this.phase = Phase.Idle;
  }

  /** The SATB snapshot: right after a young collection, grey what roots and survivors reach. */
  private startMarking(reason: string): void {
    this.doYoung(`${reason} (start of marking)`);
    const t0 = this.pauseStart();
    const before = this.heapSize();
    this.phase = Phase.Marking;
    this.cycleStartedAt = t0;
    this.old.allocateBlack = true;
    this.marker.clear();
    if (this.rootScanner) this.rootScanner((p) => (this.marker.grey(p), p));
    this.nursery.top = this.top;
    this.nursery.forEachObject((p) => this.marker.greyChildren(p));
    this.allocatedAtLastSlice = this.bytesAllocated();
    this.counters.markSlices++;
    this.finishPause("mark-slice", "snapshot", t0, before, 0);
  }

  /** One increment of marking or sweeping, within the pause target (or an object budget). */
  private slice(budget: number): void {
    const t0 = this.pauseStart();
    const before = this.heapSize();
    // 40% of the target: a slice can overrun its deadline by one block or 2048 slots, and a
    // loaded machine can stretch any pause.
    const deadline = t0 + this.cfg.pauseTargetMs * 0.4;
    this.allocatedAtLastSlice = this.bytesAllocated();
    if (this.phase === Phase.Marking) {
      this.counters.markSlices++;
      if (this.marker.drain(deadline, budget)) this.finishMarking();
      return this.finishPause("mark-slice", "mark", t0, before, 0);
    }
    // Stop before a block that would probably cross the deadline (at least one per slice).
    let swept = 0;
    let last = t0;
    for (const b of [...this.old.blocks]) {
      if (b.swept) continue;
      this.old.sweepBlock(b, this.deadObject, this.liveObject);
      const now = performance.now();
      this.sweepBlockMs = Math.max(this.sweepBlockMs * 0.9, now - last);
      last = now;
      if (++swept >= budget || now + this.sweepBlockMs >= deadline) break;
    }
    if (this.old.blocks.every((b) => b.swept)) {
      this.old.sweeping = false;
      this.endCycle();
    }
    this.finishPause("mark-slice", "sweep", t0, before, 0);
  }

  /** Marking is done when the stack is empty (SATB needs no final rescan). Sweeping follows. */
  private finishMarking(): void {
    this.old.allocateBlack = false;
    // Remembered objects found dead are about to be freed: forget them first.
    const kept = this.remset.drain().filter((p) => (this.i32[2 * p] & Header.MARK) !== 0);
    for (const p of kept) this.remset.record(p);
    this.clearLiveCounts();
    this.old.beginSweep();
    this.phase = Phase.Sweeping;
  }

  /** Finish an incremental cycle at once (the mode changed to a stop-the-world one). */
  private finishCycle(): void {
    const t0 = this.pauseStart();
    const before = this.heapSize();
    if (this.phase === Phase.Marking) {
      this.marker.drain(Infinity);
      this.finishMarking();
    }
    this.sweepRest();
    this.endCycle();
    this.finishPause("mark-slice", "finish cycle", t0, before, 0);
  }

  /** Sweep every block not swept yet in this cycle, and end the sweep. */
  private sweepRest(): void {
    for (const b of [...this.old.blocks]) if (!b.swept) this.old.sweepBlock(b, this.deadObject, this.liveObject);
    this.old.sweeping = false;
  }

  private endCycle(): void {
    this.phase = Phase.Idle;
    this.counters.fullCollections++;
    this.liveAfterOld = this.old.usedWords * 8 + this.externalBytes;
    this.oldTrigger = this.triggerAfter(this.liveAfterOld);
    this.lastLive = [];
    for (let id = 0; id < this.liveCount.length; id++) {
      if (this.liveCount[id] === 0) continue;
      this.lastLive.push({ name: this.layouts.all[id].name, count: this.liveCount[id], bytes: this.liveWords[id] * 8 });
    }
    this.lastLive.sort((a, b) => b.bytes - a.bytes || a.name.localeCompare(b.name));
  }

  /** What sweeping and compaction report for each object (made once: they are called per object). */
  private readonly deadObject = (p: number, h0: number): void => this.onDead(p, h0);
  private readonly liveObject = (_p: number, layout: number, words: number): void => this.onLive(layout, words);

  private onDead(p: number, h0: number): void {
    if (this.tensorLayouts !== 0 && this.layouts.holdsTensors[h0 & Header.LAYOUT_MASK] !== 0) forEachTensor(this.layouts, this.f64, this.i32, p, this.releaseTensor);
  }

  private onLive(layout: number, words: number): void {
    if (layout >= this.liveCount.length) {
      // A layout defined during the sweep: keep what was counted so far.
      const count = this.liveCount;
      const liveWords = this.liveWords;
      this.clearLiveCounts();
      this.liveCount.set(count);
      this.liveWords.set(liveWords);
    }
    this.liveCount[layout]++;
    this.liveWords[layout] += words;
  }

  private clearLiveCounts(): void {
    const n = this.layouts.all.length;
    if (this.liveCount.length < n) {
      this.liveCount = new Float64Array(2 * n);
      this.liveWords = new Float64Array(2 * n);
    } else {
      this.liveCount.fill(0);
      this.liveWords.fill(0);
    }
  }

  /** The start of a pause: wall clock returned, CPU clock remembered (for `gcCpuMs`). */
  private pauseStart(): number {
    this.cpuAtPause = cpuMicros();
    return performance.now();
  }

  private finishPause(kind: GCEvent["kind"], reason: string, t0: number, before: number, promoted: number): void {
    const t1 = performance.now();
    const cpu = cpuMicros() - this.cpuAtPause;
    this.gcCpuMicros += cpu;
    // Verification is not part of the pause. Mark slices are many and change no pointers:
    // verify after the other kinds, and when an incremental cycle ends.
    // After young collections the whole heap is verified every 16th time and the young
    // generation (with the remembered set and roots) every time, so stress runs stay linear.
    if (this.verify && kind === "young") this.verifyNow(++this.youngVerifications % 16 === 0 ? "full" : "young");
    else if (this.verify && (kind !== "mark-slice" || this.phase === Phase.Idle)) this.verifyNow();
    this.counters.record({
      kind,
      reason,
      atMs: t0 - this.counters.createdAt,
      pauseMs: t1 - t0,
      heapBefore: before,
      heapAfter: this.heapSize(),
      youngAfter: this.nursery.usedWords * 8,
      oldAfter: this.old.usedWords * 8,
      promoted,
    }, cpu / 1000);
  }

  // ---------------------------------------------------------------- configuration and stats

  configure(config: Partial<GCConfig>): void {
    const changesMode = config.mode !== undefined && config.mode !== this.cfg.mode;
    const base = changesMode ? defaultsFor(config.mode as GCModeName) : this.cfg;
    const next = { ...base, ...definedFields(config) };
    next.youngGenSize = Math.max(64 * 1024, Math.floor(next.youngGenSize));
    next.pauseTargetMs = Math.max(0.01, next.pauseTargetMs);
    const policy = MODE_POLICY[next.mode];
    // A new size, or survivor spaces where the old mode had none (or the reverse), is a new nursery.
    if (next.youngGenSize !== this.cfg.youngGenSize || policy.tenureAge > 1 !== this.policy.tenureAge > 1) this.pendingResize = true;
    this.cfg = next;
    this.setPolicy(policy);
    // The trigger follows the new mode's policy from the live data of the last old collection:
    // kept from the old mode, Throughput's 32 MiB minimum let a program switched to Memory mode
    // grow to 32 MiB before its first compaction (binary-trees 16: a 32 MiB peak over 19.5 live).
    this.oldTrigger = this.triggerAfter(this.liveAfterOld);
    this.due = true;
  }

  /** Where the next old collection starts, given the bytes live after the last one. */
  private triggerAfter(liveBytes: number): number {
    return Math.max(this.policy.minOldTrigger, liveBytes * this.policy.growthFactor);
  }

  /** The mode's policy, and the arena growth it implies (Memory mode grows in small steps). */
  private setPolicy(policy: ModePolicy): void {
    this.policy = policy;
    this.arena.growthFactor = policy.compact ? 1.05 : 2;
  }

  config(): GCConfig {
    return { ...this.cfg };
  }

  stats(): GCStats {
    const c = this.counters;
    this.nursery.top = this.top;
    return {
      youngCollections: c.youngCollections,
      fullCollections: c.fullCollections,
      markSlices: c.markSlices,
      totalPauseMs: c.totalPauseMs,
      maxPauseMs: c.maxPauseMs,
      p99PauseMs: c.pauses.percentile(0.99),
      heapUsed: this.heapSize(),
      heapCommitted: this.arena.committedBytes,
      youngUsed: this.nursery.usedWords * 8,
      oldUsed: this.old.usedWords * 8,
      bytesAllocated: this.bytesAllocated(),
      bytesPromoted: c.bytesPromoted,
      throughput: c.throughput(),
      collectionsAtBoundary: c.collectionsAtBoundary,
      collectionsInStep: c.collectionsInStep,
      mode: this.cfg.mode,
      concurrentThreads: this.cfg.concurrentThreads,
    };
  }

  heapSize(): number {
    return (this.top - this.nursery.edenStart + (this.nursery.fromTop - this.nursery.fromStart) + this.old.usedWords) * 8;
  }

  onTensorRelease(fn: (id: number) => void): void {
    this.releaseTensor = fn;
  }

  onEvent(fn: (e: GCEvent) => void): void {
    this.counters.onEvent(fn);
  }

  /**
   * Tensor bytes that Tensor slots started (+) or stopped (-) holding. A few small dead objects
   * can pin megabytes of tensor storage, so these bytes pace collections as V8 paces on external
   * memory: once a nursery's worth has been added since the last young collection, one is
   * requested (in Training mode for the next batch boundary, unless it reaches four nurseries'
   * worth inside a step); and they count towards the old generation's trigger.
   */
  adjustExternalMemory(deltaBytes: number): void {
    if (!Number.isFinite(deltaBytes)) return;
    this.externalBytes = Math.max(0, this.externalBytes + deltaBytes);
    if (deltaBytes <= 0) return;
    this.externalSinceYoung += deltaBytes;
    const nursery = this.cfg.youngGenSize;
    if (this.externalSinceYoung < nursery) return;
    const waitForBoundary = this.policy.batchAligned && this.boundaries > 0 && this.externalSinceYoung < 4 * nursery;
    if (waitForBoundary) this.externalRequested = true;
    else this.youngRequested = true;
    this.due = true;
  }

  liveByLayout(): { name: string; count: number; bytes: number }[] {
    return this.lastLive.map((e) => ({ ...e }));
  }

  // ---------------------------------------------------------------- beyond the interface

  /** Pause percentiles by event kind (benchmarks), and the arena's high-water mark. */
  pauseReport(): { kind: string; count: number; p99Ms: number; maxMs: number; cpuP99Ms: number; cpuMaxMs: number }[] {
    return [...this.counters.byKind.entries()].map(([kind, h]) => {
      const cpu = this.counters.cpuByKind.get(kind)!;
      return { kind, count: h.count, p99Ms: h.percentile(0.99), maxMs: h.percentile(1), cpuP99Ms: cpu.percentile(0.99), cpuMaxMs: cpu.percentile(1) };
    });
  }

  /**
   * CPU time spent in pauses. Pauses are wall time (what the program waits); on a loaded
   * machine they include time the process was not scheduled, and this is the figure without.
   */
  gcCpuMs(): number {
    return this.gcCpuMicros / 1000;
  }

  peakCommittedBytes(): number {
    return this.arena.peakCommittedBytes;
  }

  /** Run the verifier now (tests). */
  verifyNow(scope: "full" | "young" = "full"): void {
    this.nursery.top = this.top;
    verifyHeap(
      this.arena,
      this.layouts,
      this.nursery,
      this.old,
      this.remset,
      this.rootScanner,
      this.phase !== Phase.Idle,
      this.phase === Phase.Sweeping,
      scope,
    );
  }

  /** Whether an incremental cycle is in progress (tests). */
  get cyclePhase(): "idle" | "marking" | "sweeping" {
    return this.phase === Phase.Idle ? "idle" : this.phase === Phase.Marking ? "marking" : "sweeping";
  }

  private bytesAllocated(): number {
    return (this.allocatedWordsBase + this.top - this.nursery.edenStart) * 8;
  }

  private limitBytes(): number {
    return this.cfg.maxHeapSize ?? this.arena.reserveBytes;
  }
}

function cpuMicros(): number {
  if (typeof process === "undefined" || !process.cpuUsage) return 0;
  const u = process.cpuUsage();
  return u.user + u.system;
}

function definedFields(config: Partial<GCConfig>): Partial<GCConfig> {
  const out: Partial<GCConfig> = {};
  for (const [k, v] of Object.entries(config)) if (v !== undefined) (out as any)[k] = v;
  return out;
}

