// Object headers and arena geometry: the bit-level facts every other part of the collector
// shares. Kept in one place so that the layout of a header is written down exactly once.
//
// The arena is an array of 8-byte words. A Ptr is the index of an object's header word, so
// word 0 is never an object and 0 can be the null pointer. The header word is read as two
// int32 halves (little-endian, the only byte order Node runs on):
//
//   h0 = i32[2p]     bits 0..19 layout id, 20..23 age (young collections survived),
//                    24 MARK, 25 FORWARDED, 26 REMEMBERED, 27 FREE
//   h1 = i32[2p + 1] slot / element / byte count of an object;
//                    the forwarding address of a FORWARDED object (young evacuation and
//                    compaction store it here);
//                    the size in words of a FREE chunk
//
// The slots follow the header: object p's slot i is word p + 1 + i.

export const HEADER_WORDS = 1;

export const LAYOUT_MASK = 0xfffff;
export const AGE_SHIFT = 20;
export const AGE_MASK = 0xf;
export const MARK = 1 << 24;
export const FORWARDED = 1 << 25;
export const REMEMBERED = 1 << 26;
export const FREE = 1 << 27;

/** A header no live object can have: an impossible layout id with every flag set. */
export const POISON_H0 = 0x7fffffff;

/** Pages are the unit in which the arena hands out space to the generations (8 KiB). */
export const PAGE_SHIFT = 10;
export const PAGE_WORDS = 1 << PAGE_SHIFT;
export const PAGE_BYTES = PAGE_WORDS * 8;

/** What a page is used for (the page table is how the write barrier tells old from young). */
export const enum Space {
  Unused = 0,
  /** Page 0, which holds word 0 (the null pointer). */
  Reserved = 1,
  Eden = 2,
  Survivor = 3,
  /** Old generation, a block of small objects allocated from size-class free lists. */
  OldSmall = 4,
  /** Old generation, one large object on its own run of pages (never moved). */
  OldLarge = 5,
}

/** Space values at or above this are old: the write barrier's single check. */
export const FIRST_OLD_SPACE = Space.OldSmall;
