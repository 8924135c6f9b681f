// The copying core of a young collection (Cheney's algorithm): forward pointers, copy live
// young objects to the survivor to-space or promote them into the old generation, scan the
// copies breadth-first. nursery.ts decides what is collected and flips the spaces afterwards.
//
// This is the collector's hottest loop (a young pause is almost all spent here), so it is
// written for V8: one long-lived object whose methods are always the same functions (so the
// optimiser inlines forward → copyObject into scanObject, which per-collection closures defeat),
// every table a flat typed array indexed by layout id or page, and pointers as int32.

import { Arena } from "./arena";
import { AGE_MASK, AGE_SHIFT, FORWARDED, LAYOUT_MASK, MARK, PAGE_SHIFT, Space } from "./header";
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
  toStart = 0;
  toEnd = 0;
  /** The to-space's bump pointer: [toStart, toTop) holds the objects copied there. */
  toTop = 0;
  /** Objects promoted in this collection (their slots still to be scanned). */
  promoted = new Int32Array(4096);
  promotedCount = 0;
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
    this.toStart = toStart;
    this.toEnd = toEnd;
    this.toTop = toStart;
    this.promotedCount = 0;
    this.promotedWords = 0;
  }

  /** Words of the object at p, header included. */
  objectWords(p: number): number {
    const i32 = this.i32;
    const id = i32[2 * p] & LAYOUT_MASK;
    const slots = this.fixedSlots[id];
    if (slots >= 0) return slots + 1;
    return this.kinds[id] === LayoutKind.Bytes ? 1 + ((i32[2 * p + 1] + 7) >>> 3) : 1 + i32[2 * p + 1];
  }

  /** The new address of whatever `ptr` points at (itself unless it is a young object). */
  forward(ptr: number): number {
    const p = ptr | 0; // Ptrs are below 2^31: int32 arithmetic from here on
    if (p === 0) return 0;
    const kind = this.space[p >>> PAGE_SHIFT];
    if (kind !== Space.Eden && kind !== Space.Survivor) return p;
    if (p >= this.toStart && p < this.toEnd) return p; // already copied (a root visited twice)
    const h0 = this.i32[2 * p];
    return h0 & FORWARDED ? this.i32[2 * p + 1] : this.copyObject(p, h0);
  }

  /** Copy young object p (header h0, not yet forwarded); leave its forwarding address behind. */
  private copyObject(p: number, h0: number): number {
    const f64 = this.f64;
    const i32 = this.i32;
    const slots = this.fixedSlots[h0 & LAYOUT_MASK];
    const words = slots >= 0 ? slots + 1 : this.objectWords(p);
    const age = ((h0 >>> AGE_SHIFT) & AGE_MASK) + 1;
    let q = this.toTop;
    if (age < this.tenureAge && q + words <= this.toEnd) {
      this.toTop = q + words;
      i32[2 * q] = (h0 & ~(AGE_MASK << AGE_SHIFT)) | (Math.min(age, AGE_MASK) << AGE_SHIFT);
      i32[2 * q + 1] = i32[2 * p + 1];
      for (let k = 1; k < words; k++) f64[q + k] = f64[p + k];
    } else {
      const old = this.old;
      q = old.bumpTop;
      if (q + words <= old.bumpEnd) {
        // Promotion by inline bump allocation in the old generation's bump region.
        old.bumpTop = q + words;
        old.usedWords += words;
        i32[2 * q] = (h0 & LAYOUT_MASK) | (old.allocateBlack ? MARK : 0);
        i32[2 * q + 1] = i32[2 * p + 1];
        for (let k = 1; k < words; k++) f64[q + k] = f64[p + k];
        this.pushPromoted(q, words);
      } else {
        q = this.promote(p, h0, words);
      }
    }
    i32[2 * p] = h0 | FORWARDED;
    i32[2 * p + 1] = q;
    return q;
  }

  /** Promotion when the bump region is used up: the old generation's allocator. */
  private promote(p: number, h0: number, words: number): number {
    const q = this.old.alloc(words);
    if (q === 0 || this.arena.f64 !== this.f64) throw new PromotionFailed();
    const preset = this.i32[2 * q]; // MARK when allocating black
    copyWords(this.f64, q, p, words);
    this.i32[2 * q] = (h0 & LAYOUT_MASK) | preset;
    this.pushPromoted(q, words);
    return q;
  }

  private pushPromoted(q: number, words: number): void {
    if (this.promotedCount === this.promoted.length) {
      const bigger = new Int32Array(this.promoted.length * 2);
      bigger.set(this.promoted);
      this.promoted = bigger;
    }
    this.promoted[this.promotedCount++] = q;
    this.promotedWords += words;
  }

  /**
   * Forward the pointer slots of object q; report whether one still points young (into the
   * to-space), which decides whether an old object stays in the remembered set.
   */
  scanObject(q: number): boolean {
    const f64 = this.f64;
    const i32 = this.i32;
    const id = i32[2 * q] & LAYOUT_MASK;
    const kind = this.kinds[id];
    const toStart = this.toStart;
    const toEnd = this.toEnd;
    let young = false;
    if (kind === LayoutKind.Fixed) {
      const ptrMap = this.ptrMap;
      for (let k = this.ptrStart[id], end = this.ptrStart[id + 1]; k < end; k++) {
        const a = q + 1 + ptrMap[k];
        const v = this.forward(f64[a]);
        f64[a] = v;
        if (v >= toStart && v < toEnd) young = true;
      }
    } else if (kind === LayoutKind.PointerArray) {
      for (let a = q + 1, end = q + 1 + i32[2 * q + 1]; a < end; a++) {
        const v = this.forward(f64[a]);
        f64[a] = v;
        if (v >= toStart && v < toEnd) young = true;
      }
    }
    return young;
  }

  /**
   * Cheney's scan: the to-space objects from `scanFrom` up to toTop, and the promoted objects,
   * are grey (copied, slots not yet forwarded); scan until none is left. `remember` gets the
   * promoted objects that still point young.
   */
  scanAll(scanFrom: number, remember: (p: number) => void): void {
    let scan = scanFrom;
    let pi = 0;
    while (scan < this.toTop || pi < this.promotedCount) {
      while (scan < this.toTop) {
        const words = this.objectWords(scan);
        this.scanObject(scan);
        scan += words;
      }
      while (pi < this.promotedCount) {
        const q = this.promoted[pi++];
        if (this.scanObject(q)) remember(q);
      }
    }
  }
}

function copyWords(f64: Float64Array, to: number, from: number, words: number): void {
  if (words <= 16) for (let k = 0; k < words; k++) f64[to + k] = f64[from + k];
  else f64.copyWithin(to, from, from + words);
}
