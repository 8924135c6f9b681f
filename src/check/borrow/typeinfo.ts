// What the borrow checker needs to know about types: Copy or Move, and whether a value of the
// type can carry a borrow (a reference, an iterator over a borrowed collection, a closure that
// captured by reference, an `Option<&T>` ...).

import type { EnumDecl, FnDecl, GenericParam, Item, StructDecl, TypeExpr } from "../../syntax/ast";
import { loadPrelude } from "../index";
import { isCopy, type Type } from "../types";

export type CopyAdt = (decl: StructDecl | EnumDecl, args: Type[]) => boolean;

/** Until the checker supplies its derive-aware predicate: `#[derive(Copy)]` makes an ADT Copy. */
export const deriveCopyAdt: CopyAdt = (decl) =>
  decl.attrs.some((a) => a.name === "derive" && a.args.includes("Copy"));

export class TypeInfo {
  /** `isCopyType`: the checker's derive(Copy)-aware predicate when it supplies one. */
  constructor(
    private readonly copyAdt: CopyAdt,
    private readonly isCopyType?: (t: Type) => boolean,
    /** The checker's field types of a struct instance (for `..base`); without it `..base` only reads. */
    readonly structFieldTypes?: (decl: StructDecl, args: Type[]) => Type[],
  ) {}

  /** Generic parameters bounded by `Copy` in the body being checked (`fn f<T: Copy>`). */
  copyParams: Set<string> = new Set();

  /** A missing type (checker gap) is treated as Copy so that it never produces a false move error. */
  isCopy(t: Type | undefined): boolean {
    if (!t) return true;
    if (this.copyParams.size) {
      if (t.kind === "param") return this.copyParams.has(t.name);
      if (t.kind === "tuple") return t.elems.every((e) => this.isCopy(e));
      if (t.kind === "array") return this.isCopy(t.elem);
    }
    switch (t.kind) {
      // Answers that depend on nothing but the type's own head: the checker's predicate would
      // resolve (deep-copy) the type first and give the same answer. Asked at every use of a place.
      case "int":
      case "float":
      case "bool":
      case "char":
      case "never":
      case "ref":
      case "builtin":
      case "fn":
      case "tensor":
        return isCopy(t, this.copyAdt);
    }
    if (this.isCopyType) return this.isCopyType(t);
    return isCopy(t, this.copyAdt);
  }

  private readonly holdsRefs = new Map<StructDecl, boolean>();

  /** A struct with a reference among its fields (`struct View { data: &Vec<i32> }`) carries borrows. */
  private structHoldsRefs(decl: StructDecl, args: Type[], depth: number): boolean {
    if (!this.structFieldTypes) return false;
    const known = args.length === 0 ? this.holdsRefs.get(decl) : undefined;
    if (known !== undefined) return known;
    if (args.length === 0) this.holdsRefs.set(decl, false); // a recursive struct: assume no while computing
    // A trait object written in a field (`f: Box<dyn Fn(i32) -> i32>`) is `+ 'static` in Rust:
    // the closure it holds borrows nothing, so the struct carries no borrow through it.
    const holds = this.structFieldTypes(decl, args).some((f, i) => this.carriesLoans(f, depth + 1, mentionsDyn(decl.fields[i]?.ty)));
    if (args.length === 0) this.holdsRefs.set(decl, holds);
    return holds;
  }

  private readonly enumRefs = new Map<EnumDecl, boolean>();

  /** An enum with a variant field written as a reference type (`Token::Word(&String)`) carries borrows. */
  private enumHoldsRefs(decl: EnumDecl): boolean {
    // Asked for every `Option<T>` value: the walk over the declaration's fields is done once.
    let known = this.enumRefs.get(decl);
    if (known === undefined) this.enumRefs.set(decl, (known = this.enumFieldsMentionRefs(decl)));
    return known;
  }

  private enumFieldsMentionRefs(decl: EnumDecl): boolean {
    const hasRef = (x: unknown, d: number): boolean => {
      if (!x || typeof x !== "object" || d > 12) return false;
      if (Array.isArray(x)) return x.some((y) => hasRef(y, d + 1));
      const o = x as { kind?: string };
      if (o.kind === "RefType") return true;
      return Object.entries(o).some(([k, v]) => k !== "span" && hasRef(v, d + 1));
    };
    return decl.variants.some((v) => v.fields.some((f) => hasRef(f.ty, 0)));
  }

  /**
   * Can a value of this type hold a borrow? Conservative for closures and iterators.
   * `staticClosures`: the type was written with `dyn` in a struct field, so its closures are `'static`.
   */
  carriesLoans(t: Type | undefined, depth = 0, staticClosures = false): boolean {
    if (!t || depth > 8) return false;
    switch (t.kind) {
      case "ref":
        return true;
      case "fn":
        return t.callKind !== "ptr" && !staticClosures;
      case "builtin":
        if (t.name === "Iter") return true;
        if (t.name === "Gc") return false;
        return this.anyCarries(t.args, depth + 1, staticClosures);
      case "adt":
        if (this.anyCarries(t.args, depth + 1, staticClosures)) return true;
        if (t.decl.kind === "EnumDecl") return this.enumHoldsRefs(t.decl);
        return this.structHoldsRefs(t.decl, t.args, depth);
      case "tuple":
        return this.anyCarries(t.elems, depth + 1, staticClosures);
      case "array":
        return this.carriesLoans(t.elem, depth + 1, staticClosures);
      case "dyn":
        // A trait object may be a struct holding a borrow (`let p: Box<dyn Plugin> = Box::new(View
        // { data: &v })`: rustc infers the object's lifetime in a `let`); one written in a field is `'static`.
        return !staticClosures;
      default:
        return false;
    }
  }

  private readonly dropStructs = new Map<StructDecl, boolean>();

  /**
   * Does dropping a value of this type run code (free a String, a Vec, a tensor)? Rust then
   * assigns by dropping the old value first. Plain data (numbers, references, structs of them)
   * does not.
   */
  needsDrop(t: Type | undefined, depth = 0): boolean {
    if (!t || depth > 8) return false;
    switch (t.kind) {
      case "builtin":
        return t.name !== "Gc";
      case "tensor":
      case "param":
      case "fn":
        return true;
      case "tuple":
        return t.elems.some((x) => this.needsDrop(x, depth + 1));
      case "array":
        return this.needsDrop(t.elem, depth + 1);
      case "adt": {
        if (t.decl.kind === "EnumDecl") return t.args.some((x) => this.needsDrop(x, depth + 1)) || !this.isCopy(t);
        // Asked at every assignment: a struct without type arguments is answered once.
        const known = t.args.length === 0 ? this.dropStructs.get(t.decl) : undefined;
        if (known !== undefined) return known;
        if (t.args.length === 0) this.dropStructs.set(t.decl, true); // recursive: assume so while computing
        const r = this.structFieldTypes ? this.structFieldTypes(t.decl, t.args).some((f) => this.needsDrop(f, depth + 1)) : !this.isCopy(t);
        if (t.args.length === 0) this.dropStructs.set(t.decl, r);
        return r;
      }
      default:
        return false;
    }
  }

  /** An indexed loop, not `.some(closure)`: asked for nearly every expression the lowering visits. */
  private anyCarries(ts: Type[], depth: number, staticClosures = false): boolean {
    for (let i = 0; i < ts.length; i++) if (this.carriesLoans(ts[i], depth, staticClosures)) return true;
    return false;
  }
}

/**
 * Does a written type own a trait object (`Box<dyn Fn()>`, `Vec<Box<dyn Shape>>`, also behind a
 * reference: `&mut Vec<Box<dyn Fn()>>`)? Such an object is `'static` in Rust. One directly behind
 * a reference (`&dyn Fn()`) lives as long as the reference instead, so it does not count.
 */
export function mentionsDyn(t: TypeExpr | null | undefined): boolean {
  if (!t) return false;
  // Asked for every argument of every call: a declared type is walked once.
  let known = mentionsDynMemo.get(t);
  if (known === undefined) mentionsDynMemo.set(t, (known = typeMentionsDyn(t)));
  return known;
}

const mentionsDynMemo = new WeakMap<TypeExpr, boolean>();

function typeMentionsDyn(t: TypeExpr): boolean {
  switch (t.kind) {
    case "DynTraitType":
      return true;
    case "PathType":
      return t.segments.some((seg) => !!seg.args && seg.args.some(mentionsDyn));
    case "RefType":
      // `&dyn Fn()` borrows its object; `&mut Vec<Box<dyn Fn()>>` still owns `'static` ones.
      return t.inner.kind !== "DynTraitType" && mentionsDyn(t.inner);
    case "TupleType":
      return t.elems.some(mentionsDyn);
    case "ArrayType":
      return mentionsDyn(t.elem);
    default:
      return false;
  }
}

/** Does a written type name one of the type parameters `names` (`T`, `Vec<T>`, `&T`, `Option<(K, V)>`)? */
export function mentionsTypeParam(t: TypeExpr | null | undefined, names: ReadonlySet<string>): boolean {
  if (!t || names.size === 0) return false;
  switch (t.kind) {
    case "PathType":
      if (t.segments.length === 1 && names.has(t.segments[0].name.name)) return true;
      return t.segments.some(
        (seg) =>
          (!!seg.args && seg.args.some((a) => mentionsTypeParam(a, names))) ||
          (!!seg.fnSugar && (seg.fnSugar.params.some((a) => mentionsTypeParam(a, names)) || mentionsTypeParam(seg.fnSugar.ret, names))),
      );
    case "RefType":
      return mentionsTypeParam(t.inner, names);
    case "TupleType":
      return t.elems.some((x) => mentionsTypeParam(x, names));
    case "ArrayType":
      return mentionsTypeParam(t.elem, names);
    case "ImplTraitType":
    case "DynTraitType":
      return t.bounds.some((b) => mentionsTypeParam(b, names));
    default:
      return false;
  }
}

/** Names of the generic parameters bounded by `Copy` among `generics`. */
export function copyBoundParams(generics: GenericParam[]): string[] {
  return generics
    .filter((g) => g.bounds.some((b) => b.kind === "PathType" && b.segments[b.segments.length - 1].name.name === "Copy"))
    .map((g) => g.name);
}

export function stripRefs(t: Type | undefined): Type | undefined {
  while (t && t.kind === "ref") t = t.inner;
  return t;
}

/** A container of tensors (`Vec<Tensor>`, `Map<String, Tensor>`): what it keeps may be a view borrowing its base. */
export function holdsTensors(t: Type | undefined): boolean {
  return t?.kind === "builtin" && t.name !== "Gc" && t.args.some((a) => isTensor(a) || holdsTensors(a));
}

export function isTensor(t: Type | undefined): boolean {
  const s = stripRefs(t);
  return !!s && s.kind === "tensor";
}

export function builtinName(t: Type | undefined): string | null {
  const s = stripRefs(t);
  return s && s.kind === "builtin" ? s.name : null;
}

/**
 * Tensor methods whose result is a view sharing the receiver's storage (LANGUAGE.md §6): the
 * view borrows the receiver, so the receiver cannot be mutated, moved or dropped while it lives
 * (a view of a temporary takes the temporary's storage and borrows nothing).
 */
export const TENSOR_VIEW_METHODS: ReadonlySet<string> = new Set([
  "reshape", "view", "transpose", "t", "slice", "permute", "unsqueeze", "squeeze", "squeeze_dim",
]);

/**
 * Does a written type contain a reference (`&T`, `Option<&mut T>`, ...)? `Iter<T>` counts as one:
 * it stands for Rust's iterator types, which borrow what they iterate (`Chars<'_>`, `Split<'_>`).
 */
export function mentionsRef(t: unknown): boolean {
  if (!t || typeof t !== "object") return false;
  // Asked at every call of a user method (its declared result): each written type is walked once.
  let known = mentionsRefMemo.get(t);
  if (known === undefined) mentionsRefMemo.set(t, (known = typeMentionsRef(t)));
  return known;
}

const mentionsRefMemo = new WeakMap<object, boolean>();

function typeMentionsRef(t: unknown): boolean {
  if (!t || typeof t !== "object") return false;
  const k = (t as { kind?: string }).kind;
  if (k === "RefType") return true;
  if (k === "PathType" && (t as { segments: { name: { name: string } }[] }).segments[0]?.name.name === "Iter") return true;
  for (const [k, v] of Object.entries(t)) {
    if (k === "span" || k === "res") continue;
    if (Array.isArray(v) ? v.some(typeMentionsRef) : typeMentionsRef(v)) return true;
  }
  return false;
}

/** What the borrow checker reads from a native's prelude declaration. */
interface NativeSig {
  /** Its result names a reference: it borrows from the receiver (Rust's elision rule). */
  resultBorrows: boolean;
  /** Which parameters (after `self`) are declared as references. */
  refParams: boolean[];
  /** The closure trait each parameter is bounded by (`impl FnMut(&T) -> bool`), or null. */
  closureBounds: (ClosureBound | null)[];
}

/** The closure trait a parameter asks for: a closure argument is checked against it, as rustc does. */
export type ClosureBound = "Fn" | "FnMut" | "FnOnce";

/**
 * The closure trait parameter i of `decl` (after `self`) is bounded by: `f: impl Fn()`,
 * `f: &dyn Fn()`, `f: F` with `F: FnMut(i32)` among the function's generics, or null.
 */
export function closureBoundOf(decl: FnDecl, i: number): ClosureBound | null {
  const p = decl.params[i];
  return p ? closureBoundOfType(decl, p.ty) : null;
}

function closureBoundOfType(decl: FnDecl, t: TypeExpr): ClosureBound | null {
  let bounds: readonly TypeExpr[] = [];
  if (t.kind === "RefType" && t.inner.kind === "DynTraitType") bounds = t.inner.bounds; // `f: &dyn Fn(i32)`
  else if (t.kind === "ImplTraitType") bounds = t.bounds;
  else if (t.kind === "PathType" && t.segments.length === 1) {
    const g = decl.generics.find((x) => x.name === t.segments[0].name.name);
    if (g) bounds = g.bounds;
  }
  for (const b of bounds) {
    if (b.kind !== "PathType") continue;
    const name = b.segments[b.segments.length - 1].name.name;
    if (name === "Fn" || name === "FnMut" || name === "FnOnce") return name;
  }
  return null;
}

/**
 * The closure trait of a written `Box<dyn Fn(..)>` / `Box<dyn FnMut(..)>`: a closure boxed where
 * that type is expected (`let cb: Box<dyn Fn()> = Box::new(|| ..)`) has that trait in rustc.
 */
export function boxedClosureBound(t: TypeExpr | null | undefined): ClosureBound | null {
  if (!t || t.kind !== "PathType") return null;
  const last = t.segments[t.segments.length - 1];
  const arg = last.name.name === "Box" && last.args?.length === 1 ? last.args[0] : null;
  if (!arg || arg.kind !== "DynTraitType") return null;
  for (const b of arg.bounds) {
    const name = b.segments[b.segments.length - 1].name.name;
    if (name === "Fn" || name === "FnMut") return name;
  }
  return null;
}

let nativeSigs: Map<string, NativeSig> | null = null;

/** The prelude's body-less declarations by the name the checker resolves natives to (`Iter::next`, `std::mem::swap`). */
function nativeSig(name: string): NativeSig | undefined {
  if (!nativeSigs) {
    const sigs = new Map<string, NativeSig>();
    const add = (prefix: string, fn: FnDecl) => {
      if (!fn.body)
        sigs.set(prefix + fn.name.name, {
          resultBorrows: !!fn.ret && mentionsRef(fn.ret),
          refParams: fn.params.map((p) => p.ty.kind === "RefType"),
          closureBounds: fn.params.map((p) => closureBoundOfType(fn, p.ty)),
        });
    };
    const walk = (items: readonly unknown[], prefix: string) => {
      for (const item of items as Item[]) {
        if (item.kind === "ModDecl") walk(item.items, `${prefix}${item.name.name}::`);
        else if (item.kind === "FnDecl") add(prefix, item);
        else if (item.kind === "ImplDecl" && !item.trait && item.target.kind === "PathType") {
          const target = item.target.segments.map((seg) => seg.name.name).join("::");
          for (const m of item.methods) add(`${target}::`, m);
        }
      }
    };
    walk(loadPrelude().program.body, "");
    nativeSigs = sigs;
  }
  return nativeSigs.get(name);
}

/**
 * Does the native method `name` return something borrowed from its receiver? Only where its
 * declared result names a reference: `get_mut(&mut self, ..) -> Option<&mut T>` does,
 * `next(&mut self) -> Option<T>` and `pop(&mut self) -> Option<T>` do not. A name the prelude
 * does not declare is taken to borrow (the safe answer).
 */
export function nativeResultBorrowsReceiver(name: string): boolean {
  return nativeSig(name)?.resultBorrows ?? true;
}

/**
 * Is parameter i of the native `name` known to be declared by value (a generic `T`, as in
 * `push(&mut self, value: T)`)? Then an `&mut` argument moves into it instead of being reborrowed.
 */
export function nativeParamByValue(name: string, i: number): boolean {
  const sig = nativeSig(name);
  return !!sig && i < sig.refParams.length && !sig.refParams[i];
}

/** The closure trait parameter i of the native `name` is bounded by (`retain(&mut self, keep: impl FnMut(&T) -> bool)`). */
export function nativeClosureBound(name: string, i: number): ClosureBound | null {
  return nativeSig(name)?.closureBounds[i] ?? null;
}
