// The young generation: eden, where objects are bump-allocated, and two survivor spaces.
// A young collection copies the live young objects (Cheney's breadth-first copying): into the
// survivor to-space while they are younger than the tenure age, into the old generation
// (promotion) once they reach it or when the to-space is full. Dead objects are never touched,
// which is why objects with tensor slots are kept on a finalization list.

import { RootScanner } from "./api";
import { Arena } from "./arena";
import { Header, Page, Space } from "./header";
import { LayoutKind, LayoutTable } from "./layouts";
import { BLOCK_PAGES, OldSpace } from "./oldspace";
import { Evacuator, PromotionFailed } from "./evacuator";
import { RememberedSet } from "./remset";

export interface EvacuationResult {
  promotedWords: number;
  survivedWords: number;
}

export { PromotionFailed };

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
  private readonly evacuator: Evacuator;
  private remset: RememberedSet | null = null;
  /**
   * The root scanner's visitor and the promoted-object callback, made once (not per collection).
   * The visitor is the evacuator's method bound, not an arrow calling it: V8 would optimise
   * the arrow and the method each on its own, two compilations that land inside young pauses.
   */
  private readonly forwardRoot: (p: number) => number;
  private readonly rememberPromoted = (p: number): void => this.remset!.record(p);

  constructor(
    private readonly arena: Arena,
    private readonly layouts: LayoutTable,
    private readonly old: OldSpace,
  ) {
    this.evacuator = new Evacuator(arena, layouts, old);
    this.forwardRoot = this.evacuator.forwardRoot.bind(this.evacuator);
  }

  /**
   * (Re)create the spaces: eden gets 80% of `bytes`, each survivor space 10%; without survivor
   * spaces (a mode that promotes at the first survival) eden gets all of it. Must be empty.
   */
  setup(bytes: number, survivors: boolean): boolean {
    for (const [page, count] of this.pages) this.arena.freePages(page, count, false);
    this.pages = [];
    const totalPages = Math.max(3, Math.ceil(bytes / 8 / Page.WORDS));
    const survivorPages = survivors ? Math.max(1, Math.floor(totalPages / 10)) : 0;
    const edenPages = Math.max(1, totalPages - 2 * survivorPages);
    const eden = this.arena.allocPages(edenPages, Space.Eden);
    if (eden < 0) return false;
    this.pages.push([eden, edenPages]);
    this.edenStart = this.top = eden * Page.WORDS;
    this.edenEnd = (eden + edenPages) * Page.WORDS;
    // Empty survivor spaces sit at eden's end: nothing is ever copied there.
    let [a, b] = [this.edenEnd, this.edenEnd];
    if (survivorPages > 0) {
      const pa = this.arena.allocPages(survivorPages, Space.Survivor);
      const pb = this.arena.allocPages(survivorPages, Space.Survivor);
      if (pa < 0 || pb < 0) return false;
      this.pages.push([pa, survivorPages], [pb, survivorPages]);
      [a, b] = [pa * Page.WORDS, pb * Page.WORDS];
    }
    const survivorWords = survivorPages * Page.WORDS;
    this.fromStart = this.fromTop = a;
    this.fromEnd = a + survivorWords;
    this.toStart = b;
    this.toEnd = b + survivorWords;
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
        const words = this.layouts.objectWords(i32[2 * p] & Header.LAYOUT_MASK, i32[2 * p + 1]);
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
    // arena's buffer, and so the evacuator's views, cannot be replaced during the evacuation.
    const youngWords = this.top - this.edenStart + (this.fromTop - this.fromStart);
    // (a block can waste up to one largest young object at its end: hence the 10%).
    arena.ensureHeadroom(Math.ceil((youngWords * 1.1) / Page.WORDS) + 2 * BLOCK_PAGES);
    const ev = this.evacuator;
    this.remset = remset;
    ev.begin(this.toStart, this.toEnd, tenureAge);

    if (roots) roots(this.forwardRoot);
    const logged = remset.drain();
    for (let i = 0; i < logged.length; i++) if (ev.scanObject(logged[i])) remset.record(logged[i]);
    ev.scanAll(this.toStart, this.rememberPromoted);
    ev.end();

    this.finalize(release);

    // Flip: the to-space holds the survivors; eden and the old from-space are free.
    if (poison) {
      arena.poison(this.edenStart, this.top);
      arena.poison(this.fromStart, this.fromTop);
    }
    const [fs, fe] = [this.fromStart, this.fromEnd];
    this.fromStart = this.toStart;
    this.fromTop = ev.toTop;
    this.fromEnd = this.toEnd;
    this.toStart = fs;
    this.toEnd = fe;
    this.top = this.edenStart;
    return { promotedWords: ev.promotedWords, survivedWords: ev.toTop - this.fromStart };
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
      if (h0 & Header.FORWARDED) {
        const q = i32[2 * p + 1];
        // Promoted holders are the old generation's sweeper's to finalize from now on.
        if (space[q >>> Page.SHIFT] === Space.Survivor) kept.push(q);
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
  const layout = layouts.all[i32[2 * p] & Header.LAYOUT_MASK];
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
