// Display and Debug of STARK values by static type, and f-string format specs, exactly as
// Rust's `format!` prints them (LANGUAGE.md §4.7): `print(x)` uses Display for primitives,
// strings and tensors and Debug for everything else.

import { SlotKind } from "../../heap/api";
import type { Type } from "../check/types";
import type { FormatSpec } from "../syntax/ast";
import type { Tensor } from "../tensor/api";
import { collectionDebug } from "./collections";
import { MapOps, keyOpsFor } from "./map";
import { durationDebug, escapeDebug, floatDebug, floatDisplay, floatFixed, intDisplay, intExponent } from "./numfmt";
import { Runtime, Value, VEC_DATA, VEC_LEN } from "./runtime";
import { located, locateSlice } from "./sliceview";
import { INT_BITS, reprOf, typeKey } from "./typeinfo";

const mapOpsCache = new WeakMap<Runtime, Map<string, MapOps>>();

/** The table operations for one `Map<K, V>` (or LRUCache) instantiation. */
export function getMapOps(rt: Runtime, mapType: Type): MapOps {
  let cache = mapOpsCache.get(rt);
  if (!cache) mapOpsCache.set(rt, (cache = new Map()));
  const key = typeKey(mapType);
  let ops = cache.get(key);
  if (!ops) {
    const args = mapType.kind === "builtin" ? mapType.args : [];
    const k = args[0] ?? { kind: "int", name: "i64" };
    const v = args[1] ?? { kind: "int", name: "i64" };
    ops = new MapOps(rt, mapType, k, v, keyOpsFor(k, (x) => formatValue(rt, x, k, true, null)));
    cache.set(key, ops);
  }
  return ops;
}

/** Whether `print(x)` / `{x}` shows this type in Display form (else Debug). */
export function hasDisplay(t: Type): boolean {
  while (t.kind === "ref") t = t.inner;
  switch (t.kind) {
    case "int":
    case "float":
    case "bool":
    case "char":
    case "tensor":
      return true;
    case "builtin":
      return t.name === "String" || ((t.name === "Box" || t.name === "Gc") && t.args[0] !== undefined && hasDisplay(t.args[0]));
    default:
      return false;
  }
}

/** Format a value: `debug` selects Debug, `spec` carries precision (applied to floats) — no padding here. */
export function formatValue(rt: Runtime, v: Value, t: Type, debug: boolean, precision: number | null): string {
  const s = formatValueInner(rt, v, t, debug, precision);
  if (leafSpec === null) return s;
  const base = derefType(t);
  if (base.kind === "int" || base.kind === "float" || base.kind === "bool" || base.kind === "char" || (base.kind === "builtin" && base.name === "String")) {
    return pad(s, leafSpec, base.kind === "int" || base.kind === "float");
  }
  return s;
}

/**
 * Rust's Debug of a collection hands the formatter (width, fill, sign) to every element:
 * `{:5?}` of `vec![1, 2]` is `[    1,     2]`. Set while formatting such a value.
 */
let leafSpec: FormatSpec | null = null;

function formatValueInner(rt: Runtime, v: Value, t: Type, debug: boolean, precision: number | null): string {
  switch (t.kind) {
    case "int":
      return intDisplay(v, t.name);
    case "float": {
      const f32 = t.name === "f32";
      if (precision !== null) return floatFixed(f32 ? Math.fround(v) : v, precision);
      return debug ? floatDebug(v, f32) : floatDisplay(v, f32);
    }
    case "bool":
      return v ? "true" : "false";
    case "char": {
      const s = String.fromCodePoint(v);
      return debug ? `'${escapeDebug(s, "'")}'` : s;
    }
    case "never":
      return "!";
    case "tuple": {
      if (t.elems.length === 0) return "()";
      const parts = t.elems.map((et, i) => formatValue(rt, rt.load(v, i, reprOf(et)), et, true, precision));
      return t.elems.length === 1 ? `(${parts[0]},)` : `(${parts.join(", ")})`;
    }
    case "array": {
      const parts: string[] = [];
      const k = reprOf(t.elem);
      const n = rt.heap.length(v);
      for (let i = 0; i < n; i++) parts.push(formatValue(rt, rt.load(v, i, k), t.elem, true, precision));
      return `[${parts.join(", ")}]`;
    }
    case "ref": {
      if (t.mutable && reprOf(t.inner) === SlotKind.Scalar) {
        const target = rt.heap.getPtr(v, 0);
        return formatValue(rt, rt.heap.get(target, rt.heap.get(v, 1)), t.inner, debug, precision);
      }
      return formatValue(rt, v, t.inner, debug, precision);
    }
    case "tensor":
      return v ? (v as Tensor).toString() : "tensor(<moved>)";
    case "fn":
      return "<closure>";
    case "dyn": {
      const concrete = rt.layoutTypes[rt.heap.layoutOf(v)];
      if (concrete && reprOf(concrete) === SlotKind.Scalar) return formatValue(rt, rt.heap.get(v, 0), concrete, debug, precision);
      return concrete ? formatValue(rt, v, concrete, debug, precision) : `<dyn ${t.trait.name.name}>`;
    }
    case "adt":
      return formatAdt(rt, v, t, precision);
    case "builtin":
      return formatBuiltin(rt, v, t, debug, precision);
    default:
      return String(v);
  }
}

function formatAdt(rt: Runtime, p: Value, t: Type & { kind: "adt" }, precision: number | null): string {
  const collection = collectionDebug(rt, p, t, precision);
  if (collection !== null) return collection;
  const l = rt.adtLayout(t);
  const decl = t.decl;
  let name: string;
  let shape: "named" | "tuple" | "unit";
  let fields: { name: string }[];
  let start: number;
  let types: Type[];
  if (decl.kind === "StructDecl") {
    name = decl.name.name;
    shape = decl.shape;
    fields = decl.fields.map((f) => ({ name: f.name.name }));
    start = 0;
    types = l.fieldTypes[0];
  } else {
    const tag = rt.heap.get(p, 0);
    const variant = decl.variants[tag];
    name = variant.name.name;
    shape = variant.shape;
    fields = variant.fields.map((f) => ({ name: f.name.name }));
    start = l.offsets[tag];
    types = l.fieldTypes[tag];
  }
  if (shape === "unit" || fields.length === 0) return name;
  const vals = types.map((ft, i) => formatValue(rt, rt.load(p, start + i, l.kinds[start + i]), ft, true, precision));
  if (shape === "tuple") return `${name}(${vals.join(", ")})`;
  return `${name} { ${fields.map((f, i) => `${f.name}: ${vals[i]}`).join(", ")} }`;
}

function formatBuiltin(rt: Runtime, v: Value, t: Type & { kind: "builtin" }, debug: boolean, precision: number | null): string {
  const h = rt.heap;
  switch (t.name) {
    case "String": {
      const s = rt.str(v);
      if (!debug) return precision !== null ? [...s].slice(0, precision).join("") : s;
      return `"${escapeDebug(s, '"')}"`;
    }
    case "Vec": {
      const elem = t.args[0];
      const k = reprOf(elem);
      const n = h.get(v, VEC_LEN);
      const data = h.getPtr(v, VEC_DATA);
      const parts: string[] = [];
      for (let i = 0; i < n; i++) parts.push(formatValue(rt, rt.load(data, i, k), elem, true, precision));
      return `[${parts.join(", ")}]`;
    }
    case "Slice": {
      const elem = t.args[0];
      const k = reprOf(elem);
      const data = locateSlice(rt, v);
      const { start, len } = located;
      const parts: string[] = [];
      for (let i = 0; i < len; i++) parts.push(formatValue(rt, rt.load(data, start + i, k), elem, true, precision));
      return `[${parts.join(", ")}]`;
    }
    case "Map":
    case "LRUCache": {
      const mapPtr = t.name === "LRUCache" ? h.getPtr(v, 0) : v;
      const ops = getMapOps(rt, { kind: "builtin", name: "Map", args: t.args });
      const parts = ops
        .entries(mapPtr)
        .map((e) => `${formatValue(rt, ops.keyAt(mapPtr, e), ops.keyType, true, precision)}: ${formatValue(rt, ops.valAt(mapPtr, e), ops.valType, true, precision)}`);
      return `{${parts.join(", ")}}`;
    }
    case "Box":
    case "Gc": {
      const inner = t.args[0];
      if (!inner) return "<box>";
      if (reprOf(inner) === SlotKind.Pointer) return formatValue(rt, v, inner, debug, precision);
      return formatValue(rt, rt.load(v, 0, reprOf(inner)), inner, debug, precision);
    }
    case "Duration":
      return durationDebug(v);
    case "Range": {
      const a = h.get(v, 0);
      const b = h.get(v, 1);
      return `${a}${h.get(v, 2) ? "..=" : ".."}${b}`;
    }
    default: {
      const concrete = rt.layoutTypes[h.layoutOf(v)];
      if (concrete && concrete !== t && concrete.kind === "adt") return formatValue(rt, v, concrete, debug, precision);
      return t.name;
    }
  }
}

/** `{x:spec}`: Display or Debug, then sign, precision, width/alignment/fill as Rust does. */
export function formatWithSpec(rt: Runtime, v: Value, t: Type, spec: FormatSpec | null): string {
  if (!spec) return formatValue(rt, v, t, !hasDisplay(t), null);
  const base = derefType(t);
  const numeric = base.kind === "int" || base.kind === "float";
  if (spec.radix && base.kind === "int") return pad(radixText(v, base.name, spec.radix, spec.alternate === true), spec, true);
  if (spec.exponent && base.kind === "int") return pad(intExponent(v, spec.precision, spec.exponent), spec, true);
  if (spec.exponent && numeric) return pad(exponentText(v as number, base.kind === "float" && base.name === "f32", spec.precision, spec.exponent), spec, true);
  if (spec.debug && spec.alternate) return pad(prettyDebug(formatValue(rt, v, t, true, spec.precision)), spec, false);
  if (!hasDisplay(t) && (spec.width !== null || spec.sign)) {
    // An aggregate in Debug form: the width/sign apply to each element, as in Rust.
    const saved = leafSpec;
    leafSpec = spec;
    try {
      return formatValueInner(rt, v, t, true, spec.precision);
    } finally {
      leafSpec = saved;
    }
  }
  return pad(formatValue(rt, v, t, spec.debug || !hasDisplay(t), spec.precision), spec, numeric);
}

const RADIX = { x: 16, X: 16, b: 2, o: 8 } as const;

/** `{:x}` `{:X}` `{:b}` `{:o}`: a negative value shows its two's complement bits, as in Rust; `#` adds `0x`/`0b`/`0o`. */
export function radixText(v: number | bigint, intName: string, radix: "x" | "X" | "b" | "o", alternate: boolean): string {
  const bits = BigInt.asUintN(INT_BITS[intName] ?? 64, BigInt(v));
  const digits = bits.toString(RADIX[radix]);
  const body = radix === "X" ? digits.toUpperCase() : digits;
  return alternate ? `0${radix === "X" ? "x" : radix}${body}` : body;
}

/** `{:e}` / `{:.2e}`: Rust's scientific notation (`1.2345e3`, `1.2e-4`; no `+`, no padding of the exponent). */
export function exponentText(x: number, f32: boolean, precision: number | null, e: "e" | "E"): string {
  if (!Number.isFinite(x)) return floatDisplay(x, f32);
  let text: string;
  if (precision !== null) text = x.toExponential(precision);
  else if (x === 0) text = "0e0";
  else {
    const shown = Number(floatDisplay(Math.abs(x), f32));
    text = (x < 0 ? "-" : "") + shown.toExponential();
  }
  const [mant, exp] = text.split("e");
  return `${mant}${e}${Number(exp ?? 0)}`;
}

/**
 * `{:#?}`: Rust's pretty Debug, from the one-line Debug text: after each opening bracket a new
 * line one level deeper, each element on its own line ending in `,`, the closing bracket on a line
 * of its own; empty brackets stay `[]`. Text inside string and char literals is left alone.
 */
export function prettyDebug(s: string): string {
  let out = "";
  let depth = 0;
  const indent = () => "\n" + "    ".repeat(depth);
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '"' || c === "'") {
      // A string or char literal (a quote appears in Debug text only as one, or inside one).
      let j = i + 1;
      while (j < s.length && s[j] !== c) j += s[j] === "\\" ? 2 : 1;
      out += s.slice(i, j + 1);
      i = j;
    } else if (c === "[" || c === "(" || c === "{") {
      const close = c === "[" ? "]" : c === "(" ? ")" : "}";
      // `Point { x: 1 }` and `{"a": 1}` have a space inside the braces.
      const inner = c === "{" && s[i + 1] === " " ? i + 2 : i + 1;
      if (s[i + 1] === close || (c === "{" && s[i + 1] === " " && s[i + 2] === "}")) {
        out += c + close;
        i = s[i + 1] === close ? i + 1 : i + 2;
        continue;
      }
      depth++;
      out += c + indent();
      i = inner - 1;
    } else if (c === "]" || c === ")" || c === "}") {
      depth--;
      out = out.replace(/ $/, "");
      out += "," + indent() + c;
    } else if (c === "," && s[i + 1] === " ") {
      out += "," + indent();
      i++;
    } else out += c;
  }
  return out;
}

/** Sign, then width with fill and alignment (numbers right-aligned by default), as Rust pads. */
function pad(s: string, spec: FormatSpec, numeric: boolean): string {
  if (spec.sign && numeric && !s.startsWith("-")) s = "+" + s;
  const width = spec.width ?? 0;
  const len = [...s].length;
  if (len >= width) return s;
  const pad = width - len;
  // `{:08.2}`: sign-aware zero padding for numbers.
  if (spec.align === null && spec.fill === "0" && numeric) {
    const signLen = (s.startsWith("-") || s.startsWith("+") ? 1 : 0) + (/^[-+]?0[xbo]/.test(s) && spec.alternate ? 2 : 0);
    return s.slice(0, signLen) + "0".repeat(pad) + s.slice(signLen);
  }
  const fill = spec.fill && !(spec.align === null && spec.fill === "0") ? spec.fill : " ";
  const align = spec.align ?? (numeric ? ">" : "<");
  if (align === ">") return fill.repeat(pad) + s;
  if (align === "<") return s + fill.repeat(pad);
  const left = Math.floor(pad / 2);
  return fill.repeat(left) + s + fill.repeat(pad - left);
}

function derefType(t: Type): Type {
  while (t.kind === "ref") t = t.inner;
  return t;
}
