// The heap verifier: after a collection (when enabled) it walks every space and checks what
// the collector promises. It throws a HeapCorruption naming the first broken rule.
//
//  - every header is sane: a defined layout, no FORWARDED bit, a size that fits its space;
//    no MARK bit unless an incremental cycle is in progress;
//  - every pointer slot is 0 or the address of an object header in eden, the survivor
//    from-space or the old generation — never into freed, poisoned or to-space memory, never
//    into the middle of an object or into a free chunk;
//    (dead objects awaiting a sweep in progress are not checked, only never pointed at);
//  - every old object holding a pointer to a young object is in the remembered set, and
//    every remembered-set entry is an old object.
// (A black→white edge is legal under SATB marking, so marking colours are not checked here;
// the model-based tests check that no reachable object is ever reclaimed.)

import { Arena } from "./arena";
import { Header, Page, Space } from "./header";
import { LayoutKind, LayoutTable } from "./layouts";
import { Nursery } from "./nursery";
import { OldSpace } from "./oldspace";
import { RememberedSet } from "./remset";
import { RootScanner } from "./api";

export class HeapCorruption extends Error {
  constructor(message: string) {
    super(`heap verification failed: ${message}`);
    this.name = "HeapCorruption";
  }
}

export function verifyHeap(
  arena: Arena,
  layouts: LayoutTable,
  nursery: Nursery,
  old: OldSpace,
  remset: RememberedSet,
  roots: RootScanner | null,
  markingInProgress: boolean,
  sweepingInProgress = false,
  /**
   * "young" (after most young collections, when verifying every collection would make stress
   * runs quadratic): the young generation, the remembered set and the roots are checked; a
   * pointer into the old generation must reach a sane, allocated header, but the old
   * generation is not walked (so remembered-set completeness is left to the full checks).
   */
  scope: "full" | "young" = "full",
): void {
  const f64 = arena.f64;
  const i32 = arena.i32;
  const space = arena.space;
  const fail = (msg: string): never => {
    throw new HeapCorruption(msg);
  };
  // Object starts, so a pointer into the middle of an object is caught.
  const starts = new Set<number>();
  const objects: number[] = [];

  const checkHeader = (p: number, words: number, where: string) => {
    const h0 = i32[2 * p];
    if (h0 & Header.FORWARDED) fail(`${where} object ${p} is still forwarded`);
    if (!layouts.isValid(h0 & Header.LAYOUT_MASK)) fail(`${where} object ${p} has invalid layout id ${h0 & Header.LAYOUT_MASK}`);
    if (i32[2 * p + 1] < 0) fail(`${where} object ${p} has negative length`);
    if (words < 1) fail(`${where} object ${p} has size ${words}`);
    if (h0 & Header.MARK && !markingInProgress) fail(`${where} object ${p} is marked outside a marking cycle`);
    starts.add(p);
    objects.push(p);
  };

  nursery.forEachObject((p, words) => {
    const sp = space[p >>> Page.SHIFT];
    if (sp !== Space.Eden && sp !== Space.Survivor) fail(`young object ${p} outside the nursery`);
    if (i32[2 * p] & Header.REMEMBERED) fail(`young object ${p} has the REMEMBERED bit`);
    checkHeader(p, words, "young");
  });
  const [bumpFrom, bumpTo] = old.bumpRegion;
  if (scope === "young") {
    for (const r of remset.entries) {
      const h0 = i32[2 * r];
      if (space[r >>> Page.SHIFT] < Space.OldSmall || h0 & Header.FREE || !layouts.isValid(h0 & Header.LAYOUT_MASK)) {
        fail(`remembered-set entry ${r} is not an old object`);
      }
      objects.push(r);
    }
  } else old.forEachChunk((p, h0, words, block) => {
    const sp = space[p >>> Page.SHIFT];
    if (sp !== (block.large ? Space.OldLarge : Space.OldSmall)) fail(`old chunk ${p} on a page of space ${sp}`);
    if (p + words > block.end) fail(`old chunk ${p} (${words} words) runs past its block`);
    if (h0 & Header.FREE) return;
    if (bumpFrom <= p && p < bumpTo) fail(`object ${p} inside the bump region`);
    // While sweeping, unmarked objects in blocks not yet swept are dead, waiting to be freed:
    // their slots may point at objects already freed. Leaving them out of `starts` also
    // catches any live object that still points at one of them.
    if (sweepingInProgress && !block.swept && !(h0 & Header.MARK)) return;
    checkHeader(p, layouts.objectWords(h0 & Header.LAYOUT_MASK, i32[2 * p + 1]), "old");
  });

  const isYoung = (v: number) => {
    const sp = space[v >>> Page.SHIFT];
    return sp === Space.Eden || sp === Space.Survivor;
  };
  const checkPointer = (v: number, what: string) => {
    if (v === 0) return;
    if (!Number.isInteger(v) || v < 0 || v >= arena.committedBytes / 8) fail(`${what} holds ${v}, not an address`);
    if (starts.has(v)) return;
    const sp = space[v >>> Page.SHIFT];
    if (scope === "young" && sp >= Space.OldSmall) {
      const h0 = i32[2 * v];
      if (!(h0 & (Header.FREE | Header.FORWARDED)) && layouts.isValid(h0 & Header.LAYOUT_MASK) && i32[2 * v + 1] >= 0) return;
    }
    fail(`${what} points at ${v}, which is not a live object header (space ${sp})`);
  };

  const remembered = new Set(remset.entries);
  for (const p of objects) {
    const layout = layouts.all[i32[2 * p] & Header.LAYOUT_MASK];
    const n = layout.kind === LayoutKind.Fixed ? layout.pointerSlots.length : layout.kind === LayoutKind.PointerArray ? i32[2 * p + 1] : 0;
    let pointsYoung = false;
    for (let k = 0; k < n; k++) {
      const s = layout.kind === LayoutKind.Fixed ? layout.pointerSlots[k] : k;
      const v = f64[p + 1 + s];
      if (v === 0) continue;
      if (!starts.has(v)) checkPointer(v, `slot ${s} of ${layout.name} object ${p}`);
      if (isYoung(v)) pointsYoung = true;
    }
    if (scope === "full" && pointsYoung && !isYoung(p) && !remembered.has(p)) {
      fail(`old ${layout.name} object ${p} points into the young generation but is not remembered`);
    }
  }
  if (scope === "full") {
    for (const r of remset.entries) {
      if (!starts.has(r) || isYoung(r)) fail(`remembered-set entry ${r} is not an old object`);
    }
  }
  if (roots) roots((v) => (checkPointer(v, "a root"), v));
}
