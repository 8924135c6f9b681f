// Sliding compaction of the old generation (Memory mode's full collections): the Lisp-2
// algorithm over the small-object blocks in address order, after marking, with the young
// generation empty. Large objects are not moved (they only die).
//
//  1. Plan: walk the blocks; give each marked object its new address (a cursor that only
//     moves forward and never passes the object it places). The new address replaces h1 in
//     the header; h1 (the length) is saved in a side array in walk order, 4 bytes per live
//     object.
//  2. Update: rewrite every pointer slot of every live object, and every root, to the new
//     address of its target.
//  3. Move: walk again in the same order, restore h1, clear MARK and slide the object down.
//     Blocks left empty go back to the arena, which then shrinks.

import { RootScanner } from "./api";
import { Arena } from "./arena";
import { Header, Page, Space } from "./header";
import { LayoutKind, LayoutTable } from "./layouts";
import { Block, DeadObjectHook, LiveObjectHook, OldSpace } from "./oldspace";

export function compact(
  arena: Arena,
  layouts: LayoutTable,
  old: OldSpace,
  roots: RootScanner | null,
  onDead: DeadObjectHook,
  onLive: LiveObjectHook,
  poison: boolean,
): void {
  const f64 = arena.f64;
  const i32 = arena.i32;
  const space = arena.space;
  const small = old.blocks.filter((b) => !b.large);
  for (const b of old.blocks.filter((b) => b.large)) old.sweepBlock(b, onDead, onLive);
  old.resetAllocation();

  // 1. Plan.
  let lengths = new Int32Array(1024);
  let live = 0;
  let toBlock = 0;
  let cursor = small.length > 0 ? small[0].start : 0;
  /** Per destination block, where its objects end. */
  const filled = small.map((b) => b.start);
  for (const block of small) {
    for (let p = block.start; p < block.end; ) {
      const h0 = i32[2 * p];
      const h1 = i32[2 * p + 1];
      const words = h0 & Header.FREE ? h1 : layouts.objectWords(h0 & Header.LAYOUT_MASK, h1);
      if (!(h0 & Header.FREE)) {
        if (h0 & Header.MARK) {
          while (cursor + words > small[toBlock].end) {
            toBlock++;
            cursor = small[toBlock].start;
          }
          if (live === lengths.length) {
            const next = new Int32Array(lengths.length * 2);
            next.set(lengths);
            lengths = next;
          }
          lengths[live++] = h1;
          i32[2 * p + 1] = cursor;
          cursor += words;
          filled[toBlock] = cursor;
          onLive(cursor - words, h0 & Header.LAYOUT_MASK, words);
        } else {
          onDead(p, h0);
        }
      }
      p += words;
    }
  }

  // 2. Update pointers (targets in small blocks carry their new address in h1).
  const forward = (q: number): number => (q !== 0 && space[q >>> Page.SHIFT] === Space.OldSmall ? i32[2 * q + 1] : q);
  const updateSlots = (p: number, layoutId: number, length: number): void => {
    const layout = layouts.all[layoutId];
    if (layout.kind === LayoutKind.Fixed) {
      const slots = layout.pointerSlots;
      for (let k = 0; k < slots.length; k++) f64[p + 1 + slots[k]] = forward(f64[p + 1 + slots[k]]);
    } else if (layout.kind === LayoutKind.PointerArray) {
      for (let k = 0; k < length; k++) f64[p + 1 + k] = forward(f64[p + 1 + k]);
    }
  };
  let n = 0;
  for (const block of small) {
    for (let p = block.start; p < block.end; ) {
      const h0 = i32[2 * p];
      let words: number;
      if (!(h0 & Header.FREE) && h0 & Header.MARK) {
        const length = lengths[n++];
        words = layouts.objectWords(h0 & Header.LAYOUT_MASK, length);
        updateSlots(p, h0 & Header.LAYOUT_MASK, length);
      } else {
        words = h0 & Header.FREE ? i32[2 * p + 1] : layouts.objectWords(h0 & Header.LAYOUT_MASK, i32[2 * p + 1]);
      }
      p += words;
    }
  }
  for (const b of old.blocks) {
    if (!b.large) continue;
    const h0 = i32[2 * b.start];
    updateSlots(b.start, h0 & Header.LAYOUT_MASK, i32[2 * b.start + 1]);
  }
  if (roots) roots(forward);

  // 3. Move.
  n = 0;
  for (const block of small) {
    for (let p = block.start; p < block.end; ) {
      const h0 = i32[2 * p];
      let words: number;
      if (!(h0 & Header.FREE) && h0 & Header.MARK) {
        const length = lengths[n++];
        words = layouts.objectWords(h0 & Header.LAYOUT_MASK, length);
        const to = i32[2 * p + 1];
        i32[2 * p] = h0 & ~Header.MARK;
        i32[2 * p + 1] = length;
        if (to !== p) f64.copyWithin(to, p, p + words);
      } else {
        words = h0 & Header.FREE ? i32[2 * p + 1] : layouts.objectWords(h0 & Header.LAYOUT_MASK, i32[2 * p + 1]);
      }
      p += words;
    }
  }

  // Free what is left: the tail of each filled block, every block past the last one used.
  old.usedWords = 0;
  for (const b of old.blocks) if (b.large) old.usedWords += liveWordsOfLarge(i32, layouts, b);
  let lastUsed = -1;
  for (let i = 0; i < small.length; i++) {
    old.usedWords += filled[i] - small[i].start;
    if (filled[i] > small[i].start) lastUsed = i;
  }
  for (let i = 0; i < small.length; i++) {
    const b = small[i];
    if (i > lastUsed) {
      old.releaseBlock(b);
    } else if (i === lastUsed) {
      if (poison) arena.poison(filled[i], b.end);
      old.setBumpRegion(filled[i], b.end);
    } else if (filled[i] < b.end) {
      if (poison) arena.poison(filled[i], b.end);
      old.addFree(filled[i], b.end - filled[i]);
    }
  }
  arena.shrink();
}

function liveWordsOfLarge(i32: Int32Array, layouts: LayoutTable, b: Block): number {
  return layouts.objectWords(i32[2 * b.start] & Header.LAYOUT_MASK, i32[2 * b.start + 1]);
}
