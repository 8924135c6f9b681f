// Inference variables and unification (Rust-style local inference).
//
// One `Infer` per checked program. Variables are `{ kind: "var", id }`; an integer literal
// without a suffix gets an "int" variable (only unifies with integer types) and a float literal
// a "float" variable. Unification records every binding on a trail so a failed *trial*
// (`tryUnify`) leaves no trace — method probing and coercions rely on that.

import type { Type } from "./types";

export type VarKind = "any" | "int" | "float";

/** Why a unification failed; `shape` is set for a static tensor shape mismatch. */
export interface UnifyFailure {
  shape?: { left: (number | string)[]; right: (number | string)[] };
}

export class Infer {
  private bound: (Type | undefined)[] = [];
  private kinds: VarKind[] = [];
  private trail: number[] = [];
  lastFailure: UnifyFailure = {};

  fresh(kind: VarKind = "any"): Type {
    const id = this.bound.length;
    this.bound.push(undefined);
    this.kinds.push(kind);
    return { kind: "var", id };
  }

  varKind(t: Type): VarKind | null {
    return t.kind === "var" ? this.kinds[t.id] : null;
  }

  /** Follows bound variables at the top level only. */
  shallow(t: Type): Type {
    while (t.kind === "var") {
      const b = this.bound[t.id];
      if (!b) return t;
      t = b;
    }
    return t;
  }

  /** Substitutes every bound variable, deeply (unbound ones stay). */
  resolve(t: Type): Type {
    t = this.shallow(t);
    switch (t.kind) {
      case "tuple":
        return t.elems.length === 0 ? t : { kind: "tuple", elems: t.elems.map((e) => this.resolve(e)) };
      case "array":
        return { kind: "array", elem: this.resolve(t.elem), len: t.len };
      case "ref":
        return { kind: "ref", mutable: t.mutable, inner: this.resolve(t.inner) };
      case "adt":
        return t.args.length ? { kind: "adt", decl: t.decl, args: t.args.map((a) => this.resolve(a)) } : t;
      case "builtin":
        return t.args.length ? { kind: "builtin", name: t.name, args: t.args.map((a) => this.resolve(a)) } : t;
      case "fn":
        return { kind: "fn", callKind: t.callKind, params: t.params.map((p) => this.resolve(p)), ret: this.resolve(t.ret) };
      default:
        return t;
    }
  }

  /**
   * Fully resolves with Rust's literal defaults (i32, f64); an unconstrained variable becomes
   * `()` (the checker reports E0282 where it matters before this runs).
   */
  finish(t: Type): Type {
    t = this.shallow(t);
    switch (t.kind) {
      case "var": {
        const k = this.kinds[t.id];
        const def: Type = k === "int" ? { kind: "int", name: "i32" } : k === "float" ? { kind: "float", name: "f64" } : { kind: "tuple", elems: [] };
        this.bind(t.id, def);
        return def;
      }
      case "tuple":
        return t.elems.length === 0 ? t : { kind: "tuple", elems: t.elems.map((e) => this.finish(e)) };
      case "array":
        return { kind: "array", elem: this.finish(t.elem), len: t.len };
      case "ref":
        return { kind: "ref", mutable: t.mutable, inner: this.finish(t.inner) };
      case "adt":
        return t.args.length ? { kind: "adt", decl: t.decl, args: t.args.map((a) => this.finish(a)) } : t;
      case "builtin":
        return t.args.length ? { kind: "builtin", name: t.name, args: t.args.map((a) => this.finish(a)) } : t;
      case "fn":
        return { kind: "fn", callKind: t.callKind, params: t.params.map((p) => this.finish(p)), ret: this.finish(t.ret) };
      default:
        return t;
    }
  }

  /** Applies literal defaults to a variable now (used before method lookup on `5.pow(2)`). */
  defaultLiteral(t: Type): Type {
    const s = this.shallow(t);
    if (s.kind === "var" && this.kinds[s.id] !== "any") return this.finish(s);
    return s;
  }

  private bind(id: number, t: Type): void {
    this.bound[id] = t;
    this.trail.push(id);
  }

  /** Unifies; on failure the bindings made so far stay (use tryUnify for a clean trial). */
  unify(a: Type, b: Type): boolean {
    a = this.shallow(a);
    b = this.shallow(b);
    if (a === b) return true;
    if (a.kind === "var" || b.kind === "var") return this.unifyVar(a, b);
    if (a.kind === "never" || b.kind === "never") return true;
    switch (a.kind) {
      case "int":
      case "float":
        return b.kind === a.kind && b.name === a.name;
      case "bool":
      case "char":
        return b.kind === a.kind;
      case "tuple":
        return b.kind === "tuple" && b.elems.length === a.elems.length && a.elems.every((e, i) => this.unify(e, b.elems[i]));
      case "array":
        return b.kind === "array" && (a.len === b.len || a.len < 0 || b.len < 0) && this.unify(a.elem, b.elem);
      case "ref":
        return b.kind === "ref" && a.mutable === b.mutable && this.unify(a.inner, b.inner);
      case "adt":
        return b.kind === "adt" && b.decl === a.decl && this.unifyAll(a.args, b.args);
      case "builtin":
        return b.kind === "builtin" && b.name === a.name && this.unifyAll(a.args, b.args);
      case "tensor": {
        if (b.kind !== "tensor" || b.dtype !== a.dtype) return false;
        if (a.shape && b.shape && !shapesCompatible(a.shape, b.shape)) {
          this.lastFailure = { shape: { left: a.shape, right: b.shape } };
          return false;
        }
        return true;
      }
      case "fn":
        return b.kind === "fn" && b.params.length === a.params.length && this.unifyAll(a.params, b.params) && this.unify(a.ret, b.ret);
      case "dyn":
        return b.kind === "dyn" && b.trait === a.trait;
      case "param":
        return b.kind === "param" && b.name === a.name;
    }
    return false;
  }

  private unifyAll(a: Type[], b: Type[]): boolean {
    if (a.length !== b.length) return a.length === 0 || b.length === 0;
    for (let i = 0; i < a.length; i++) if (!this.unify(a[i], b[i])) return false;
    return true;
  }

  private unifyVar(a: Type, b: Type): boolean {
    if (a.kind !== "var") [a, b] = [b, a];
    const av = a as { kind: "var"; id: number };
    const ak = this.kinds[av.id];
    if (b.kind === "var") {
      const bk = this.kinds[b.id];
      if (ak === "any") return this.bind(av.id, b), true;
      if (bk === "any") return this.bind(b.id, av), true;
      if (ak !== bk) return false;
      this.bind(av.id, b);
      return true;
    }
    if (b.kind === "never") return true;
    if (ak === "int" && b.kind !== "int") return false;
    if (ak === "float" && b.kind !== "float") return false;
    if (ak === "any" && this.occurs(av.id, b)) return false;
    this.bind(av.id, b);
    return true;
  }

  private occurs(id: number, t: Type): boolean {
    t = this.shallow(t);
    switch (t.kind) {
      case "var":
        return t.id === id;
      case "tuple":
        return t.elems.some((e) => this.occurs(id, e));
      case "array":
        return this.occurs(id, t.elem);
      case "ref":
        return this.occurs(id, t.inner);
      case "adt":
      case "builtin":
        return t.args.some((e) => this.occurs(id, e));
      case "fn":
        return t.params.some((e) => this.occurs(id, e)) || this.occurs(id, t.ret);
      default:
        return false;
    }
  }

  /** Unifies or leaves no bindings behind. */
  tryUnify(a: Type, b: Type): boolean {
    const mark = this.trail.length;
    if (this.unify(a, b)) return true;
    this.rollback(mark);
    return false;
  }

  mark(): number {
    return this.trail.length;
  }

  rollback(mark: number): void {
    while (this.trail.length > mark) this.bound[this.trail.pop()!] = undefined;
  }
}

function shapesCompatible(a: (number | string)[], b: (number | string)[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (typeof a[i] === "number" && typeof b[i] === "number" && a[i] !== b[i]) return false;
  }
  return true;
}

/** Substitutes generic parameters by name. */
/**
 * How an associated type of an instantiated parameter is found (`S::Item` with S = `Counter`:
 * the impl's `type Item = u32;`). Set by the program's Env (env.ts `projectOrDefer`).
 */
let projector: ((base: Type, name: string) => Type | null) | null = null;

export function setProjector(p: ((base: Type, name: string) => Type | null) | null): void {
  projector = p;
}

export function substitute(t: Type, sub: Map<string, Type>): Type {
  if (sub.size === 0) return t;
  switch (t.kind) {
    case "param": {
      const direct = sub.get(t.name);
      if (direct) return direct;
      const cut = t.name.indexOf("::");
      if (cut > 0 && projector) {
        const base = sub.get(t.name.slice(0, cut));
        if (base) return projector(base, t.name.slice(cut + 2)) ?? t;
      }
      return t;
    }
    case "tuple":
      return t.elems.length === 0 ? t : { kind: "tuple", elems: t.elems.map((e) => substitute(e, sub)) };
    case "array":
      return { kind: "array", elem: substitute(t.elem, sub), len: t.len };
    case "ref":
      return { kind: "ref", mutable: t.mutable, inner: substitute(t.inner, sub) };
    case "adt":
      return t.args.length ? { kind: "adt", decl: t.decl, args: t.args.map((a) => substitute(a, sub)) } : t;
    case "builtin":
      return t.args.length ? { kind: "builtin", name: t.name, args: t.args.map((a) => substitute(a, sub)) } : t;
    case "fn":
      return { kind: "fn", callKind: t.callKind, params: t.params.map((p) => substitute(p, sub)), ret: substitute(t.ret, sub) };
    default:
      return t;
  }
}

/** True when the type contains an error placeholder (see `ERR`) — used to avoid cascades. */
export function hasVarOrError(t: Type): boolean {
  return t === ERR;
}

/**
 * The type of an expression that already failed to check. It unifies with everything (it is a
 * `never`), so one error does not produce more; the checker compares by identity to stay quiet.
 */
export const ERR: Type = { kind: "never" };
