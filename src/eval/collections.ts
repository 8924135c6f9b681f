// What the standard collections the prelude writes in STARK (`HashSet`, `BTreeMap`, `BTreeSet`,
// `VecDeque`, `BinaryHeap`, and `std::cmp::Reverse`; stdlib/prelude.stark, section
// std::collections) need from the evaluator, where their fields are not what Rust compares or
// shows:
//
// * `{:?}`: Rust shows their contents — `{1, 2}` for a set, `{"a": 1}` for a map (both sorted for
//   the B-trees), `[1, 2]` for a deque front to back and for a heap in its internal order.
// * `==`: a BTreeMap/BTreeSet compares its entries (not its key list), a VecDeque its values in
//   order (not how they are split between its two halves).
// * order: `Reverse(a) < Reverse(b)` is `b < a`.
//
// The last two are here rather than as `impl PartialEq` / `impl Ord` in the prelude: a STARK impl
// of those traits makes every comparison of every program ask for user impls first.

import { Ptr } from "../../heap/api";
import type { Type } from "../check/types";
import { formatValue, getMapOps } from "./format";
import { Runtime, Value, VEC_DATA, VEC_LEN } from "./runtime";
import { reprOf } from "./typeinfo";
import { valueCompare, valueEquals } from "./values";

type Adt = Type & { kind: "adt" };

const COLLECTIONS = new Set(["HashSet", "BTreeMap", "BTreeSet", "VecDeque", "BinaryHeap"]);

/** The prelude collection this struct type is, or null for any other type. */
export function collectionName(t: Type): string | null {
  if (t.kind !== "adt" || t.decl.kind !== "StructDecl" || t.decl.span.file.name !== "<prelude>") return null;
  return COLLECTIONS.has(t.decl.name.name) ? t.decl.name.name : null;
}

/** A field of a prelude collection struct, with its type. */
function field(rt: Runtime, p: Ptr, t: Adt, i: number): { v: Value; t: Type } {
  const l = rt.adtLayout(t);
  return { v: rt.load(p, i, l.kinds[i]), t: l.fieldTypes[0][i] };
}

/** The live entries of a `Map`, as (key, value) pairs with their types, in insertion order. */
function mapEntries(rt: Runtime, m: Ptr, mapType: Type): { keys: Value[]; vals: Value[]; kt: Type; vt: Type } {
  const ops = getMapOps(rt, mapType);
  const keys: Value[] = [];
  const vals: Value[] = [];
  for (const e of ops.entries(m)) {
    keys.push(ops.keyAt(m, e));
    vals.push(ops.valAt(m, e));
  }
  return { keys, vals, kt: ops.keyType, vt: ops.valType };
}

/** A BTreeMap's entries sorted by key (its `order` may be stale; the `Map` is the truth). */
function sortedEntries(rt: Runtime, p: Ptr, t: Adt): { keys: Value[]; vals: Value[]; kt: Type; vt: Type } {
  const m = field(rt, p, t, 0);
  const es = mapEntries(rt, m.v, m.t);
  const idx = es.keys.map((_, i) => i).sort((a, b) => valueCompare(rt, es.keys[a], es.keys[b], es.kt));
  return { keys: idx.map((i) => es.keys[i]), vals: idx.map((i) => es.vals[i]), kt: es.kt, vt: es.vt };
}

function vecItems(rt: Runtime, v: Ptr, vecType: Type): { items: Value[]; elem: Type } {
  const elem = (vecType as { args: Type[] }).args[0];
  const k = reprOf(elem);
  const h = rt.heap;
  const n = h.get(v, VEC_LEN);
  const items: Value[] = [];
  for (let i = 0; i < n; i++) items.push(rt.load(h.getPtr(v, VEC_DATA), i, k));
  return { items, elem };
}

/** Rust's Debug text of a prelude collection, or null if `t` is not one. */
export function collectionDebug(rt: Runtime, p: Value, t: Adt, precision: number | null): string | null {
  const name = collectionName(t);
  if (!name) return null;
  const show = (v: Value, ty: Type) => formatValue(rt, v, ty, true, precision);
  switch (name) {
    case "HashSet": {
      const m = field(rt, p, t, 0);
      const es = mapEntries(rt, m.v, m.t);
      return `{${es.keys.map((k) => show(k, es.kt)).join(", ")}}`;
    }
    case "BTreeMap": {
      const es = sortedEntries(rt, p, t);
      return `{${es.keys.map((k, i) => `${show(k, es.kt)}: ${show(es.vals[i], es.vt)}`).join(", ")}}`;
    }
    case "BTreeSet": {
      const inner = field(rt, p, t, 0);
      const es = sortedEntries(rt, inner.v, inner.t as Adt);
      return `{${es.keys.map((k) => show(k, es.kt)).join(", ")}}`;
    }
    case "VecDeque": {
      // `head` holds the front values reversed, `tail` the rest in order.
      const head = field(rt, p, t, 0);
      const tail = field(rt, p, t, 1);
      const f = vecItems(rt, head.v, head.t);
      const b = vecItems(rt, tail.v, tail.t);
      return `[${[...f.items.reverse(), ...b.items].map((x) => show(x, f.elem)).join(", ")}]`;
    }
    default: {
      const data = field(rt, p, t, 0);
      const d = vecItems(rt, data.v, data.t);
      return `[${d.items.map((x) => show(x, d.elem)).join(", ")}]`;
    }
  }
}

/** `==` of a prelude collection whose fields are not its contents; null for any other type. */
export function collectionEquals(rt: Runtime, a: Value, b: Value, t: Adt): boolean | null {
  const name = collectionName(t);
  if (name === "BTreeMap") {
    // The entries are the `Map` (order-insensitive equality); `order` is bookkeeping.
    const m = field(rt, a, t, 0);
    return valueEquals(rt, m.v, field(rt, b, t, 0).v, m.t);
  }
  if (name === "VecDeque") {
    const items = (p: Ptr) => {
      const head = field(rt, p, t, 0);
      const tail = field(rt, p, t, 1);
      const h = vecItems(rt, head.v, head.t);
      return { items: [...h.items.reverse(), ...vecItems(rt, tail.v, tail.t).items], elem: h.elem };
    };
    const x = items(a);
    const y = items(b);
    return x.items.length === y.items.length && x.items.every((v, i) => valueEquals(rt, v, y.items[i], x.elem));
  }
  return null; // HashSet, BTreeSet (through its BTreeMap), BinaryHeap: structural
}

/** The order of `std::cmp::Reverse<T>` (the inner values' order, reversed); null for other types. */
export function reverseCompare(rt: Runtime, a: Value, b: Value, t: Adt): number | null {
  if (t.decl.name.name !== "Reverse" || t.decl.kind !== "StructDecl") return null;
  const inner = field(rt, a, t, 0);
  return valueCompare(rt, field(rt, b, t, 0).v, inner.v, inner.t);
}
