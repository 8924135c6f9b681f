// Static type facts the evaluator needs: how a value of a type is represented at run time
// (unboxed scalar, managed pointer, owned tensor), substitution of generic parameters (the
// evaluator compiles generic code once per instantiation), and resolution of the type
// expressions written in struct/enum declarations (the checker resolves expression types,
// but field types exist only as written).

import type { EnumDecl, StructDecl, TraitDecl, TypeExpr } from "../syntax/ast";
import type { Type } from "../check/types";
import { SlotKind } from "../../heap/api";

/** Generic parameter name → concrete type, for the item being compiled. */
export type Subst = Map<string, Type>;
export const EMPTY_SUBST: Subst = new Map();

const INT_NAMES = new Set(["i8", "i16", "i32", "i64", "isize", "u8", "u16", "u32", "u64", "usize"]);

/** Replace generic parameters by their instantiation. Unknown parameters stay as they are. */
/**
 * How an associated type of an instantiated parameter is found at run time (`C::Item` with
 * C = `Words`: its impl's `type Item = String;`). Set per run by the session (items.ts `project`).
 */
let projector: ((base: Type, name: string) => Type | null) | null = null;

export function setProjector(p: ((base: Type, name: string) => Type | null) | null): void {
  projector = p;
}

export function substitute(t: Type, s: Subst): Type {
  if (s.size === 0) return t;
  switch (t.kind) {
    case "param": {
      const direct = s.get(t.name);
      if (direct) return direct;
      const cut = t.name.indexOf("::");
      if (cut > 0 && projector) {
        const base = s.get(t.name.slice(0, cut));
        if (base) return projector(base, t.name.slice(cut + 2)) ?? t;
      }
      return t;
    }
    case "tuple":
      return { kind: "tuple", elems: t.elems.map((e) => substitute(e, s)) };
    case "array":
      return { kind: "array", elem: substitute(t.elem, s), len: t.len };
    case "ref":
      return { kind: "ref", mutable: t.mutable, inner: substitute(t.inner, s) };
    case "adt":
      return { kind: "adt", decl: t.decl, args: t.args.map((a) => substitute(a, s)) };
    case "builtin":
      return { kind: "builtin", name: t.name, args: t.args.map((a) => substitute(a, s)) };
    case "fn":
      return { kind: "fn", callKind: t.callKind, params: t.params.map((p) => substitute(p, s)), ret: substitute(t.ret, s) };
    default:
      return t;
  }
}

/**
 * Bind generic parameters of `pattern` (a declared type, with `param`s) by matching it against
 * `actual` (a concrete type). Used at call sites to find a generic callee's instantiation.
 */
export function unify(pattern: Type, actual: Type, out: Map<string, Type>): void {
  if (pattern.kind === "param") {
    if (!out.has(pattern.name) && actual.kind !== "param" && actual.kind !== "var" && actual.kind !== "never") out.set(pattern.name, actual);
    return;
  }
  if (pattern.kind === "ref") {
    unify(pattern.inner, actual.kind === "ref" ? actual.inner : actual, out);
    return;
  }
  if (actual.kind === "ref") {
    unify(pattern, actual.inner, out);
    return;
  }
  if (pattern.kind !== actual.kind) return;
  switch (pattern.kind) {
    case "tuple":
      pattern.elems.forEach((e, i) => actual.kind === "tuple" && actual.elems[i] && unify(e, actual.elems[i], out));
      return;
    case "array":
      if (actual.kind === "array") unify(pattern.elem, actual.elem, out);
      return;
    case "adt":
    case "builtin":
      pattern.args.forEach((a, i) => {
        const b = (actual as { args: Type[] }).args[i];
        if (b) unify(a, b, out);
      });
      return;
    case "fn":
      if (actual.kind === "fn") {
        pattern.params.forEach((p, i) => actual.params[i] && unify(p, actual.params[i], out));
        unify(pattern.ret, actual.ret, out);
      }
      return;
  }
}

/** Whether a type (already substituted) is represented as an unboxed JS number/boolean/undefined. */
export function isScalar(t: Type): boolean {
  return reprOf(t) === SlotKind.Scalar;
}

/**
 * Run-time representation of a type, which is also the heap slot kind it needs.
 *
 * Scalars (numbers, bool, char, unit, Duration) are unboxed. Tensors are JS `Tensor` objects in
 * frames and handle ids in heap slots. Everything else is a managed pointer. A shared reference
 * `&T` has T's representation (nothing can change the referent while it lives, so a copy of a
 * scalar is indistinguishable); `&mut scalar` is a managed "place" object.
 */
export function reprOf(t: Type): SlotKind {
  switch (t.kind) {
    case "int":
    case "float":
    case "bool":
    case "char":
    case "never":
    case "var":
    case "param":
      return SlotKind.Scalar;
    case "tuple":
      return t.elems.length === 0 ? SlotKind.Scalar : SlotKind.Pointer;
    case "ref": {
      const inner = reprOf(t.inner);
      // A reference to a tensor does not own it: no collection may free it with the referrer.
      if (inner === SlotKind.Tensor || inner === SlotKind.TensorRef) return SlotKind.TensorRef;
      if (t.mutable) return inner === SlotKind.Scalar ? SlotKind.Pointer : inner;
      return inner;
    }
    case "builtin":
      return t.name === "Duration" ? SlotKind.Scalar : SlotKind.Pointer;
    case "tensor":
      return SlotKind.Tensor;
    default:
      return SlotKind.Pointer;
  }
}

/** Whether slots of this kind hold tensor handles (owned or not) rather than the value itself. */
export function isTensorKind(k: SlotKind): boolean {
  return k === SlotKind.Tensor || k === SlotKind.TensorRef;
}

/** Strip references: the type a place of this type ultimately holds. */
export function derefAll(t: Type): Type {
  while (t.kind === "ref") t = t.inner;
  return t;
}

export function isInt(t: Type): boolean {
  return t.kind === "int";
}
export function isFloat(t: Type): boolean {
  return t.kind === "float";
}

/** Copy or Move, with user ADTs Copy only under `#[derive(Copy)]`. */
export function isCopyType(t: Type): boolean {
  switch (t.kind) {
    case "int":
    case "float":
    case "bool":
    case "char":
    case "never":
      return true;
    case "tuple":
      return t.elems.every(isCopyType);
    case "array":
      return isCopyType(t.elem);
    case "ref":
      return !t.mutable;
    case "adt":
      // `#[derive(Copy)]` on a generic type (Option, Result) makes it Copy only where its
      // arguments are: an Option<Box<Node>> moves, so `drop(o)` clears o's slot (see movedSlot).
      return t.decl.attrs.some((a) => a.name === "derive" && a.args.includes("Copy")) && t.args.every(isCopyType);
    case "builtin":
      return t.name === "Gc" || t.name === "Duration" || t.name === "Range";
    case "fn":
      return t.callKind === "ptr";
    default:
      return false;
  }
}

/**
 * A Copy value that is a managed object (tuple, array, Copy struct) must be duplicated when it
 * is read by value from a place, or a later write through one copy would show in the other.
 */
export function needsCopyOnRead(t: Type): boolean {
  return isCopyType(t) && (t.kind === "tuple" || t.kind === "array" || t.kind === "adt") && reprOf(t) === SlotKind.Pointer;
}

const declIds = new WeakMap<object, number>();
let nextDeclId = 1;
function declId(d: object): number {
  let id = declIds.get(d);
  if (id === undefined) declIds.set(d, (id = nextDeclId++));
  return id;
}

/** A key that identifies a concrete type (two same-named structs get different keys). */
export function typeKey(t: Type): string {
  switch (t.kind) {
    case "int":
    case "float":
      return t.name;
    case "bool":
    case "char":
    case "never":
      return t.kind;
    case "tuple":
      return `(${t.elems.map(typeKey).join(",")})`;
    case "array":
      return `[${typeKey(t.elem)};${t.len}]`;
    case "ref":
      return `&${t.mutable ? "mut " : ""}${typeKey(t.inner)}`;
    case "adt":
      return `${t.decl.name.name}#${declId(t.decl)}<${t.args.map(typeKey).join(",")}>`;
    case "builtin":
      return `${t.name}<${t.args.map(typeKey).join(",")}>`;
    case "tensor":
      return `Tensor<${t.dtype}>`;
    case "fn":
      return `fn(${t.params.map(typeKey).join(",")})->${typeKey(t.ret)}`;
    case "dyn":
      return `dyn ${t.trait.name.name}#${declId(t.trait)}`;
    case "param":
      return `?${t.name}`;
    case "var":
      return "_";
  }
}

export function substKey(s: Subst): string {
  if (s.size === 0) return "";
  return [...s.entries()].map(([k, v]) => `${k}=${typeKey(v)}`).join(";");
}

/** The user and prelude type declarations, by name (user items shadow prelude ones). */
export interface TypeScope {
  types: Map<string, StructDecl | EnumDecl>;
  traits: Map<string, TraitDecl>;
}

/** Resolve a type as written in a declaration (a field type), given the generic arguments in scope. */
export function resolveTypeExpr(te: TypeExpr, env: Subst, scope: TypeScope): Type {
  switch (te.kind) {
    case "RefType":
      return { kind: "ref", mutable: te.mutable, inner: resolveTypeExpr(te.inner, env, scope) };
    case "TupleType":
      return { kind: "tuple", elems: te.elems.map((e) => resolveTypeExpr(e, env, scope)) };
    case "ArrayType": {
      const len = te.len.kind === "IntLit" ? Number(te.len.value) : 0;
      return { kind: "array", elem: resolveTypeExpr(te.elem, env, scope), len };
    }
    case "FnPtrType":
      return {
        kind: "fn",
        callKind: "ptr",
        params: te.params.map((p) => resolveTypeExpr(p, env, scope)),
        ret: te.ret ? resolveTypeExpr(te.ret, env, scope) : { kind: "tuple", elems: [] },
      };
    case "ImplTraitType":
    case "DynTraitType": {
      const b = te.bounds[0];
      const seg = b?.segments[b.segments.length - 1];
      if (seg?.fnSugar) {
        return {
          kind: "fn",
          callKind: (seg.name.name as "Fn" | "FnMut" | "FnOnce") ?? "Fn",
          params: seg.fnSugar.params.map((p) => resolveTypeExpr(p, env, scope)),
          ret: seg.fnSugar.ret ? resolveTypeExpr(seg.fnSugar.ret, env, scope) : { kind: "tuple", elems: [] },
        };
      }
      const tr = seg ? scope.traits.get(seg.name.name) : undefined;
      return tr ? { kind: "dyn", trait: tr } : { kind: "param", name: seg?.name.name ?? "?" };
    }
    case "NeverType":
      return { kind: "never" };
    case "SliceType":
      return { kind: "builtin", name: "Slice", args: [resolveTypeExpr(te.elem, env, scope)] };
    case "InferType":
    case "ShapeType":
      return { kind: "var", id: -1 };
    case "PathType": {
      const seg = te.segments[te.segments.length - 1];
      const name = seg.name.name;
      const args = (seg.args ?? []).map((a) => resolveTypeExpr(a, env, scope));
      if (te.segments.length === 1 && env.has(name)) return env.get(name)!;
      // `C::Item`, `Self::Item`: the associated type of the instantiated parameter.
      if (te.segments.length === 2 && !seg.args) {
        const head = te.segments[0].name.name;
        const base = env.get(head);
        if (base) return projector?.(base, name) ?? substitute({ kind: "param", name: `${head}::${name}` }, env);
      }
      if (INT_NAMES.has(name)) return { kind: "int", name: name as never };
      if (name === "f32" || name === "f64") return { kind: "float", name };
      if (name === "bool") return { kind: "bool" };
      if (name === "char") return { kind: "char" };
      if (name === "Tensor") {
        const dt = seg.args?.[0];
        const dtype = dt && dt.kind === "PathType" ? dt.segments[0].name.name : "f32";
        return { kind: "tensor", dtype: (dtype === "f64" || dtype === "i32" ? dtype : "f32") as never, shape: null };
      }
      if (seg.fnSugar) {
        return {
          kind: "fn",
          callKind: name as "Fn",
          params: seg.fnSugar.params.map((p) => resolveTypeExpr(p, env, scope)),
          ret: seg.fnSugar.ret ? resolveTypeExpr(seg.fnSugar.ret, env, scope) : { kind: "tuple", elems: [] },
        };
      }
      const decl = scope.types.get(name);
      if (decl) return { kind: "adt", decl, args };
      const trait = scope.traits.get(name);
      if (trait) return { kind: "dyn", trait };
      const builtins = ["String", "Vec", "Map", "Box", "LRUCache", "Gc", "Iter", "Range", "Duration", "GCStats", "Dataset", "Batch", "Model"];
      if (builtins.includes(name)) return { kind: "builtin", name: name as never, args };
      return { kind: "param", name };
    }
  }
}

/** The values each integer type holds, within the exact range of a JS number (±2^53). */
/** The width of each integer type (`isize`/`usize` are 64-bit). */
export const INT_BITS: Record<string, number> = { i8: 8, i16: 16, i32: 32, i64: 64, isize: 64, u8: 8, u16: 16, u32: 32, u64: 64, usize: 64 };

export const INT_RANGE: Record<string, [number, number]> = {
  i8: [-128, 127],
  i16: [-32768, 32767],
  i32: [-2147483648, 2147483647],
  i64: [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  isize: [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  u8: [0, 255],
  u16: [0, 65535],
  u32: [0, 4294967295],
  u64: [0, Number.MAX_SAFE_INTEGER],
  usize: [0, Number.MAX_SAFE_INTEGER],
};
