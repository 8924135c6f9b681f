// An index of the program's items (user program and prelude): impls by target type name and
// trait, the owner of each method, struct/enum/trait declarations by name. The compiler uses
// it for static and `dyn` method dispatch.

import type { EnumDecl, FnDecl, ImplDecl, Item, Program, Stmt, StructDecl, TraitDecl, TypeExpr } from "../syntax/ast";
import type { Type } from "../check/types";
import { resolveTypeExpr, Subst, TypeScope } from "./typeinfo";

export interface MethodTarget {
  decl: FnDecl;
  impl: ImplDecl | null;
  subst: Subst;
}

export class ItemIndex implements TypeScope {
  readonly types = new Map<string, StructDecl | EnumDecl>();
  readonly traits = new Map<string, TraitDecl>();
  readonly impls: ImplDecl[] = [];
  /** The impl or trait that declares each method. */
  readonly ownerImpl = new Map<FnDecl, ImplDecl>();
  readonly ownerTrait = new Map<FnDecl, TraitDecl>();
  readonly fns: FnDecl[] = [];

  /** Programs in shadowing order: the prelude first, then the user program. */
  constructor(programs: Program[]) {
    for (const p of programs) this.addItems(p.body);
  }

  addItems(body: (Item | Stmt)[]): void {
    for (const it of body) {
      if (it.kind === "ItemStmt") this.addItems([it.item]);
      else this.addItem(it as Item);
    }
  }

  private addItem(it: Item | Stmt): void {
    switch (it.kind) {
      case "StructDecl":
      case "EnumDecl":
        this.types.set(it.name.name, it);
        break;
      case "TraitDecl":
        this.traits.set(it.name.name, it);
        for (const m of it.methods) this.ownerTrait.set(m, it);
        break;
      case "ImplDecl":
        this.impls.push(it);
        for (const m of it.methods) {
          this.ownerImpl.set(m, it);
          if (m.body) this.addBlockItems(m.body);
        }
        break;
      case "ModDecl":
        this.addItems(it.items);
        break;
      case "FnDecl":
        this.fns.push(it);
        if (it.body) this.addBlockItems(it.body);
        break;
    }
  }

  /** Local items declared inside function bodies (`fn main() { struct P {..} impl P {..} }`). */
  private addBlockItems(block: { stmts: Stmt[] }): void {
    for (const s of block.stmts) if (s.kind === "ItemStmt") this.addItem(s.item);
  }

  /**
   * The method `name` for a receiver of concrete type `t`: an inherent or trait impl for the
   * type's name, else a trait's default method. `traitName` restricts the search to one trait.
   */
  /** The associated type `name` of concrete type `base` (`type Item = String;` of its impl); an `Iter<T>`'s `Item` is T. */
  project(base: Type, name: string): Type | null {
    while (base.kind === "ref") base = base.inner;
    if (base.kind === "builtin" && (base.name === "Iter" || base.name === "Range") && name === "Item") return base.args[0] ?? null;
    const tn = typeName(base);
    if (tn === null) return null;
    for (const impl of this.impls) {
      if (targetName(impl.target) !== tn) continue;
      const a = impl.assocTypes?.find((x) => x.name.name === name && x.ty);
      if (a) return resolveTypeExpr(a.ty!, implSubst(impl, base, this), this);
    }
    return null;
  }

  findMethod(t: Type, name: string, traitName: string | null): MethodTarget | null {
    const tn = typeName(t);
    if (tn === null) return null;
    for (const impl of this.impls) {
      if (traitName !== null && traitNameOf(impl) !== traitName) continue;
      if (targetName(impl.target) !== tn) continue;
      if (t.kind === "adt" && this.types.get(tn) && this.types.get(tn) !== t.decl && !declaredInside(impl, t.decl)) {
        // A same-named type elsewhere (user shadowing a prelude type).
        continue;
      }
      const m = impl.methods.find((x) => x.name.name === name);
      if (m) return { decl: m, impl, subst: implSubst(impl, t, this) };
      if (traitName !== null || impl.trait) {
        const tr = this.traits.get(traitNameOf(impl) ?? "");
        const def = tr?.methods.find((x) => x.name.name === name && x.body);
        if (def) return { decl: def, impl, subst: implSubst(impl, t, this) };
      }
    }
    return null;
  }
}

function declaredInside(_impl: ImplDecl, _decl: StructDecl | EnumDecl): boolean {
  return true;
}

export function traitNameOf(impl: ImplDecl): string | null {
  if (!impl.trait || impl.trait.kind !== "PathType") return null;
  return impl.trait.segments[impl.trait.segments.length - 1].name.name;
}

export function targetName(te: TypeExpr): string | null {
  if (te.kind === "PathType") return te.segments[te.segments.length - 1].name.name;
  if (te.kind === "RefType") return targetName(te.inner);
  return null;
}

export function typeName(t: Type): string | null {
  switch (t.kind) {
    case "adt":
      return t.decl.name.name;
    case "int":
    case "float":
      return t.name;
    case "bool":
    case "char":
      return t.kind;
    case "builtin":
      return t.name;
    case "tensor":
      return "Tensor";
    case "ref":
      return typeName(t.inner);
    default:
      return null;
  }
}

/** `impl<T> Wrapper<T>` applied to `Wrapper<i32>` gives T = i32; `Self` is the receiver type. */
export function implSubst(impl: ImplDecl, t: Type, scope: TypeScope): Subst {
  const s: Subst = new Map();
  while (t.kind === "ref") t = t.inner;
  s.set("Self", t);
  if (impl.target.kind === "PathType" && (t.kind === "adt" || t.kind === "builtin")) {
    const seg = impl.target.segments[impl.target.segments.length - 1];
    (seg.args ?? []).forEach((a, i) => {
      if (a.kind === "PathType" && a.segments.length === 1 && impl.generics.some((g) => g.name === a.segments[0].name.name)) {
        const actual = t.args[i];
        if (actual) s.set(a.segments[0].name.name, actual);
      }
    });
  }
  // A blanket `impl<T: Bound> T`: T is the receiver type.
  if (impl.target.kind === "PathType" && impl.target.segments.length === 1) {
    const n = impl.target.segments[0].name.name;
    if (impl.generics.some((g) => g.name === n)) s.set(n, t);
  }
  void scope;
  void resolveTypeExpr;
  return s;
}
