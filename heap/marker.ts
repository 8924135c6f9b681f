// Tri-colour marking of the old generation, incremental.
//
// Colours: white = old object without MARK; grey = MARK set and on the mark stack; black =
// MARK set and its slots scanned. Only old objects are coloured: young objects are the young
// collector's business, and every incremental cycle starts right after a young collection.
//
// Barrier choice: SATB (Yuasa deletion barrier), not Dijkstra insertion. The interpreter's
// roots — frame slots, globals, handle scopes — are written without any barrier (rule 4 of
// api.ts only covers heap slots). With an insertion barrier, a pointer moved from the heap into
// a frame slot and then deleted from the heap would be missed unless marking ends with a
// stop-the-world rescan of every root and the re-tracing of whatever that finds, a final pause
// that grows with the program. With a snapshot-at-the-beginning barrier the roots are scanned
// once, at the start, and marking is done when the mark stack is empty: the end of a cycle
// costs nothing. The price is floating garbage (what dies during a cycle is kept until the
// next one), which the next cycle or an explicit full collection reclaims.
//
// The invariant, and why it holds:
//   every old object reachable at the snapshot, or allocated since, is marked by the end.
//  - At the snapshot (just after a young collection, so eden is empty) the roots and every
//    surviving young object are scanned and their old referents greyed; young objects are thus
//    treated as roots, and later changes to them cannot hide a snapshot object.
//  - The deletion barrier (in the heap's setPtr slow path, which every store into an old
//    object takes) greys the value a store overwrites in an old object, so no snapshot edge
//    out of an old object is lost before the marker has scanned it.
//  - Objects allocated in or promoted into the old generation during the cycle are allocated
//    black; anything they point to was reachable when stored, hence reachable at the snapshot
//    (and marked by the two rules above) or allocated during the cycle (black).

import { Header, Page, Space } from "./header";
import { LayoutKind, LayoutTable } from "./layouts";
import { Arena } from "./arena";

/** A pointer array longer than this is scanned in chunks of this many slots (bounded slices). */
const ARRAY_CHUNK = 1024;
/** Slots scanned between two looks at the clock (performance.now() costs about 50 ns). */
const CLOCK_EVERY = 2048;

export class Marker {
  private stack = new Int32Array(1024);
  private sp = 0;
  /** A long pointer array being scanned chunk by chunk (0: none), and its next slot. */
  private partial = 0;
  private partialNext = 0;
  /** Objects scanned in this cycle (the pacing and the tests read it). */
  scanned = 0;

  constructor(
    private readonly arena: Arena,
    private readonly layouts: LayoutTable,
  ) {}

  get isEmpty(): boolean {
    return this.sp === 0 && this.partial === 0;
  }

  /** Grey an old white object; anything else is left alone. */
  grey(p: number): void {
    if (p === 0 || this.arena.space[p >>> Page.SHIFT] < Space.FirstOld) return;
    const i32 = this.arena.i32;
    const h0 = i32[2 * p];
    if (h0 & Header.MARK) return;
    i32[2 * p] = h0 | Header.MARK;
    if (this.sp === this.stack.length) {
      const next = new Int32Array(this.stack.length * 2);
      next.set(this.stack);
      this.stack = next;
    }
    this.stack[this.sp++] = p;
  }

  /** Grey the old referents of object p (used for roots-like young objects at the snapshot). */
  greyChildren(p: number): void {
    const i32 = this.arena.i32;
    const id = i32[2 * p] & Header.LAYOUT_MASK;
    const kind = this.layouts.kinds[id];
    if (kind === LayoutKind.Fixed) this.greyFixed(p, id);
    else if (kind === LayoutKind.PointerArray) this.greySlots(p, 0, i32[2 * p + 1]);
  }

  private greyFixed(p: number, id: number): number {
    const f64 = this.arena.f64;
    const { ptrStart, ptrMap } = this.layouts;
    const end = ptrStart[id + 1];
    for (let k = ptrStart[id]; k < end; k++) this.grey(f64[p + 1 + ptrMap[k]]);
    return end - ptrStart[id];
  }

  /** Grey the referents in slots [from, to) of pointer array p. */
  private greySlots(p: number, from: number, to: number): number {
    const f64 = this.arena.f64;
    for (let a = p + 1 + from, end = p + 1 + to; a < end; a++) this.grey(f64[a]);
    return to - from;
  }

  /**
   * Blacken grey objects until none is left (true), or the deadline (performance.now()
   * milliseconds) or the budget of objects is reached (false). The work is counted in slots
   * scanned, so one slice is bounded however large the objects: a long pointer array is
   * scanned ARRAY_CHUNK slots at a time and the clock is read every CLOCK_EVERY slots.
   */
  drain(deadline: number, budget = Infinity): boolean {
    const i32 = this.arena.i32;
    const kinds = this.layouts.kinds;
    let n = 0;
    let work = 0;
    let nextClock = CLOCK_EVERY;
    while (this.sp > 0 || this.partial !== 0) {
      if (this.partial !== 0) {
        const p = this.partial;
        const length = i32[2 * p + 1];
        const to = Math.min(length, this.partialNext + ARRAY_CHUNK);
        work += this.greySlots(p, this.partialNext, to);
        this.partialNext = to;
        if (to === length) {
          this.partial = 0;
          this.scanned++;
        }
      } else {
        const p = this.stack[--this.sp];
        const id = i32[2 * p] & Header.LAYOUT_MASK;
        const kind = kinds[id];
        if (kind === LayoutKind.Fixed) work += this.greyFixed(p, id) + 1;
        else if (kind === LayoutKind.PointerArray) {
          this.partial = p;
          this.partialNext = 0;
          continue;
        } else work++;
        this.scanned++;
      }
      if (++n >= budget) return this.isEmpty;
      if (work >= nextClock) {
        nextClock = work + CLOCK_EVERY;
        if (performance.now() >= deadline) return this.isEmpty;
      }
    }
    return true;
  }

  /** Drop all grey objects (a cycle abandoned for a full collection). */
  clear(): void {
    this.sp = 0;
    this.partial = 0;
    this.partialNext = 0;
    this.scanned = 0;
  }
}
