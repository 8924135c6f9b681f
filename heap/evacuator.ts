// The copying core of a young collection (Cheney's algorithm): forward pointers, copy live
// young objects to the survivor to-space or promote them into the old generation, scan the
// copies breadth-first. nursery.ts decides what is collected and flips the spaces afterwards.
//
// This is the collector's hottest loop (a young pause is almost all spent here), so it is
// written for V8: one long-lived object whose methods are always the same functions (so the
// optimiser inlines forward → copyObject into scanObject, which per-collection closures defeat),
// every table a flat typed array indexed by layout id or page, pointers as int32, and the
// state the loop advances (the to-space top, the old generation's bump region) held in this
// object's own fields for the length of a collection rather than read through other objects.
// Promotions by bump allocation form contiguous runs, which are scanned like the to-space
// (address order, no per-object list).

import { Arena } from "./arena";
import { Header, Page, Space } from "./header";
import { LayoutKind, LayoutTable } from "./layouts";
import { OldSpace } from "./oldspace";

/** Raised inside evacuation when the old generation cannot take a promoted object. */
export class PromotionFailed extends Error {}

export class Evacuator {
  // Set by begin() for one collection; the arena's views must not change during it (the
  // nursery reserves the worst-case promotion beforehand).
  private f64: Float64Array = new Float64Array(0);
  private i32: Int32Array = new Int32Array(0);
  private space: Uint8Array = new Uint8Array(0);
  private fixedSlots = new Int32Array(0);
  private kinds = new Int32Array(0);
  private ptrStart = new Int32Array(0);
  private ptrMap = new Int32Array(0);
  private tenureAge = 0;
  /** MARK while the old generation allocates black (incremental marking), else 0. */
  private promotedMark = 0;
  toStart = 0;
  toEnd = 0;
  /** The to-space's bump pointer: [toStart, toTop) holds the objects copied there. */
  toTop = 0;
  /**
   * The old generation's bump region, taken over for the collection (end() hands it back):
   * [runStart, bumpTop) are the objects promoted into it since the last scan of promotions.
   */
  private bumpTop = 0;
  private bumpEnd = 0;
  private runStart = 0;
  /** Words promoted by bump allocation (the old generation counts the others itself); end() adds them to promotedWords. */
  private bumpedWords = 0;
  /** Refills of the bump region still to be cut short in this collection (see SHORT_REGIONS). */
  private shortRegions = 0;
  /**
   * Promotions waiting to be scanned: runs [start, end) of promoted objects, as pairs (a closed
   * bump run, or a single object the old generation's allocator placed).
   */
  private runs = new Int32Array(256);
  private runCount = 0;
  promotedWords = 0;

  constructor(
    private readonly arena: Arena,
    private readonly layouts: LayoutTable,
    private readonly old: OldSpace,
  ) {}

  begin(toStart: number, toEnd: number, tenureAge: number): void {
    this.f64 = this.arena.f64;
    this.i32 = this.arena.i32;
    this.space = this.arena.space;
    this.fixedSlots = this.layouts.fixedSlots;
    this.kinds = this.layouts.kinds;
    this.ptrStart = this.layouts.ptrStart;
    this.ptrMap = this.layouts.ptrMap;
    this.tenureAge = tenureAge;
    this.promotedMark = this.old.allocateBlack ? Header.MARK : 0;
    this.toStart = toStart;
    this.toEnd = toEnd;
    this.toTop = toStart;
    this.bumpTop = this.runStart = this.old.bumpTop | 0;
    this.bumpEnd = this.old.bumpEnd | 0;
    this.shortRegions = 0;
    if (collectionsWithShortRegions > 0) {
      collectionsWithShortRegions--;
      this.bumpEnd = Math.min(this.bumpEnd, this.bumpTop + SHORT_REGION_WORDS) | 0;
      this.shortRegions = SHORT_REGIONS;
    }
    this.bumpedWords = 0;
    this.runCount = 0;
    this.promotedWords = 0;
  }

  /** Hand the bump region back to the old generation (after scanAll). */
  end(): void {
    this.old.bumpTop = this.bumpTop;
    this.old.usedWords += this.bumpedWords;
    this.promotedWords += this.bumpedWords;
    this.old.sealBumpRegion();
  }

  /** Words of the object at p, header included. */
  objectWords(p: number): number {
    const i32 = this.i32;
    const id = i32[2 * p] & Header.LAYOUT_MASK;
    const slots = this.fixedSlots[id];
    if (slots >= 0) return slots + 1;
    return this.kinds[id] === LayoutKind.Bytes ? 1 + ((i32[2 * p + 1] + 7) >>> 3) : 1 + i32[2 * p + 1];
  }

  /**
   * The new address of a root's referent (itself unless it is a young object). A root slot can
   * be visited twice (the second time it already holds a to-space address); object slots never
   * point into the to-space, so only roots need that check (scanObject forwards them inline).
   */
  forwardRoot(ptr: number): number {
    const p = ptr | 0; // Ptrs are below 2^31: int32 arithmetic from here on (null: page 0 is Reserved)
    const kind = this.space[p >>> Page.SHIFT];
    if (kind !== Space.Eden && kind !== Space.Survivor) return p;
    if (p >= this.toStart && p < this.toEnd) return p;
    const h0 = this.i32[2 * p];
    return h0 & Header.FORWARDED ? this.i32[2 * p + 1] : this.copyObject(p, h0);
  }

  /** Copy young object p (header h0, not yet forwarded); leave its forwarding address behind. */
  private copyObject(p: number, h0: number): number {
    const f64 = this.f64;
    const i32 = this.i32;
    const slots = this.fixedSlots[h0 & Header.LAYOUT_MASK];
    const words = slots >= 0 ? slots + 1 : this.objectWords(p);
    const age = ((h0 >>> Header.AGE_SHIFT) & Header.AGE_MASK) + 1;
    let q = this.toTop;
    if (age < this.tenureAge && q + words <= this.toEnd) {
      this.toTop = q + words;
      i32[2 * q] = (h0 & ~(Header.AGE_MASK << Header.AGE_SHIFT)) | (Math.min(age, Header.AGE_MASK) << Header.AGE_SHIFT);
    } else if ((q = this.bumpTop) + words <= this.bumpEnd) {
      // Promotion by inline bump allocation in the old generation's bump region.
      this.bumpTop = q + words;
      this.bumpedWords += words;
      i32[2 * q] = (h0 & Header.LAYOUT_MASK) | this.promotedMark;
    } else {
      return this.promote(p, h0, words);
    }
    i32[2 * q + 1] = i32[2 * p + 1];
    for (let k = 1; k < words; k++) f64[q + k] = f64[p + k];
    i32[2 * p] = h0 | Header.FORWARDED;
    i32[2 * p + 1] = q;
    return q;
  }

  /** Promotion when the bump region is used up: the old generation's allocator. */
  private promote(p: number, h0: number, words: number): number {
    // The allocator may start a new bump region: close the current run and hand the region back.
    this.closeRun();
    this.old.bumpTop = this.bumpTop;
    // int32, as every address the copy loop handles: the allocator's come out of a Float64Array
    // (its free lists) as doubles, and one double reaching scanObject's comparisons deoptimises it.
    const q = this.old.alloc(words) | 0;
    if (q === 0 || this.arena.f64 !== this.f64) throw new PromotionFailed();
    const preset = this.i32[2 * q]; // MARK when allocating black
    copyWords(this.f64, q, p, words);
    this.i32[2 * q] = (h0 & Header.LAYOUT_MASK) | preset;
    this.i32[2 * p] = h0 | Header.FORWARDED;
    this.i32[2 * p + 1] = q;
    this.promotedWords += words;
    // Bumped from a new region, the object starts that region's run; else it is a run of its own.
    const old = this.old;
    if (q + words === old.bumpTop) this.runStart = q | 0;
    else {
      this.pushRun(q, q + words);
      this.runStart = old.bumpTop | 0;
    }
    this.bumpTop = old.bumpTop | 0;
    this.bumpEnd = old.bumpEnd | 0;
    if (this.shortRegions > 0) {
      this.shortRegions--;
      this.bumpEnd = Math.min(this.bumpEnd, this.bumpTop + SHORT_REGION_WORDS) | 0;
    }
    return q;
  }

  /** Queue the promotions bumped since the last scan of them. */
  private closeRun(): void {
    if (this.bumpTop > this.runStart) this.pushRun(this.runStart, this.bumpTop);
    this.runStart = this.bumpTop;
  }

  private pushRun(start: number, end: number): void {
    if (2 * this.runCount + 2 > this.runs.length) {
      const bigger = new Int32Array(this.runs.length * 2);
      bigger.set(this.runs);
      this.runs = bigger;
    }
    this.runs[2 * this.runCount] = start;
    this.runs[2 * this.runCount + 1] = end;
    this.runCount++;
  }

  /**
   * Forward the pointer slots of object q; report whether one still points young (into the
   * to-space), which decides whether an old object stays in the remembered set.
   */
  scanObject(q: number): boolean {
    if (this.tenureAge <= 1) return this.scanPromotingAll(q);
    const f64 = this.f64;
    const i32 = this.i32;
    const space = this.space;
    const id = i32[2 * q] & Header.LAYOUT_MASK;
    let k = 0;
    let end = 0;
    let map = this.ptrMap;
    if (this.fixedSlots[id] >= 0) {
      k = this.ptrStart[id];
      end = this.ptrStart[id + 1];
    } else if (this.kinds[id] === LayoutKind.PointerArray) {
      // A pointer array's slots 0..n-1, read through the identity map's stand-in below.
      end = i32[2 * q + 1];
      map = IDENTITY;
    }
    const toStart = this.toStart;
    const toEnd = this.toEnd;
    let young = false;
    for (; k < end; k++) {
      const a = q + 1 + (map === IDENTITY ? k : map[k]);
      // forwardRoot() without the to-space check, written out: this loop runs once per pointer
      // slot of every survivor.
      const p = f64[a] | 0;
      const kind = space[p >>> Page.SHIFT];
      if (kind !== Space.Eden && kind !== Space.Survivor) continue;
      const h0 = i32[2 * p];
      const v = h0 & Header.FORWARDED ? i32[2 * p + 1] : this.copyObject(p, h0);
      f64[a] = v;
      if (v >= toStart && v < toEnd) young = true;
    }
    return young;
  }

  /**
   * scanObject for the collections that promote every survivor (tenure age 1: Throughput, and
   * full collections), with copyObject's promotion by bump allocation written out; the rest
   * goes through copyObject. Written out, copyObject is not hot on its own in such a
   * collection, and V8 does not compile it separately (~1.5 ms inside a run's first
   * collection) before it compiles this loop, which inlined it anyway. A separate method, so
   * that scanObject stays small enough for V8 to inline into the scan loop. Nothing is copied
   * to the to-space in such a collection (every copy is a promotion), so no slot is left
   * pointing young: the answer is always false.
   */
  private scanPromotingAll(q: number): boolean {
    const f64 = this.f64;
    const i32 = this.i32;
    const space = this.space;
    const id = i32[2 * q] & Header.LAYOUT_MASK;
    let k = 0;
    let end = 0;
    let map = this.ptrMap;
    if (this.fixedSlots[id] >= 0) {
      k = this.ptrStart[id];
      end = this.ptrStart[id + 1];
    } else if (this.kinds[id] === LayoutKind.PointerArray) {
      // A pointer array's slots 0..n-1, read through the identity map's stand-in below.
      end = i32[2 * q + 1];
      map = IDENTITY;
    }
    for (; k < end; k++) {
      const a = q + 1 + (map === IDENTITY ? k : map[k]);
      // forwardRoot() without the to-space check, written out: this loop runs once per pointer
      // slot of every survivor.
      const p = f64[a] | 0;
      const kind = space[p >>> Page.SHIFT];
      if (kind !== Space.Eden && kind !== Space.Survivor) continue;
      const h0 = i32[2 * p];
      let v = i32[2 * p + 1];
      if (!(h0 & Header.FORWARDED)) {
        const slots = this.fixedSlots[h0 & Header.LAYOUT_MASK];
        const words = slots + 1;
        const to = this.bumpTop;
        if (slots >= 0 && to + words <= this.bumpEnd) {
          this.bumpTop = to + words;
          this.bumpedWords += words;
          i32[2 * to] = (h0 & Header.LAYOUT_MASK) | this.promotedMark;
          i32[2 * to + 1] = v;
          for (let j = 1; j < words; j++) f64[to + j] = f64[p + j];
          i32[2 * p] = h0 | Header.FORWARDED;
          i32[2 * p + 1] = to;
          v = to;
        } else v = this.copyObject(p, h0);
      }
      f64[a] = v;
    }
    return false;
  }

  /**
   * Cheney's scan: the to-space objects from `scanFrom` up to toTop, and the promoted objects,
   * are grey (copied, slots not yet forwarded); scan until none is left. `remember` gets the
   * promoted objects that still point young.
   */
  scanAll(scanFrom: number, remember: (p: number) => void): void {
    let scan = scanFrom;
    for (;;) {
      while (scan < this.toTop) {
        const words = this.objectWords(scan);
        this.scanObject(scan);
        scan += words;
      }
      this.closeRun();
      if (this.runCount === 0) break;
      // Scanning a run can copy and promote more (new runs): take the last run queued.
      this.runCount--;
      const end = this.runs[2 * this.runCount + 1];
      for (let q = this.runs[2 * this.runCount]; q < end; ) {
        const words = this.objectWords(q);
        if (this.scanObject(q)) remember(q);
        q += words;
      }
    }
  }
}

/**
 * The first few bump regions of a collection are cut to SHORT_REGION_WORDS words, so that
 * promote() runs a few times among the first promotions of every collection. Otherwise it
 * first runs when a 128 KiB block fills, after V8 has optimised the copy loop: that call site
 * then has no type feedback, and the optimised loop is thrown away and compiled again in the
 * middle of the pause (2-3 ms of a run's first collection). The rest of a cut region is not
 * lost: promote() bumps on through it.
 */
const SHORT_REGION_WORDS = 64;
const SHORT_REGIONS = 3;
/**
 * Type feedback belongs to the function, shared by every heap of the process, so only the
 * process's first collections need the cut; after them promote() is called only when a region
 * is used up (each call counts towards V8 optimising promote itself, one more compilation that
 * lands inside some young pause).
 */
let collectionsWithShortRegions = 4;

/** Cut the bump regions of the next `n` collections of any heap (tests: the cut is process-wide). */
export function cutBumpRegionsOfNextCollections(n: number): void {
  collectionsWithShortRegions = n;
}

/** Stands for "slot k is slot k" (pointer arrays) in scanObject's loop over a pointer map. */
const IDENTITY = new Int32Array(0);

function copyWords(f64: Float64Array, to: number, from: number, words: number): void {
  if (words <= 16) for (let k = 0; k < words; k++) f64[to + k] = f64[from + k];
  else f64.copyWithin(to, from, from + words);
}
