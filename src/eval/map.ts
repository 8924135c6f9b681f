// `Map<K, V>`: an insertion-ordered hash table built from managed arrays (LANGUAGE.md §4.7).
//
// Header slots: [count, used, keys, vals, hashes, table]. Entries are appended to the parallel
// `keys`/`vals`/`hashes` columns in insertion order; `table` is an open-addressing index
// (linear probing) holding entry+1, 0 = empty. A removed entry keeps its table slot as a
// tombstone and gets hash -1. Hashes are computed from the key's contents (never its address),
// so they stay valid when the collector moves objects. A probe compares the stored hash before
// the key; a String key carries its hash (runtime.ts), so looking it up hashes nothing.
// The last probe is remembered for an `insert` of the same key that follows a `get` (see
// `probeMap`), valid while `rt.contentEpoch` holds.

import { Ptr, SlotKind } from "../../heap/api";
import type { Type } from "../check/types";
import { Runtime, Value } from "./runtime";
import { isTensorKind, reprOf } from "./typeinfo";
import { fromSlot, toSlot } from "./int64";

/** Header slots, and the hash of a removed entry. A `const enum` is compiled to literals. */
const enum Slot {
  Count = 0,
  Used = 1,
  Keys = 2,
  Vals = 3,
  Hashes = 4,
  Table = 5,
}
const enum Hash {
  Deleted = -1,
}

/** How keys of one static type are hashed and compared. */
export interface KeyOps {
  kind: SlotKind;
  hash(rt: Runtime, k: Value): number;
  eq(rt: Runtime, a: Value, b: Value): boolean;
}

export function keyOpsFor(t: Type, debugKey: (v: Value) => string): KeyOps {
  while (t.kind === "ref") t = t.inner;
  const kind = reprOf(t);
  if (kind === SlotKind.Scalar) {
    return {
      kind,
      // A big 64-bit key is a bigint in a frame and its code in a slot (int64.ts): both are
      // compared and hashed as the code, which is one per value.
      hash: (_rt, k) => scalarHash(typeof k === "boolean" ? (k ? 1 : 0) : toSlot(k)),
      eq: (_rt, a, b) => (typeof a === "boolean" || typeof b === "boolean" ? !a === !b : toSlot(a) === toSlot(b)),
    };
  }
  if (isString(t)) {
    return { kind, hash: (rt, k) => rt.strHash(k), eq: (rt, a, b) => rt.strEquals(a, b) };
  }
  // Structured keys: field by field where they are plain (see structuredKeyOps), else by Debug text.
  return structuredKeyOps(t, {
    kind,
    hash: (_rt, k) => {
      const s = debugKey(k);
      let x = 0x811c9dc5;
      for (let i = 0; i < s.length; i++) x = Math.imul(x ^ s.charCodeAt(i), 0x01000193);
      return x >>> 0;
    },
    eq: (_rt, a, b) => debugKey(a) === debugKey(b),
  });
}

/** The hash of an integer (or a bool or char as a number): both halves of a 64-bit value mixed. */
function scalarHash(n: number): number {
  return (Math.imul(n | 0, 0x9e3779b1) ^ Math.floor(n / 4294967296)) >>> 0;
}

/** A field of a tuple or struct key: an integer, bool or char (a number in its slot), or a String. */
type KeyField = "scalar" | "string";

function keyFieldOf(t: Type): KeyField | null {
  if (t.kind === "int" || t.kind === "bool" || t.kind === "char") return "scalar";
  return isString(t) ? "string" : null;
}

/** The fields of a key, in slot order, when each is a plain scalar or a String; else null. */
function plainFields(types: readonly Type[]): KeyField[] | null {
  const out = types.map(keyFieldOf);
  return out.length > 0 && out.every((k) => k !== null) ? (out as KeyField[]) : null;
}

/**
 * Tuple and struct keys made of integers, bools, chars and Strings (grid cells `(i32, i32)`,
 * `(String, u8)`, `Point { x, y }`) are hashed and compared field by field from their slots;
 * other structured keys (enums, nested tuples) by their Debug text. A struct's field types are
 * known once the runtime has its layout, so its choice is made at the first key.
 */
function structuredKeyOps(t: Type, byText: KeyOps): KeyOps {
  if (t.kind === "tuple") {
    const fields = plainFields(t.elems);
    return fields ? fieldKeyOps(fields) : byText;
  }
  if (t.kind !== "adt" || t.decl.kind !== "StructDecl") return byText;
  const adt = t;
  let chosen: KeyOps | null = null;
  const choose = (rt: Runtime): KeyOps => {
    if (!chosen) {
      const fields = plainFields(rt.adtLayout(adt).fieldTypes[0]);
      chosen = fields ? fieldKeyOps(fields) : byText;
    }
    return chosen;
  };
  return { kind: byText.kind, hash: (rt, k) => choose(rt).hash(rt, k), eq: (rt, a, b) => choose(rt).eq(rt, a, b) };
}

function fieldKeyOps(fields: KeyField[]): KeyOps {
  const n = fields.length;
  return {
    kind: SlotKind.Pointer,
    hash: (rt, k) => {
      const h = rt.heap;
      let x = 0x811c9dc5;
      for (let i = 0; i < n; i++) {
        const v = h.get(k, i);
        const fh = fields[i] === "string" ? rt.strHash(v) : scalarHash(v);
        x = Math.imul(x ^ fh, 0x01000193);
      }
      return x >>> 0;
    },
    eq: (rt, a, b) => {
      const h = rt.heap;
      for (let i = 0; i < n; i++) {
        const va = h.get(a, i);
        const vb = h.get(b, i);
        if (fields[i] === "string" ? !rt.strEquals(va, vb) : va !== vb) return false;
      }
      return true;
    },
  };
}

export class MapOps {
  readonly header: number;
  readonly keyArr: number;
  readonly valArr: number;
  readonly numArr: number;
  readonly vkind: SlotKind;

  constructor(
    private readonly rt: Runtime,
    mapType: Type,
    readonly keyType: Type,
    readonly valType: Type,
    readonly keys: KeyOps,
  ) {
    this.header = rt.fixed(
      mapName(mapType),
      [SlotKind.Scalar, SlotKind.Scalar, SlotKind.Pointer, SlotKind.Pointer, SlotKind.Pointer, SlotKind.Pointer],
      mapType,
    );
    this.keyArr = rt.arrayLayout(keyType, "Map keys");
    this.valArr = rt.arrayLayout(valType, "Map values");
    this.numArr = rt.arrayLayout({ kind: "int", name: "i64" }, "Map index");
    this.vkind = reprOf(valType);
    this.strKeys = isString(keyType);
    this.memoKeys = this.strKeys || this.keys.kind === SlotKind.Scalar;
  }

  create(capacity = 8): Ptr {
    const rt = this.rt;
    const h = rt.heap;
    let cap = 8;
    while (cap < capacity * 2) cap *= 2;
    const base = rt.handles.length;
    rt.handles.push(h.allocArray(this.keyArr, cap / 2));
    rt.handles.push(h.allocArray(this.valArr, cap / 2));
    rt.handles.push(h.allocArray(this.numArr, cap / 2));
    rt.handles.push(h.allocArray(this.numArr, cap));
    const m = h.alloc(this.header);
    h.setPtr(m, Slot.Keys, rt.handles[base]);
    h.setPtr(m, Slot.Vals, rt.handles[base + 1]);
    h.setPtr(m, Slot.Hashes, rt.handles[base + 2]);
    h.setPtr(m, Slot.Table, rt.handles[base + 3]);
    rt.handles.length = base;
    return m;
  }

  len(m: Ptr): number {
    return this.rt.heap.get(m, Slot.Count);
  }
  /** Entries ever appended (live or removed); iterate 0..used and skip `!isLive`. */
  used(m: Ptr): number {
    return this.rt.heap.get(m, Slot.Used);
  }
  isLive(m: Ptr, e: number): boolean {
    const h = this.rt.heap;
    return h.get(h.getPtr(m, Slot.Hashes), e) !== Hash.Deleted;
  }
  keyAt(m: Ptr, e: number): Value {
    const h = this.rt.heap;
    return this.rt.load(h.getPtr(m, Slot.Keys), e, this.keys.kind);
  }
  valAt(m: Ptr, e: number): Value {
    const rt = this.rt;
    // A number or a pointer is the slot's word.
    if (!isTensorKind(this.vkind) && rt.arenaBytes() !== null) {
      const W = rt.slotWords!;
      const b = rt.slotBase;
      const w = W[(W[(m | 0) + b + Slot.Vals] | 0) + b + (e | 0)];
      return this.vkind === SlotKind.Scalar ? fromSlot(w) : w;
    }
    return rt.load(rt.heap.getPtr(m, Slot.Vals), e, this.vkind);
  }
  setValAt(m: Ptr, e: number, v: Value): void {
    const h = this.rt.heap;
    this.rt.store(h.getPtr(m, Slot.Vals), e, this.vkind, v);
  }

  /** The value the last `insert` replaced or `remove` took out; read it before anything else runs. */
  previous: Value = undefined;

  /** `String` keys: hashed and compared by the runtime's string helpers (the hash is cached in the String). */
  private readonly strKeys: boolean;

  private hashOf(key: Value): number {
    return this.strKeys ? this.rt.strHash(key) : this.keys.hash(this.rt, key);
  }

  /** Entry index of `key`, or -1. */
  find(m: Ptr, key: Value): number {
    return this.findHashed(m, key, this.hashOf(key));
  }

  /**
   * The value of `key`, or `undefined` when it is not there: `find` and `valAt` in one call, for
   * generated code that binds the value at once (`match m.get(&k) { Some(n) => .. }`). Not for
   * tensor values (a tensor in a frame is its object, not the slot's handle).
   */
  get(m: Ptr, key: Value): Value {
    const e = this.findHashed(m, key, this.hashOf(key));
    return e < 0 ? undefined : this.valAt(m, e);
  }

  private keyAtEquals(keys: Ptr, e: number, key: Value): boolean {
    const rt = this.rt;
    if (this.strKeys) return rt.strEquals(rt.heap.getPtr(keys, e), key);
    return this.keys.eq(rt, rt.load(keys, e, this.keys.kind), key);
  }

  /**
   * The last probe, for an `insert` of the same key right after a `get` or `contains_key` (the
   * shape of every word count): the entry found, or -1 and the empty table slot that ended the
   * probe. It stands for `probeKey` in `probeMap` only while `rt.contentEpoch` is unchanged — no
   * collection moved anything, no String's bytes and no Map's entries changed since. Only scalar
   * and String keys are remembered: a structured key's fields can change without a bump.
   */
  private probeMap: Ptr = 0;
  private probeKey: Value = undefined;
  private probeHash = 0;
  private probeEntry = -1;
  private probeSlot = 0;
  private probeEpoch = -1;
  private readonly memoKeys: boolean;

  /** `find` with the key's hash already computed. */
  private findHashed(m: Ptr, key: Value, hash: number): number {
    const rt = this.rt;
    const h = rt.heap;
    let i: number;
    let e: number;
    if (!isTensorKind(this.keys.kind) && rt.arenaBytes() !== null) {
      // The table, hashes and keys read from the slot words; a String key compared by
      // `strEquals` (length, cached hash, then the bytes four at a time).
      const W = rt.slotWords!;
      const b = rt.slotBase;
      const s = (m | 0) + b;
      const table = W[s + Slot.Table] | 0;
      const mask = h.length(table) - 1;
      const t = table + b;
      const hashes = (W[s + Slot.Hashes] | 0) + b;
      const keys = (W[s + Slot.Keys] | 0) + b;
      if (this.strKeys) {
        for (i = hash & mask; ; i = (i + 1) & mask) {
          e = (W[t + i] | 0) - 1;
          if (e < 0) break;
          if (W[hashes + e] === hash) {
            const k = W[keys + e] | 0;
            if (k === key || rt.strEquals(k, key)) break;
          }
        }
      } else {
        for (i = hash & mask; ; i = (i + 1) & mask) {
          e = (W[t + i] | 0) - 1;
          if (e < 0) break;
          if (W[hashes + e] === hash) {
            const k = W[keys + e];
            if (k === key || this.keys.eq(rt, k, key)) break;
          }
        }
      }
    } else {
      const table = h.getPtr(m, Slot.Table);
      const mask = h.length(table) - 1;
      const hashes = h.getPtr(m, Slot.Hashes);
      const keys = h.getPtr(m, Slot.Keys);
      for (i = hash & mask; ; i = (i + 1) & mask) {
        e = h.get(table, i) - 1;
        if (e < 0 || (h.get(hashes, e) === hash && this.keyAtEquals(keys, e, key))) break;
      }
    }
    this.probeSlot = i;
    if (this.memoKeys) {
      this.probeMap = m;
      this.probeKey = key;
      this.probeHash = hash;
      this.probeEntry = e;
      this.probeEpoch = rt.contentEpoch;
    }
    return e;
  }

  /** Insert or replace; true when `key` was there, its old value then in `previous`. */
  insert(m: Ptr, key: Value, val: Value): boolean {
    // A word count's shape, small enough for V8 to inline into the loop: a `get` of this key
    // just found it, and the new value is a number.
    if (this.probeKey === key && this.probeEntry >= 0 && this.probeMap === m && this.probeEpoch === this.rt.contentEpoch && this.vkind === SlotKind.Scalar && typeof val === "number") {
      const h = this.rt.heap;
      const vals = h.getPtr(m, Slot.Vals);
      this.previous = fromSlot(h.get(vals, this.probeEntry));
      h.set(vals, this.probeEntry, val);
      return true;
    }
    return this.insertProbing(m, key, val);
  }

  /** `insert` in general: the key probed for (unless the last probe was for it), added if new. */
  private insertProbing(m: Ptr, key: Value, val: Value): boolean {
    const rt = this.rt;
    // One hash per insert: a key's hash comes from its contents, so a resize (which may move
    // the key) leaves it valid. A `get` of the same key just before has done the probe.
    let hash: number;
    let e: number;
    if (this.probeEpoch === rt.contentEpoch && this.probeMap === m && this.probeKey === key) {
      hash = this.probeHash;
      e = this.probeEntry;
    } else {
      hash = this.hashOf(key);
      e = this.findHashed(m, key, hash);
    }
    const found = e >= 0;
    if (!found) e = this.append(m, key, val, hash);
    // Replacing and adding share this tail, so that V8 optimizing `insert` while only one of
    // them has run (a word count adds its first keys, then only replaces) has seen every
    // operation it compiles: an unseen one would deoptimize it at the first replacement.
    if (this.vkind === SlotKind.Tensor) {
      this.previous = found ? this.valAt(m, e) : undefined;
      this.setValAt(m, e, val);
      return found;
    }
    const h = rt.heap;
    const vals = h.getPtr(m, Slot.Vals);
    const old = h.get(vals, e);
    if (this.vkind === SlotKind.Scalar) h.set(vals, e, typeof val === "boolean" ? (val ? 1 : 0) : val === undefined ? 0 : toSlot(val));
    else h.setPtr(vals, e, val ?? 0);
    this.previous = found ? (this.vkind === SlotKind.Scalar ? fromSlot(old) : old) : undefined;
    return found;
  }

  /**
   * A new entry for `key` (its value slot still 0), in the table slot that ended the probe just
   * made (`probeSlot`); returns its index. When the columns are full, `appendGrown` instead.
   */
  private append(m: Ptr, key: Value, val: Value, hash: number): number {
    const rt = this.rt;
    const h = rt.heap;
    rt.contentEpoch++;
    const used = h.get(m, Slot.Used);
    if (used >= h.length(h.getPtr(m, Slot.Keys))) return this.appendGrown(m, key, val, hash);
    rt.store(h.getPtr(m, Slot.Keys), used, this.keys.kind, key);
    h.set(h.getPtr(m, Slot.Hashes), used, hash);
    h.set(h.getPtr(m, Slot.Table), this.probeSlot, used + 1);
    h.set(m, Slot.Used, used + 1);
    h.set(m, Slot.Count, h.get(m, Slot.Count) + 1);
    return used;
  }

  /** `append` to full columns: rebuilt larger first, and the new table probed again. Out of line: rare. */
  private appendGrown(m: Ptr, key: Value, val: Value, hash: number): number {
    const rt = this.rt;
    const h = rt.heap;
    // Keep key/val/map reachable across the allocations a resize makes.
    const base = rt.handles.length;
    rt.handles.push(m, this.keys.kind === SlotKind.Pointer ? key : 0, this.vkind === SlotKind.Pointer ? val : 0);
    this.grow(base);
    rt.handles.length = base;
    const used = h.get(m, Slot.Used);
    rt.store(h.getPtr(m, Slot.Keys), used, this.keys.kind, key);
    h.set(h.getPtr(m, Slot.Hashes), used, hash);
    this.link(m, hash, used);
    h.set(m, Slot.Used, used + 1);
    h.set(m, Slot.Count, h.get(m, Slot.Count) + 1);
    return used;
  }

  private link(m: Ptr, hash: number, e: number): void {
    const h = this.rt.heap;
    const table = h.getPtr(m, Slot.Table);
    const mask = h.length(table) - 1;
    let i = hash & mask;
    while (h.get(table, i) !== 0) i = (i + 1) & mask;
    h.set(table, i, e + 1);
  }

  /** Rebuild with live entries only, doubling if more than half are live. The map is rt.handles[base]. */
  private grow(base: number): void {
    const rt = this.rt;
    const h = rt.heap;
    let m = rt.handles[base];
    const count = h.get(m, Slot.Count);
    const oldCap = h.length(h.getPtr(m, Slot.Keys));
    const cap = count * 2 >= oldCap ? oldCap * 2 : oldCap;
    const b2 = rt.handles.length;
    rt.handles.push(h.allocArray(this.keyArr, cap));
    rt.handles.push(h.allocArray(this.valArr, cap));
    rt.handles.push(h.allocArray(this.numArr, cap));
    rt.handles.push(h.allocArray(this.numArr, cap * 2));
    m = rt.handles[base];
    const [nk, nv, nh, nt] = rt.handles.slice(b2);
    rt.handles.length = b2;
    const ok = h.getPtr(m, Slot.Keys);
    const ov = h.getPtr(m, Slot.Vals);
    const oh = h.getPtr(m, Slot.Hashes);
    const used = h.get(m, Slot.Used);
    let j = 0;
    for (let e = 0; e < used; e++) {
      const hash = h.get(oh, e);
      if (hash === Hash.Deleted) continue;
      rt.store(nk, j, this.keys.kind, rt.load(ok, e, this.keys.kind));
      rt.store(nv, j, this.vkind, rt.load(ov, e, this.vkind));
      h.set(nh, j, hash);
      j++;
    }
    h.setPtr(m, Slot.Keys, nk);
    h.setPtr(m, Slot.Vals, nv);
    h.setPtr(m, Slot.Hashes, nh);
    h.setPtr(m, Slot.Table, nt);
    h.set(m, Slot.Used, j);
    for (let e = 0; e < j; e++) this.link(m, h.get(nh, e), e);
  }

  /** Remove `key`; true when it was there, its value then in `previous`. */
  remove(m: Ptr, key: Value): boolean {
    const h = this.rt.heap;
    const e = this.find(m, key);
    this.previous = undefined;
    if (e < 0) return false;
    this.previous = this.valAt(m, e);
    this.rt.contentEpoch++;
    h.set(h.getPtr(m, Slot.Hashes), e, Hash.Deleted);
    h.set(m, Slot.Count, h.get(m, Slot.Count) - 1);
    return true;
  }

  /** Live entry indices in insertion order. */
  entries(m: Ptr): number[] {
    const out: number[] = [];
    const used = this.used(m);
    for (let e = 0; e < used; e++) if (this.isLive(m, e)) out.push(e);
    return out;
  }

  /** First live entry (LRU eviction). */
  firstLive(m: Ptr): number {
    const used = this.used(m);
    for (let e = 0; e < used; e++) if (this.isLive(m, e)) return e;
    return -1;
  }
}

function isString(t: Type): boolean {
  while (t.kind === "ref") t = t.inner;
  return t.kind === "builtin" && t.name === "String";
}

function mapName(t: Type): string {
  if (t.kind === "builtin") return `${t.name}`;
  return "Map";
}
