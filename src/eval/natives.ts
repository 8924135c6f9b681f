// The native standard library: every bodiless function/method of stdlib/prelude.stark, keyed by
// its qualified name (`Vec::push`, `gc::collect`, `print`). Each entry is a factory called once
// per call site with the site's static types, returning the implementation for that site (so
// element kinds, layouts and formatters are decided at compile time, not per call).

import { Ptr, SlotKind, GCConfig as HeapGCConfig, GCModeName } from "../../heap/api";
import type { Type, IntName } from "../check/types";
import type { Span } from "../syntax/ast";
import type { DType, NestedNumbers, Tensor } from "../tensor/api";
import { StarkPanic } from "../diagnostics";
import { formatValue, formatWithSpec, getMapOps } from "./format";
import { DONE, IterDesc, makeIter, newIter, next, registerDesc } from "./iter";
import { Runtime, Value, VEC_DATA, VEC_ITERATING, VEC_LEN } from "./runtime";
import { derefAll, reprOf, Subst, INT_RANGE } from "./typeinfo";
import { bigSlot, canon, fromSlot, isWideInt, pred, rangeOf, succ, toSlot, wideArith, wideNeg } from "./int64";
import { deepClone, dropTensors, ownsTensors, readPlace, valueCompare, valueEquals } from "./values";

export interface NativeSite {
  rt: Runtime;
  name: string;
  span: Span;
  /** Static types of the arguments (the receiver first for methods, as the method sees it). */
  argTypes: Type[];
  retType: Type;
  /** Call a STARK callable value. */
  call: (clo: Ptr, args: Value[]) => Value;
  compiler: unknown;
  ctxSubst: Subst;
}

export type NativeImpl = (...args: Value[]) => Value;
export type NativeFactory = (site: NativeSite) => NativeImpl;

const UNIT: Type = { kind: "tuple", elems: [] };
const USIZE: Type = { kind: "int", name: "usize" };

/** The managed type behind references, boxes and Gc handles. */
function base(t: Type | undefined): Type {
  let x = t ?? UNIT;
  for (;;) {
    if (x.kind === "ref") x = x.inner;
    else if (x.kind === "builtin" && (x.name === "Box" || x.name === "Gc") && x.args[0] && reprOf(x.args[0]) !== SlotKind.Scalar) x = x.args[0];
    else return x;
  }
}

function argOf(t: Type, i = 0): Type {
  const b = base(t);
  if (b.kind === "builtin" || b.kind === "adt") return b.args[i] ?? { kind: "int", name: "i64" };
  if (b.kind === "array") return b.elem;
  return { kind: "int", name: "i64" };
}

// ───────────── Option / Result construction ─────────────

function variantIndex(t: Type, name: string): number {
  const b = derefAll(t);
  if (b.kind === "adt" && b.decl.kind === "EnumDecl") return b.decl.variants.findIndex((v) => v.name.name === name);
  return name === "Some" || name === "Ok" ? 1 : 0;
}

const optionCache = new WeakMap<Runtime, WeakMap<Type, ReturnType<typeof makeOption>>>();

/** Builders of `Some(v)`/`None` for an Option type (memoized per type object: natives call this per call). */
export function optionOf(rt: Runtime, t: Type) {
  let byType = optionCache.get(rt);
  if (!byType) optionCache.set(rt, (byType = new WeakMap()));
  let o = byType.get(t);
  if (!o) byType.set(t, (o = makeOption(rt, t)));
  return o;
}

type OptionBuilders = ReturnType<typeof makeOption>;

function makeOption(rt: Runtime, t: Type) {
  const at = derefAll(t) as Type & { kind: "adt" };
  const l = rt.adtLayout(at);
  const some = variantIndex(at, "Some");
  const none = variantIndex(at, "None");
  const off = l.offsets[some];
  const kind = l.kinds[off] ?? SlotKind.Scalar;
  const heap = rt.heap;
  return {
    some(v: Value): Ptr {
      if (kind === SlotKind.Pointer) rt.handles.push(v);
      const p = heap.alloc(l.layout);
      if (kind === SlotKind.Pointer) v = rt.handles.pop();
      heap.set(p, 0, some);
      rt.store(p, off, kind, v);
      return p;
    },
    none(): Ptr {
      const p = heap.alloc(l.layout);
      heap.set(p, 0, none);
      return p;
    },
    kind,
  };
}

export function resultOf(rt: Runtime, t: Type) {
  const at = derefAll(t) as Type & { kind: "adt" };
  const l = rt.adtLayout(at);
  const ok = variantIndex(at, "Ok");
  const err = variantIndex(at, "Err");
  const heap = rt.heap;
  const make = (idx: number, v: Value) => {
    const off = l.offsets[idx];
    const kind = l.kinds[off] ?? SlotKind.Scalar;
    if (kind === SlotKind.Pointer) rt.handles.push(v);
    const p = heap.alloc(l.layout);
    if (kind === SlotKind.Pointer) v = rt.handles.pop();
    heap.set(p, 0, idx);
    rt.store(p, off, kind, v);
    return p;
  };
  return { ok: (v: Value) => make(ok, v), err: (v: Value) => make(err, v) };
}

// ───────────── helpers ─────────────

function vecLen(rt: Runtime, v: Ptr, isArray: boolean): number {
  return isArray ? rt.heap.length(v) : rt.heap.get(v, VEC_LEN);
}
function vecData(rt: Runtime, v: Ptr, isArray: boolean): Ptr {
  return isArray ? v : rt.heap.getPtr(v, VEC_DATA);
}

/** Read a Vec/array of numbers (a tensor shape or index). */
export function numbersOf(rt: Runtime, v: Value, t: Type): number[] {
  const b = base(t);
  if (b.kind === "int" || b.kind === "float") return [v];
  const isArray = b.kind === "array";
  const n = vecLen(rt, v, isArray);
  const d = vecData(rt, v, isArray);
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(rt.heap.get(d, i));
  return out;
}

/** Nested arrays/Vecs of numbers to plain nested JS arrays (`Tensor::from`). */
function nestedOf(rt: Runtime, v: Value, t: Type): NestedNumbers {
  const b = base(t);
  // A 64-bit integer beyond ±2^53 becomes the nearest double, as torch.tensor converts a Python int.
  if (b.kind === "int" || b.kind === "float") return typeof v === "bigint" ? Number(v) : v;
  if (b.kind === "tensor") return tensorToNested(v as Tensor);
  const isArray = b.kind === "array";
  const elem = isArray ? b.elem : argOf(b);
  const n = vecLen(rt, v, isArray);
  const d = vecData(rt, v, isArray);
  const k = reprOf(elem);
  const out: NestedNumbers[] = [];
  for (let i = 0; i < n; i++) out.push(nestedOf(rt, rt.load(d, i, k), elem));
  return out;
}

function tensorToNested(t: Tensor): NestedNumbers {
  const shape = t.shape;
  let i = 0;
  const build = (dim: number): NestedNumbers => {
    if (dim === shape.length) return t.getFlat(i++);
    const out: NestedNumbers[] = [];
    for (let k = 0; k < shape[dim]; k++) out.push(build(dim + 1));
    return out;
  };
  return build(0);
}

function newVecFrom(rt: Runtime, vecType: Type, elem: Type, vals: Value[]): Ptr {
  const v = rt.newVec(vecType, elem, vals.length);
  const d = rt.heap.getPtr(v, VEC_DATA);
  const k = reprOf(elem);
  for (let i = 0; i < vals.length; i++) rt.store(d, i, k, vals[i]);
  rt.heap.set(v, VEC_LEN, vals.length);
  return v;
}

/** A Vec<String> of JS strings, built with each new String rooted in the handle scope. */
export function stringVec(rt: Runtime, parts: string[]): Ptr {
  const st: Type = { kind: "builtin", name: "String", args: [] };
  const vt: Type = { kind: "builtin", name: "Vec", args: [st] };
  const base = rt.handles.length;
  rt.handles.push(rt.newVec(vt, st, parts.length));
  for (const s of parts) {
    const p = rt.newString(s);
    rt.vecPush(rt.handles[base], SlotKind.Pointer, p, st);
  }
  const out = rt.handles[base];
  rt.handles.length = base;
  return out;
}

const iterOverVec = new WeakMap<Runtime, number>();
/** An iterator over a freshly built Vec (split, lines, rev of an adapter). */
export function iterOfVec(rt: Runtime, v: Ptr, elem: Type, reverse = false): Ptr {
  const d = registerDescCached(rt, reverse ? "vecRev" : "vec", elem);
  void iterOverVec;
  return newIter(rt, d, 0, -1, v);
}

const descCache = new WeakMap<Runtime, Map<string, number>>();
function registerDescCached(rt: Runtime, kind: IterDesc["kind"], elem: Type): number {
  let m = descCache.get(rt);
  if (!m) descCache.set(rt, (m = new Map()));
  const key = kind + ":" + JSON.stringify(elem, (k, v) => (k === "decl" || k === "trait" ? v?.name?.name : v));
  let d = m.get(key);
  if (d === undefined) {
    d = registerDesc(rt, { kind, elem, elemKind: reprOf(elem) });
    m.set(key, d);
  }
  return d;
}

function checkedInt(rt: Runtime, t: Type, v: number, what: string): number {
  if (t.kind === "int") {
    const r = INT_RANGE[t.name];
    if (v < r[0] || v > r[1] || !Number.isSafeInteger(v)) rt.panic("P0101", `attempt to ${what} with overflow`);
  }
  return v;
}

function utf8Len(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

type Parsed = { ok: true; value: Value } | { ok: false; error: string };

/**
 * An integer of type `name` in base `radix` (`i32::from_str_radix`; `parse` is base 10), with
 * Rust's error messages: an optional sign (`-` only for signed types), then digits 0-9, a-z, A-Z.
 */
export function parseInteger(text: string, name: IntName, radix: number): Parsed {
  if (text.length === 0) return { ok: false, error: "cannot parse integer from empty string" };
  const invalid: Parsed = { ok: false, error: "invalid digit found in string" };
  const [lo, hi] = rangeOf(name);
  const negative = text[0] === "-";
  let i = negative || text[0] === "+" ? 1 : 0;
  if (i === text.length || (negative && lo === 0n)) return invalid;
  let big = 0n;
  const base = BigInt(radix);
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 122 ? c - 87 : c >= 65 && c <= 90 ? c - 55 : 99;
    if (d >= radix) return invalid;
    big = big * base + BigInt(d);
  }
  if (negative) big = -big;
  if (big > hi) return { ok: false, error: "number too large to fit in target type" };
  if (big < lo) return { ok: false, error: "number too small to fit in target type" };
  return { ok: true, value: canon(big) };
}

/** `str::parse::<T>()` with Rust's error messages. */
function parseAs(text: string, t: Type): Parsed {
  if (t.kind === "int") return parseInteger(text, t.name, 10);
  if (t.kind === "float") {
    const s = text.trim() === text ? text : "";
    if (/^[+-]?(inf|infinity)$/i.test(s)) return { ok: true, value: s.startsWith("-") ? -Infinity : Infinity };
    if (/^[+-]?nan$/i.test(s)) return { ok: true, value: NaN };
    if (!/^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(s)) return { ok: false, error: "invalid float literal" };
    const v = Number(s);
    return { ok: true, value: t.name === "f32" ? Math.fround(v) : v };
  }
  if (t.kind === "bool") {
    if (text === "true") return { ok: true, value: true };
    if (text === "false") return { ok: true, value: false };
    return { ok: false, error: "provided string was not `true` or `false`" };
  }
  if (t.kind === "char") {
    const cps = [...text];
    if (cps.length === 0) return { ok: false, error: "cannot parse char from empty string" };
    if (cps.length > 1) return { ok: false, error: "too many characters in string" };
    return { ok: true, value: cps[0].codePointAt(0) };
  }
  return { ok: true, value: text };
}

function durationNs(rt: Runtime, ms: number): number {
  void rt;
  return Math.round(ms * 1e6);
}

// ───────────── the table ─────────────

const N: Record<string, NativeFactory> = {};

// ── free functions ──

N["print"] = (s) => {
  const t = s.argTypes[0] ?? UNIT;
  const rt = s.rt;
  return (v) => {
    rt.print(formatWithSpec(rt, v, t, null) + "\n");
  };
};
N["eprint"] = (s) => {
  const t = s.argTypes[0] ?? UNIT;
  const rt = s.rt;
  return (v) => {
    rt.eprint(formatWithSpec(rt, v, t, null) + "\n");
  };
};
N["drop"] = (s) => {
  const t = s.argTypes[0] ?? UNIT;
  const rt = s.rt;
  if (t.kind === "tensor") return (v) => rt.freeTensor(v);
  // drop(batch), drop(Some(t)): the tensors inside go now, not at the next collection.
  if (ownsTensors(rt, t)) return (v) => dropTensors(rt, v, t);
  return () => undefined;
};
N["panic"] = (s) => (msg) => s.rt.panic("P0105", s.rt.str(msg), s.span);
N["panic_with_code"] = (s) => (code, msg) => s.rt.panic(s.rt.str(code), s.rt.str(msg), s.span);
N["assert"] = (s) => (cond, msg) => {
  if (!cond) s.rt.panic("P0105", s.rt.str(msg), s.span);
};
N["with_arena"] = (s) => {
  const rt = s.rt;
  const tensorResult = derefAll(s.retType).kind === "tensor";
  return (f) => {
    rt.tensors.beginArena();
    let r: Value;
    try {
      r = s.call(f, []);
    } catch (e) {
      rt.tensors.endArena(null);
      throw e;
    }
    const kept = rt.tensors.endArena(tensorResult ? r : null);
    return tensorResult ? kept : r;
  };
};

// ── blanket impls ──

N["Clone::clone"] = (s) => {
  const t = s.argTypes[0];
  return (v) => deepClone(s.rt, v, t);
};
N["Display::to_string"] = (s) => {
  const t = s.argTypes[0];
  return (v) => s.rt.newString(formatWithSpec(s.rt, v, t, null));
};

// ── numbers ──

function numType(s: NativeSite): Type {
  return derefAll(s.argTypes[0] ?? UNIT);
}
// A 64-bit value may be a bigint beyond ±2^53 (int64.ts): these compare rather than call `Math`.
N["Integer::abs"] = (s) => {
  const t = numType(s);
  const name = t.kind === "int" ? t.name : "i32";
  return (x) => (typeof x === "number" ? checkedInt(s.rt, t, Math.abs(x), "negate") : x < 0 ? wideNeg(s.rt, x, name, s.span) : x);
};
N["Integer::pow"] = (s) => {
  const t = numType(s);
  const name = t.kind === "int" ? t.name : "i32";
  const [lo, hi] = rangeOf(name);
  return (x, e) => {
    const r = typeof x === "number" ? x ** e : NaN;
    if (Number.isSafeInteger(r)) return checkedInt(s.rt, t, r, "multiply");
    const exact = BigInt(x) ** BigInt(e);
    if (exact < lo || exact > hi) s.rt.panic("P0101", "attempt to multiply with overflow", s.span);
    return canon(exact);
  };
};
N["Integer::min"] = () => (a, b) => (b < a ? b : a);
N["Integer::max"] = () => (a, b) => (b >= a ? b : a);
N["Integer::signum"] = () => (a) => (a > 0 ? 1 : a < 0 ? -1 : 0);
N["Integer::is_positive"] = () => (a) => a > 0;
N["Integer::is_negative"] = () => (a) => a < 0;
N["Integer::cmp"] = (s) => {
  const o = s.retType;
  const rt = s.rt;
  return (a, b) => {
    const at = derefAll(o) as Type & { kind: "adt" };
    const l = rt.adtLayout(at);
    const p = rt.heap.alloc(l.layout);
    rt.heap.set(p, 0, a < b ? 0 : a === b ? 1 : 2);
    return p;
  };
};
const f32r = (s: NativeSite) => (numType(s).kind === "float" && (numType(s) as { name: string }).name === "f32" ? Math.fround : (x: number) => x);
const floatUnary: Record<string, (x: number) => number> = {
  abs: Math.abs,
  sqrt: Math.sqrt,
  exp: Math.exp,
  ln: Math.log,
  log10: Math.log10,
  log2: Math.log2,
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  tanh: Math.tanh,
  floor: Math.floor,
  ceil: Math.ceil,
  round: (x) => (x < 0 ? -Math.round(-x) : Math.round(x)),
  trunc: Math.trunc,
  signum: (x) => (x !== x ? NaN : x > 0 || Object.is(x, 0) ? 1 : -1),
};
for (const [name, fn] of Object.entries(floatUnary)) {
  N[`Float::${name}`] = (s) => {
    const r = f32r(s);
    return (x) => r(fn(x));
  };
}
N["Float::powi"] = (s) => {
  const r = f32r(s);
  return (x, e) => r(x ** e);
};
N["Float::powf"] = (s) => {
  const r = f32r(s);
  return (x, e) => r(x ** e);
};
N["Float::min"] = () => (a, b) => (a !== a ? b : b !== b ? a : Math.min(a, b));
N["Float::max"] = () => (a, b) => (a !== a ? b : b !== b ? a : Math.max(a, b));
N["Float::is_nan"] = () => (a) => a !== a;

// ── String ──

const STRING_T: Type = { kind: "builtin", name: "String", args: [] };
N["String::new"] = (s) => () => s.rt.newString("");
N["String::with_capacity"] = (s) => () => s.rt.newString("");
N["String::from"] = (s) => (x) => (typeof x === "number" && s.argTypes[0]?.kind === "builtin" ? x : s.rt.newString(String(x)));
N["String::len"] = (s) => (x) => s.rt.strLen(x);
N["String::is_empty"] = (s) => (x) => s.rt.strLen(x) === 0;
N["String::push_str"] = (s) => (x, y) => s.rt.strAppend(x, y);
N["String::push"] = (s) => (x, c) => s.rt.strPushChar(x, c);
N["String::pop"] = (s) => {
  const opt = () => optionOf(s.rt, s.retType);
  return (x) => {
    const rt = s.rt;
    const text = rt.str(x);
    if (!text) return opt().none();
    const chars = [...text];
    const last = chars.pop()!;
    rt.strTruncate(x, rt.strLen(x) - utf8Len(last));
    return opt().some(last.codePointAt(0));
  };
};
N["String::clear"] = (s) => (x) => s.rt.strTruncate(x, 0);
N["String::split_whitespace"] = (s) => (x) => {
  const parts = s.rt.str(x).split(/\s+/).filter((p) => p.length > 0);
  return iterOfVec(s.rt, stringVec(s.rt, parts), STRING_T);
};
N["String::lines"] = (s) => (x) => {
  let text = s.rt.str(x);
  if (text.endsWith("\n")) text = text.slice(0, -1);
  const parts = text.length === 0 ? [] : text.split("\n").map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
  return iterOfVec(s.rt, stringVec(s.rt, parts), STRING_T);
};
N["String::trim"] = (s) => (x) => s.rt.newString(s.rt.str(x).trim());
N["String::trim_start"] = (s) => (x) => s.rt.newString(s.rt.str(x).trimStart());
N["String::trim_end"] = (s) => (x) => s.rt.newString(s.rt.str(x).trimEnd());
N["String::parse"] = (s) => {
  const target = argOf(s.retType, 0);
  return (x) => {
    const res = resultOf(s.rt, s.retType);
    const r = parseAs(s.rt.str(x), target);
    if (r.ok) return res.ok(r.value);
    return res.err(s.rt.newString(r.error));
  };
};
for (const [name, fn] of [
  ["to_uppercase", (t: string) => t.toUpperCase()],
  ["to_lowercase", (t: string) => t.toLowerCase()],
  ["to_upper", (t: string) => t.toUpperCase()],
  ["to_lower", (t: string) => t.toLowerCase()],
] as const) {
  N[`String::${name}`] = (s) => (x) => s.rt.newString(fn(s.rt.str(x)));
}
N["String::is_char_boundary"] = (s) => (x, i) => s.rt.strIsCharBoundary(x, i);
N["String::chars"] = (s) => {
  const d = registerDesc(s.rt, { kind: "chars", elem: { kind: "char" }, elemKind: SlotKind.Scalar });
  return (x) => newIter(s.rt, d, 0, 0, x);
};
N["String::bytes"] = (s) => {
  const d = registerDesc(s.rt, { kind: "bytes", elem: { kind: "int", name: "u8" }, elemKind: SlotKind.Scalar });
  return (x) => newIter(s.rt, d, 0, 0, x);
};
N["String::repeat"] = (s) => (x, n) => s.rt.newString(s.rt.str(x).repeat(n));
N["String::as_str"] = () => (x) => x;
N["String::substring"] = (s) => (x, a, b) => s.rt.newString([...s.rt.str(x)].slice(a, b).join(""));

// ── Vec and arrays ──

function vecNatives(prefix: "Vec" | "Array"): void {
  const isArray = prefix === "Array";
  const elemOf = (s: NativeSite) => argOf(s.argTypes[0]);
  N[`${prefix}::len`] = (s) => (v) => vecLen(s.rt, v, isArray);
  N[`${prefix}::is_empty`] = (s) => (v) => vecLen(s.rt, v, isArray) === 0;
  N[`${prefix}::get`] = (s) => {
    const k = reprOf(elemOf(s));
    return (v, i) => {
      const opt = optionOf(s.rt, s.retType);
      if (!(i >= 0 && i < vecLen(s.rt, v, isArray))) return opt.none();
      return opt.some(s.rt.load(vecData(s.rt, v, isArray), i, k));
    };
  };
  N[`${prefix}::contains`] = (s) => {
    const elem = elemOf(s);
    const k = reprOf(elem);
    return (v, x) => {
      const n = vecLen(s.rt, v, isArray);
      for (let i = 0; i < n; i++) if (valueEquals(s.rt, s.rt.load(vecData(s.rt, v, isArray), i, k), x, elem)) return true;
      return false;
    };
  };
  N[`${prefix}::first`] = (s) => {
    const k = reprOf(elemOf(s));
    return (v) => {
      const opt = optionOf(s.rt, s.retType);
      return vecLen(s.rt, v, isArray) === 0 ? opt.none() : opt.some(s.rt.load(vecData(s.rt, v, isArray), 0, k));
    };
  };
  N[`${prefix}::last`] = (s) => {
    const k = reprOf(elemOf(s));
    return (v) => {
      const opt = optionOf(s.rt, s.retType);
      const n = vecLen(s.rt, v, isArray);
      return n === 0 ? opt.none() : opt.some(s.rt.load(vecData(s.rt, v, isArray), n - 1, k));
    };
  };
  N[`${prefix}::sort`] = (s) => {
    const elem = elemOf(s);
    const k = reprOf(elem);
    return (v) => {
      const rt = s.rt;
      const n = vecLen(rt, v, isArray);
      const d = vecData(rt, v, isArray);
      const vals: Value[] = [];
      for (let i = 0; i < n; i++) vals.push(rt.load(d, i, k));
      vals.sort((a, b) => valueCompare(rt, a, b, elem));
      for (let i = 0; i < n; i++) rt.store(d, i, k, vals[i]);
    };
  };
  N[`${prefix}::reverse`] = (s) => {
    const k = reprOf(elemOf(s));
    return (v) => {
      const rt = s.rt;
      const n = vecLen(rt, v, isArray);
      const d = vecData(rt, v, isArray);
      for (let i = 0, j = n - 1; i < j; i++, j--) {
        const a = rt.load(d, i, k);
        rt.store(d, i, k, rt.load(d, j, k));
        rt.store(d, j, k, a);
      }
    };
  };
  N[`${prefix}::iter`] = (s) => {
    const mk = makeIter(s.rt, s.argTypes[0], "ref", s.span);
    return (v) => mk(v);
  };
  N[`${prefix}::iter_mut`] = (s) => {
    const mk = makeIter(s.rt, s.argTypes[0], "refMut", s.span);
    return (v) => mk(v);
  };
  N[`${prefix}::into_iter`] = (s) => {
    const mk = makeIter(s.rt, s.argTypes[0], "intoIter", s.span);
    return (v) => mk(v);
  };
}
vecNatives("Vec");
vecNatives("Array");

N["Array::to_vec"] = (s) => {
  const elem = argOf(s.argTypes[0]);
  return (a) => {
    const rt = s.rt;
    const n = rt.heap.length(a);
    const vals: Value[] = [];
    for (let i = 0; i < n; i++) vals.push(rt.load(a, i, reprOf(elem)));
    return newVecFrom(rt, s.retType, elem, vals);
  };
};

N["Vec::new"] = (s) => {
  const elem = argOf(s.retType);
  return () => s.rt.newVec(s.retType, elem, 4);
};
N["Vec::with_capacity"] = (s) => {
  const elem = argOf(s.retType);
  return (n) => s.rt.newVec(s.retType, elem, Math.min(Number(n), 1 << 20));
};
N["Vec::push"] = (s) => {
  const elem = argOf(s.argTypes[0]);
  const k = reprOf(elem);
  const rt = s.rt;
  const heap = rt.heap;
  if (k === SlotKind.Scalar) {
    const isBool = elem.kind === "bool";
    return (v, x) => {
      const n = heap.get(v, VEC_LEN);
      let data = heap.getPtr(v, VEC_DATA);
      if (n >= heap.length(data)) data = rt.vecGrow(v, n + 1, elem);
      heap.set(data, n, isBool ? (x ? 1 : 0) : typeof x === "bigint" ? bigSlot(x) : x);
      heap.set(v, VEC_LEN, n + 1);
    };
  }
  return (v, x) => rt.vecPush(v, k, x, elem);
};
N["Vec::pop"] = (s) => {
  const elem = argOf(s.argTypes[0]);
  const k = reprOf(elem);
  return (v) => {
    const rt = s.rt;
    const opt = optionOf(rt, s.retType);
    const n = rt.heap.get(v, VEC_LEN);
    if (n === 0) return opt.none();
    const d = rt.heap.getPtr(v, VEC_DATA);
    const x = rt.load(d, n - 1, k);
    rt.heap.set(v, VEC_LEN, n - 1);
    if (k !== SlotKind.Scalar) rt.store(d, n - 1, k, k === SlotKind.Pointer ? 0 : null);
    return opt.some(x);
  };
};
N["Vec::get_mut"] = (s) => {
  const k = reprOf(argOf(s.argTypes[0]));
  return (v, i) => {
    const rt = s.rt;
    const opt = optionOf(rt, s.retType);
    if (!(i >= 0 && i < rt.heap.get(v, VEC_LEN))) return opt.none();
    const d = rt.heap.getPtr(v, VEC_DATA);
    return opt.some(k === SlotKind.Scalar ? rt.newPlace(d, i) : rt.load(d, i, k));
  };
};
N["Vec::insert"] = (s) => {
  const elem = argOf(s.argTypes[0]);
  const k = reprOf(elem);
  return (v, i, x) => {
    const rt = s.rt;
    const n = rt.heap.get(v, VEC_LEN);
    if (i > n) rt.panic("P0103", `insertion index (is ${i}) should be <= len (is ${n})`, s.span);
    if (k === SlotKind.Pointer) rt.handles.push(x);
    const d = rt.vecGrow(v, n + 1, elem);
    if (k === SlotKind.Pointer) x = rt.handles.pop();
    for (let j = n; j > i; j--) rt.store(d, j, k, rt.load(d, j - 1, k));
    rt.store(d, i, k, x);
    rt.heap.set(v, VEC_LEN, n + 1);
  };
};
N["Vec::remove"] = (s) => {
  const k = reprOf(argOf(s.argTypes[0]));
  return (v, i) => {
    const rt = s.rt;
    const n = rt.heap.get(v, VEC_LEN);
    if (!(i >= 0 && i < n)) rt.panic("P0103", `removal index (is ${i}) should be < len (is ${n})`, s.span);
    const d = rt.heap.getPtr(v, VEC_DATA);
    const x = rt.load(d, i, k);
    for (let j = i; j < n - 1; j++) rt.store(d, j, k, rt.load(d, j + 1, k));
    rt.heap.set(v, VEC_LEN, n - 1);
    return x;
  };
};
N["Vec::swap"] = (s) => {
  const k = reprOf(argOf(s.argTypes[0]));
  return (v, a, b) => {
    const rt = s.rt;
    const n = rt.heap.get(v, VEC_LEN);
    if (!(a >= 0 && a < n)) rt.indexPanic(n, a, s.span);
    if (!(b >= 0 && b < n)) rt.indexPanic(n, b, s.span);
    const d = rt.heap.getPtr(v, VEC_DATA);
    const x = rt.load(d, a, k);
    rt.store(d, a, k, rt.load(d, b, k));
    rt.store(d, b, k, x);
  };
};
/**
 * Shorten a Vec to `n` elements, dropping the rest as Rust does: their slots are emptied so the
 * collector (which scans the whole backing array) no longer finds them, and their tensors freed.
 */
function vecTruncate(rt: Runtime, v: Ptr, n: number, k: SlotKind): void {
  const len = rt.heap.get(v, VEC_LEN);
  if (!(n < len)) return;
  const d = rt.heap.getPtr(v, VEC_DATA);
  for (let i = n; i < len; i++) {
    if (k === SlotKind.Pointer) rt.heap.setPtr(d, i, 0);
    else if (k === SlotKind.Tensor) {
      rt.releaseTensorHandle(rt.heap.get(d, i));
      rt.heap.set(d, i, 0);
    }
  }
  rt.heap.set(v, VEC_LEN, n);
}
N["Vec::truncate"] = (s) => {
  const k = reprOf(argOf(s.argTypes[0]));
  return (v, n) => vecTruncate(s.rt, v, n, k);
};
N["Vec::clear"] = (s) => {
  const k = reprOf(argOf(s.argTypes[0]));
  return (v) => vecTruncate(s.rt, v, 0, k);
};
N["Vec::extend"] = (s) => {
  const elem = argOf(s.argTypes[0]);
  const k = reprOf(elem);
  const src = s.argTypes[1] ?? UNIT;
  const mk = makeIter(s.rt, src, "intoIter", s.span);
  return (v, other) => {
    const rt = s.rt;
    const b = rt.handles.length;
    rt.handles.push(v);
    rt.handles.push(mk(other));
    for (;;) {
      const x = next(rt, rt.handles[b + 1]);
      if (x === DONE) break;
      rt.vecPush(rt.handles[b], k, x, elem);
    }
    rt.handles.length = b;
  };
};
N["Vec::sort_by"] = (s) => {
  const elem = argOf(s.argTypes[0]);
  const k = reprOf(elem);
  return (v, cmp) => {
    const rt = s.rt;
    const h = rt.heap;
    const b = rt.handles.length;
    rt.handles.push(v, cmp);
    const n = h.get(v, VEC_LEN);
    for (let i = 0; i < n; i++) rt.handles.push(k === SlotKind.Pointer ? h.getPtr(h.getPtr(v, VEC_DATA), i) : 0);
    const scalars: Value[] = [];
    if (k !== SlotKind.Pointer) for (let i = 0; i < n; i++) scalars.push(rt.load(h.getPtr(v, VEC_DATA), i, k));
    const val = (i: number) => (k === SlotKind.Pointer ? rt.handles[b + 2 + i] : scalars[i]);
    const order = [...Array(n).keys()];
    order.sort((x, y) => {
      const o = s.call(rt.handles[b + 1], [val(x), val(y)]);
      return h.get(o, 0) - 1;
    });
    const sorted = order.map(val);
    const vv = rt.handles[b];
    const d = h.getPtr(vv, VEC_DATA);
    for (let i = 0; i < n; i++) rt.store(d, i, k, sorted[i]);
    rt.handles.length = b;
  };
};
N["Vec::retain"] = (s) => {
  const elem = argOf(s.argTypes[0]);
  const k = reprOf(elem);
  // The elements `keep` rejects are dropped, with the tensors they own (LANGUAGE.md §6).
  const owns = ownsTensors(s.rt, elem);
  return (v, keep) => {
    const rt = s.rt;
    const h = rt.heap;
    const b = rt.handles.length;
    rt.handles.push(v, keep);
    const n = h.get(v, VEC_LEN);
    let w = 0;
    for (let i = 0; i < n; i++) {
      const x = rt.load(h.getPtr(rt.handles[b], VEC_DATA), i, k);
      if (s.call(rt.handles[b + 1], [x])) {
        const d = h.getPtr(rt.handles[b], VEC_DATA);
        rt.store(d, w++, k, rt.load(d, i, k));
      } else if (owns) {
        dropTensors(rt, rt.load(h.getPtr(rt.handles[b], VEC_DATA), i, k), elem);
      }
    }
    vecTruncate(rt, rt.handles[b], w, k);
    rt.handles.length = b;
  };
};
N["Vec::dedup"] = (s) => {
  const elem = argOf(s.argTypes[0]);
  const k = reprOf(elem);
  return (v) => {
    const rt = s.rt;
    const h = rt.heap;
    const n = h.get(v, VEC_LEN);
    const d = h.getPtr(v, VEC_DATA);
    let w = 0;
    for (let i = 0; i < n; i++) {
      const x = rt.load(d, i, k);
      if (w > 0 && valueEquals(rt, rt.load(d, w - 1, k), x, elem)) continue;
      rt.store(d, w++, k, x);
    }
    h.set(v, VEC_LEN, w);
  };
};
N["Vec::join"] = (s) => (v, sep) => {
  const rt = s.rt;
  const n = rt.heap.get(v, VEC_LEN);
  const d = rt.heap.getPtr(v, VEC_DATA);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(rt.str(rt.heap.getPtr(d, i)));
  return rt.newString(parts.join(rt.str(sep)));
};
N["Vec::concat"] = (s) => (v) => {
  const rt = s.rt;
  const n = rt.heap.get(v, VEC_LEN);
  const d = rt.heap.getPtr(v, VEC_DATA);
  let out = "";
  for (let i = 0; i < n; i++) out += rt.str(rt.heap.getPtr(d, i));
  return rt.newString(out);
};

// ── Map ──

function mapType(t: Type): Type {
  const b = base(t);
  return { kind: "builtin", name: "Map", args: b.kind === "builtin" ? b.args : [] };
}
N["Map::new"] = (s) => () => getMapOps(s.rt, mapType(s.retType)).create();
N["Map::len"] = (s) => (m) => getMapOps(s.rt, mapType(s.argTypes[0])).len(m);
N["Map::is_empty"] = (s) => (m) => getMapOps(s.rt, mapType(s.argTypes[0])).len(m) === 0;
N["Map::insert"] = (s) => {
  const ops = getMapOps(s.rt, mapType(s.argTypes[0]));
  let opt: OptionBuilders | undefined; // built on first call: the type is final by then
  return (m, k, v) => {
    const had = ops.insert(m, k, v);
    opt ??= optionOf(s.rt, s.retType);
    return had ? opt.some(ops.previous) : opt.none();
  };
};
N["Map::get"] = (s) => {
  const ops = getMapOps(s.rt, mapType(s.argTypes[0]));
  let opt: OptionBuilders | undefined; // built on first call: the type is final by then
  return (m, k) => {
    const e = ops.find(m, k);
    opt ??= optionOf(s.rt, s.retType);
    return e < 0 ? opt.none() : opt.some(ops.valAt(m, e));
  };
};
N["Map::get_mut"] = (s) => {
  const ops = getMapOps(s.rt, mapType(s.argTypes[0]));
  let opt: OptionBuilders | undefined; // built on first call: the type is final by then
  return (m, k) => {
    const e = ops.find(m, k);
    opt ??= optionOf(s.rt, s.retType);
    if (e < 0) return opt.none();
    return opt.some(ops.vkind === SlotKind.Scalar ? s.rt.newPlace(s.rt.heap.getPtr(m, 3), e) : ops.valAt(m, e));
  };
};
N["Map::contains_key"] = (s) => {
  const ops = getMapOps(s.rt, mapType(s.argTypes[0]));
  return (m, k) => ops.find(m, k) >= 0;
};
N["Map::remove"] = (s) => {
  const ops = getMapOps(s.rt, mapType(s.argTypes[0]));
  let opt: OptionBuilders | undefined; // built on first call: the type is final by then
  return (m, k) => {
    const had = ops.remove(m, k);
    opt ??= optionOf(s.rt, s.retType);
    return had ? opt.some(ops.previous) : opt.none();
  };
};
N["Map::clear"] = (s) => {
  const ops = getMapOps(s.rt, mapType(s.argTypes[0]));
  return (m) => {
    const fresh = ops.create();
    s.rt.contentEpoch++;
    for (let i = 0; i < 6; i++) {
      if (i < 2) s.rt.heap.set(m, i, s.rt.heap.get(fresh, i));
      else s.rt.heap.setPtr(m, i, s.rt.heap.getPtr(fresh, i));
    }
  };
};
for (const [name, kind] of [
  ["keys", "mapKeys"],
  ["values", "mapValues"],
  ["values_mut", "mapValuesMut"],
  ["iter", "mapPairs"],
  ["iter_mut", "mapPairs"],
  // By value (the Map is consumed): the same walks, with the pairs, keys or values themselves.
  ["into_iter", "mapPairs"],
  ["into_keys", "mapKeys"],
  ["into_values", "mapValues"],
] as const) {
  N[`Map::${name}`] = (s) => {
    const ops = getMapOps(s.rt, mapType(s.argTypes[0]));
    if (kind === "mapPairs") {
      const mk = makeIter(s.rt, s.argTypes[0], name === "iter_mut" ? "refMut" : "ref", s.span, argOf(s.retType));
      return (m) => mk(m);
    }
    const d = registerDesc(s.rt, { kind, elem: argOf(s.retType), elemKind: reprOf(argOf(s.retType)), mapOps: ops });
    return (m) => newIter(s.rt, d, 0, 0, m);
  };
}

// ── LRUCache: [map, capacity] ──

N["LRUCache::new"] = (s) => {
  const ops = getMapOps(s.rt, mapType(s.retType));
  const layout = s.rt.fixed("LRUCache", [SlotKind.Pointer, SlotKind.Scalar], base(s.retType));
  return (cap) => {
    const m = ops.create();
    const p = s.rt.heap.alloc(layout);
    s.rt.heap.setPtr(p, 0, m);
    s.rt.heap.set(p, 1, cap);
    return p;
  };
};
N["LRUCache::len"] = (s) => (c) => getMapOps(s.rt, mapType(s.argTypes[0])).len(s.rt.heap.getPtr(c, 0));
N["LRUCache::capacity"] = (s) => (c) => s.rt.heap.get(c, 1);
N["LRUCache::contains_key"] = (s) => {
  const ops = getMapOps(s.rt, mapType(s.argTypes[0]));
  return (c, k) => ops.find(s.rt.heap.getPtr(c, 0), k) >= 0;
};
N["LRUCache::get"] = (s) => {
  const ops = getMapOps(s.rt, mapType(s.argTypes[0]));
  return (c, k) => {
    const rt = s.rt;
    const m = rt.heap.getPtr(c, 0);
    const opt = optionOf(rt, s.retType);
    const e = ops.find(m, k);
    if (e < 0) return opt.none();
    // Most recently used goes last: remove and re-insert.
    const key = ops.keyAt(m, e);
    const val = ops.valAt(m, e);
    ops.remove(m, key);
    ops.insert(rt.heap.getPtr(c, 0), key, val);
    return opt.some(val);
  };
};
N["LRUCache::put"] = (s) => {
  const ops = getMapOps(s.rt, mapType(s.argTypes[0]));
  return (c, k, v) => {
    const rt = s.rt;
    const m = rt.heap.getPtr(c, 0);
    if (ops.find(m, k) >= 0) ops.remove(m, k);
    ops.insert(m, k, v);
    const m2 = rt.heap.getPtr(c, 0);
    if (ops.len(m2) > rt.heap.get(c, 1)) {
      const first = ops.firstLive(m2);
      if (first >= 0) ops.remove(m2, ops.keyAt(m2, first));
    }
  };
};

// ── Box, Gc ──

for (const name of ["Box", "Gc"]) {
  N[`${name}::new`] = (s) => {
    const rt = derefAll(s.retType);
    const inner = rt.kind === "builtin" && rt.args[0] ? rt.args[0] : UNIT;
    const k = reprOf(inner);
    const arg = s.argTypes[0] ? derefAll(s.argTypes[0]) : UNIT;
    if (inner.kind === "dyn" && reprOf(arg) === SlotKind.Scalar) {
      // `Box::new(7)` as `Box<dyn Trait>`: a one-slot object that records the concrete type.
      const layout = s.rt.fixed(`dyn ${inner.trait.name.name} <- ${arg.kind}`, [SlotKind.Scalar], arg);
      return (v) => {
        const p = s.rt.heap.alloc(layout);
        s.rt.heap.set(p, 0, typeof v === "boolean" ? (v ? 1 : 0) : toSlot(v));
        return p;
      };
    }
    if (k === SlotKind.Pointer) return (v) => v;
    return (v) => s.rt.newCell(k, v);
  };
}

// ── Option ──

N["Option::take"] = (s) => {
  return (p) => {
    const rt = s.rt;
    const h = rt.heap;
    const at = base(s.argTypes[0]) as Type & { kind: "adt" };
    const l = rt.adtLayout(at);
    const copy = h.alloc(l.layout);
    for (let i = 0; i < l.kinds.length; i++) rt.store(copy, i, l.kinds[i], rt.load(p, i, l.kinds[i]));
    h.set(p, 0, variantIndex(at, "None"));
    for (let i = 1; i < l.kinds.length; i++) rt.store(p, i, l.kinds[i], l.kinds[i] === SlotKind.Scalar ? 0 : l.kinds[i] === SlotKind.Pointer ? 0 : null);
    return copy;
  };
};

// ── Duration (nanoseconds) ──

N["Duration::milliseconds"] = (s) => (n) => durationNs(s.rt, n);
N["Duration::microseconds"] = (s) => (n) => durationNs(s.rt, n / 1000);
N["Duration::seconds"] = (s) => (n) => durationNs(s.rt, n * 1000);
N["Duration::as_millis"] = () => (d) => Math.floor(d / 1e6);
N["Duration::as_micros"] = () => (d) => Math.floor(d / 1e3);
N["Duration::as_secs_f64"] = () => (d) => d / 1e9;

// ── Range ──

N["Range::contains"] = (s) => (r, x) => {
  const h = s.rt.heap;
  const a = h.get(r, 0);
  const b = h.get(r, 1);
  return x >= a && (h.get(r, 2) ? x <= b : x < b);
};
N["Range::len"] = (s) => (r) => {
  const h = s.rt.heap;
  const n = h.get(r, 1) - h.get(r, 0) + (h.get(r, 2) ? 1 : 0);
  return Math.max(0, n);
};

// ── iterators ──

/** The item type of an Iter/Range/collection/slice type (behind references). */
export function itemOf(t: Type | undefined): Type {
  const b = base(t);
  if (b.kind === "builtin" && b.args[0]) return b.args[0];
  if (b.kind === "array") return b.elem;
  return { kind: "int", name: "i64" };
}

function iterNatives(prefix: "Iter" | "Range"): void {
  const src = (s: NativeSite) => makeIter(s.rt, s.argTypes[0], "iterator", s.span);
  const adapter = (kind: IterDesc["kind"], withFn: boolean) => (s: NativeSite) => {
    const toIter = src(s);
    const item = itemOf(s.argTypes[0]);
    const out = itemOf(s.retType);
    const tuple = out.kind === "tuple" && out.elems.length === 2 ? out : null;
    const d = registerDesc(s.rt, {
      kind,
      elem: item,
      elemKind: reprOf(kind === "filterMap" ? out : item),
      call: s.call,
      tupleLayout: tuple ? s.rt.tupleLayout(tuple) : undefined,
      tupleKinds: tuple ? tuple.elems.map(reprOf) : undefined,
    });
    return (it: Value, fn: Value) => {
      const rt = s.rt;
      const b = rt.handles.length;
      rt.handles.push(withFn ? fn : 0);
      const inner = toIter(it);
      const r = newIter(rt, d, 0, 0, 0, rt.handles[b], inner);
      rt.handles.length = b;
      return r;
    };
  };
  N[`${prefix}::map`] = adapter("map", true);
  N[`${prefix}::filter`] = adapter("filter", true);
  N[`${prefix}::filter_map`] = adapter("filterMap", true);
  N[`${prefix}::enumerate`] = adapter("enumerate", false);
  N[`${prefix}::cloned`] = adapter("cloned", false);
  N[`${prefix}::copied`] = adapter("cloned", false);
  N[`${prefix}::zip`] = (s) => {
    const toIter = src(s);
    const other = makeIter(s.rt, s.argTypes[1] ?? UNIT, "iterator", s.span);
    const out = itemOf(s.retType) as Type & { kind: "tuple" };
    const d = registerDesc(s.rt, { kind: "zip", elem: out, elemKind: SlotKind.Pointer, tupleLayout: s.rt.tupleLayout(out), tupleKinds: out.elems.map(reprOf) });
    return (a, b) => {
      const rt = s.rt;
      const base = rt.handles.length;
      rt.handles.push(toIter(a));
      rt.handles.push(other(b));
      const r = newIter(rt, d, 0, 0, 0, 0, rt.handles[base], rt.handles[base + 1]);
      rt.handles.length = base;
      return r;
    };
  };
  N[`${prefix}::chain`] = (s) => {
    const toIter = src(s);
    const other = makeIter(s.rt, s.argTypes[1] ?? UNIT, "iterator", s.span);
    const d = registerDesc(s.rt, { kind: "chain", elem: itemOf(s.retType), elemKind: reprOf(itemOf(s.retType)) });
    return (a, b) => {
      const rt = s.rt;
      const base = rt.handles.length;
      rt.handles.push(toIter(a));
      rt.handles.push(other(b));
      const r = newIter(rt, d, 0, 0, 0, 0, rt.handles[base], rt.handles[base + 1]);
      rt.handles.length = base;
      return r;
    };
  };
  for (const [name, kind] of [
    ["take", "take"],
    ["skip", "skip"],
    ["step_by", "stepBy"],
  ] as const) {
    N[`${prefix}::${name}`] = (s) => {
      const toIter = src(s);
      const d = registerDesc(s.rt, { kind, elem: itemOf(s.retType), elemKind: reprOf(itemOf(s.retType)) });
      const isRange = base(s.argTypes[0]).kind === "builtin" && (base(s.argTypes[0]) as { name: string }).name === "Range";
      return (it, n) => {
        const rt = s.rt;
        if (kind === "stepBy" && n === 0) rt.panic("P0105", "assertion failed: step != 0", s.span);
        if (kind === "stepBy" && isRange) {
          const h = rt.heap;
          const a = fromSlot(h.get(it, 0));
          const b = h.get(it, 2) ? succ(fromSlot(h.get(it, 1))) : fromSlot(h.get(it, 1));
          const rd = registerDescCached(rt, "range", itemOf(s.retType));
          return newIter(rt, rd, a, b, 0, 0, 0, 0, n);
        }
        return newIter(rt, d, 0, n, 0, 0, toIter(it));
      };
    };
  }
  N[`${prefix}::rev`] = (s) => {
    const toIter = src(s);
    const item = itemOf(s.retType);
    const vt: Type = { kind: "builtin", name: "Vec", args: [item] };
    const b0 = base(s.argTypes[0]);
    const isRange = b0.kind === "builtin" && b0.name === "Range";
    return (it) => {
      const rt = s.rt;
      const h = rt.heap;
      if (isRange) {
        const a = fromSlot(h.get(it, 0));
        const last = h.get(it, 2) ? fromSlot(h.get(it, 1)) : pred(fromSlot(h.get(it, 1)));
        const rd = registerDescCached(rt, "rangeRev", item);
        return newIter(rt, rd, last, a, 0);
      }
      // Materialize, then walk backwards.
      const base = rt.handles.length;
      rt.handles.push(toIter(it));
      rt.handles.push(rt.newVec(vt, item, 8));
      const k = reprOf(item);
      for (;;) {
        const x = next(rt, rt.handles[base]);
        if (x === DONE) break;
        rt.vecPush(rt.handles[base + 1], k, x, item);
      }
      const v = rt.handles[base + 1];
      rt.handles.length = base;
      return iterOfVec(rt, v, item, true);
    };
  };
  N[`${prefix}::next`] = (s) => {
    const toIter = src(s);
    return (it) => {
      const x = next(s.rt, toIter(it));
      const opt = optionOf(s.rt, s.retType);
      return x === DONE ? opt.none() : opt.some(x);
    };
  };
  const consume = (s: NativeSite, it: Value, each: (x: Value) => boolean | void) => {
    const rt = s.rt;
    const b = rt.handles.length;
    rt.handles.push(src(s)(it));
    try {
      for (;;) {
        const x = next(rt, rt.handles[b]);
        if (x === DONE) return;
        if (each(x) === false) return;
      }
    } finally {
      rt.handles.length = b;
    }
  };
  for (const [name, isSum] of [
    ["sum", true],
    ["product", false],
  ] as const) {
    N[`${prefix}::${name}`] = (s) => {
      const t = derefAll(s.retType);
      const f32 = t.kind === "float" && t.name === "f32";
      // A 64-bit total beyond ±2^53 is exact (int64.ts `wideArith`, which panics as Rust does).
      const wide = t.kind === "int" && isWideInt(t.name) ? t.name : null;
      return (it) => {
        let acc: Value = isSum ? 0 : 1;
        consume(s, it, (x) => {
          const v: Value = typeof x === "number" || typeof x === "bigint" ? x : fromSlot(s.rt.heap.get(s.rt.heap.getPtr(x, 0), s.rt.heap.get(x, 1)));
          if (wide !== null) {
            const r = typeof acc === "number" && typeof v === "number" ? (isSum ? acc + v : acc * v) : NaN;
            acc = Number.isSafeInteger(r) && (r >= 0 || wide[0] === "i") ? r : wideArith(s.rt, isSum ? "+" : "*", acc, v, wide, s.span);
            return;
          }
          acc = isSum ? acc + v : acc * v;
          if (f32) acc = Math.fround(acc);
          else if (t.kind === "int") checkedInt(s.rt, t, acc, isSum ? "add" : "multiply");
        });
        return acc === 0 ? 0 : acc;
      };
    };
  }
  N[`${prefix}::count`] = (s) => (it) => {
    let n = 0;
    consume(s, it, () => {
      n++;
    });
    return n;
  };
  N[`${prefix}::last`] = (s) => (it) => {
    let last: Value = DONE;
    const k = reprOf(itemOf(s.argTypes[0]));
    const b = s.rt.handles.length;
    s.rt.handles.push(0);
    consume(s, it, (x) => {
      last = x;
      if (k === SlotKind.Pointer) s.rt.handles[b] = x;
    });
    if (k === SlotKind.Pointer && last !== DONE) last = s.rt.handles[b];
    s.rt.handles.length = b;
    const opt = optionOf(s.rt, s.retType);
    return last === DONE ? opt.none() : opt.some(last);
  };
  for (const [name, sign] of [
    ["max", 1],
    ["min", -1],
  ] as const) {
    N[`${prefix}::${name}`] = (s) => {
      const item = itemOf(s.argTypes[0]);
      const ptr = reprOf(item) === SlotKind.Pointer;
      return (it) => {
        // The best item so far waits in the handle scope: pulling the next one may run a closure
        // (`.map(|r| r.level)`) and collect, which moves it.
        const rt = s.rt;
        const b = rt.handles.length;
        rt.handles.push(0);
        let best: Value = DONE;
        consume(s, it, (x) => {
          if (best !== DONE && ptr) best = rt.handles[b];
          if (best === DONE) best = x;
          else {
            const c = valueCompare(rt, x, best, item);
            // Rust: max returns the last maximum, min the first minimum.
            if (sign > 0 ? c >= 0 : c < 0) best = x;
          }
          if (ptr) rt.handles[b] = best;
        });
        if (best !== DONE && ptr) best = rt.handles[b];
        rt.handles.length = b;
        const opt = optionOf(rt, s.retType);
        return best === DONE ? opt.none() : opt.some(best);
      };
    };
  }
  N[`${prefix}::nth`] = (s) => (it, n) => {
    let i = 0;
    let found: Value = DONE;
    consume(s, it, (x) => {
      if (i++ === n) {
        found = x;
        return false;
      }
    });
    const opt = optionOf(s.rt, s.retType);
    return found === DONE ? opt.none() : opt.some(found);
  };
  const withFn = (s: NativeSite, it: Value, fn: Value, each: (x: Value, call: (x: Value) => Value) => boolean | void) => {
    const rt = s.rt;
    const b = rt.handles.length;
    rt.handles.push(fn);
    try {
      consume(s, it, (x) => each(x, (y) => s.call(rt.handles[b], [y])));
    } finally {
      rt.handles.length = b;
    }
  };
  N[`${prefix}::any`] = (s) => (it, fn) => {
    let r = false;
    withFn(s, it, fn, (x, call) => {
      if (call(x)) {
        r = true;
        return false;
      }
    });
    return r;
  };
  N[`${prefix}::all`] = (s) => (it, fn) => {
    let r = true;
    withFn(s, it, fn, (x, call) => {
      if (!call(x)) {
        r = false;
        return false;
      }
    });
    return r;
  };
  N[`${prefix}::position`] = (s) => (it, fn) => {
    let i = 0;
    let r = -1;
    withFn(s, it, fn, (x, call) => {
      if (call(x)) {
        r = i;
        return false;
      }
      i++;
    });
    const opt = optionOf(s.rt, s.retType);
    return r < 0 ? opt.none() : opt.some(r);
  };
  N[`${prefix}::find`] = (s) => {
    const k = reprOf(itemOf(s.argTypes[0]));
    return (it, fn) => {
      const rt = s.rt;
      let found: Value = DONE;
      const b = rt.handles.length;
      rt.handles.push(0);
      withFn(s, it, fn, (x, call) => {
        if (k === SlotKind.Pointer) rt.handles[b] = x;
        if (call(x)) {
          found = k === SlotKind.Pointer ? rt.handles[b] : x;
          return false;
        }
      });
      rt.handles.length = b;
      const opt = optionOf(rt, s.retType);
      return found === DONE ? opt.none() : opt.some(found);
    };
  };
  N[`${prefix}::for_each`] = (s) => (it, fn) => {
    withFn(s, it, fn, (x, call) => {
      call(x);
    });
  };
  N[`${prefix}::fold`] = (s) => {
    const accKind = reprOf(s.retType);
    return (it, init, fn) => {
      const rt = s.rt;
      const b = rt.handles.length;
      rt.handles.push(accKind === SlotKind.Pointer ? init : 0, fn);
      let acc = init;
      try {
        consume(s, it, (x) => {
          acc = s.call(rt.handles[b + 1], [accKind === SlotKind.Pointer ? rt.handles[b] : acc, x]);
          if (accKind === SlotKind.Pointer) rt.handles[b] = acc;
        });
        return accKind === SlotKind.Pointer ? rt.handles[b] : acc;
      } finally {
        rt.handles.length = b;
      }
    };
  };
  N[`${prefix}::collect`] = (s) => {
    const target = base(s.retType);
    const item = itemOf(s.argTypes[0]);
    const rt = s.rt;
    if (target.kind === "builtin" && target.name === "String") {
      const isChar = derefAll(item).kind === "char";
      return (it) => {
        let out = "";
        consume(s, it, (x) => {
          out += isChar ? String.fromCodePoint(x) : rt.str(x);
        });
        return rt.newString(out);
      };
    }
    if (target.kind === "builtin" && target.name === "Map") {
      const ops = getMapOps(rt, target);
      const pair = derefAll(item) as Type & { kind: "tuple" };
      const kinds = pair.kind === "tuple" ? pair.elems.map(reprOf) : [SlotKind.Scalar, SlotKind.Scalar];
      return (it) => {
        const b = rt.handles.length;
        rt.handles.push(ops.create());
        consume(s, it, (x) => {
          ops.insert(rt.handles[b], rt.load(x, 0, kinds[0]), rt.load(x, 1, kinds[1]));
        });
        const m = rt.handles[b];
        rt.handles.length = b;
        return m;
      };
    }
    const elem = argOf(s.retType);
    const k = reprOf(elem);
    return (it) => {
      const b = rt.handles.length;
      rt.handles.push(rt.newVec(s.retType, elem, 8));
      consume(s, it, (x) => {
        rt.vecPush(rt.handles[b], k, x, elem);
      });
      const v = rt.handles[b];
      rt.handles.length = b;
      return v;
    };
  };
}
iterNatives("Iter");
iterNatives("Range");

// ── tensors ──

function dtypeOf(t: Type): DType {
  const b = derefAll(t);
  return b.kind === "tensor" ? b.dtype : "f32";
}
function staticShape(t: Type): number[] | null {
  const b = derefAll(t);
  if (b.kind === "tensor" && b.shape && b.shape.every((d) => typeof d === "number")) return b.shape as number[];
  return null;
}
for (const name of ["zeros", "ones", "rand", "randn"] as const) {
  N[`Tensor::${name}`] = (s) => {
    const dt = dtypeOf(s.retType);
    const st = staticShape(s.retType);
    const shapeT = s.argTypes[0];
    return (shape) => {
      const dims = shapeT ? numbersOf(s.rt, shape, shapeT) : st ?? [];
      return s.rt.tensors[name](dims, dt);
    };
  };
}
N["Tensor::full"] = (s) => {
  const dt = dtypeOf(s.retType);
  return (shape, v) => s.rt.tensors.full(numbersOf(s.rt, shape, s.argTypes[0]), Number(v), dt);
};
N["Tensor::arange"] = (s) => {
  const dt = dtypeOf(s.retType);
  return (n) => s.rt.tensors.arange(n, dt);
};
N["Tensor::eye"] = (s) => {
  const dt = dtypeOf(s.retType);
  return (n) => s.rt.tensors.eye(n, dt);
};
N["Tensor::from"] = (s) => {
  const dt = dtypeOf(s.retType);
  return (data) => s.rt.tensors.from(nestedOf(s.rt, data, s.argTypes[0]), dt);
};
N["Tensor::concat"] = (s) => (v, dim) => {
  const rt = s.rt;
  const n = rt.heap.get(v, VEC_LEN);
  const d = rt.heap.getPtr(v, VEC_DATA);
  const ts: Tensor[] = [];
  for (let i = 0; i < n; i++) ts.push(rt.load(d, i, SlotKind.Tensor));
  return rt.tensors.concat(ts, dim);
};
N["Tensor::shape"] = (s) => {
  const vt: Type = { kind: "builtin", name: "Vec", args: [USIZE] };
  return (t: Tensor) => newVecFrom(s.rt, vt, USIZE, t.shape.slice());
};
N["Tensor::dtype"] = (s) => (t: Tensor) => s.rt.newString(t.dtype);
N["Tensor::device"] = (s) => () => s.rt.newString("cpu");
N["Tensor::numel"] = () => (t: Tensor) => t.numel();
N["Tensor::item"] = () => (t: Tensor) => t.item();
N["Tensor::get"] = (s) => (t: Tensor, idx) => t.get(numbersOf(s.rt, idx, s.argTypes[1]));
N["Tensor::matmul"] = () => (a: Tensor, b: Tensor) => a.matmul(b);
for (const name of ["sum", "mean", "max", "min", "argmax", "exp", "log", "sqrt", "abs", "relu", "sigmoid", "tanh", "t"] as const) {
  N[`Tensor::${name}`] = () => (a: Tensor) => a[name]();
}
for (const [name, method] of [
  ["sum_dim", "sumDim"],
  ["mean_dim", "meanDim"],
  ["max_dim", "maxDim"],
  ["min_dim", "minDim"],
  ["argmax_dim", "argmaxDim"],
  ["softmax", "softmax"],
] as const) {
  N[`Tensor::${name}`] = () => (a: Tensor, d: number) => a[method](d);
}
// The prelude types these as returning `Self`; on an i32 tensor the runtime would hand back an
// f32 tensor that the checker believes is i32 (PyTorch promotes sqrt/exp/.. and rejects
// mean/softmax/rand on Int). STARK keeps the static type true: they need a float tensor, P0402.
for (const name of ["mean", "mean_dim", "exp", "log", "sqrt", "sigmoid", "tanh", "softmax", "rand", "randn"]) {
  const inner = N[`Tensor::${name}`];
  N[`Tensor::${name}`] = (s) => {
    const impl = inner(s);
    const creates = name === "rand" || name === "randn";
    if (creates && dtypeOf(s.retType) === "i32")
      return () => s.rt.panic("P0402", `Tensor::${name} samples floating-point values: use f32 or f64, not i32`, s.span);
    if (creates) return impl;
    return (a: Tensor, d) => {
      if (a.dtype === "i32") return s.rt.panic("P0402", `${name}() needs a floating-point tensor (f32 or f64), but got i32`, s.span);
      return impl(a, d);
    };
  };
}
N["Tensor::reshape"] = (s) => (a: Tensor, shape) => a.reshape(numbersOf(s.rt, shape, s.argTypes[1]));
N["Tensor::transpose"] = () => (a: Tensor, d0, d1) => a.transpose(d0, d1);
N["Tensor::slice"] = () => (a: Tensor, d, b, e) => a.slice(d, b, e);
N["Tensor::fill_"] = () => (a: Tensor, v) => a.fill_(+v);
N["Tensor::add_"] = () => (a: Tensor, v) => a.add_(v);
N["Tensor::mul_"] = () => (a: Tensor, v) => a.mul_(v);
N["Tensor::sub_"] = (s) => (a: Tensor, v) => {
  if (typeof v === "number") a.add_(-v);
  else {
    const neg = (v as Tensor).neg();
    a.add_(neg);
    s.rt.freeTensor(neg);
  }
};
N["Tensor::zero_"] = () => (a: Tensor) => a.zero_();
N["Tensor::set"] = (s) => (a: Tensor, idx, v) => a.set(numbersOf(s.rt, idx, s.argTypes[1]), +v);
N["torch::manual_seed"] = (s) => (n) => s.rt.tensors.manualSeed(n);

// ── gc ──

const MODES: GCModeName[] = ["Throughput", "LowLatency", "Memory", "Training", "Inference"];
N["gc::collect"] = (s) => () => s.rt.heap.collectFull("gc::collect()");
N["gc::collect_young"] = (s) => () => s.rt.heap.collectYoung("gc::collect_young()");
N["gc::heap_size"] = (s) => () => s.rt.heap.heapSize();
N["gc::configure"] = (s) => {
  const t = derefAll(s.argTypes[0]) as Type & { kind: "adt" };
  return (cfg) => {
    const rt = s.rt;
    const h = rt.heap;
    const l = rt.adtLayout(t);
    const decl = t.decl;
    const field = (name: string) => {
      const i = decl.kind === "StructDecl" ? decl.fields.findIndex((f) => f.name.name === name) : -1;
      return i < 0 ? undefined : rt.load(cfg, i, l.kinds[i]);
    };
    const out: Partial<HeapGCConfig> = {};
    const mode = field("mode");
    if (mode) out.mode = MODES[h.get(mode, 0)] ?? "Throughput";
    const max = field("max_heap_size");
    if (max && h.get(max, 0) === variantIndex(l.fieldTypes[0][1] ?? UNIT, "Some")) out.maxHeapSize = h.get(max, 1);
    const young = field("young_gen_size");
    if (young) out.youngGenSize = young;
    const threads = field("concurrent_threads");
    if (threads) out.concurrentThreads = threads;
    const pause = field("pause_target");
    if (pause) out.pauseTargetMs = pause / 1e6;
    const tp = field("throughput_target");
    if (tp) out.throughputTarget = tp;
    h.configure(out);
  };
};
N["gc::stats"] = (s) => {
  const t = derefAll(s.retType) as Type & { kind: "adt" };
  return () => {
    const rt = s.rt;
    const st = rt.heap.stats();
    const l = rt.adtLayout(t);
    const p = rt.heap.alloc(l.layout);
    const values: Record<string, number> = {
      young_collections: st.youngCollections,
      full_collections: st.fullCollections,
      total_pause: durationNs(rt, st.totalPauseMs),
      max_pause: durationNs(rt, st.maxPauseMs),
      p99_pause: durationNs(rt, st.p99PauseMs),
      heap_used: st.heapUsed,
      heap_committed: st.heapCommitted,
      young_used: st.youngUsed,
      old_used: st.oldUsed,
      bytes_allocated: st.bytesAllocated,
      bytes_promoted: st.bytesPromoted,
      throughput: st.throughput,
      collections_at_boundary: st.collectionsAtBoundary,
      collections_in_step: st.collectionsInStep,
    };
    if (t.decl.kind === "StructDecl")
      t.decl.fields.forEach((f, i) => {
        if (l.kinds[i] === SlotKind.Scalar) rt.heap.set(p, i, values[f.name.name] ?? 0);
      });
    return p;
  };
};

// ── tensor storage ──

N["tensor::memory_stats"] = (s) => {
  const t = derefAll(s.retType) as Type & { kind: "adt" };
  return () => {
    const rt = s.rt;
    const st = rt.tensors.memoryStats();
    const l = rt.adtLayout(t);
    const p = rt.heap.alloc(l.layout);
    const values: Record<string, number> = { live_bytes: st.liveBytes, live_tensors: st.liveTensors, peak_bytes: st.peakBytes };
    if (t.decl.kind === "StructDecl")
      t.decl.fields.forEach((f, i) => {
        if (l.kinds[i] === SlotKind.Scalar) rt.heap.set(p, i, values[f.name.name] ?? 0);
      });
    return p;
  };
};

// Mutations of a Vec that a `for` loop is iterating (reachable only through an aliasing Gc
// handle) are conflicting accesses: P0301, like a RefCell's BorrowMutError.
for (const name of ["push", "pop", "insert", "remove", "swap", "truncate", "clear", "extend", "sort", "sort_by", "reverse", "retain", "dedup"]) {
  const inner = N[`Vec::${name}`];
  N[`Vec::${name}`] = (s) => {
    const impl = inner(s);
    const heap = s.rt.heap;
    return (v, a, b) => {
      const line = heap.get(v, VEC_ITERATING);
      if (line !== 0)
        s.rt.panic("P0301", `conflicting access: the Vec behind this Gc handle is being iterated (borrowed at line ${line}) and cannot be mutated`, s.span);
      return impl(v, a, b);
    };
  };
}

export const NATIVES: Record<string, NativeFactory> = N;

/** Qualified names of the natives the prelude declares that have no implementation here. */
export function missingNatives(declared: string[]): string[] {
  return declared.filter((n) => !(n in N));
}

export { formatValue, readPlace, StarkPanic };

// ── char (code points) ──

const charPred: Record<string, (c: string) => boolean> = {
  is_alphabetic: (c) => /\p{Alphabetic}/u.test(c),
  is_numeric: (c) => /\p{N}/u.test(c),
  is_alphanumeric: (c) => /[\p{Alphabetic}\p{N}]/u.test(c),
  is_whitespace: (c) => /\s/u.test(c),
  is_uppercase: (c) => /\p{Uppercase}/u.test(c),
  is_lowercase: (c) => /\p{Lowercase}/u.test(c),
  is_ascii_digit: (c) => c >= "0" && c <= "9",
  is_ascii_punctuation: (c) => /^[!-/:-@[-`{-~]$/.test(c),
};
for (const [name, pred] of Object.entries(charPred)) N[`char::${name}`] = () => (c: number) => pred(String.fromCodePoint(c));
N["char::from_u32"] = (s) => {
  const opt = optionOf(s.rt, s.retType);
  return (i: number) => (i > 0x10ffff || (i >= 0xd800 && i <= 0xdfff) ? opt.none() : opt.some(i));
};
N["char::from"] = () => (b: number) => b;
N["char::to_ascii_uppercase"] = () => (c: number) => (c >= 97 && c <= 122 ? c - 32 : c);
N["char::to_ascii_lowercase"] = () => (c: number) => (c >= 65 && c <= 90 ? c + 32 : c);
N["char::to_digit"] = (s) => (c: number, radix: number) => {
  const opt = optionOf(s.rt, s.retType);
  const ch = String.fromCodePoint(c).toLowerCase();
  const d = ch >= "0" && ch <= "9" ? ch.charCodeAt(0) - 48 : ch >= "a" && ch <= "z" ? ch.charCodeAt(0) - 87 : -1;
  return d >= 0 && d < radix ? opt.some(d) : opt.none();
};

/**
 * Add natives implemented outside the evaluator (the ML library's `Dataset::from_csv`,
 * `nn::Linear::new`, ...). Call before running a program; a name already bound is replaced.
 */
export function registerNatives(table: Record<string, NativeFactory>): void {
  for (const [name, factory] of Object.entries(table)) N[name] = factory;
}

// ── Default ──

/** `T::default()`: zero numbers, empty strings and collections, `None`, field-wise for structs. */
function defaultValue(rt: Runtime, t: Type): Value {
  const h = rt.heap;
  switch (t.kind) {
    case "int":
    case "float":
    case "char":
      return 0;
    case "bool":
      return false;
    case "tuple": {
      if (t.elems.length === 0) return undefined;
      const kinds = t.elems.map(reprOf);
      const base = rt.handles.length;
      for (const e of t.elems) rt.handles.push(reprOf(e) === SlotKind.Pointer ? defaultValue(rt, e) : 0);
      const p = h.alloc(rt.tupleLayout(t));
      t.elems.forEach((e, i) => rt.store(p, i, kinds[i], kinds[i] === SlotKind.Pointer ? rt.handles[base + i] : defaultValue(rt, e)));
      rt.handles.length = base;
      return p;
    }
    case "builtin":
      if (t.name === "String") return rt.newString("");
      if (t.name === "Vec") return rt.newVec(t, t.args[0] ?? UNIT, 4);
      if (t.name === "Map") return getMapOps(rt, t).create();
      return 0; // Duration and the rest: zero
    case "adt": {
      const l = rt.adtLayout(t);
      if (t.decl.kind === "EnumDecl") {
        const p = h.alloc(l.layout);
        h.set(p, 0, Math.max(0, variantIndex(t, "None"))); // None, else the first variant
        return p;
      }
      const types = l.fieldTypes[0];
      const base = rt.handles.length;
      for (const ft of types) rt.handles.push(reprOf(ft) === SlotKind.Pointer ? defaultValue(rt, ft) : 0);
      const p = h.alloc(l.layout);
      types.forEach((ft, i) => rt.store(p, i, l.kinds[i], l.kinds[i] === SlotKind.Pointer ? rt.handles[base + i] : defaultValue(rt, ft)));
      rt.handles.length = base;
      return p;
    }
    default:
      return 0;
  }
}
N["Default::default"] = (s) => {
  const t = derefAll(s.retType);
  return () => defaultValue(s.rt, t);
};
