// Semantic types: what the type checker computes and every later stage reads.
//
// The checker owns inference (variables are internal to it); after checking, every `Type`
// reachable from the AST is fully resolved: no `var` remains.

import type { EnumDecl, StructDecl, TraitDecl } from "../syntax/ast";

export type IntName = "i8" | "i16" | "i32" | "i64" | "isize" | "u8" | "u16" | "u32" | "u64" | "usize";
export type FloatName = "f32" | "f64";
export type DType = "f32" | "f64" | "i32";

/**
 * Managed types implemented natively (their operations live in the evaluator's stdlib bindings).
 * `Option` and `Result` are not here: they are ordinary enums declared in stdlib/prelude.stark.
 */
export type BuiltinName =
  | "String"
  | "Vec"
  | "Map"
  | "Box"
  | "LRUCache"
  | "Gc"
  | "Iter"
  | "Range"
  | "Duration"
  | "GCStats"
  | "Dataset"
  | "Batch"
  | "Model"
  /** `[T]`, only ever behind a reference (`&[T]`, `&mut [T]`): a view of a Vec's or array's elements. */
  | "Slice";

export type Type =
  | { kind: "int"; name: IntName }
  | { kind: "float"; name: FloatName }
  | { kind: "bool" }
  | { kind: "char" }
  /** `()` is a tuple with no elements. */
  | { kind: "tuple"; elems: Type[] }
  | { kind: "never" }
  | { kind: "array"; elem: Type; len: number }
  | { kind: "ref"; mutable: boolean; inner: Type }
  /** A user or prelude struct/enum with its generic arguments. */
  | { kind: "adt"; decl: StructDecl | EnumDecl; args: Type[] }
  | { kind: "builtin"; name: BuiltinName; args: Type[] }
  /** `shape` is null when unknown statically; dims are sizes or shape-variable names. */
  | { kind: "tensor"; dtype: DType; shape: (number | string)[] | null }
  /**
   * Anything callable: `fn(A) -> R` pointers ("ptr"), closures and `impl Fn..`/`dyn Fn..` bounds
   * ("Fn" | "FnMut" | "FnOnce"). At run time all are the same callable value.
   */
  | { kind: "fn"; callKind: "ptr" | "Fn" | "FnMut" | "FnOnce"; params: Type[]; ret: Type }
  /** A trait object `dyn Trait` (usually inside `Box<..>` or a bare trait name used as a type). */
  | {
      kind: "dyn";
      trait: TraitDecl;
      /** From `impl Trait` (one concrete type behind it): need not be dyn compatible (E0038). */
      opaque?: boolean;
    }
  /** A generic parameter inside a generic item's body. */
  | { kind: "param"; name: string; /** bounded by `Copy` (`T: Copy`): values of T are copied */ copy?: boolean }
  /** An inference variable — internal to the checker, never visible after checking. */
  | { kind: "var"; id: number };

export const UNIT: Type = { kind: "tuple", elems: [] };

/**
 * Copy or Move (LANGUAGE.md §3). The borrow checker asks this for every use of a place.
 * User structs/enums are Copy only with `#[derive(Copy)]` and all fields Copy — `copyAdt`
 * answers that for a declaration (the checker supplies it, since it knows the field types).
 */
export function isCopy(t: Type, copyAdt: (decl: StructDecl | EnumDecl, args: Type[]) => boolean): boolean {
  switch (t.kind) {
    case "int":
    case "float":
    case "bool":
    case "char":
    case "never":
      return true;
    case "tuple":
      return t.elems.every((e) => isCopy(e, copyAdt));
    case "array":
      return isCopy(t.elem, copyAdt);
    case "ref":
      return !t.mutable;
    case "adt":
      return copyAdt(t.decl, t.args);
    case "builtin":
      return t.name === "Gc" || t.name === "Duration" || t.name === "Range";
    case "fn":
      return t.callKind === "ptr";
    case "param":
      return t.copy === true;
    case "tensor":
    case "dyn":
    case "var":
      return false;
  }
}

/** The element type of a `Vec<T>` or `[T; N]`: what its `[T]` view holds (both deref to slices). */
export function vecOrArrayElement(t: Type): Type | null {
  if (t.kind === "array") return t.elem;
  if (t.kind === "builtin" && t.name === "Vec") return t.args[0];
  return null;
}

/** Rust-style rendering for diagnostics: `Vec<i32>`, `&mut Tensor`, `Option<String>`, `fn(i32) -> i32`. */
export function typeToString(t: Type): string {
  switch (t.kind) {
    case "int":
    case "float":
      return t.name;
    case "bool":
      return "bool";
    case "char":
      return "char";
    case "never":
      return "!";
    case "tuple":
      return t.elems.length === 1 ? `(${typeToString(t.elems[0])},)` : `(${t.elems.map(typeToString).join(", ")})`;
    case "array":
      return `[${typeToString(t.elem)}; ${t.len}]`;
    case "ref":
      return `&${t.mutable ? "mut " : ""}${typeToString(t.inner)}`;
    case "adt":
      return t.args.length ? `${t.decl.name.name}<${t.args.map(typeToString).join(", ")}>` : t.decl.name.name;
    case "builtin":
      if (t.name === "Slice") return `[${typeToString(t.args[0])}]`;
      return t.args.length ? `${t.name}<${t.args.map(typeToString).join(", ")}>` : t.name;
    case "tensor": {
      if (t.shape) return `Tensor<${t.dtype}, [${t.shape.join(", ")}]>`;
      return t.dtype === "f32" ? "Tensor" : `Tensor<${t.dtype}>`;
    }
    case "fn": {
      const ret = t.ret.kind === "tuple" && t.ret.elems.length === 0 ? "" : ` -> ${typeToString(t.ret)}`;
      const params = t.params.map(typeToString).join(", ");
      return t.callKind === "ptr" ? `fn(${params})${ret}` : `impl ${t.callKind}(${params})${ret}`;
    }
    case "dyn":
      return `dyn ${t.trait.name.name}`;
    case "param":
      return t.name;
    case "var":
      return "_";
  }
}
