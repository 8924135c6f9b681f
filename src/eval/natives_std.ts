// Natives of the standard-library breadth Rust programs reach for: `std::mem::{swap, replace}`, `std::env::args`,
// `Map::entry` and its `map::Entry` methods, and the `Vec` methods `drain`, `split_off`,
// `binary_search`, `swap_remove`. Registered with `registerNatives` like the ML library's; the
// prelude (`stdlib/prelude.stark`) declares them.
//
// What a `&mut T` is at run time decides how these work (see `compile.ts` `compileRef`):
// * T a scalar (numbers, bool, char, Duration): a place object `[target, index]`;
// * T managed (String, Vec, Map, struct, enum, tuple, array, Box of a managed value): the
//   object itself — so swapping or replacing the value behind it exchanges the objects'
//   contents, slot by slot (objects of one static type have one layout);
// * T a tensor: the `Tensor` object (not exchanged here: see `tensorsUnsupported`).
// `swap`/`replace` of variables and fields never get here: the compiler rebinds them
// (`Compiler.memExchange`), whatever their type.

import { Ptr, SlotKind } from "../../heap/api";
import type { Type } from "../check/types";
import { getMapOps } from "./format";
import { makeIter } from "./iter";
import { NativeFactory, NativeSite, registerNatives, stringVec } from "./natives";
import { Runtime, STR_BYTES, STR_HASH, STR_LEN, Value, VEC_DATA, VEC_ITERATING, VEC_LEN } from "./runtime";
import { derefAll, reprOf } from "./typeinfo";
import { valueCompare } from "./values";

const N: Record<string, NativeFactory> = {};
const UNIT: Type = { kind: "tuple", elems: [] };
const I64: Type = { kind: "int", name: "i64" };

/** `T` of a `&mut T` / `&T` argument type. */
function pointee(t: Type | undefined): Type {
  return t && t.kind === "ref" ? t.inner : (t ?? UNIT);
}

/** The first type argument of a builtin or ADT type behind references. */
function typeArg(t: Type | undefined, i = 0): Type {
  const b = derefAll(t ?? UNIT);
  if (b.kind === "builtin" || b.kind === "adt") return b.args[i] ?? I64;
  return I64;
}

/**
 * The slot kinds of a managed object of static type `t`, for exchanging contents; null when
 * contents cannot stand for the value (a shared `Gc` handle or a reference: exchanging the
 * objects behind them would change what other holders see).
 */
function contentKinds(rt: Runtime, t: Type, p: Ptr): SlotKind[] | null {
  switch (t.kind) {
    case "adt":
      return rt.adtLayout(t).kinds;
    case "tuple":
      return t.elems.map(reprOf);
    case "array":
      return new Array<SlotKind>(rt.heap.length(p)).fill(reprOf(t.elem));
    case "builtin":
      switch (t.name) {
        case "String":
          return STRING_KINDS;
        case "Vec":
          return VEC_KINDS;
        case "Map":
          return MAP_KINDS;
        case "LRUCache":
          return [SlotKind.Pointer, SlotKind.Scalar];
        case "Box": {
          // A Box of a managed value is that value; of a scalar or tensor, a one-slot cell.
          const inner = t.args[0] ?? UNIT;
          return reprOf(inner) === SlotKind.Pointer ? contentKinds(rt, inner, p) : [reprOf(inner)];
        }
        default:
          return null;
      }
    default:
      return null;
  }
}
const STRING_KINDS: SlotKind[] = [];
STRING_KINDS[STR_LEN] = SlotKind.Scalar;
STRING_KINDS[STR_BYTES] = SlotKind.Pointer;
STRING_KINDS[STR_HASH] = SlotKind.Scalar;
const VEC_KINDS: SlotKind[] = [];
VEC_KINDS[VEC_LEN] = SlotKind.Scalar;
VEC_KINDS[VEC_DATA] = SlotKind.Pointer;
VEC_KINDS[VEC_ITERATING] = SlotKind.Scalar;
const MAP_KINDS = [SlotKind.Scalar, SlotKind.Scalar, SlotKind.Pointer, SlotKind.Pointer, SlotKind.Pointer, SlotKind.Pointer];

/** Slot kinds for exchanging the contents of `a` and `b`, or a panic saying why they cannot be. */
function exchangeKinds(s: NativeSite, t: Type, a: Ptr, b: Ptr): SlotKind[] {
  const h = s.rt.heap;
  const kinds = contentKinds(s.rt, t, a);
  if (kinds && h.layoutOf(a) === h.layoutOf(b) && h.length(a) === h.length(b)) return kinds;
  const what = t.kind === "builtin" && t.name === "Gc" ? "`Gc` handles" : t.kind === "ref" ? "references" : "values of different concrete types";
  return s.rt.panic("P0105", `\`${s.name}\` cannot exchange ${what} behind references or in elements yet; exchange the variables or fields that hold them (\`std::mem::swap(&mut x, &mut y)\`)`, s.span);
}

/** The tensor fields of a managed value hold handles; moving a value between objects keeps them. */
function loadAll(rt: Runtime, p: Ptr, kinds: SlotKind[]): Value[] {
  return kinds.map((k, i) => (k === SlotKind.Tensor ? rt.heap.get(p, i) : rt.load(p, i, k)));
}
function storeAll(rt: Runtime, p: Ptr, kinds: SlotKind[], vals: Value[]): void {
  rt.contentEpoch++; // a String's bytes or a Map's entries may change under the same address
  kinds.forEach((k, i) => (k === SlotKind.Tensor ? rt.heap.set(p, i, vals[i] as number) : rt.store(p, i, k, vals[i])));
}

// ───────────── std::mem ─────────────

/** Swaps the two places and returns nothing, or (`replace`) writes `src` and returns the old value. */
N["std::mem::swap"] = (s) => {
  const t = pointee(s.argTypes[0]);
  const k = reprOf(t);
  const rt = s.rt;
  const h = rt.heap;
  if (k === SlotKind.Scalar) {
    return (a, b) => {
      const x = h.get(h.getPtr(a, 0), h.get(a, 1));
      h.set(h.getPtr(a, 0), h.get(a, 1), h.get(h.getPtr(b, 0), h.get(b, 1)));
      h.set(h.getPtr(b, 0), h.get(b, 1), x);
    };
  }
  if (k === SlotKind.Tensor) return () => tensorsUnsupported(s);
  return (a, b) => {
    if (a === b) return;
    const kinds = exchangeKinds(s, t, a, b);
    const va = loadAll(rt, a, kinds);
    storeAll(rt, a, kinds, loadAll(rt, b, kinds));
    storeAll(rt, b, kinds, va);
  };
};

N["std::mem::replace"] = (s) => {
  const t = pointee(s.argTypes[0]);
  const k = reprOf(t);
  const rt = s.rt;
  const h = rt.heap;
  if (k === SlotKind.Scalar) {
    return (dest, src) => {
      const target = h.getPtr(dest, 0);
      const i = h.get(dest, 1);
      const old = h.get(target, i);
      rt.store(target, i, SlotKind.Scalar, src);
      return t.kind === "bool" ? old !== 0 : old;
    };
  }
  if (k === SlotKind.Tensor) return () => tensorsUnsupported(s);
  return (dest, src) => {
    if (dest === src) return src;
    // The old contents move to a fresh object (returned); `src`'s move into `dest`. `src` is
    // garbage afterwards: its tensor slots are cleared so only `dest` owns those tensors.
    const kinds = exchangeKinds(s, t, dest, src);
    rt.handles.push(dest, src);
    const isArray = !rt.isFixedLayout(h.layoutOf(dest));
    const old = isArray ? h.allocArray(h.layoutOf(dest), h.length(dest)) : h.alloc(h.layoutOf(dest));
    src = rt.handles.pop();
    dest = rt.handles.pop();
    storeAll(rt, old, kinds, loadAll(rt, dest, kinds));
    storeAll(rt, dest, kinds, loadAll(rt, src, kinds));
    kinds.forEach((kk, i) => kk === SlotKind.Tensor && h.set(src, i, 0));
    return old;
  };
};

/**
 * A tensor is an object with identity: frames, the handle table and autograd refer to it, so its
 * state is not moved between objects here. Swapping tensor variables or fields is compiled as a
 * rebinding (`Compiler.memExchange`); only tensors reached through references or elements get here.
 */
function tensorsUnsupported(s: NativeSite): never {
  return s.rt.panic("P0105", `\`${s.name}\` cannot exchange tensors behind references or in elements yet; exchange the variables or fields that hold them (\`std::mem::swap(&mut x, &mut y)\`)`, s.span);
}

// ───────────── std::env ─────────────

N["std::env::args"] = (s) => {
  const STRING: Type = { kind: "builtin", name: "String", args: [] };
  const vecT: Type = { kind: "builtin", name: "Vec", args: [STRING] };
  const intoIter = makeIter(s.rt, vecT, "intoIter", s.span);
  return () => intoIter(stringVec(s.rt, [s.span.file.name, ...s.rt.programArgs]));
};

// ───────────── Map::entry ─────────────

// An entry is a small object [map, key]: the map it belongs to and the key, looked up again by
// each method (the borrow checker keeps the map unchanged while the entry is in use).

N["Map::entry"] = (s) => {
  const mapT = derefAll(s.argTypes[0] ?? UNIT);
  const keyT = typeArg(mapT, 0);
  const layout = s.rt.fixed("map::Entry", [SlotKind.Pointer, reprOf(keyT)], derefAll(s.retType));
  return (m, key) => {
    const rt = s.rt;
    rt.handles.push(m, key);
    const e = rt.heap.alloc(layout);
    key = rt.handles.pop();
    m = rt.handles.pop();
    rt.heap.setPtr(e, 0, m);
    rt.store(e, 1, reprOf(keyT), key);
    return e;
  };
};

/** Shared machinery of the Entry methods: the map's ops and `&mut V` for an entry index. */
function entrySite(s: NativeSite) {
  const entryT = derefAll(s.argTypes[0] ?? UNIT);
  const keyT = typeArg(entryT, 0);
  const valT = typeArg(entryT, 1);
  const mapT: Type = { kind: "builtin", name: "Map", args: [keyT, valT] };
  const ops = getMapOps(s.rt, mapT);
  const kk = reprOf(keyT);
  const rt = s.rt;
  const h = rt.heap;
  return {
    map: (entry: Ptr): Ptr => h.getPtr(entry, 0),
    key: (entry: Ptr): Value => rt.load(entry, 1, kk),
    /** The entry index of the key in its map, or -1. */
    find: (entry: Ptr): number => ops.find(h.getPtr(entry, 0), rt.load(entry, 1, kk)),
    insert: (entry: Ptr, v: Value): number => {
      const m = h.getPtr(entry, 0);
      const key = rt.load(entry, 1, kk);
      ops.insert(m, key, v);
      return ops.find(h.getPtr(entry, 0), rt.load(entry, 1, kk));
    },
    /** `&mut V` to the value at index `e`: a place for a scalar value, else the value itself. */
    refTo: (entry: Ptr, e: number): Value => {
      const m = h.getPtr(entry, 0);
      return ops.vkind === SlotKind.Scalar ? rt.newPlace(h.getPtr(m, 3), e) : ops.valAt(m, e);
    },
  };
}

N["map::Entry::or_insert"] = (s) => {
  const x = entrySite(s);
  const tensorValue = reprOf(typeArg(derefAll(s.argTypes[0] ?? UNIT), 1)) === SlotKind.Tensor;
  return (entry, v) => {
    let e = x.find(entry);
    if (e < 0) e = x.insert(entry, v);
    else if (tensorValue) s.rt.freeTensor(v); // the unused default is dropped, as in Rust
    return x.refTo(entry, e);
  };
};

/** `or_insert_with(f)` / `or_insert_with_key(f)`: `f` runs (and may collect) only when the key is absent. */
function orInsertWith(withKey: boolean): NativeFactory {
  return (s) => {
    const x = entrySite(s);
    return (entry, f) => {
      const rt = s.rt;
      let e = x.find(entry);
      if (e < 0) {
        const b = rt.handles.length;
        rt.handles.push(entry);
        const v = s.call(f, withKey ? [x.key(entry)] : []);
        entry = rt.handles[b];
        rt.handles.length = b;
        e = x.insert(entry, v);
      }
      return x.refTo(entry, e);
    };
  };
}
N["map::Entry::or_insert_with"] = orInsertWith(false);
N["map::Entry::or_insert_with_key"] = orInsertWith(true);

N["map::Entry::and_modify"] = (s) => {
  const x = entrySite(s);
  return (entry, f) => {
    const rt = s.rt;
    const e = x.find(entry);
    if (e < 0) return entry;
    const b = rt.handles.length;
    rt.handles.push(entry);
    s.call(f, [x.refTo(entry, e)]);
    entry = rt.handles[b];
    rt.handles.length = b;
    return entry;
  };
};

N["map::Entry::key"] = (s) => {
  const x = entrySite(s);
  return (entry) => x.key(entry);
};

// ───────────── Vec ─────────────

/** Removes elements `from..to` of Vec `v` into a new Vec of type `vecT`. */
function removeRange(rt: Runtime, v: Ptr, from: number, to: number, vecT: Type, elem: Type): Ptr {
  const h = rt.heap;
  const k = reprOf(elem);
  rt.handles.push(v);
  const out = rt.newVec(vecT, elem, to - from);
  v = rt.handles.pop()!;
  const n = h.get(v, VEC_LEN);
  const d = h.getPtr(v, VEC_DATA);
  const od = h.getPtr(out, VEC_DATA);
  for (let i = from; i < to; i++) rt.store(od, i - from, k, rt.load(d, i, k));
  for (let i = to; i < n; i++) rt.store(d, i - (to - from), k, rt.load(d, i, k));
  // Empty the vacated tail so the collector no longer sees the moved elements there.
  for (let i = n - (to - from); i < n; i++) if (k !== SlotKind.Scalar) rt.store(d, i, k, k === SlotKind.Pointer ? 0 : null);
  h.set(out, VEC_LEN, to - from);
  h.set(v, VEC_LEN, n - (to - from));
  return out;
}

/** `..` and `a..` have no end: the range's end slot holds MAX_SAFE_INTEGER (compile.ts `RangeExpr`). */
const OPEN_END = Number.MAX_SAFE_INTEGER;

N["Vec::drain"] = (s) => {
  const vecT = derefAll(s.argTypes[0] ?? UNIT);
  const elem = typeArg(vecT);
  const intoIter = makeIter(s.rt, vecT, "intoIter", s.span);
  return (v, r) => {
    const rt = s.rt;
    const h = rt.heap;
    const n = h.get(v, VEC_LEN);
    const start = h.get(r, 0);
    const rawEnd = h.get(r, 1);
    const end = rawEnd === OPEN_END ? n : rawEnd + (h.get(r, 2) ? 1 : 0);
    if (start > end) rt.panic("P0103", `slice index starts at ${start} but ends at ${end}`, s.span);
    if (end > n) rt.panic("P0103", `range end index ${end} out of range for slice of length ${n}`, s.span);
    return intoIter(removeRange(rt, v, start, end, vecT, elem));
  };
};

N["Vec::split_off"] = (s) => {
  const vecT = derefAll(s.argTypes[0] ?? UNIT);
  const elem = typeArg(vecT);
  return (v, at) => {
    const rt = s.rt;
    const n = rt.heap.get(v, VEC_LEN);
    if (at > n) rt.panic("P0103", `\`at\` split index (is ${at}) should be <= len (is ${n})`, s.span);
    return removeRange(rt, v, at, n, vecT, elem);
  };
};

N["Vec::swap_remove"] = (s) => {
  const k = reprOf(typeArg(s.argTypes[0]));
  return (v, i) => {
    const rt = s.rt;
    const h = rt.heap;
    const n = h.get(v, VEC_LEN);
    if (!(i >= 0 && i < n)) rt.panic("P0103", `swap_remove index (is ${i}) should be < len (is ${n})`, s.span);
    const d = h.getPtr(v, VEC_DATA);
    const x = rt.load(d, i, k);
    rt.store(d, i, k, rt.load(d, n - 1, k));
    if (k !== SlotKind.Scalar) rt.store(d, n - 1, k, k === SlotKind.Pointer ? 0 : null);
    h.set(v, VEC_LEN, n - 1);
    return x;
  };
};

N["Vec::binary_search"] = (s) => {
  const elem = typeArg(s.argTypes[0]);
  const k = reprOf(elem);
  let ok: ((v: Value) => Ptr) | undefined;
  let err: ((v: Value) => Ptr) | undefined;
  return (v, x) => {
    const rt = s.rt;
    const h = rt.heap;
    if (!ok) [ok, err] = resultBuilders(rt, s.retType);
    // Rust's algorithm (std 1.52+), so which of several equal elements is found matches.
    let size = h.get(v, VEC_LEN);
    if (size === 0) return err!(0);
    const d = h.getPtr(v, VEC_DATA);
    let base = 0;
    while (size > 1) {
      const half = size >> 1;
      const mid = base + half;
      if (valueCompare(rt, rt.load(d, mid, k), x, elem) <= 0) base = mid;
      size -= half;
    }
    const c = valueCompare(rt, rt.load(d, base, k), x, elem);
    return c === 0 ? ok!(base) : err!(base + (c < 0 ? 1 : 0));
  };
};

N["Vec::sort_by_key"] = (s) => {
  const elem = typeArg(s.argTypes[0]);
  const k = reprOf(elem);
  const keyType = keyTypeOf(s);
  const kk = reprOf(keyType);
  return (v, f) => {
    const rt = s.rt;
    const h = rt.heap;
    const n = h.get(v, VEC_LEN);
    // Pointers (the Vec, the closure, managed elements and keys) wait in the handle scope while
    // `f` runs, since it may collect; the handle scope holds only pointers, scalars stay in JS.
    const b = rt.handles.length;
    rt.handles.push(v, f);
    const elems: Value[] = [];
    for (let i = 0; i < n; i++) {
      const x = rt.load(h.getPtr(v, VEC_DATA), i, k);
      if (k === SlotKind.Pointer) rt.handles.push(x);
      else elems.push(x);
    }
    const elemAt = (i: number) => (k === SlotKind.Pointer ? rt.handles[b + 2 + i] : elems[i]);
    const keys: Value[] = [];
    for (let i = 0; i < n; i++) {
      const key = s.call(rt.handles[b + 1], [elemAt(i)]);
      if (kk === SlotKind.Pointer) rt.handles.push(key);
      else keys.push(key);
    }
    const keyAt = (i: number) => (kk === SlotKind.Pointer ? rt.handles[b + 2 + (k === SlotKind.Pointer ? n : 0) + i] : keys[i]);
    const order = [...Array(n).keys()].sort((x, y) => valueCompare(rt, keyAt(x), keyAt(y), keyType) || x - y);
    const sorted = order.map(elemAt);
    const d = h.getPtr(rt.handles[b], VEC_DATA);
    for (let i = 0; i < n; i++) rt.store(d, i, k, sorted[i]);
    rt.handles.length = b;
  };
};

/** The key type `K` of a `sort_by_key` site: the return type of its closure argument. */
function keyTypeOf(s: NativeSite): Type {
  const f = s.argTypes[1] ? derefAll(s.argTypes[1]) : UNIT;
  return f.kind === "fn" ? f.ret : I64;
}

/** `Ok(n)` / `Err(n)` builders for a `Result<usize, usize>`. */
function resultBuilders(rt: Runtime, t: Type): [(v: Value) => Ptr, (v: Value) => Ptr] {
  const at = derefAll(t) as Type & { kind: "adt" };
  const l = rt.adtLayout(at);
  const variants = at.decl.kind === "EnumDecl" ? at.decl.variants.map((v) => v.name.name) : [];
  const make = (name: string) => {
    const idx = variants.indexOf(name);
    return (v: Value) => {
      const p = rt.heap.alloc(l.layout);
      rt.heap.set(p, 0, idx);
      rt.heap.set(p, l.offsets[idx], v as number);
      return p;
    };
  };
  return [make("Ok"), make("Err")];
}

registerNatives(N);
