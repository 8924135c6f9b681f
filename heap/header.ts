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

// Const enums, not exported consts: TypeScript writes their values into the code that uses
// them, where an imported const is a property load of the module object in the emitted
// CommonJS (about 10% of the young collection's copy loop, measured).

export const enum Header {
  /** Words of the header: slot i of object p is word p + WORDS + i. */
  WORDS = 1,
  LAYOUT_MASK = 0xfffff,
  AGE_SHIFT = 20,
  AGE_MASK = 0xf,
  MARK = 1 << 24,
  FORWARDED = 1 << 25,
  REMEMBERED = 1 << 26,
  FREE = 1 << 27,
  /** A header no live object can have: an impossible layout id with every flag set. */
  POISON = 0x7fffffff,
}

/** Pages are the unit in which the arena hands out space to the generations (8 KiB). */
export const enum Page {
  SHIFT = 10,
  WORDS = 1 << SHIFT,
  BYTES = WORDS * 8,
}

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
  /** Space values at or above this are old: the write barrier's single check. */
  FirstOld = OldSmall,
}
