// The remembered set: old objects that may hold pointers to young ones (an object-logging
// barrier: each old object is logged once, guarded by its REMEMBERED header bit). A young
// collection treats the slots of these objects as roots, then keeps only the objects that still
// point into the young generation.

import { Arena } from "./arena";
import { Header } from "./header";

export class RememberedSet {
  entries: number[] = [];

  constructor(private readonly arena: Arena) {}

  record(ptr: number): void {
    // Kept as int32: a pointer read out of a Float64Array arrives as a double, and one double in
    // `entries` turns the array into doubles and the young collection's scanObject, optimised
    // for small integers, deoptimises on it in the middle of a pause.
    const p = ptr | 0;
    const i32 = this.arena.i32;
    const h0 = i32[2 * p];
    if (h0 & Header.REMEMBERED) return;
    i32[2 * p] = h0 | Header.REMEMBERED;
    this.entries.push(p);
  }

  /** Take every entry out (clearing their bits); the caller re-records what still applies. */
  drain(): number[] {
    const taken = this.entries;
    const i32 = this.arena.i32;
    for (const p of taken) i32[2 * p] &= ~Header.REMEMBERED;
    this.entries = [];
    return taken;
  }

  get size(): number {
    return this.entries.length;
  }

  has(p: number): boolean {
    return (this.arena.i32[2 * p] & Header.REMEMBERED) !== 0 && this.entries.includes(p);
  }
}
