// The old generation: blocks of pages holding objects allocated from segregated free lists
// (exact size classes for small objects, power-of-two classes above), with a bump region for
// runs of promotions, and large objects on page runs of their own. Sweeping rebuilds the free
// lists one block at a time, which is what lets it run in slices.
//
// Every small block is parseable from its start to its end at all times: each word belongs to
// an object or to a FREE chunk (header FREE, h1 = size in words). Free chunks of two or more
// words are linked through their first slot.

import { Arena } from "./arena";
import { Header, Page, Space } from "./header";
import { LayoutTable } from "./layouts";

export interface Block {
  /** First word. */
  start: number;
  /** One past the last word. */
  end: number;
  large: boolean;
  /** Sweeping has processed this block in the current cycle (or it was created during it). */
  swept: boolean;
}

/** Pages per small-object block (128 KiB). */
export const BLOCK_PAGES = 16;
const EXACT_CLASSES = 64;
/** A free chunk at least this much larger than the request is bumped through, not split. */
const MIN_BUMP_WORDS = 64;
const NUM_CLASSES = EXACT_CLASSES + 9;

function classOf(words: number): number {
  if (words <= EXACT_CLASSES) return words;
  // 65..128 -> 65, 129..256 -> 66, ...
  return EXACT_CLASSES + Math.ceil(Math.log2(words / EXACT_CLASSES));
}

/** Called for each dead object a sweep or compaction finds (tensor release, statistics). */
export type DeadObjectHook = (p: number, h0: number) => void;
/** Called for each live object a sweep or compaction keeps (liveByLayout). */
export type LiveObjectHook = (p: number, layout: number, words: number) => void;

export class OldSpace {
  blocks: Block[] = [];
  /** Heads of the free lists by size class (0 = empty). */
  private readonly heads = new Float64Array(NUM_CLASSES + 1);
  /** The bump region [bumpTop, bumpEnd): young evacuation promotes into it inline. */
  bumpTop = 0;
  bumpEnd = 0;
  /** Words in objects (live, or dead and not yet swept). */
  usedWords = 0;
  /** New old objects get MARK (allocate black) while incremental marking runs. */
  allocateBlack = false;
  /** Blocks created now are already swept (a sweep cycle is in progress). */
  sweeping = false;
  poison = false;

  constructor(
    private readonly arena: Arena,
    private readonly layouts: LayoutTable,
  ) {}

  /** Words of one chunk (object or free) starting at p. */
  chunkWords(p: number): number {
    const i32 = this.arena.i32;
    const h0 = i32[2 * p];
    return h0 & Header.FREE ? i32[2 * p + 1] : this.layouts.objectWords(h0 & Header.LAYOUT_MASK, i32[2 * p + 1]);
  }

  /**
   * Space for an object of `words` words, with the header's MARK bit preset when allocating
   * black; the caller writes layout and length. 0 when the arena reservation is exhausted.
   */
  alloc(words: number): number {
    const p = this.allocRaw(words);
    if (p !== 0) {
      this.usedWords += words;
      this.arena.i32[2 * p] = this.allocateBlack ? Header.MARK : 0;
    }
    return p;
  }

  private allocRaw(words: number): number {
    if (words > LARGE_WORDS_LIMIT) return this.allocLarge(words);
    const c = classOf(words);
    if (c <= EXACT_CLASSES && this.heads[c] !== 0) return this.pop(c, words);
    if (this.bumpTop + words <= this.bumpEnd) return this.bump(words);
    for (let k = c; k <= NUM_CLASSES; k++) {
      if (this.heads[k] === 0) continue;
      const p = k <= EXACT_CLASSES ? this.heads[k] : this.firstFit(k, words);
      if (p === 0) continue;
      const size = this.arena.i32[2 * p + 1];
      if (size < words + MIN_BUMP_WORDS) return this.pop(k, words, p);
      // A large free chunk becomes the bump region: the allocations that follow (a young
      // collection promoting thousands of objects) bump through it instead of splitting it
      // one object at a time.
      this.unlink(k, p);
      if (this.bumpTop < this.bumpEnd) this.addFree(this.bumpTop, this.bumpEnd - this.bumpTop);
      this.bumpTop = p;
      this.bumpEnd = p + size;
      return this.bump(words);
    }
    if (!this.newBumpBlock()) return 0;
    return this.bump(words);
  }

  private bump(words: number): number {
    const p = this.bumpTop;
    this.bumpTop += words;
    this.formatGap(this.bumpTop, this.bumpEnd);
    return p;
  }

  private firstFit(k: number, words: number): number {
    const f64 = this.arena.f64;
    const i32 = this.arena.i32;
    for (let p = this.heads[k]; p !== 0; p = f64[p + 1]) if (i32[2 * p + 1] >= words) return p;
    return 0;
  }

  /** Take chunk p (the head of class k when not given) and return its unused tail to the lists. */
  private pop(k: number, words: number, p = this.heads[k]): number {
    this.unlink(k, p);
    const size = this.arena.i32[2 * p + 1];
    if (size > words) this.addFree(p + words, size - words);
    return p;
  }

  private unlink(k: number, p: number): void {
    const f64 = this.arena.f64;
    if (this.heads[k] === p) {
      this.heads[k] = f64[p + 1];
      return;
    }
    let q = this.heads[k];
    while (f64[q + 1] !== p) q = f64[q + 1];
    f64[q + 1] = f64[p + 1];
  }

  /** Make [p, p + words) a free chunk and list it (one-word chunks stay unlisted until swept). */
  addFree(p: number, words: number): void {
    const i32 = this.arena.i32;
    i32[2 * p] = Header.FREE;
    i32[2 * p + 1] = words;
    if (words < 2) return;
    const c = classOf(words);
    this.arena.f64[p + 1] = this.heads[c];
    this.heads[c] = p;
  }

  /** After inline bump allocation (promotion): keep the rest of the bump region parseable. */
  sealBumpRegion(): void {
    this.formatGap(this.bumpTop, this.bumpEnd);
  }

  /** Format [from, to) as one unlisted free chunk, so the block stays parseable. */
  private formatGap(from: number, to: number): void {
    if (from >= to) return;
    const i32 = this.arena.i32;
    i32[2 * from] = Header.FREE;
    i32[2 * from + 1] = to - from;
  }

  private newBumpBlock(): boolean {
    // The rest of the current bump region goes to the free lists.
    if (this.bumpTop < this.bumpEnd) this.addFree(this.bumpTop, this.bumpEnd - this.bumpTop);
    const page = this.arena.allocPages(BLOCK_PAGES, Space.OldSmall, false); // formatted below
    if (page < 0) return false;
    const block = { start: page * Page.WORDS, end: (page + BLOCK_PAGES) * Page.WORDS, large: false, swept: true };
    this.insertBlock(block);
    this.bumpTop = block.start;
    this.bumpEnd = block.end;
    this.formatGap(this.bumpTop, this.bumpEnd);
    return true;
  }

  private allocLarge(words: number): number {
    const pages = Math.ceil(words / Page.WORDS);
    const page = this.arena.allocPages(pages, Space.OldLarge, false); // the caller writes header and slots
    if (page < 0) return 0;
    const block = { start: page * Page.WORDS, end: (page + pages) * Page.WORDS, large: true, swept: true };
    this.insertBlock(block);
    return block.start;
  }

  /** Blocks are kept in address order: compaction slides objects towards the lowest ones. */
  private insertBlock(block: Block): void {
    let i = this.blocks.length;
    while (i > 0 && this.blocks[i - 1].start > block.start) i--;
    this.blocks.splice(i, 0, block);
  }

  /** Forget the free lists and the bump region (sweeping or compaction rebuilds them). */
  resetAllocation(): void {
    this.heads.fill(0);
    if (this.bumpTop < this.bumpEnd) this.formatGap(this.bumpTop, this.bumpEnd);
    this.bumpTop = this.bumpEnd = 0;
  }

  /** Start a sweep cycle: every existing block must be swept before its space is reused. */
  beginSweep(): void {
    this.resetAllocation();
    for (const b of this.blocks) b.swept = false;
    this.sweeping = true;
  }

  /**
   * Sweep one block: clear marks of live objects, report dead ones, coalesce free space into
   * the free lists, release the block's pages if nothing in it lives. Returns false when the
   * block was released.
   */
  sweepBlock(block: Block, onDead: DeadObjectHook, onLive: LiveObjectHook): boolean {
    block.swept = true;
    const i32 = this.arena.i32;
    if (block.large) {
      const p = block.start;
      const h0 = i32[2 * p];
      const words = this.layouts.objectWords(h0 & Header.LAYOUT_MASK, i32[2 * p + 1]);
      if (h0 & Header.MARK) {
        i32[2 * p] = h0 & ~Header.MARK;
        onLive(p, h0 & Header.LAYOUT_MASK, words);
        return true;
      }
      onDead(p, h0);
      this.usedWords -= words;
      this.releaseBlock(block);
      return false;
    }
    let freeStart = -1;
    let live = false;
    for (let p = block.start; p < block.end; ) {
      const h0 = i32[2 * p];
      const words = h0 & Header.FREE ? i32[2 * p + 1] : this.layouts.objectWords(h0 & Header.LAYOUT_MASK, i32[2 * p + 1]);
      if (h0 & Header.FREE || !(h0 & Header.MARK)) {
        if (!(h0 & Header.FREE)) {
          onDead(p, h0);
          this.usedWords -= words;
        }
        if (freeStart < 0) freeStart = p;
      } else {
        i32[2 * p] = h0 & ~Header.MARK;
        onLive(p, h0 & Header.LAYOUT_MASK, words);
        live = true;
        if (freeStart >= 0) this.freeRun(freeStart, p);
        freeStart = -1;
      }
      p += words;
    }
    if (!live) {
      this.releaseBlock(block);
      return false;
    }
    if (freeStart >= 0) this.freeRun(freeStart, block.end);
    return true;
  }

  private freeRun(from: number, to: number): void {
    if (this.poison) this.arena.poison(from, to);
    this.addFree(from, to - from);
  }

  releaseBlock(block: Block): void {
    const i = this.blocks.indexOf(block);
    if (i >= 0) this.blocks.splice(i, 1);
    const page = block.start / Page.WORDS;
    this.arena.freePages(page, (block.end - block.start) / Page.WORDS, this.poison);
  }

  /** After compaction: the tail of the last used block becomes the bump region. */
  setBumpRegion(from: number, to: number): void {
    this.bumpTop = from;
    this.bumpEnd = to;
    this.formatGap(from, to);
  }

  get bumpRegion(): [number, number] {
    return [this.bumpTop, this.bumpEnd];
  }

  /** Visit every chunk of every block in address order (verifier, mark clearing). */
  forEachChunk(fn: (p: number, h0: number, words: number, block: Block) => void): void {
    const i32 = this.arena.i32;
    for (const block of this.blocks) {
      for (let p = block.start; p < block.end; ) {
        const h0 = i32[2 * p];
        const words = block.large
          ? block.end - block.start
          : h0 & Header.FREE
            ? i32[2 * p + 1]
            : this.layouts.objectWords(h0 & Header.LAYOUT_MASK, i32[2 * p + 1]);
        if (words <= 0) throw new Error(`heap: corrupt chunk at word ${p} (size ${words})`);
        fn(p, h0, words, block);
        p += words;
      }
    }
  }
}

/** Objects above this many words go on page runs of their own. */
export const LARGE_WORDS_LIMIT = 1024 + Header.WORDS;
