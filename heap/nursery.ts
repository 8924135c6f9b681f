// The young generation: eden, where objects are bump-allocated, and two survivor spaces.
// A young collection copies the live young objects (Cheney's breadth-first copying): into the
// survivor to-space while they are younger than the tenure age, into the old generation
// (promotion) once they reach it or when the to-space is full. Dead objects are never touched,
// which is why objects with tensor slots are kept on a finalization list.

import { RootScanner } from "./api";
import { Arena } from "./arena";
import { AGE_MASK, AGE_SHIFT, FORWARDED, LAYOUT_MASK, MARK, PAGE_SHIFT, PAGE_WORDS, Space } from "./header";
import { LayoutKind, LayoutTable } from "./layouts";
import { BLOCK_PAGES, OldSpace } from "./oldspace";
import { RememberedSet } from "./remset";

export interface EvacuationResult {
  promotedWords: number;
  survivedWords: number;
}

/** Raised inside evacuation when the old generation cannot take a promoted object. */
export class PromotionFailed extends Error {}

export class Nursery {
  edenStart = 0;
  edenEnd = 0;
  /** Eden's bump pointer: the heap's allocation fast path reads and advances it. */
  top = 0;
  /** Survivor space holding the survivors of the last collection: [fromStart, fromTop). */
  fromStart = 0;
  fromTop = 0;
  private fromEnd = 0;
  private toStart = 0;
  private toEnd = 0;
  private pages: [number, number][] = [];
  /** Young objects whose layout has Tensor slots (the finalization list). */
  tensorHolders: number[] = [];
  /** Objects promoted by the collection in progress, still to be scanned (reused). */
  private promoted = new Int32Array(4096);

  constructor(
    private readonly arena: Arena,
    private readonly layouts: LayoutTable,
    private readonly old: OldSpace,
  ) {}

  /** (Re)create the spaces: eden gets 80% of `bytes`, each survivor space 10%. Must be empty. */
  setup(bytes: number): boolean {
    for (const [page, count] of this.pages) this.arena.freePages(page, count, false);
    this.pages = [];
    const totalPages = Math.max(3, Math.ceil(bytes / 8 / PAGE_WORDS));
    const survivorPages = Math.max(1, Math.floor(totalPages / 10));
    const edenPages = Math.max(1, totalPages - 2 * survivorPages);
    const eden = this.arena.allocPages(edenPages, Space.Eden);
    const a = this.arena.allocPages(survivorPages, Space.Survivor);
    const b = this.arena.allocPages(survivorPages, Space.Survivor);
    if (eden < 0 || a < 0 || b < 0) return false;
    this.pages = [
      [eden, edenPages],
      [a, survivorPages],
      [b, survivorPages],
    ];
    this.edenStart = this.top = eden * PAGE_WORDS;
    this.edenEnd = (eden + edenPages) * PAGE_WORDS;
    this.fromStart = this.fromTop = a * PAGE_WORDS;
    this.fromEnd = (a + survivorPages) * PAGE_WORDS;
    this.toStart = b * PAGE_WORDS;
    this.toEnd = (b + survivorPages) * PAGE_WORDS;
    return true;
  }

  get usedWords(): number {
    return this.top - this.edenStart + (this.fromTop - this.fromStart);
  }

  get edenWords(): number {
    return this.edenEnd - this.edenStart;
  }

  /** Every young object, in address order: survivors then eden. */
  forEachObject(fn: (p: number, words: number) => void): void {
    const i32 = this.arena.i32;
    for (const [start, end] of [
      [this.fromStart, this.fromTop],
      [this.edenStart, this.top],
    ]) {
      for (let p = start; p < end; ) {
        const words = this.layouts.objectWords(i32[2 * p] & LAYOUT_MASK, i32[2 * p + 1]);
        fn(p, words);
        p += words;
      }
    }
  }

  /**
   * Copy every live young object out of eden and the from-space. `tenureAge` 0 promotes
   * everything (full collections start this way, leaving the young generation empty).
   * `release` gets the tensor ids of dead young objects; `poison` fills the vacated spaces.
   */
  evacuate(
    roots: RootScanner | null,
    remset: RememberedSet,
    tenureAge: number,
    release: (id: number) => void,
    poison: boolean,
  ): EvacuationResult {
    const arena = this.arena;
    // Reserve room for the worst case (everything young is promoted, into fresh blocks) so the
    // arena's buffer, and so the views below, cannot be replaced during the evacuation.
    const youngWords = this.top - this.edenStart + (this.fromTop - this.fromStart);
    // (a block can waste up to one largest young object at its end: hence the 10%).
    arena.ensureHeadroom(Math.ceil((youngWords * 1.1) / PAGE_WORDS) + 2 * BLOCK_PAGES);
    const f64 = arena.f64;
    const i32 = arena.i32;
    const space = arena.space;
    const layouts = this.layouts;
    const fixedSlots = layouts.fixedSlots;
    const old = this.old;
    const toStart = this.toStart;
    const toEnd = this.toEnd;
    let toTop = toStart;
    let promoted = this.promoted;
    let promotedCount = 0;
    let promotedWords = 0;

    const copy = (p: number): number => {
      if (p === 0) return p;
      const kind = space[p >>> PAGE_SHIFT];
      if (kind !== Space.Eden && kind !== Space.Survivor) return p;
      if (p >= toStart && p < toEnd) return p; // already copied (a root visited twice)
      const h0 = i32[2 * p];
      if (h0 & FORWARDED) return i32[2 * p + 1];
      const slots = fixedSlots[h0 & LAYOUT_MASK];
      const words = slots >= 0 ? slots + 1 : layouts.objectWords(h0 & LAYOUT_MASK, i32[2 * p + 1]);
      const age = ((h0 >>> AGE_SHIFT) & AGE_MASK) + 1;
      let q: number;
      if (age >= tenureAge || toTop + words > toEnd) {
        // Promotion: inline bump allocation in the old generation's bump region when it fits.
        const bumpTop = old.bumpTop;
        if (bumpTop + words <= old.bumpEnd) {
          q = bumpTop;
          old.bumpTop = bumpTop + words;
          old.usedWords += words;
          i32[2 * q] = old.allocateBlack ? MARK : 0;
        } else {
          q = old.alloc(words);
          if (q === 0 || arena.f64 !== f64) throw new PromotionFailed();
        }
        const preset = i32[2 * q]; // MARK when allocating black
        copyWords(f64, q, p, words);
        i32[2 * q] = (h0 & LAYOUT_MASK) | preset;
        if (promotedCount === promoted.length) {
          const grown = new Int32Array(promoted.length * 2);
          grown.set(promoted);
          promoted = this.promoted = grown;
        }
        promoted[promotedCount++] = q;
        promotedWords += words;
      } else {
        q = toTop;
        toTop += words;
        copyWords(f64, q, p, words);
        i32[2 * q] = (h0 & ~(AGE_MASK << AGE_SHIFT)) | (Math.min(age, AGE_MASK) << AGE_SHIFT);
      }
      i32[2 * p] = h0 | FORWARDED;
      i32[2 * p + 1] = q;
      return q;
    };

    // Update the pointer slots of q; report whether one still points into the young generation.
    const scan = (q: number): boolean => {
      const layout = layouts.all[i32[2 * q] & LAYOUT_MASK];
      let young = false;
      if (layout.kind === LayoutKind.Fixed) {
        const slots = layout.pointerSlots;
        for (let k = 0; k < slots.length; k++) {
          const a = q + 1 + slots[k];
          const v = copy(f64[a]);
          f64[a] = v;
          if (v !== 0 && v >= toStart && v < toEnd) young = true;
        }
      } else if (layout.kind === LayoutKind.PointerArray) {
        const n = i32[2 * q + 1];
        for (let k = 0; k < n; k++) {
          const a = q + 1 + k;
          const v = copy(f64[a]);
          f64[a] = v;
          if (v !== 0 && v >= toStart && v < toEnd) young = true;
        }
      }
      return young;
    };

    if (roots) roots(copy);
    for (const r of remset.drain()) if (scan(r)) remset.record(r);

    let scanPtr = toStart;
    let pi = 0;
    while (scanPtr < toTop || pi < promotedCount) {
      while (scanPtr < toTop) {
        const slots = fixedSlots[i32[2 * scanPtr] & LAYOUT_MASK];
        const words = slots >= 0 ? slots + 1 : layouts.objectWords(i32[2 * scanPtr] & LAYOUT_MASK, i32[2 * scanPtr + 1]);
        scan(scanPtr);
        scanPtr += words;
      }
      while (pi < promotedCount) {
        const q = promoted[pi++];
        if (scan(q)) remset.record(q);
      }
    }

    old.sealBumpRegion();
    this.finalize(release);

    // Flip: the to-space holds the survivors; eden and the old from-space are free.
    if (poison) {
      this.arena.poison(this.edenStart, this.top);
      this.arena.poison(this.fromStart, this.fromTop);
    }
    const [fs, fe] = [this.fromStart, this.fromEnd];
    this.fromStart = toStart;
    this.fromTop = toTop;
    this.fromEnd = toEnd;
    this.toStart = fs;
    this.toEnd = fe;
    this.top = this.edenStart;
    return { promotedWords, survivedWords: toTop - toStart };
  }

  /** Release the tensors of dead young objects; follow the survivors to their new address. */
  private finalize(release: (id: number) => void): void {
    if (this.tensorHolders.length === 0) return;
    const f64 = this.arena.f64;
    const i32 = this.arena.i32;
    const space = this.arena.space;
    const kept: number[] = [];
    for (const p of this.tensorHolders) {
      const h0 = i32[2 * p];
      if (h0 & FORWARDED) {
        const q = i32[2 * p + 1];
        // Promoted holders are the old generation's sweeper's to finalize from now on.
        if (space[q >>> PAGE_SHIFT] === Space.Survivor) kept.push(q);
        continue;
      }
      forEachTensor(this.layouts, f64, i32, p, release);
    }
    this.tensorHolders = kept;
  }
}

/** Call `fn` with every non-zero tensor handle held by object p. */
export function forEachTensor(
  layouts: LayoutTable,
  f64: Float64Array,
  i32: Int32Array,
  p: number,
  fn: (id: number) => void,
): void {
  const layout = layouts.all[i32[2 * p] & LAYOUT_MASK];
  if (!layout.hasTensors) return;
  if (layout.kind === LayoutKind.Fixed) {
    for (const s of layout.tensorSlots) {
      const id = f64[p + 1 + s];
      if (id !== 0) fn(id);
    }
  } else {
    const n = i32[2 * p + 1];
    for (let k = 0; k < n; k++) {
      const id = f64[p + 1 + k];
      if (id !== 0) fn(id);
    }
  }
}

function copyWords(f64: Float64Array, to: number, from: number, words: number): void {
  if (words <= 16) for (let k = 0; k < words; k++) f64[to + k] = f64[from + k];
  else f64.copyWithin(to, from, from + words);
}
