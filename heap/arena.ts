// The arena: one growable ArrayBuffer of 8-byte words, handed out in pages to the nursery and
// the old generation, with a page table that says what each page is used for.
//
// The buffer is a resizable ArrayBuffer reserved up to a fixed maximum, so the typed-array views
// never change identity when it grows (the accessors on the hot path keep reading the same
// views). A growable SharedArrayBuffer has the same interface, which is what marking on worker
// threads would need later; nothing here depends on the buffer not being shared.

import { PAGE_BYTES, PAGE_SHIFT, PAGE_WORDS, POISON_H0, Space } from "./header";

/** Address space reserved when the heap is unlimited (the largest a Uint8Array view can span). */
export const DEFAULT_RESERVE_BYTES = 4 * 1024 * 1024 * 1024 - PAGE_BYTES;

interface FreeRun {
  page: number;
  count: number;
}

export class Arena {
  readonly buffer: ArrayBuffer;
  readonly f64: Float64Array;
  readonly i32: Int32Array;
  readonly u8: Uint8Array;
  /** One entry per page of the reservation: a `Space`. */
  readonly space: Uint8Array;
  /** Pages currently backed by the buffer. */
  private committedPages = 0;
  /** Free page runs below `committedPages`, sorted by page, never adjacent. */
  private freeRuns: FreeRun[] = [];
  peakCommittedBytes = 0;

  constructor(readonly reserveBytes: number) {
    const maxPages = Math.floor(reserveBytes / PAGE_BYTES);
    this.buffer = new (ArrayBuffer as any)(0, { maxByteLength: maxPages * PAGE_BYTES }) as ArrayBuffer;
    this.f64 = new Float64Array(this.buffer);
    this.i32 = new Int32Array(this.buffer);
    this.u8 = new Uint8Array(this.buffer);
    this.space = new Uint8Array(maxPages);
    // Page 0 holds word 0, which must never be an object: 0 is the null pointer.
    const zero = this.allocPages(1, Space.Reserved);
    if (zero !== 0) throw new Error("arena: page 0 must come first");
  }

  get committedBytes(): number {
    return this.committedPages * PAGE_BYTES;
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
      (this.buffer as any).resize(end * PAGE_BYTES);
      this.committedPages = end;
      if (this.committedBytes > this.peakCommittedBytes) this.peakCommittedBytes = this.committedBytes;
      page = start;
    }
    this.space.fill(kind, page, page + count);
    // Reused pages may hold old or poisoned data; fresh pages are zero from the resize.
    this.f64.fill(0, page * PAGE_WORDS, (page + count) * PAGE_WORDS);
    return page;
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
    (this.buffer as any).resize(this.committedPages * PAGE_BYTES);
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
