// Iterators (`Iter<T>`): managed objects, so a loop's iterator is an ordinary rooted pointer.
//
// Layout: [desc, i, n, extra (Scalars), src, fn, inner, inner2 (Pointers)]. `desc` indexes a
// static descriptor (what kind of iterator, its item type) created at compile time. Adapters
// (`map`, `filter`, ...) that call STARK closures keep every pointer they hold across the call
// in the runtime's handle scope, because the call may reach a safepoint and move objects.

import { Ptr, SlotKind } from "../../heap/api";
import type { Type } from "../check/types";
import type { Span } from "../syntax/ast";
import { getMapOps } from "./format";
import type { MapOps } from "./map";
import { Frame, Runtime, STR_BYTES, STR_LEN, Value, VEC_DATA, VEC_LEN } from "./runtime";
import { located, locateSlice, newView } from "./sliceview";
import { reprOf } from "./typeinfo";
import { deepClone } from "./values";
import { advance, fromSlot, pred, succ, toSlot } from "./int64";

export const DONE: unique symbol = Symbol("done");
export type Next = Value | typeof DONE;

const DESC = 0;
const I = 1;
const N = 2;
const EXTRA = 3;
const SRC = 4;
const FN = 5;
const INNER = 6;
const INNER2 = 7;

export type IterKind =
  | "vec"
  | "vecMut"
  | "vecRev"
  | "range"
  | "rangeRev"
  | "mapKeys"
  | "mapValues"
  | "mapValuesMut"
  | "mapPairs"
  | "chars"
  | "bytes"
  | "map"
  | "filter"
  | "filterMap"
  | "enumerate"
  | "zip"
  | "chain"
  | "take"
  | "skip"
  | "stepBy"
  /** Over a slice value (view, Vec or array; see sliceview.ts): by value / as `&mut` places. */
  | "slice"
  | "sliceMut"
  /** `s.windows(n)` / `s.chunks(n)`: views of the slice in SRC, size in EXTRA, length in N. */
  | "windows"
  | "chunks"
  | "cloned"
  /** `take_while` / `skip_while` / `map_while` (closure in FN; I: 1 once the predicate has decided). */
  | "takeWhile"
  | "skipWhile"
  | "mapWhile"
  /** `inspect`: calls FN with each item, then yields it. */
  | "inspect"
  /**
   * `scan(init, f)`: FN called with `&mut` the state (a cell in INNER2) and each item; yields the
   * payloads of its `Some`s and stops at the first `None` (I: 1 then).
   */
  | "scan"
  /**
   * `cycle()`: INNER's items, each also pushed on a Vec in INNER2; once INNER is done (I: 1) the
   * Vec's items again and again (N: the next index), cloned unless they are references.
   */
  | "cycle"
  /** `flat_map` (closure in FN) / `flatten` (no FN): the outer iterator in INNER, the current inner one in INNER2. */
  | "flatMap"
  /**
   * `collect` into Result/Option: yields the Ok/Some payloads of the items in INNER; at the first
   * Err/None it stops and keeps that item in FN (the residual the caller returns).
   */
  | "unwrapWhile"
  /**
   * `peekable()`: INNER's items, one looked at ahead by `peek()` and kept until `next()` takes
   * it — in INNER2 (a pointer item) or EXTRA (a scalar), with I = 1 while one is kept, 2 at the end.
   */
  | "peekable"
  | "empty"
  /** An iterator implemented by a native library (`Dataset::batches`): `nativeNext` with EXTRA. */
  | "native"
  /** A user type's `impl Iterator` (the value in SRC): `userNext` calls its `next`. */
  | "user";

export interface IterDesc {
  kind: IterKind;
  /** Element type of the source collection (vec kinds) or the produced item. */
  elem: Type;
  elemKind: SlotKind;
  mapOps?: MapOps;
  /** Layout for produced tuples (enumerate, zip, map pairs). */
  tupleLayout?: number;
  tupleKinds?: SlotKind[];
  call?: (clo: Ptr, args: Value[]) => Value;
  isArray?: boolean;
  /** kind "flatMap": turns an item (after FN, if any) into an iterator over it. */
  innerIter?: (v: Value) => Ptr;
  /** kind "unwrapWhile": the payload of an Ok/Some item, or DONE for an Err/None. */
  unwrap?: (item: Ptr) => Next;
  /** kind "scan": the state's representation (a scalar state is passed as a `&mut` place to its cell). */
  stateKind?: SlotKind;
  /** kind "cycle": the type of the Vec the first pass is kept in, and whether items are cloned on replay. */
  vecType?: Type;
  cloneOnReplay?: boolean;
  /** kind "native": produces the next item of the native iterator whose id is in EXTRA. */
  nativeNext?: (id: number) => Next;
  /** kind "user": the user's `next(&mut self)` called on the value, its `Some` payload or DONE. */
  userNext?: (self: Ptr) => Next;
  /** kind "native": releases what the native iterator holds open (a file) when a loop leaves it early. */
  nativeClose?: (id: number) => void;
}

interface IterState {
  descs: IterDesc[];
  layout: number;
}
const states = new WeakMap<Runtime, IterState>();

/**
 * The program's user iterators (user_iter.ts): for a user type, its `next` as `userNext`, or
 * null when the type does not implement `Iterator`.
 */
export type UserIterators = (t: Type & { kind: "adt" }) => { next: (self: Ptr) => Next; item: Type } | null;
const userIterators = new WeakMap<Runtime, UserIterators>();

export function setUserIterators(rt: Runtime, u: UserIterators): void {
  userIterators.set(rt, u);
}

function state(rt: Runtime): IterState {
  let s = states.get(rt);
  if (!s) {
    const P = SlotKind.Pointer;
    const S = SlotKind.Scalar;
    s = { descs: [], layout: rt.fixed("Iter", [S, S, S, S, P, P, P, P], { kind: "builtin", name: "Iter", args: [] }) };
    states.set(rt, s);
  }
  return s;
}

export function registerDesc(rt: Runtime, d: IterDesc): number {
  const s = state(rt);
  s.descs.push(d);
  return s.descs.length - 1;
}

/** Allocate an iterator object. `src`, `fn`, `inner`, `inner2` must not move during the call (allocation never collects). */
export function newIter(rt: Runtime, desc: number, i: number | bigint, n: number | bigint, src: Ptr, fn: Ptr = 0, inner: Ptr = 0, inner2: Ptr = 0, extra = 0): Ptr {
  const h = rt.heap;
  const it = h.alloc(state(rt).layout);
  h.set(it, DESC, desc);
  h.set(it, I, toSlot(i));
  h.set(it, N, toSlot(n));
  h.set(it, EXTRA, extra);
  h.setPtr(it, SRC, src);
  h.setPtr(it, FN, fn);
  h.setPtr(it, INNER, inner);
  h.setPtr(it, INNER2, inner2);
  return it;
}

export function isIterObject(rt: Runtime, p: Ptr): boolean {
  return p !== 0 && rt.heap.layoutOf(p) === state(rt).layout;
}

function tupleDesc(rt: Runtime, item: Type): { tupleLayout: number; tupleKinds: SlotKind[] } {
  const t = item.kind === "tuple" && item.elems.length ? item : { kind: "tuple" as const, elems: [item, item] };
  return { tupleLayout: rt.tupleLayout(t), tupleKinds: t.elems.map(reprOf) };
}

/**
 * A converter from a value of static type `t` (a Vec, array, Map, Range, String or Iter) to an
 * iterator object, for `for` loops and iterator natives. `mode` is the checker's ForExpr.iterKind.
 */
export function makeIter(rt: Runtime, t: Type, mode: string, _span: Span | null, itemHint?: Type): (v: Value) => Ptr {
  const h = rt.heap;
  let base = t;
  let viaRef = false;
  let mutRef = mode === "refMut";
  while (base.kind === "ref") {
    viaRef = true;
    if (base.mutable) mutRef = true;
    base = base.inner;
  }
  if (base.kind === "builtin" && (base.name === "Box" || base.name === "Gc") && base.args[0]) base = base.args[0];
  if (base.kind === "builtin" && base.name === "Iter") return (v) => v;
  if (base.kind === "builtin" && base.name === "Range") {
    const d = registerDesc(rt, { kind: "range", elem: base.args[0] ?? { kind: "int", name: "i64" }, elemKind: SlotKind.Scalar });
    return (v) => {
      // A 64-bit bound beyond 2^53 is a bigint, stored as its code (int64.ts).
      const a = fromSlot(h.get(v, 0));
      const b = fromSlot(h.get(v, 1));
      return newIter(rt, d, a, h.get(v, 2) ? succ(b) : b, 0, 0, 0, 0, 1);
    };
  }
  if (base.kind === "builtin" && base.name === "Slice") {
    const elem = base.args[0];
    const d = registerDesc(rt, { kind: mutRef && reprOf(elem) === SlotKind.Scalar ? "sliceMut" : "slice", elem, elemKind: reprOf(elem) });
    return (v) => newIter(rt, d, 0, 0, v);
  }
  if ((base.kind === "builtin" && base.name === "Vec") || base.kind === "array") {
    const elem = base.kind === "array" ? base.elem : base.args[0];
    const isArray = base.kind === "array";
    const kind: IterKind = mutRef && reprOf(elem) === SlotKind.Scalar ? "vecMut" : "vec";
    const d = registerDesc(rt, { kind, elem, elemKind: reprOf(elem), isArray });
    void viaRef;
    return (v) => newIter(rt, d, 0, isArray ? h.length(v) : -1, v);
  }
  if (base.kind === "builtin" && (base.name === "Map" || base.name === "LRUCache")) {
    const mt: Type = { kind: "builtin", name: "Map", args: base.args };
    const ops = getMapOps(rt, mt);
    const item: Type = itemHint ?? {
      kind: "tuple",
      elems: [
        { kind: "ref", mutable: false, inner: ops.keyType },
        { kind: "ref", mutable: mutRef, inner: ops.valType },
      ],
    };
    const d = registerDesc(rt, { kind: "mapPairs", elem: item, elemKind: SlotKind.Pointer, mapOps: ops, ...tupleDesc(rt, item) });
    const lru = base.name === "LRUCache";
    return (v) => newIter(rt, d, 0, 0, lru ? h.getPtr(v, 0) : v);
  }
  if (base.kind === "builtin" && base.name === "String") {
    const d = registerDesc(rt, { kind: "chars", elem: { kind: "char" }, elemKind: SlotKind.Scalar });
    return (v) => newIter(rt, d, 0, 0, v);
  }
  const user = base.kind === "adt" ? userIterators.get(rt)?.(base) : null;
  if (user) {
    // Wrapped, not copied: `for x in &mut counter` advances `counter` itself.
    const d = registerDesc(rt, { kind: "user", elem: user.item, elemKind: reprOf(user.item), userNext: user.next });
    return (v) => newIter(rt, d, 0, 0, v);
  }
  const d = registerDesc(rt, { kind: "empty", elem: t, elemKind: SlotKind.Scalar });
  return () => newIter(rt, d, 0, 0, 0);
}

/** The Vec a plain Vec iterator walks (0 for anything else: arrays, adapters, maps, ...). */
export function iteratedVec(rt: Runtime, it: Ptr): Ptr {
  const h = rt.heap;
  if (!isIterObject(rt, it)) return 0;
  const d = state(rt).descs[h.get(it, DESC)];
  return (d.kind === "vec" || d.kind === "vecMut") && !d.isArray ? h.getPtr(it, SRC) : 0;
}

/**
 * A `for` loop is done with iterator `it` (finished, or left by `break`, `return`, `?` or a
 * panic): a native iterator under it — directly or inside adapters — closes what it holds open
 * now rather than when the collector finds it dead. Runs no STARK code and never collects.
 */
export function closeIter(rt: Runtime, it: Ptr): void {
  if (!it || !isIterObject(rt, it)) return;
  const h = rt.heap;
  const d = state(rt).descs[h.get(it, DESC)];
  if (d.kind === "native") {
    d.nativeClose?.(h.get(it, EXTRA));
    return;
  }
  for (const slot of [SRC, INNER, INNER2]) {
    const inner = h.getPtr(it, slot);
    if (inner !== 0) closeIter(rt, inner);
  }
}

/** Advance the iterator in frame slot `slot`. */
export function iterNext(rt: Runtime, f: Frame, slot: number): Next {
  return next(rt, f[slot]);
}

/** The next item of iterator `it`, or DONE. May run STARK code (adapters): `it` is rooted here. */
export function next(rt: Runtime, it: Ptr): Next {
  const h = rt.heap;
  const d = state(rt).descs[h.get(it, DESC)];
  switch (d.kind) {
    case "empty":
      return DONE;
    case "native":
      return d.nativeNext!(h.get(it, EXTRA));
    case "user":
      return d.userNext!(h.getPtr(it, SRC));
    case "range":
    case "rangeRev": {
      const i = fromSlot(h.get(it, I));
      const n = fromSlot(h.get(it, N));
      if (d.kind === "range") {
        if (i >= n) return DONE;
        h.set(it, I, toSlot(advance(i, h.get(it, EXTRA))));
        return i;
      }
      // rangeRev: I counts down from n-1 to the start kept in EXTRA... step in SRC-less form.
      if (i < n) return DONE;
      h.set(it, I, toSlot(pred(i)));
      return i;
    }
    case "vec":
    case "vecMut":
    case "vecRev": {
      const src = h.getPtr(it, SRC);
      const i = h.get(it, I);
      const len = d.isArray ? h.length(src) : h.get(src, VEC_LEN);
      const data = d.isArray ? src : h.getPtr(src, VEC_DATA);
      if (d.kind === "vecRev") {
        const idx = len - 1 - i;
        if (idx < 0) return DONE;
        h.set(it, I, i + 1);
        return rt.load(data, idx, d.elemKind);
      }
      if (i >= len) return DONE;
      h.set(it, I, i + 1);
      if (d.kind === "vecMut") return rt.newPlace(data, i);
      return rt.load(data, i, d.elemKind);
    }
    case "mapKeys":
    case "mapValues":
    case "mapValuesMut":
    case "mapPairs": {
      const ops = d.mapOps!;
      const m = h.getPtr(it, SRC);
      let e = h.get(it, I);
      const used = ops.used(m);
      while (e < used && !ops.isLive(m, e)) e++;
      if (e >= used) {
        h.set(it, I, e);
        return DONE;
      }
      h.set(it, I, e + 1);
      if (d.kind === "mapKeys") return ops.keyAt(m, e);
      if (d.kind === "mapValues") return ops.valAt(m, e);
      if (d.kind === "mapValuesMut") {
        if (ops.vkind === SlotKind.Scalar) return rt.newPlace(h.getPtr(m, 3), e);
        return ops.valAt(m, e);
      }
      const k = ops.keyAt(m, e);
      const val = d.tupleKinds![1] === SlotKind.Pointer && ops.vkind === SlotKind.Scalar ? rt.newPlace(h.getPtr(m, 3), e) : ops.valAt(m, e);
      const base = rt.handles.length;
      rt.handles.push(ops.keys.kind === SlotKind.Pointer ? k : 0, d.tupleKinds![1] === SlotKind.Pointer ? val : 0);
      const tup = h.alloc(d.tupleLayout!);
      rt.store(tup, 0, d.tupleKinds![0], ops.keys.kind === SlotKind.Pointer ? rt.handles[base] : k);
      rt.store(tup, 1, d.tupleKinds![1], d.tupleKinds![1] === SlotKind.Pointer ? rt.handles[base + 1] : val);
      rt.handles.length = base;
      return tup;
    }
    case "slice":
    case "sliceMut": {
      const data = locateSlice(rt, h.getPtr(it, SRC));
      const i = h.get(it, I);
      if (i >= located.len) return DONE;
      h.set(it, I, i + 1);
      if (d.kind === "sliceMut") return rt.newPlace(data, located.start + i);
      return rt.load(data, located.start + i, d.elemKind);
    }
    case "windows":
    case "chunks": {
      const i = h.get(it, I);
      const n = h.get(it, N);
      const size = h.get(it, EXTRA);
      if (d.kind === "windows" ? i + size > n : i >= n) return DONE;
      h.set(it, I, d.kind === "windows" ? i + 1 : i + size);
      return newView(rt, h.getPtr(it, SRC), i, Math.min(size, n - i));
    }
    case "chars":
    case "bytes": {
      const s = h.getPtr(it, SRC);
      const i = h.get(it, I);
      const len = h.get(s, STR_LEN);
      if (i >= len) return DONE;
      const data = h.getPtr(s, STR_BYTES);
      const b0 = h.getByte(data, i);
      if (d.kind === "bytes") {
        h.set(it, I, i + 1);
        return b0;
      }
      let cp = b0;
      let size = 1;
      if (b0 >= 0xf0) {
        cp = ((b0 & 0x07) << 18) | ((h.getByte(data, i + 1) & 0x3f) << 12) | ((h.getByte(data, i + 2) & 0x3f) << 6) | (h.getByte(data, i + 3) & 0x3f);
        size = 4;
      } else if (b0 >= 0xe0) {
        cp = ((b0 & 0x0f) << 12) | ((h.getByte(data, i + 1) & 0x3f) << 6) | (h.getByte(data, i + 2) & 0x3f);
        size = 3;
      } else if (b0 >= 0xc0) {
        cp = ((b0 & 0x1f) << 6) | (h.getByte(data, i + 1) & 0x3f);
        size = 2;
      }
      h.set(it, I, i + size);
      return cp;
    }
    default:
      return nextAdapter(rt, it, d);
  }
}

/**
 * Runs `f` (a STARK call that may collect) while item `x` stays rooted; returns `f`'s result and
 * `x` as it is after the call (moved, if it is a managed object).
 */
function keepAcross(rt: Runtime, d: IterDesc, x: Value, f: () => Value): { result: Value; item: Value } {
  const ptr = d.elemKind === SlotKind.Pointer;
  rt.handles.push(ptr ? x : 0);
  const result = f();
  const item = ptr ? rt.handles.pop()! : (rt.handles.pop(), x);
  return { result, item };
}

function nextAdapter(rt: Runtime, it: Ptr, d: IterDesc): Next {
  const h = rt.heap;
  const base = rt.handles.length;
  rt.handles.push(it);
  const self = () => rt.handles[base];
  try {
    switch (d.kind) {
      case "map": {
        const x = next(rt, h.getPtr(self(), INNER));
        if (x === DONE) return DONE;
        return d.call!(h.getPtr(self(), FN), [x]);
      }
      case "filter": {
        for (;;) {
          const x = next(rt, h.getPtr(self(), INNER));
          if (x === DONE) return DONE;
          rt.handles.push(d.elemKind === SlotKind.Pointer ? x : 0);
          const keep = d.call!(h.getPtr(self(), FN), [x]);
          const y = d.elemKind === SlotKind.Pointer ? rt.handles.pop() : (rt.handles.pop(), x);
          if (keep) return y;
        }
      }
      case "filterMap": {
        for (;;) {
          const x = next(rt, h.getPtr(self(), INNER));
          if (x === DONE) return DONE;
          const opt = d.call!(h.getPtr(self(), FN), [x]);
          // Option: tag 1 = Some (prelude order None, Some); payload in slot 2 (after None's 0 fields: offset 1).
          if (h.get(opt, 0) === 1) return rt.load(opt, 1, d.elemKind);
        }
      }
      case "enumerate": {
        const x = next(rt, h.getPtr(self(), INNER));
        if (x === DONE) return DONE;
        const i = h.get(self(), I);
        h.set(self(), I, i + 1);
        const t = h.alloc(d.tupleLayout!);
        rt.store(t, 0, SlotKind.Scalar, i);
        rt.store(t, 1, d.tupleKinds![1], x);
        return t;
      }
      case "zip": {
        const x = next(rt, h.getPtr(self(), INNER));
        if (x === DONE) return DONE;
        rt.handles.push(d.tupleKinds![0] === SlotKind.Pointer ? x : 0);
        const y = next(rt, h.getPtr(self(), INNER2));
        const x2 = d.tupleKinds![0] === SlotKind.Pointer ? rt.handles.pop() : (rt.handles.pop(), x);
        if (y === DONE) return DONE;
        const t = h.alloc(d.tupleLayout!);
        rt.store(t, 0, d.tupleKinds![0], x2);
        rt.store(t, 1, d.tupleKinds![1], y);
        return t;
      }
      case "chain": {
        if (h.get(self(), I) === 0) {
          const x = next(rt, h.getPtr(self(), INNER));
          if (x !== DONE) return x;
          h.set(self(), I, 1);
        }
        return next(rt, h.getPtr(self(), INNER2));
      }
      case "take": {
        const left = h.get(self(), N);
        if (left <= 0) return DONE;
        h.set(self(), N, left - 1);
        return next(rt, h.getPtr(self(), INNER));
      }
      case "skip": {
        let skip = h.get(self(), N);
        while (skip > 0) {
          if (next(rt, h.getPtr(self(), INNER)) === DONE) return DONE;
          skip--;
          h.set(self(), N, skip);
        }
        return next(rt, h.getPtr(self(), INNER));
      }
      case "stepBy": {
        const first = h.get(self(), I) === 0;
        h.set(self(), I, 1);
        if (first) return next(rt, h.getPtr(self(), INNER));
        const step = h.get(self(), N);
        for (let k = 0; k < step - 1; k++) if (next(rt, h.getPtr(self(), INNER)) === DONE) return DONE;
        return next(rt, h.getPtr(self(), INNER));
      }
      case "cloned": {
        const x = next(rt, h.getPtr(self(), INNER));
        if (x === DONE) return DONE;
        return deepClone(rt, x, d.elem);
      }
      case "takeWhile": {
        if (h.get(self(), I) === 1) return DONE;
        const x = next(rt, h.getPtr(self(), INNER));
        if (x === DONE) return DONE;
        const y = keepAcross(rt, d, x, () => d.call!(h.getPtr(self(), FN), [x]));
        if (y.result) return y.item;
        h.set(self(), I, 1);
        return DONE;
      }
      case "skipWhile": {
        for (;;) {
          const x = next(rt, h.getPtr(self(), INNER));
          if (x === DONE || h.get(self(), I) === 1) return x;
          const y = keepAcross(rt, d, x, () => d.call!(h.getPtr(self(), FN), [x]));
          if (!y.result) {
            h.set(self(), I, 1);
            return y.item;
          }
        }
      }
      case "mapWhile": {
        if (h.get(self(), I) === 1) return DONE;
        const x = next(rt, h.getPtr(self(), INNER));
        if (x === DONE) return DONE;
        const opt = d.call!(h.getPtr(self(), FN), [x]);
        // Option: tag 1 = Some, payload in slot 1 (as filter_map).
        if (h.get(opt, 0) === 1) return rt.load(opt, 1, d.elemKind);
        h.set(self(), I, 1);
        return DONE;
      }
      case "inspect": {
        const x = next(rt, h.getPtr(self(), INNER));
        if (x === DONE) return DONE;
        return keepAcross(rt, d, x, () => d.call!(h.getPtr(self(), FN), [x])).item;
      }
      case "scan": {
        if (h.get(self(), I) === 1) return DONE;
        const x = next(rt, h.getPtr(self(), INNER));
        if (x === DONE) return DONE;
        // Allocation never collects, so `x` stays where it is until the call.
        const cell = h.getPtr(self(), INNER2);
        const state = d.stateKind === SlotKind.Scalar ? rt.newPlace(cell, 0) : h.getPtr(cell, 0);
        const opt = d.call!(h.getPtr(self(), FN), [state, x]);
        // Option: tag 1 = Some, payload in slot 1 (as filter_map).
        if (h.get(opt, 0) === 1) return rt.load(opt, 1, d.elemKind);
        h.set(self(), I, 1);
        return DONE;
      }
      case "cycle": {
        if (h.get(self(), I) === 0) {
          const x = next(rt, h.getPtr(self(), INNER));
          if (x !== DONE) {
            rt.vecPush(h.getPtr(self(), INNER2), d.elemKind, x, d.elem);
            return x;
          }
          h.set(self(), I, 1);
        }
        const seen = h.getPtr(self(), INNER2);
        const len = h.get(seen, VEC_LEN);
        if (len === 0) return DONE;
        const i = h.get(self(), N);
        h.set(self(), N, (i + 1) % len);
        const x = rt.load(h.getPtr(seen, VEC_DATA), i, d.elemKind);
        return d.cloneOnReplay ? deepClone(rt, x, d.elem) : x;
      }
      case "unwrapWhile": {
        if (h.getPtr(self(), FN) !== 0) return DONE;
        const x = next(rt, h.getPtr(self(), INNER));
        if (x === DONE) return DONE;
        const y = d.unwrap!(x);
        if (y === DONE) h.setPtr(self(), FN, x);
        return y;
      }
      case "peekable": {
        const held = h.get(self(), I);
        if (held === 2) return DONE;
        if (held === 1) {
          h.set(self(), I, 0);
          const ptr = d.elemKind === SlotKind.Pointer;
          const x = ptr ? h.getPtr(self(), INNER2) : h.get(self(), EXTRA);
          if (ptr) h.setPtr(self(), INNER2, 0);
          return x;
        }
        return next(rt, h.getPtr(self(), INNER));
      }
      case "flatMap": {
        for (;;) {
          const cur = h.getPtr(self(), INNER2);
          if (cur !== 0) {
            const y = next(rt, cur);
            if (y !== DONE) return y;
            h.setPtr(self(), INNER2, 0);
          }
          const x = next(rt, h.getPtr(self(), INNER));
          if (x === DONE) return DONE;
          const fn = h.getPtr(self(), FN);
          const v = fn !== 0 ? d.call!(fn, [x]) : x;
          h.setPtr(self(), INNER2, d.innerIter!(v));
        }
      }
    }
    return DONE;
  } finally {
    rt.handles.length = base;
  }
}

/**
 * `it.peek()`: the next item without taking it (kept in the peekable iterator), or DONE. Only a
 * `peekable()` iterator can peek; any other kind returns null.
 */
export function peek(rt: Runtime, it: Ptr): Next | null {
  const h = rt.heap;
  const d = state(rt).descs[h.get(it, DESC)];
  if (d.kind !== "peekable") return null;
  const ptr = d.elemKind === SlotKind.Pointer;
  const held = h.get(it, I);
  if (held === 2) return DONE;
  if (held === 1) return ptr ? h.getPtr(it, INNER2) : h.get(it, EXTRA);
  const base = rt.handles.length;
  rt.handles.push(it);
  try {
    const x = next(rt, h.getPtr(it, INNER));
    const self = rt.handles[base];
    if (x === DONE) {
      h.set(self, I, 2);
      return DONE;
    }
    h.set(self, I, 1);
    if (ptr) h.setPtr(self, INNER2, x);
    else h.set(self, EXTRA, x);
    return x;
  } finally {
    rt.handles.length = base;
  }
}
