// Structural operations on values by static type: equality (`==`, derived PartialEq), ordering
// (`<`, `sort`, `max`), deep clone (`.clone()`, LANGUAGE.md §4.1.3) and the shallow copy a Copy
// aggregate needs when it is read by value.

import { fromSlot } from "./int64";
import { SlotKind } from "../../heap/api";
import type { Type } from "../check/types";
import type { Tensor } from "../tensor/api";
import { collectionEquals, reverseCompare } from "./collections";
import { getMapOps } from "./format";
import { Runtime, Value, VEC_DATA, VEC_LEN } from "./runtime";
import { located, locateSlice } from "./sliceview";
import { reprOf } from "./typeinfo";

/**
 * A program's own `impl PartialEq` / `impl Ord` / `impl PartialOrd` (user_order.ts): equality and
 * order of a user type go through them everywhere — operators, `sort`, `max`, `contains`,
 * `dedup`, Map keys, and a derived comparison of a type that holds one. `null` when the type has
 * no such impl (then the comparison is structural). `cmp` gives NaN for a `partial_cmp` of `None`.
 */
export interface UserOrder {
  eq(t: Type & { kind: "adt" }, a: Value, b: Value): boolean | null;
  cmp(t: Type & { kind: "adt" }, a: Value, b: Value): number | null;
}
const userOrders = new WeakMap<Runtime, UserOrder>();
/** Whether any runtime has a UserOrder: when none has, comparisons skip the lookup. */
let anyUserOrder = false;

export function setUserOrder(rt: Runtime, order: UserOrder): void {
  userOrders.set(rt, order);
  anyUserOrder = true;
}

/** Object fields of an aggregate value of type `t` as [kind, type] per slot (tag excluded). */
function aggregateSlots(rt: Runtime, v: Value, t: Type): { start: number; kinds: SlotKind[]; types: Type[] } | null {
  if (t.kind === "tuple") return { start: 0, kinds: t.elems.map(reprOf), types: t.elems };
  if (t.kind === "adt") {
    const l = rt.adtLayout(t);
    if (t.decl.kind === "StructDecl") return { start: 0, kinds: l.kinds, types: l.fieldTypes[0] };
    const tag = rt.heap.get(v, 0);
    const start = l.offsets[tag];
    const types = l.fieldTypes[tag];
    return { start, kinds: l.kinds.slice(start, start + types.length), types };
  }
  return null;
}

/** The elements a slice value (view, Vec or array) shows, read before comparing (which may nest). */
function sliceItems(rt: Runtime, p: Value, elem: Type): Value[] {
  const data = locateSlice(rt, p);
  const { start, len } = located;
  const k = reprOf(elem);
  const out: Value[] = [];
  for (let i = 0; i < len; i++) out.push(rt.load(data, start + i, k));
  return out;
}

export function valueEquals(rt: Runtime, a: Value, b: Value, t: Type): boolean {
  switch (t.kind) {
    case "int":
    case "float":
    case "char":
      return a === b;
    case "bool":
      return !a === !b;
    case "tuple":
      if (t.elems.length === 0) return true;
      break;
    case "ref":
      if (t.mutable && reprOf(t.inner) === SlotKind.Scalar) {
        return valueEquals(rt, readPlace(rt, a), readPlace(rt, b), t.inner);
      }
      return valueEquals(rt, a, b, t.inner);
    case "tensor":
      return a === b;
    case "builtin":
      if (t.name === "String") return rt.strEquals(a, b);
      if (t.name === "Duration") return a === b;
      if (t.name === "Slice") {
        const [xs, ys] = [sliceItems(rt, a, t.args[0]), sliceItems(rt, b, t.args[0])];
        return xs.length === ys.length && xs.every((x, i) => valueEquals(rt, x, ys[i], t.args[0]));
      }
      if (t.name === "Vec") {
        const h = rt.heap;
        const n = h.get(a, VEC_LEN);
        if (n !== h.get(b, VEC_LEN)) return false;
        const k = reprOf(t.args[0]);
        for (let i = 0; i < n; i++) {
          if (!valueEquals(rt, rt.load(h.getPtr(a, VEC_DATA), i, k), rt.load(h.getPtr(b, VEC_DATA), i, k), t.args[0])) return false;
        }
        return true;
      }
      if (t.name === "Box" || t.name === "Gc") {
        const inner = t.args[0];
        if (reprOf(inner) === SlotKind.Pointer) return valueEquals(rt, a, b, inner);
        return valueEquals(rt, rt.load(a, 0, reprOf(inner)), rt.load(b, 0, reprOf(inner)), inner);
      }
      if (t.name === "Map") {
        const ops = getMapOps(rt, t);
        if (ops.len(a) !== ops.len(b)) return false;
        for (const e of ops.entries(a)) {
          const j = ops.find(b, ops.keyAt(a, e));
          if (j < 0 || !valueEquals(rt, ops.valAt(a, e), ops.valAt(b, j), ops.valType)) return false;
        }
        return true;
      }
      return a === b;
  }
  if (t.kind === "array") {
    const h = rt.heap;
    const n = h.length(a);
    if (n !== h.length(b)) return false;
    const k = reprOf(t.elem);
    for (let i = 0; i < n; i++) if (!valueEquals(rt, rt.load(a, i, k), rt.load(b, i, k), t.elem)) return false;
    return true;
  }
  if (t.kind === "adt" && t.decl.span.file.name === "<prelude>") {
    const std = collectionEquals(rt, a, b, t);
    if (std !== null) return std;
  }
  if (t.kind === "adt" && anyUserOrder) {
    const user = userOrders.get(rt)?.eq(t, a, b);
    if (user != null) return user;
  }
  if (t.kind === "adt" && t.decl.kind === "EnumDecl" && rt.heap.get(a, 0) !== rt.heap.get(b, 0)) return false;
  const s = aggregateSlots(rt, a, t);
  if (!s) return a === b;
  for (let i = 0; i < s.types.length; i++) {
    const k = s.kinds[i];
    if (!valueEquals(rt, rt.load(a, s.start + i, k), rt.load(b, s.start + i, k), s.types[i])) return false;
  }
  return true;
}

/** -1, 0 or 1 (NaN compares as 0 here; `<` on floats is compiled directly). */
export function valueCompare(rt: Runtime, a: Value, b: Value, t: Type): number {
  switch (t.kind) {
    case "int":
      // A 64-bit value may be a bigint (int64.ts); JS orders a number against a bigint exactly.
      return a < b ? -1 : a > b ? 1 : 0;
    case "float":
    case "char":
    case "bool": {
      const x = +a;
      const y = +b;
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case "ref":
      if (t.mutable && reprOf(t.inner) === SlotKind.Scalar) return valueCompare(rt, readPlace(rt, a), readPlace(rt, b), t.inner);
      return valueCompare(rt, a, b, t.inner);
    case "builtin":
      if (t.name === "String") return rt.strCompare(a, b);
      if (t.name === "Duration") return a < b ? -1 : a > b ? 1 : 0;
      if (t.name === "Slice") {
        const [xs, ys] = [sliceItems(rt, a, t.args[0]), sliceItems(rt, b, t.args[0])];
        for (let i = 0; i < Math.min(xs.length, ys.length); i++) {
          const c = valueCompare(rt, xs[i], ys[i], t.args[0]);
          if (c) return c;
        }
        return xs.length < ys.length ? -1 : xs.length > ys.length ? 1 : 0;
      }
      if (t.name === "Vec") {
        const h = rt.heap;
        const n = h.get(a, VEC_LEN);
        const m = h.get(b, VEC_LEN);
        const k = reprOf(t.args[0]);
        for (let i = 0; i < Math.min(n, m); i++) {
          const c = valueCompare(rt, rt.load(h.getPtr(a, VEC_DATA), i, k), rt.load(h.getPtr(b, VEC_DATA), i, k), t.args[0]);
          if (c) return c;
        }
        return n < m ? -1 : n > m ? 1 : 0;
      }
      if (t.name === "Box" || t.name === "Gc") {
        const inner = t.args[0];
        if (reprOf(inner) === SlotKind.Pointer) return valueCompare(rt, a, b, inner);
        return valueCompare(rt, rt.load(a, 0, reprOf(inner)), rt.load(b, 0, reprOf(inner)), inner);
      }
      return 0;
    case "array": {
      const h = rt.heap;
      const n = h.length(a);
      const m = h.length(b);
      const k = reprOf(t.elem);
      for (let i = 0; i < Math.min(n, m); i++) {
        const c = valueCompare(rt, rt.load(a, i, k), rt.load(b, i, k), t.elem);
        if (c) return c;
      }
      return n < m ? -1 : n > m ? 1 : 0;
    }
  }
  if (t.kind === "adt" && t.decl.span.file.name === "<prelude>") {
    const std = reverseCompare(rt, a, b, t);
    if (std !== null) return std;
  }
  if (t.kind === "adt" && anyUserOrder) {
    const user = userOrders.get(rt)?.cmp(t, a, b);
    if (user != null) return user;
  }
  if (t.kind === "adt" && t.decl.kind === "EnumDecl") {
    const ta = rt.heap.get(a, 0);
    const tb = rt.heap.get(b, 0);
    if (ta !== tb) return ta < tb ? -1 : 1;
  }
  const s = aggregateSlots(rt, a, t);
  if (!s) return 0;
  for (let i = 0; i < s.types.length; i++) {
    const k = s.kinds[i];
    const c = valueCompare(rt, rt.load(a, s.start + i, k), rt.load(b, s.start + i, k), s.types[i]);
    if (c) return c;
  }
  return 0;
}

export function readPlace(rt: Runtime, place: Value): Value {
  const h = rt.heap;
  return fromSlot(h.get(h.getPtr(place, 0), h.get(place, 1)));
}

/** Shallow copy of a managed aggregate (a Copy tuple/array/struct read by value). */
export function shallowCopy(rt: Runtime, p: Value): Value {
  const h = rt.heap;
  if (!p) return p;
  rt.handles.push(p);
  const layout = h.layoutOf(p);
  const n = h.length(p);
  const isArray = !rt.isFixedLayout(layout);
  const q = isArray ? h.allocArray(layout, n) : h.alloc(layout);
  p = rt.handles.pop();
  // Not `set` slot by slot: q may be in the old generation (allocated with the nursery full),
  // and pointers copied into it need the write barrier.
  if (h.copySlots) h.copySlots(q, p);
  else for (let i = 0; i < n; i++) h.set(q, i, h.get(p, i));
  return q;
}

/**
 * The slot kinds of tuple, array, struct or enum object `v` and the type of each slot's value
 * (null for an enum's tag and for the slots of its other variants).
 */
function slotTypes(rt: Runtime, v: Value, t: Type & { kind: "tuple" | "array" | "adt" }): { kinds: SlotKind[]; types: (Type | null)[] } {
  if (t.kind === "tuple") return { kinds: t.elems.map(reprOf), types: t.elems };
  if (t.kind === "array") {
    const n = rt.heap.length(v);
    return { kinds: new Array(n).fill(reprOf(t.elem)), types: new Array(n).fill(t.elem) };
  }
  const l = rt.adtLayout(t);
  if (t.decl.kind === "StructDecl") return { kinds: l.kinds, types: l.fieldTypes[0] };
  const types: (Type | null)[] = new Array(l.kinds.length).fill(null);
  const tag = rt.heap.get(v, 0);
  l.fieldTypes[tag].forEach((ft, i) => (types[l.offsets[tag] + i] = ft));
  return { kinds: l.kinds, types };
}

/** `.clone()`: a deep copy of what the value owns (tensors copy their data; `Gc` handles are shared). */
export function deepClone(rt: Runtime, v: Value, t: Type): Value {
  const h = rt.heap;
  switch (t.kind) {
    case "int":
    case "float":
    case "bool":
    case "char":
    case "never":
      return v;
    case "ref":
      // Cloning through a shared reference clones the referent (`(&x).clone()` gives an owned T).
      if (t.mutable && reprOf(t.inner) === SlotKind.Scalar) return readPlace(rt, v);
      return deepClone(rt, v, t.inner);
    case "tensor":
      return v ? (v as Tensor).clone() : v;
    case "fn":
      return v;
    case "builtin": {
      if (t.name === "Gc" || t.name === "Duration") return v;
      if (t.name === "String") return rt.strClone(v);
      if (t.name === "Vec") {
        const elem = t.args[0];
        const k = reprOf(elem);
        const base = rt.handles.length;
        rt.handles.push(v);
        const n = h.get(v, VEC_LEN);
        rt.handles.push(rt.newVec(t, elem, n));
        for (let i = 0; i < n; i++) {
          const x = deepClone(rt, rt.load(h.getPtr(rt.handles[base], VEC_DATA), i, k), elem);
          rt.vecPush(rt.handles[base + 1], k, x, elem);
        }
        const out = rt.handles[base + 1];
        rt.handles.length = base;
        return out;
      }
      if (t.name === "Map") {
        const ops = getMapOps(rt, t);
        const base = rt.handles.length;
        rt.handles.push(v, ops.create(ops.len(v)));
        for (const e of ops.entries(rt.handles[base])) {
          const src = rt.handles[base];
          const k = deepClone(rt, ops.keyAt(src, e), ops.keyType);
          rt.handles.push(ops.keyType.kind === "builtin" ? k : 0);
          const val = deepClone(rt, ops.valAt(rt.handles[base], e), ops.valType);
          const kk = ops.keys.kind === SlotKind.Pointer ? rt.handles.pop() : (rt.handles.pop(), k);
          ops.insert(rt.handles[base + 1], kk, val);
        }
        const out = rt.handles[base + 1];
        rt.handles.length = base;
        return out;
      }
      if (t.name === "Box") {
        const inner = t.args[0];
        if (reprOf(inner) === SlotKind.Pointer) return deepClone(rt, v, inner);
        return rt.newCell(reprOf(inner), deepClone(rt, rt.load(v, 0, reprOf(inner)), inner));
      }
      return v;
    }
    case "tuple":
    case "array":
    case "adt": {
      if (t.kind === "tuple" && t.elems.length === 0) return v;
      const layout = h.layoutOf(v);
      const n = h.length(v);
      const base = rt.handles.length;
      rt.handles.push(v);
      const isArray = t.kind === "array";
      rt.handles.push(isArray ? h.allocArray(layout, n) : h.alloc(layout));
      const { kinds, types } = slotTypes(rt, v, t);
      for (let i = 0; i < n; i++) {
        const ft = types[i];
        const x = rt.load(rt.handles[base], i, kinds[i]);
        rt.store(rt.handles[base + 1], i, kinds[i], ft ? deepClone(rt, x, ft) : x);
      }
      const out = rt.handles[base + 1];
      rt.handles.length = base;
      return out;
    }
    default:
      return v;
  }
}

/**
 * Whether a value of type `t` can own a tensor inside managed objects (a field, an element, a
 * variant's payload): what `dropTensors` must walk. Not through `Gc` (shared) or references.
 */
export function ownsTensors(rt: Runtime, t: Type, seen: Set<Type> = new Set()): boolean {
  switch (t.kind) {
    case "tensor":
      return true;
    case "tuple":
      return t.elems.some((e) => ownsTensors(rt, e, seen));
    case "array":
      return ownsTensors(rt, t.elem, seen);
    case "builtin":
      if (t.name === "Gc") return false;
      return t.args.some((a) => ownsTensors(rt, a, seen));
    case "adt": {
      if (seen.has(t)) return false;
      seen.add(t);
      return rt.adtLayout(t).fieldTypes.some((fs) => fs.some((f) => ownsTensors(rt, f, seen)));
    }
    default:
      return false;
  }
}

/**
 * Frees every tensor value `v` owns, now: a value given to `drop` or discarded by a statement
 * has no other owner, and LANGUAGE.md §6 frees tensor storage when its owner drops it (the
 * collector would free it only at the next collection). Freed tensors stay in their slots; the
 * collector's later release of them is a no-op.
 */
export function dropTensors(rt: Runtime, v: Value, t: Type): void {
  if (v === undefined || v === null || v === 0) return;
  const h = rt.heap;
  switch (t.kind) {
    case "tensor":
      rt.freeTensor(v as Tensor);
      return;
    case "builtin": {
      if (t.name === "Vec") {
        const elem = t.args[0];
        const k = reprOf(elem);
        const data = h.getPtr(v, VEC_DATA);
        const n = h.get(v, VEC_LEN);
        for (let i = 0; i < n; i++) dropTensors(rt, rt.load(data, i, k), elem);
      } else if (t.name === "Box") {
        const inner = t.args[0];
        const k = reprOf(inner);
        dropTensors(rt, k === SlotKind.Pointer ? v : rt.load(v, 0, k), inner);
      } else if (t.name === "Map") {
        const ops = getMapOps(rt, t);
        for (const e of ops.entries(v)) {
          dropTensors(rt, ops.keyAt(v, e), ops.keyType);
          dropTensors(rt, ops.valAt(v, e), ops.valType);
        }
      }
      return;
    }
    case "tuple":
    case "array":
    case "adt": {
      const { kinds, types } = slotTypes(rt, v, t);
      for (let i = 0; i < types.length; i++) {
        const ft = types[i];
        if (ft && ownsTensors(rt, ft)) dropTensors(rt, rt.load(v, i, kinds[i]), ft);
      }
      return;
    }
  }
}
