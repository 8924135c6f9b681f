// Slices: `&v[1..3]`, `&mut v[..]`, `&arr[2..]`, `&[T]` parameters, and `&s[0..3]` of a String.
//
// A value of type `&[T]` / `&mut [T]` is one of three heap objects, told apart by layout:
//   - a Vec (a `&Vec<T>` coerced to `&[T]`, or `v.as_slice()`): all of its elements;
//   - a fixed array (`&[T; N]` coerced): all of its elements;
//   - a view, [target (Pointer), start, len (Scalars)]: `len` elements of `target` (a Vec or an
//     array, never another view) from `start`.
// A view points at the Vec itself rather than its element array, so the collector keeps the
// Vec alive through the view and the view reads the Vec's current storage; nothing is copied.
// The borrow checker keeps the Vec from changing length while a slice of it is live.
//
// `&s[a..b]` of a String is the text of those bytes as a new String (STARK types `str` as
// `String`), after Rust's checks: in range, in order, on char boundaries.

import { SlotKind, type Ptr } from "../../heap/api";
import type { Type } from "../check/types";
import type { Span } from "../syntax/ast";
import { newIter, makeIter, registerDesc } from "./iter";
import { itemOf, registerNatives, type NativeFactory } from "./natives";
import type { Frame, Runtime, Value } from "./runtime";
import { located, locateSlice, newView } from "./sliceview";
import { derefAll, reprOf } from "./typeinfo";
import { valueCompare } from "./values";

/**
 * The checked bounds of `[a..b]` (`a`/`b` null when not written) over `len` items, with Rust's
 * panics (`range end index 5 out of range for slice of length 3`).
 */
function rangeBounds(rt: Runtime, a: number | null, b: number | null, inclusive: boolean, len: number, span: Span): [number, number] {
  const start = a ?? 0;
  if (b === null) {
    if (start > len) rt.panic("P0103", `range start index ${start} out of range for slice of length ${len}`, span);
    return [start, len];
  }
  const end = inclusive ? b + 1 : b;
  if (start > end) rt.panic("P0103", `slice index starts at ${start} but ends at ${end}`, span);
  if (end > len) rt.panic("P0103", `range end index ${end} out of range for slice of length ${len}`, span);
  return [start, end];
}

/** `base[a..b]` of a Vec, array or slice: a view. */
function sliceRange(rt: Runtime, base: Ptr, a: number | null, b: number | null, inclusive: boolean, span: Span): Ptr {
  locateSlice(rt, base);
  const [start, end] = rangeBounds(rt, a, b, inclusive, located.len, span);
  return newView(rt, base, start, end - start);
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * `s[a..b]` of a String: a new String of those bytes, with Rust's panics (out of bounds, order,
 * char boundaries). Reads only the bytes it checks and copies: a loop slicing a long text
 * stays linear. The text is decoded only for a panic's message.
 */
function stringRange(rt: Runtime, s: Ptr, a: number | null, b: number | null, inclusive: boolean, span: Span): Ptr {
  const len = rt.strLen(s);
  const start = a ?? 0;
  const end = b === null ? len : inclusive ? b + 1 : b;
  if (start > end || !rt.strIsCharBoundary(s, start) || !rt.strIsCharBoundary(s, end)) stringRangePanic(rt, s, start, end, span);
  return rt.strSubstring(s, start, end);
}

function stringRangePanic(rt: Runtime, s: Ptr, start: number, end: number, span: Span): never {
  const text = rt.str(s);
  const bytes = encoder.encode(text);
  // Rust shows at most 256 bytes of the string, cut at a char boundary.
  let shown = text;
  if (bytes.length > 256) {
    let cut = 256;
    while ((bytes[cut] & 0xc0) === 0x80) cut--;
    shown = decoder.decode(bytes.subarray(0, cut)) + "[...]";
  }
  if (start > bytes.length) rt.panic("P0103", `start byte index ${start} is out of bounds of \`${shown}\``, span);
  if (end > bytes.length) rt.panic("P0103", `end byte index ${end} is out of bounds of \`${shown}\``, span);
  if (start > end) rt.panic("P0103", `begin > end (${start} > ${end}) when slicing \`${shown}\``, span);
  for (const [which, i] of [["start", start], ["end", end]] as const) {
    if (i < bytes.length && (bytes[i] & 0xc0) === 0x80) {
      let from = i;
      while ((bytes[from] & 0xc0) === 0x80) from--;
      let to = from + 1;
      while (to < bytes.length && (bytes[to] & 0xc0) === 0x80) to++;
      const ch = decoder.decode(bytes.subarray(from, to));
      rt.panic("P0103", `${which} byte index ${i} is not a char boundary; it is inside '${ch}' (bytes ${from}..${to}) of \`${shown}\``, span);
    }
  }
  throw new Error("stringRangePanic: the range was valid");
}

/** Compiled bounds of a range written in an index: each part evaluated in order. */
export interface RangeCode {
  start: ((f: Frame) => Value) | null;
  end: ((f: Frame) => Value) | null;
  inclusive: boolean;
}

/**
 * `obj[range]` as a value (the place a `&` or `&mut` borrows): a view of a Vec, array or slice,
 * or the new String of a String's bytes. `objType` is the indexed value's type after derefs.
 * `spill` is a pointer frame slot that holds the object while the bounds are computed (they
 * may collect), or -1.
 */
export function compileRangeIndex(rt: Runtime, objType: Type, obj: (f: Frame) => Value, range: RangeCode, spill: number, span: Span): (f: Frame) => Value {
  const isString = objType.kind === "builtin" && objType.name === "String";
  const cut = isString ? stringRange : sliceRange;
  const { start, end, inclusive } = range;
  return (f) => {
    let o: Ptr;
    let a: number | null;
    let b: number | null;
    if (spill >= 0) {
      f[spill] = obj(f);
      a = start ? start(f) : null;
      b = end ? end(f) : null;
      o = f[spill];
      f[spill] = undefined;
    } else {
      o = obj(f);
      a = start ? start(f) : null;
      b = end ? end(f) : null;
    }
    return cut(rt, o, a, b, inclusive, span);
  };
}

// ── natives: `impl<T> [T]` in the prelude ──


function checkIndex(rt: Runtime, i: number, len: number, span: Span): void {
  if (!(i >= 0 && i < len)) rt.indexPanic(len, i, span);
}

/** `s.windows(n)` / `s.chunks(n)`: an iterator of views; a size of 0 panics as in Rust. */
function runsOf(s: Parameters<NativeFactory>[0], kind: "windows" | "chunks") {
  const item: Type = { kind: "ref", mutable: false, inner: { kind: "builtin", name: "Slice", args: [itemOf(s.argTypes[0])] } };
  const d = registerDesc(s.rt, { kind, elem: item, elemKind: reprOf(item) });
  return (v: Value, size: number) => {
    if (size === 0) s.rt.panic("P0103", kind === "windows" ? "window size must be non-zero" : "chunk size must be non-zero", s.span);
    locateSlice(s.rt, v);
    return newIter(s.rt, d, 0, located.len, v, 0, 0, 0, size);
  };
}

/** `s.split_at(mid)` / `s.split_at_mut(mid)`: two views, `[..mid]` and `[mid..]`. */
function splitAt(s: Parameters<NativeFactory>[0]) {
  const tt = derefAll(s.retType) as Type & { kind: "tuple" };
  return (v: Value, mid: number) => {
    const rt = s.rt;
    locateSlice(rt, v);
    const len = located.len;
    if (mid > len) rt.panic("P0103", "mid > len", s.span);
    rt.handles.push(v);
    const left = newView(rt, v, 0, mid);
    rt.handles.push(left);
    const right = newView(rt, rt.handles[rt.handles.length - 2], mid, len - mid);
    rt.handles.push(right);
    const pair = rt.heap.alloc(rt.tupleLayout(tt));
    rt.heap.setPtr(pair, 1, rt.handles.pop()!);
    rt.heap.setPtr(pair, 0, rt.handles.pop()!);
    rt.handles.pop();
    return pair;
  };
}

const SLICE_NATIVES: Record<string, NativeFactory> = {
  "Slice::len": (s) => (v) => {
    locateSlice(s.rt, v);
    return located.len;
  },
  "Slice::swap": (s) => {
    const k = reprOf(itemOf(s.argTypes[0]));
    return (v, a, b) => {
      const rt = s.rt;
      const d = locateSlice(rt, v);
      const { start, len } = located;
      checkIndex(rt, a, len, s.span);
      checkIndex(rt, b, len, s.span);
      const x = rt.load(d, start + a, k);
      rt.store(d, start + a, k, rt.load(d, start + b, k));
      rt.store(d, start + b, k, x);
    };
  },
  "Slice::sort": (s) => {
    const elem = itemOf(s.argTypes[0]);
    const k = reprOf(elem);
    return (v) => {
      const rt = s.rt;
      const d = locateSlice(rt, v);
      const { start, len } = located;
      const vals: Value[] = [];
      for (let i = 0; i < len; i++) vals.push(rt.load(d, start + i, k));
      // Array.prototype.sort is stable, as Rust's `sort` is.
      vals.sort((a, b) => valueCompare(rt, a, b, elem));
      for (let i = 0; i < len; i++) rt.store(d, start + i, k, vals[i]);
    };
  },
  "Slice::sort_by": (s) => {
    const k = reprOf(itemOf(s.argTypes[0]));
    return (v, cmp) => {
      const rt = s.rt;
      // The comparator is STARK code and may collect: the slice, the closure and pointer
      // elements wait in the handle scope, and the slice is located again afterwards.
      const b = rt.handles.length;
      rt.handles.push(v, cmp);
      const d0 = locateSlice(rt, v);
      const { start, len } = located;
      const vals: Value[] = [];
      for (let i = 0; i < len; i++) vals.push(rt.load(d0, start + i, k));
      if (k === SlotKind.Pointer) rt.handles.push(...vals);
      const val = (i: number) => (k === SlotKind.Pointer ? rt.handles[b + 2 + i] : vals[i]);
      const order = [...Array(len).keys()];
      order.sort((x, y) => rt.heap.get(s.call(rt.handles[b + 1], [val(x), val(y)]), 0) - 1);
      const sorted = order.map(val);
      const d = locateSlice(rt, rt.handles[b]);
      for (let i = 0; i < len; i++) rt.store(d, located.start + i, k, sorted[i]);
      rt.handles.length = b;
    };
  },
  "Slice::split_at": (s) => splitAt(s),
  "Slice::split_at_mut": (s) => splitAt(s),
  "Slice::iter": (s) => {
    const mk = makeIter(s.rt, s.argTypes[0], "ref", s.span);
    return (v) => mk(v);
  },
  "Slice::iter_mut": (s) => {
    const mk = makeIter(s.rt, s.argTypes[0], "refMut", s.span);
    return (v) => mk(v);
  },
  "Slice::windows": (s) => runsOf(s, "windows"),
  "Slice::chunks": (s) => runsOf(s, "chunks"),
  "Vec::as_slice": () => (v) => v,
  "Vec::as_mut_slice": () => (v) => v,
};

registerNatives(SLICE_NATIVES);
