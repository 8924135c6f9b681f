// The arena: one growable buffer of 8-byte words, handed out in pages to the nursery and the
// old generation, with a page table that says what each page is used for.
//
// Growing must not copy (it happens inside a pause, and the arena can be hundreds of MiB), so
// the buffer is a growable SharedArrayBuffer whose address range is reserved up front
// (`maxByteLength`: reserving costs no memory) and grows in place. The typed-array views over it
// are fixed-length and re-created after each growth, not length-tracking: on Node 20 an access
// through a length-tracking view (or any view of a resizable ArrayBuffer) costs about 2.5 times
// as much — measured: a header-and-slot copying loop at 44 ms against 17 ms CPU — while a
// fixed-length view of a growable SharedArrayBuffer costs the same as one of a plain
// ArrayBuffer. So the views change identity on growth: whoever caches a view across a call
// that can allocate pages must re-read it (`onResize` tells the heap; a young collection
// reserves its worst case first, see ensureHeadroom). Being shared, the buffer is also what
// marking on worker threads will need. A growable SharedArrayBuffer cannot shrink: Memory
// mode's shrink copies the live pages into a smaller one. Where growable SharedArrayBuffers do
// not exist, a plain ArrayBuffer replaced by a larger copy does the same job, more slowly.

import { Header, Page, Space } from "./header";

/** The arena's size limit when the heap is unlimited (the largest a Uint8Array view can span). */
export const DEFAULT_RESERVE_BYTES = 4 * 1024 * 1024 * 1024 - Page.BYTES;

interface FreeRun {
  page: number;
  count: number;
}

export class Arena {
  buffer: ArrayBuffer | SharedArrayBuffer;
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
    const maxPages = Math.floor(reserveBytes / Page.BYTES);
    this.space = new Uint8Array(maxPages);
    this.buffer = newBuffer(0, maxPages * Page.BYTES);
    this.f64 = new Float64Array(this.buffer, 0, 0);
    this.i32 = new Int32Array(this.buffer, 0, 0);
    this.u8 = new Uint8Array(this.buffer, 0, 0);
    // Page 0 holds word 0, which must never be an object: 0 is the null pointer.
    const zero = this.allocPages(1, Space.Reserved);
    if (zero !== 0) throw new Error("arena: page 0 must come first");
  }

  /** Bytes of the arena buffer (what the heap really holds from the system). */
  get committedBytes(): number {
    return this.capacityPages * Page.BYTES;
  }

  /** Called after the buffer is replaced: cached views must be re-read. */
  onResize(fn: () => void): void {
    this.resizeListeners.push(fn);
  }

  /** Give the buffer room for `pages` pages: in place when it can grow, else by a copy. */
  private resizeTo(pages: number): void {
    const bytes = pages * Page.BYTES;
    const buffer = this.buffer;
    if (bytes >= buffer.byteLength && canGrowInPlace(buffer, bytes)) {
      buffer.grow(bytes); // new memory reads as zero: cleanFrom stays where it is
    } else {
      const next = newBuffer(bytes, this.maxPages * Page.BYTES);
      const keep = Math.min(pages, this.committedPages) * Page.BYTES;
      new Uint8Array(next, 0, keep).set(new Uint8Array(buffer, 0, keep));
      this.buffer = next;
      this.cleanFrom = keep / Page.BYTES;
    }
    this.f64 = new Float64Array(this.buffer, 0, bytes / 8);
    this.i32 = new Int32Array(this.buffer, 0, bytes / 4);
    this.u8 = new Uint8Array(this.buffer, 0, bytes);
    this.capacityPages = pages;
    if (bytes > this.peakCommittedBytes) this.peakCommittedBytes = bytes;
    for (const fn of this.resizeListeners) fn();
  }

  get maxPages(): number {
    return this.space.length;
  }

  /**
   * A run of `count` contiguous pages, or -1 when the reservation is exhausted. The pages are
   * zeroed unless `zeroed` is false: the old generation formats its blocks itself, and zeroing
   * a reused 128 KiB block inside a young pause is time for nothing.
   */
  allocPages(count: number, kind: Space, zeroed = true): number {
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
    if (zeroed && dirtyEnd > page) this.f64.fill(0, page * Page.WORDS, dirtyEnd * Page.WORDS);
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
    if (poison) this.poison(page * Page.WORDS, (page + count) * Page.WORDS);
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
    this.i32.fill(Header.POISON, 2 * from, 2 * to);
  }

  /** Number of pages of a space kind (for stats and tests). */
  pagesOf(kind: Space): number {
    let n = 0;
    for (let p = 0; p < this.committedPages; p++) if (this.space[p] === kind) n++;
    return n;
  }
}

/** A growable SharedArrayBuffer (ES2024; Node 20 has it, the project's TypeScript lib does not). */
interface GrowableSharedArrayBuffer extends SharedArrayBuffer {
  readonly growable: boolean;
  readonly maxByteLength: number;
  grow(bytes: number): void;
}
type GrowableConstructor = new (bytes: number, options: { maxByteLength: number }) => GrowableSharedArrayBuffer;

// Asked when a buffer is made, not when the module loads: the start-up snapshot
// (scripts/snapshot/) loads this module where SharedArrayBuffer does not exist yet.
const growable = () => typeof SharedArrayBuffer === "function" && "grow" in SharedArrayBuffer.prototype;

/** A zeroed buffer of `bytes`, growable in place up to `maxBytes` where the platform allows. */
function newBuffer(bytes: number, maxBytes: number): ArrayBuffer | SharedArrayBuffer {
  if (growable()) return new (SharedArrayBuffer as unknown as GrowableConstructor)(bytes, { maxByteLength: Math.max(bytes, maxBytes) });
  return new ArrayBuffer(bytes);
}

function canGrowInPlace(buffer: ArrayBuffer | SharedArrayBuffer, bytes: number): buffer is GrowableSharedArrayBuffer {
  const b = buffer as GrowableSharedArrayBuffer;
  return growable() && b instanceof SharedArrayBuffer && b.growable === true && bytes <= b.maxByteLength;
}
