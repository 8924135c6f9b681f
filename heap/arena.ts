// The arena: one growable ArrayBuffer of 8-byte words, handed out in pages to the nursery and
// the old generation, with a page table that says what each page is used for.
//
// The buffer is a plain ArrayBuffer, replaced by a larger copy when the arena grows (and by a
// smaller one when Memory mode shrinks it). Resizable ArrayBuffers would keep the views stable,
// but on Node 20 every access through a view of one costs about twice as much (measured: a
// slot-copying loop at 76 ms vs 38 ms CPU), and slot access is the interpreter's hottest path.
// So the views change identity on resize: whoever caches a view across a call that can
// allocate pages must re-read it (`onResize` tells the heap; the young collector re-reads after
// each slow-path promotion). A SharedArrayBuffer would serve the same way for marking on
// worker threads later; nothing here depends on the buffer not being shared.

import { PAGE_BYTES, PAGE_SHIFT, PAGE_WORDS, POISON_H0, Space } from "./header";

/** The arena's size limit when the heap is unlimited (the largest a Uint8Array view can span). */
export const DEFAULT_RESERVE_BYTES = 4 * 1024 * 1024 * 1024 - PAGE_BYTES;

interface FreeRun {
  page: number;
  count: number;
}

export class Arena {
  buffer: ArrayBuffer;
  f64: Float64Array;
  i32: Int32Array;
  u8: Uint8Array;
  /** One entry per page up to the limit: a `Space`. */
  readonly space: Uint8Array;
  /** Pages handed out at least once (the high-water mark below which free runs live). */
  private committedPages = 0;
  /** Pages the current buffer holds (>= committedPages). */
  private capacityPages = 0;
  /** Pages at and above this one are known to be zero (never used since the buffer was made). */
  private cleanFrom = 0;
  /** Growth step: the buffer grows to at least this multiple of its size (Memory mode: less). */
  growthFactor = 1.5;
  private resizeListeners: (() => void)[] = [];
  /** Free page runs below `committedPages`, sorted by page, never adjacent. */
  private freeRuns: FreeRun[] = [];
  peakCommittedBytes = 0;

  constructor(readonly reserveBytes: number) {
    const maxPages = Math.floor(reserveBytes / PAGE_BYTES);
    this.space = new Uint8Array(maxPages);
    this.buffer = new ArrayBuffer(0);
    this.f64 = new Float64Array(this.buffer);
    this.i32 = new Int32Array(this.buffer);
    this.u8 = new Uint8Array(this.buffer);
    // Page 0 holds word 0, which must never be an object: 0 is the null pointer.
    const zero = this.allocPages(1, Space.Reserved);
    if (zero !== 0) throw new Error("arena: page 0 must come first");
  }

  /** Bytes of the arena buffer (what the heap really holds from the system). */
  get committedBytes(): number {
    return this.buffer.byteLength;
  }

  /** Called after the buffer is replaced: cached views must be re-read. */
  onResize(fn: () => void): void {
    this.resizeListeners.push(fn);
  }

  private resizeTo(pages: number): void {
    const next = new ArrayBuffer(pages * PAGE_BYTES);
    const keep = Math.min(pages, this.committedPages) * PAGE_BYTES;
    new Uint8Array(next).set(new Uint8Array(this.buffer, 0, keep));
    this.buffer = next;
    this.f64 = new Float64Array(next);
    this.i32 = new Int32Array(next);
    this.u8 = new Uint8Array(next);
    this.capacityPages = pages;
    this.cleanFrom = keep / PAGE_BYTES;
    if (this.buffer.byteLength > this.peakCommittedBytes) this.peakCommittedBytes = this.buffer.byteLength;
    for (const fn of this.resizeListeners) fn();
  }

  get maxPages(): number {
    return this.space.length;
  }

  /** A run of `count` contiguous pages (zeroed), or -1 when the reservation is exhausted. */
  allocPages(count: number, kind: Space): number {
    let page = -1;
    for (let i = 0; i < this.freeRuns.length; i++) {
      const run = this.freeRuns[i];
      if (run.count >= count) {
        page = run.page;
        run.page += count;
        run.count -= count;
        if (run.count === 0) this.freeRuns.splice(i, 1);
        break;
      }
    }
    if (page < 0) {
      // Extend at the end, reusing a free run that touches the end.
      const last = this.freeRuns[this.freeRuns.length - 1];
      let start = this.committedPages;
      if (last && last.page + last.count === this.committedPages) {
        start = last.page;
        this.freeRuns.pop();
      }
      const end = start + count;
      if (end > this.maxPages) {
        if (start !== this.committedPages) this.freeRuns.push({ page: start, count: this.committedPages - start });
        return -1;
      }
      if (end > this.capacityPages) {
        const grown = Math.ceil(this.capacityPages * this.growthFactor);
        this.resizeTo(Math.min(this.maxPages, Math.max(end, grown)));
      }
      this.committedPages = end;
      page = start;
    }
    this.space.fill(kind, page, page + count);
    // Reused pages may hold old or poisoned data; pages never used since the buffer was made
    // are zero already (zeroing them again would only touch memory for nothing).
    const dirtyEnd = Math.min(page + count, this.cleanFrom);
    if (dirtyEnd > page) this.f64.fill(0, page * PAGE_WORDS, dirtyEnd * PAGE_WORDS);
    if (page + count > this.cleanFrom) this.cleanFrom = page + count;
    return page;
  }

  /**
   * Make sure `pages` more pages can be handed out without replacing the buffer (a young
   * collection reserves its worst-case promotion first, so the views it holds stay valid).
   */
  ensureHeadroom(pages: number): void {
    const needed = Math.min(this.maxPages, this.committedPages + pages);
    if (needed > this.capacityPages) this.resizeTo(Math.min(this.maxPages, Math.max(needed, Math.ceil(this.capacityPages * this.growthFactor))));
  }

  /** Return pages to the arena; `poison` fills them so stale pointers into them show. */
  freePages(page: number, count: number, poison: boolean): void {
    this.space.fill(Space.Unused, page, page + count);
    if (poison) this.poison(page * PAGE_WORDS, (page + count) * PAGE_WORDS);
    let i = 0;
    while (i < this.freeRuns.length && this.freeRuns[i].page < page) i++;
    const run = { page, count };
    this.freeRuns.splice(i, 0, run);
    // Coalesce with the neighbours.
    const next = this.freeRuns[i + 1];
    if (next && run.page + run.count === next.page) {
      run.count += next.count;
      this.freeRuns.splice(i + 1, 1);
    }
    const prev = this.freeRuns[i - 1];
    if (prev && prev.page + prev.count === run.page) {
      prev.count += run.count;
      this.freeRuns.splice(i, 1);
    }
  }

  /** Give trailing free pages back to the system (Memory mode, after compaction). */
  shrink(): void {
    const last = this.freeRuns[this.freeRuns.length - 1];
    if (!last || last.page + last.count !== this.committedPages) return;
    this.freeRuns.pop();
    this.committedPages = last.page;
    // Give the memory back only when it is worth a copy.
    if (this.capacityPages > this.committedPages * this.growthFactor) this.resizeTo(this.committedPages);
  }

  /** Fill words [from, to) with an impossible header / recognisable value. */
  poison(from: number, to: number): void {
    // Both halves of every word: a poisoned header is impossible, a poisoned slot reads as NaN.
    this.i32.fill(POISON_H0, 2 * from, 2 * to);
  }

  /** Number of pages of a space kind (for stats and tests). */
  pagesOf(kind: Space): number {
    let n = 0;
    for (let p = 0; p < this.committedPages; p++) if (this.space[p] === kind) n++;
    return n;
  }
}
