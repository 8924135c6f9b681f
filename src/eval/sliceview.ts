// The slice view object and how to find the elements behind any slice value (see slices.ts).
//
// A value of type `&[T]` / `&mut [T]` is a view, a Vec or a fixed array; `locateSlice` answers
// for all three. Kept apart from slices.ts so the iterators (iter.ts) can read slices without an
// import cycle.

import { Ptr, SlotKind } from "../../heap/api";
import type { Span } from "../syntax/ast";
import { Runtime, VEC_DATA, VEC_LEN } from "./runtime";

const VIEW_TARGET = 0;
const VIEW_START = 1;
const VIEW_LEN = 2;

const viewLayouts = new WeakMap<Runtime, number>();

// The last runtime asked about, and its view layout: one comparison on the hot path instead of a
// WeakMap lookup (a process normally has one runtime).
let lastRt: Runtime | null = null;
let lastId = -1;

function viewLayout(rt: Runtime): number {
  if (rt === lastRt) return lastId;
  let id = viewLayouts.get(rt);
  if (id === undefined) {
    id = rt.fixed("slice view", [SlotKind.Pointer, SlotKind.Scalar, SlotKind.Scalar], null);
    viewLayouts.set(rt, id);
  }
  lastRt = rt;
  lastId = id;
  return id;
}

/** Where the last `locateSlice` found the elements: `data[start .. start + len)`. */
export const located = { start: 0, len: 0 };

/**
 * The element array behind a slice value (a view, a Vec or an array), with the window into it
 * in `located`. Reads only: never allocates, so the pointer stays valid until the next safepoint.
 */
export function locateSlice(rt: Runtime, p: Ptr): Ptr {
  const h = rt.heap;
  const layout = h.layoutOf(p);
  if (layout === viewLayout(rt)) {
    const target = h.getPtr(p, VIEW_TARGET);
    const data = storageOf(rt, target);
    located.start = h.get(p, VIEW_START);
    located.len = h.get(p, VIEW_LEN);
    return data;
  }
  const data = storageOf(rt, p);
  located.start = 0;
  return data;
}

/** A Vec's element array or an array itself; sets `located.len` to the whole length. */
function storageOf(rt: Runtime, p: Ptr): Ptr {
  const h = rt.heap;
  if (!rt.isFixedLayout(h.layoutOf(p))) {
    located.len = h.length(p);
    return p;
  }
  located.len = h.get(p, VEC_LEN);
  return h.getPtr(p, VEC_DATA);
}

/** A view of `len` elements of slice value `base` from its element `offset` (views never nest). */
export function newView(rt: Runtime, base: Ptr, offset: number, len: number): Ptr {
  const h = rt.heap;
  let target = base;
  let start = offset;
  if (h.layoutOf(base) === viewLayout(rt)) {
    target = h.getPtr(base, VIEW_TARGET);
    start += h.get(base, VIEW_START);
  }
  rt.handles.push(target);
  const v = h.alloc(viewLayout(rt));
  target = rt.handles.pop()!;
  h.setPtr(v, VIEW_TARGET, target);
  h.set(v, VIEW_START, start);
  h.set(v, VIEW_LEN, len);
  return v;
}

/** Element `i` of a slice of scalars, bounds-checked against the slice (the JavaScript tier's `xs[i]`). */
export function sliceScalarAt(rt: Runtime, p: Ptr, i: number, span: Span): number {
  const data = locateSlice(rt, p);
  if (!(i >= 0 && i < located.len)) rt.indexPanic(located.len, i, span);
  return rt.heap.get(data, located.start + i);
}
