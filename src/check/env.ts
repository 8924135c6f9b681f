// The item environment: collects items into module scopes, lowers written types to `Type`s,
// computes function signatures and indexes impls for method lookup. Shared by the prelude and
// every user program (the prelude's environment is the parent of each program's).

import { rustEquivalent } from "./rust_names";
import { constInt } from "./consteval";
import type { Diagnostic } from "../diagnostics";
import { error } from "../diagnostics";
import type {
  Attribute,
  EnumDecl,
  FnDecl,
  GenericParam,
  ImplDecl,
  Item,
  PathType,
  SelfMode,
  Span,
  StructDecl,
  TraitDecl,
  TypeExpr,
} from "../syntax/ast";
import { ERR, Infer, setProjector, substitute } from "./infer";
import { closestName, ModuleScope, type ItemEntry } from "./scope";
import { isCopy, typeToString, type BuiltinName, type Type } from "./types";

/** Natively decided marker traits (see stdlib/prelude.stark). */
export const MARKER_TRAITS = new Set(["Shape", "TensorData", "Scalar", "TensorOperand", "Integer", "Float", "Number", "StrPattern"]);
/** The modules of Rust's `std` whose items the prelude declares at its top level (`std::ops::Add` is `Add`). */
const STD_MODULES = new Set(["ops", "cmp", "fmt", "default", "clone", "marker", "convert", "iter", "collections", "string", "vec"]);
/** The operator traits (stdlib/prelude.stark): numbers implement them all, `String` `Add`. */
export const OPERATOR_TRAITS = new Set(["Add", "Sub", "Mul", "Div", "Rem", "Neg", "Not", "AddAssign", "SubAssign", "MulAssign", "DivAssign", "RemAssign"]);
/** Standard traits every type satisfies in STARK (Copy is checked separately). */
export const UNIVERSAL_TRAITS = new Set(["Clone", "Debug", "Display", "PartialEq", "Eq", "PartialOrd", "Ord", "Hash", "Default", "Into"]);

const BUILTIN_ARITY: Record<string, number> = {
  String: 0, Vec: 1, Map: 2, Box: 1, LRUCache: 2, Gc: 1, Iter: 1, Range: 1, Duration: 0,
};

export interface ImplInfo {
  decl: ImplDecl;
  scope: ModuleScope;
  /** Impl generic parameter names. */
  generics: GenericParam[];
  /** The target with impl generics as `param`s. */
  target: Type;
  /** `impl<T: Bound> T { .. }`: the bound's name. */
  blanketBound: string | null;
  trait: TraitDecl | null;
  methods: Map<string, FnDecl>;
  /** Qualified-name prefix of its natives: "Vec", "Tensor", "Clone", ... */
  nativePrefix: string;
  prelude: boolean;
}

export interface FnContext {
  scope: ModuleScope;
  impl: ImplInfo | null;
  /** For trait method declarations (and default bodies). */
  trait: TraitDecl | null;
  /** Qualified name when bodiless. */
  native: string | null;
}

export interface FnSig {
  /** Generic parameter names of the impl (if any) and of the function. */
  implGenerics: string[];
  fnGenerics: string[];
  /** Trait bounds by generic name (user and marker traits). */
  bounds: Map<string, TraitDecl[]>;
  /** Associated type bindings of those bounds, keyed `T:Add:Output` (`T: Add<Output = T>`). */
  assocBindings: Map<string, Type>;
  /**
   * The closure type an impl's generic parameter is bounded by (`impl<F: Fn(i32) -> i32>`), so
   * that a field of that type can be called, `(self.f)(x)`. (A function's own `F: Fn(..)` is
   * that closure type already: see lowerCxFor.)
   */
  fnBounds: Map<string, Type>;
  params: Type[];
  /** Span of each parameter's type annotation (for "expected due to this"). */
  paramSpans: Span[];
  ret: Type;
  retSpan: Span | null;
  selfMode: SelfMode | null;
  autoref: boolean;
  /** The function has a body (STARK code, not a native): see `iterArgument` in collections.ts. */
  hasBody: boolean;
}

export interface LowerCx {
  scope: ModuleScope;
  generics: Map<string, Type>;
  selfTy: Type | null;
}

/** `std::vec::IntoIter<T>`, `std::slice::Iter<T>`, ...: an `Iter` of these items. */
const STD_ITERATORS: Record<string, (t: Type) => Type> = {
  "vec::IntoIter": (t) => t,
  "slice::Iter": (t) => ({ kind: "ref", mutable: false, inner: t }),
  "slice::IterMut": (t) => ({ kind: "ref", mutable: true, inner: t }),
};

/** Marks an array type whose length is any (the prelude's `Array<T>`). */
export const ANY_LEN = -1;

export class Env {
  readonly diagnostics: Diagnostic[] = [];
  readonly impls = new Map<unknown, ImplInfo[]>();
  readonly blanketImpls: ImplInfo[] = [];
  readonly implInfo = new Map<ImplDecl, ImplInfo>();
  readonly fnCx = new Map<FnDecl, FnContext>();
  readonly traitScope = new Map<TraitDecl, ModuleScope>();
  readonly declScope = new Map<StructDecl | EnumDecl, ModuleScope>();
  private readonly sigs = new Map<FnDecl, FnSig>();
  private readonly fieldTypes = new Map<StructDecl | EnumDecl, Type[][]>();
  /** Traits implemented per type head, for bound checks: head → trait decls. */
  readonly traitImpls = new Map<unknown, Set<TraitDecl>>();
  readonly derives = new Map<StructDecl | EnumDecl, Set<string>>();

  constructor(
    readonly inf: Infer,
    readonly parent: Env | null,
    readonly isPrelude: boolean,
  ) {
    setProjector((base, name) => this.projectOrDefer(base, name));
  }

  // ───────────── collection ─────────────

  private pendingSupertraits: [TraitDecl, ModuleScope][] = [];

  /**
   * An undo point for the REPL (CheckSession.snapshot): restoring it removes the impls and trait
   * implementations registered since, on types declared before (what is keyed by a newer
   * declaration cannot be reached once that declaration's name is gone).
   */
  snapshot(): () => void {
    const impls = new Map([...this.impls].map(([k, v]) => [k, [...v]] as const));
    const blanket = this.blanketImpls.length;
    const traitImpls = new Map([...this.traitImpls].map(([k, v]) => [k, new Set(v)] as const));
    return () => {
      this.impls.clear();
      for (const [k, v] of impls) this.impls.set(k, [...v]);
      this.blanketImpls.length = blanket;
      this.traitImpls.clear();
      for (const [k, v] of traitImpls) this.traitImpls.set(k, new Set(v));
      this.pendingSupertraits.length = 0;
    };
  }

  collect(items: Item[], scope: ModuleScope): void {
    for (const item of items) this.declare(item, scope);
    for (const item of items) if (item.kind === "ImplDecl") this.registerImpl(item, scope);
    for (const [trait, s] of this.pendingSupertraits.splice(0)) {
      for (const b of trait.supertraits) {
        if (b.kind !== "PathType") continue;
        const e = this.resolveTypePath(b, s);
        if (!e) this.unknownType(b, s, "trait");
        else if (e.kind !== "trait") this.diagnostics.push(error("E0404", `expected trait, found ${describe(e)} \`${pathText(b)}\``, b.span, "not a trait"));
      }
    }
  }

  private declare(item: Item, scope: ModuleScope): void {
    const add = (name: string, entry: ItemEntry, span: Span) => {
      if (scope.items.has(name)) {
        this.diagnostics.push(error("E0428", `the name \`${name}\` is defined multiple times`, span, `\`${name}\` redefined here`));
        return;
      }
      scope.items.set(name, entry);
    };
    switch (item.kind) {
      case "FnDecl":
        add(item.name.name, { kind: "fn", decl: item, native: item.body ? null : qualify(scope.path, item.name.name) }, item.name.span);
        this.fnCx.set(item, { scope, impl: null, trait: null, native: item.body ? null : qualify(scope.path, item.name.name) });
        break;
      case "StructDecl":
        add(item.name.name, { kind: "struct", decl: item }, item.name.span);
        this.declScope.set(item, scope);
        this.derives.set(item, deriveSet(item.attrs));
        break;
      case "EnumDecl":
        add(item.name.name, { kind: "enum", decl: item }, item.name.span);
        this.declScope.set(item, scope);
        this.derives.set(item, deriveSet(item.attrs));
        break;
      case "TraitDecl":
        add(item.name.name, { kind: "trait", decl: item }, item.name.span);
        this.pendingSupertraits.push([item, scope]);
        this.traitScope.set(item, scope);
        for (const m of item.methods) this.fnCx.set(m, { scope, impl: null, trait: item, native: null });
        break;
      case "ConstDecl":
        add(item.name.name, { kind: "const", decl: item }, item.name.span);
        break;
      case "ModDecl": {
        const inner = new ModuleScope(qualify(scope.path, item.name.name), scope);
        add(item.name.name, { kind: "mod", scope: inner }, item.name.span);
        this.collect(item.items, inner);
        break;
      }
      case "UseDecl": {
        const last = item.path[item.path.length - 1];
        if (item.glob) scope.globs.push(item.path.map((p) => p.name));
        else scope.uses.set((item.alias ?? last).name, { path: item.path.map((p) => p.name), glob: false });
        break;
      }
      case "ImplDecl":
        break;
    }
  }

  private registerImpl(decl: ImplDecl, scope: ModuleScope): void {
    const generics = new Map<string, Type>();
    for (const g of decl.generics) generics.set(g.name, paramType(g));
    let blanketBound: string | null = null;
    let target: Type;
    let nativePrefix: string;
    const tp = decl.target;
    const g0 = tp.kind === "PathType" && tp.segments.length === 1 ? decl.generics.find((g) => g.name === tp.segments[0].name.name) : undefined;
    if (g0) {
      target = { kind: "param", name: g0.name };
      const b = g0.bounds[0];
      blanketBound = b && b.kind === "PathType" ? b.segments[b.segments.length - 1].name.name : "Any";
      nativePrefix = blanketBound;
    } else {
      target = this.lower(tp, { scope, generics, selfTy: null });
      const base = tp.kind === "PathType" ? tp.segments[tp.segments.length - 1].name.name : tp.kind === "SliceType" ? "Slice" : "Self";
      nativePrefix = qualify(scope.path, base);
    }
    if (decl.assocTypes) resolveSelfAssocTypes(decl);
    let trait: TraitDecl | null = null;
    if (decl.trait) {
      const t = decl.trait;
      if (t.kind === "PathType") {
        const e = this.resolveTypePath(t, scope);
        if (e && e.kind === "trait") trait = e.decl;
        else if (e !== undefined) this.diagnostics.push(error("E0404", `expected trait, found ${describe(e)} \`${pathText(t)}\``, t.span, "not a trait"));
        else this.unknownType(t, scope, "trait");
      }
    }
    const methods = new Map<string, FnDecl>();
    const info: ImplInfo = { decl, scope, generics: decl.generics, target, blanketBound, trait, methods, nativePrefix, prelude: this.isPrelude };
    this.implInfo.set(decl, info);
    for (const m of decl.methods) {
      methods.set(m.name.name, m);
      this.fnCx.set(m, { scope, impl: info, trait, native: m.body ? null : `${nativePrefix}::${m.name.name}` });
    }
    if (blanketBound) {
      this.blanketImpls.push(info);
      return;
    }
    // `impl IntoIterator for &Bag`: kept with Bag's impls; only a `&Bag` receiver unifies with it.
    const key = headKey(target) ?? (target.kind === "ref" ? headKey(target.inner) : null);
    if (key === null) return;
    let list = this.impls.get(key);
    if (!list) this.impls.set(key, (list = []));
    list.push(info);
    if (trait) {
      let set = this.traitImpls.get(key);
      if (!set) this.traitImpls.set(key, (set = new Set()));
      set.add(trait);
    }
    if (trait && !this.isPrelude) this.checkTraitImpl(info);
  }

  private checkTraitImpl(info: ImplInfo): void {
    const trait = info.trait!;
    const given = new Set((info.decl.assocTypes ?? []).map((a) => a.name.name));
    // An operator impl may leave out `type Output` (it is the method's result type in STARK).
    const inferred = this.root().traitScope.has(trait) && !this.isIteratorTrait(trait);
    const missing = [
      ...(inferred ? [] : (trait.assocTypes ?? []).filter((a) => !given.has(a.name.name)).map((a) => a.name.name)),
      ...trait.methods.filter((m) => !m.body && !info.methods.has(m.name.name)).map((m) => m.name.name),
    ];
    for (const a of info.decl.assocTypes ?? []) {
      if (!(trait.assocTypes ?? []).some((x) => x.name.name === a.name.name)) {
        this.diagnostics.push(error("E0437", `type \`${a.name.name}\` is not a member of trait \`${trait.name.name}\``, a.name.span, `not a member of trait \`${trait.name.name}\``));
      }
    }
    for (const m of info.decl.methods) {
      const tm = trait.methods.find((x) => x.name.name === m.name.name);
      if (tm && tm.params.length !== m.params.length) {
        const s = (n: number) => (n === 1 ? "" : "s");
        const n = m.params.length + (m.selfParam ? 1 : 0);
        const t = tm.params.length + (tm.selfParam ? 1 : 0);
        const d = error("E0050", `method \`${m.name.name}\` has ${n} parameter${s(n)} but the declaration in trait \`${trait.name.name}::${m.name.name}\` has ${t}`, m.name.span, `expected ${t} parameter${s(t)}, found ${n}`);
        d.labels.push({ span: tm.name.span, message: `trait requires ${t} parameter${s(t)}` });
        this.diagnostics.push(d);
      } else if (tm && !!tm.selfParam !== !!m.selfParam) {
        const d = tm.selfParam
          ? error("E0186", `method \`${m.name.name}\` has a \`self\` declaration in the trait, but not in the impl`, m.name.span, "expected `self` in impl")
          : error("E0185", `method \`${m.name.name}\` has a \`self\` declaration in the impl, but not in the trait`, m.name.span, "`self` used in impl");
        this.diagnostics.push(d);
      }
      if (tm && tm.params.length === m.params.length && !!tm.selfParam === !!m.selfParam) this.checkMethodSignature(info, tm, m);
      // Rust's Iterator provides `count`, `size_hint`, `last`, ... with default bodies an impl may
      // override: those are STARK's `Iter` methods.
      const provided = !tm && this.isIteratorTrait(trait) && (m.name.name === "size_hint" || this.implsFor("Iter").some((i) => i.methods.has(m.name.name)));
      if (!tm && !provided) {
        this.diagnostics.push(error("E0407", `method \`${m.name.name}\` is not a member of trait \`${trait.name.name}\``, m.name.span, `not a member of trait \`${trait.name.name}\``));
      }
    }
    if (missing.length) {
      const list = missing.map((m) => `\`${m}\``).join(", ");
      const d = error("E0046", `not all trait items implemented, missing: ${list}`, info.decl.span, `missing ${list} in implementation`);
      this.diagnostics.push(d);
    }
  }

  /**
   * rustc's E0053: an impl method whose receiver or types differ from the trait's declaration
   * (`fn next(&self)` for `Iterator::next(&mut self)`, `Option<i32>` for `Option<Self::Item>`
   * with `type Item = u32`). Types are compared once `Self` and the impl's associated types are
   * put in; a generic method is left alone.
   */
  private checkMethodSignature(info: ImplInfo, tm: FnDecl, m: FnDecl): void {
    const trait = info.trait!;
    const target = typeToString(info.target);
    const render = (self: SelfMode | null, params: string[], ret: string) => {
      const recv = self === "ref" ? `&${target}` : self === "refMut" ? `&mut ${target}` : self ? target : null;
      return `fn(${[...(recv ? [recv] : []), ...params].join(", ")})${ret === "()" ? "" : ` -> ${ret}`}`;
    };
    const expectedMode = tm.selfParam?.mode === "mutValue" ? "value" : tm.selfParam?.mode ?? null;
    const foundMode = m.selfParam?.mode === "mutValue" ? "value" : m.selfParam?.mode ?? null;
    if (expectedMode !== foundMode && m.selfParam) {
      const mutability = (expectedMode === "ref" && foundMode === "refMut") || (expectedMode === "refMut" && foundMode === "ref");
      const d = error("E0053", `method \`${m.name.name}\` has an incompatible type for trait`, m.selfParam.span, mutability ? "types differ in mutability" : `expected \`${render(expectedMode, [], "()").slice(3, -1)}\`, found \`${render(foundMode, [], "()").slice(3, -1)}\``);
      d.notes.push(`expected signature \`${render(expectedMode, [], "_")}\`\n             found signature \`${render(foundMode, [], "_")}\``);
      const want = expectedMode === "ref" ? "&self" : expectedMode === "refMut" ? "&mut self" : "self";
      d.help.push(`change the self-receiver type to match the trait: \`${want}\``);
      this.diagnostics.push(d);
      return;
    }
    // Generic methods and impls, and traits generic in Rust (`impl Mul<f64> for V`, whose
    // prelude declaration has no `Rhs`), are not compared.
    const tp = info.decl.trait;
    const traitArgs = tp?.kind === "PathType" && !!tp.segments[tp.segments.length - 1].args?.length;
    if (tm.generics.length || m.generics.length || info.generics.length || traitArgs || OPERATOR_TRAITS.has(trait.name.name)) return;
    const sub = new Map<string, Type>([["Self", info.target]]);
    const cx = this.implLowerCx(info);
    for (const a of info.decl.assocTypes ?? []) if (a.ty) sub.set(`Self::${a.name.name}`, this.lower(a.ty, cx));
    const want = this.sig(tm);
    const have = this.sig(m);
    const concrete = (t: Type): boolean => !/\b_\b/.test(typeToString(t)) && !mentionsParam(t);
    const expected = [...want.params, want.ret].map((t) => substitute(t, sub));
    const found = [...have.params, have.ret];
    const i = expected.findIndex((t, k) => concrete(t) && concrete(found[k]) && typeToString(t) !== typeToString(found[k]));
    if (i < 0) return;
    const isRet = i === expected.length - 1;
    const span = isRet ? m.ret?.span ?? m.name.span : m.params[i].ty.span;
    const d = error("E0053", `method \`${m.name.name}\` has an incompatible type for trait`, span, `expected \`${typeToString(expected[i])}\`, found \`${typeToString(found[i])}\``);
    const str = (ts: Type[]) => ts.map(typeToString);
    d.notes.push(`expected signature \`${render(expectedMode, str(expected.slice(0, -1)), typeToString(expected[expected.length - 1]))}\`\n             found signature \`${render(foundMode, str(found.slice(0, -1)), typeToString(found[found.length - 1]))}\``);
    d.help.push(isRet ? `change the output type to match the trait: \`${typeToString(expected[i])}\`` : `change the parameter type to match the trait: \`${typeToString(expected[i])}\``);
    this.diagnostics.push(d);
  }

  // ───────────── lookups ─────────────

  /** Looks a name up in a module scope, then its `use`s, globs and parents. */
  lookup(scope: ModuleScope | null, name: string): ItemEntry | undefined {
    for (let s = scope; s; s = s.parent) {
      const e = s.items.get(name);
      if (e) return e;
      const u = s.uses.get(name);
      if (u) {
        const r = this.resolveModPath(u.path, s);
        if (r) return r;
      }
      for (const g of s.globs) {
        const m = this.resolveModPath(g, s);
        if (m && m.kind === "mod") {
          const r = m.scope.items.get(name);
          if (r) return r;
        } else if (m && m.kind === "enum") {
          const i = m.decl.variants.findIndex((v) => v.name.name === name);
          if (i >= 0) return { kind: "variant", decl: m.decl, index: i };
        }
      }
    }
    return this.builtinEntry(name);
  }

  /** Names the standard library gives meaning without a declaration. */
  private builtinEntry(name: string): ItemEntry | undefined {
    if (Object.hasOwn(BUILTIN_ARITY, name) || name === "Tensor" || name === "Array") return { kind: "builtin", name: name as BuiltinName | "Tensor" | "Array" };
    if (PRIMS.has(name)) return { kind: "prim", name };
    return undefined;
  }

  /** `a::b::c` from a module: each segment but the last must be a module (or an enum for a variant). */
  resolveModPath(path: string[], from: ModuleScope): ItemEntry | undefined {
    const e = this.walkModPath(path, from);
    if (e || path.length < 2 || path[0] !== "std") return e;
    // `std::ops::Add`, `std::cmp::PartialOrd`, `std::fmt::Display`: the prelude declares these at
    // its top level. (`use std::ops::Add;` makes `Add` resolve through this path again: stop there.)
    const key = path.join("::");
    if (this.stdFallbacks.has(key)) return undefined;
    this.stdFallbacks.add(key);
    try {
      return this.walkModPath(path.slice(STD_MODULES.has(path[1]) && path.length > 2 ? 2 : 1), from);
    } finally {
      this.stdFallbacks.delete(key);
    }
  }
  /** The `std::` paths being resolved through the prelude's top level (resolveModPath). */
  private readonly stdFallbacks = new Set<string>();

  private walkModPath(path: string[], from: ModuleScope): ItemEntry | undefined {
    let e = this.lookup(from, path[0]);
    for (let i = 1; i < path.length && e; i++) {
      if (e.kind === "mod") e = e.scope.items.get(path[i]) ?? this.lookupUses(e.scope, path[i]);
      else if (e.kind === "enum") {
        const idx: number = e.decl.variants.findIndex((v) => v.name.name === path[i]);
        e = idx >= 0 ? { kind: "variant", decl: e.decl, index: idx } : undefined;
      } else return undefined;
    }
    return e;
  }

  private lookupUses(scope: ModuleScope, name: string): ItemEntry | undefined {
    const u = scope.uses.get(name);
    return u ? this.resolveModPath(u.path, scope) : undefined;
  }

  resolveTypePath(t: PathType, scope: ModuleScope): ItemEntry | undefined {
    return this.resolveModPath(t.segments.map((s) => s.name.name), scope);
  }

  /** Visible item names, for suggestions. */
  visibleNames(scope: ModuleScope): string[] {
    const out = [...scope.names()];
    out.push(...Object.keys(BUILTIN_ARITY), "Tensor", ...PRIMS);
    return out;
  }

  // ───────────── types as written → Type ─────────────

  lower(te: TypeExpr, cx: LowerCx): Type {
    switch (te.kind) {
      case "RefType":
        return { kind: "ref", mutable: te.mutable, inner: this.lower(te.inner, cx) };
      case "TupleType":
        return { kind: "tuple", elems: te.elems.map((e) => this.lower(e, cx)) };
      case "ArrayType": {
        const len = this.constLen(te.len, cx.scope);
        return { kind: "array", elem: this.lower(te.elem, cx), len };
      }
      case "FnPtrType":
        return { kind: "fn", callKind: "ptr", params: te.params.map((p) => this.lower(p, cx)), ret: te.ret ? this.lower(te.ret, cx) : { kind: "tuple", elems: [] } };
      case "ImplTraitType":
      case "DynTraitType":
        return this.lowerBounds(te.bounds, cx, te.kind === "ImplTraitType");
      case "InferType":
        return this.inf.fresh();
      case "NeverType":
        return { kind: "never" };
      case "SliceType":
        return { kind: "builtin", name: "Slice", args: [this.lower(te.elem, cx)] };
      case "ShapeType":
        this.diagnostics.push(error("E0412", "a tensor shape is only allowed as the second argument of `Tensor`", te.span, "not a type"));
        return ERR;
      case "PathType":
        return this.lowerPath(te, cx);
    }
  }

  private lowerBounds(bounds: PathType[], cx: LowerCx, isImpl: boolean): Type {
    const b = bounds[0];
    const seg = b.segments[b.segments.length - 1];
    if (seg.fnSugar) return this.fnSugar(seg.name.name, seg.fnSugar, cx);
    const e = this.resolveTypePath(b, cx.scope);
    // Rust's `impl Iterator<Item = T>` (also `dyn`, behind a Box) is STARK's iterator type `Iter<T>`.
    if (e && e.kind === "trait" && this.isIteratorTrait(e.decl)) {
      const item = seg.bindings?.find((bd) => bd.name.name === "Item");
      return { kind: "builtin", name: "Iter", args: [item ? this.lower(item.ty, cx) : this.inf.fresh()] };
    }
    if (e && e.kind === "trait") {
      if (!isImpl) this.checkDynCompatible(e.decl, b.span);
      return isImpl ? { kind: "dyn", trait: e.decl, opaque: true } : { kind: "dyn", trait: e.decl };
    }
    this.unknownType(b, cx.scope, isImpl ? "trait" : "trait");
    return ERR;
  }

  /**
   * rustc's E0038 where a trait is used as a type (`dyn Shape`, `Box<dyn Shape>`, a bare trait
   * name): a trait object cannot call an associated function without `self`, a generic method
   * (also one with an `impl Trait` parameter), or one taking or returning `Self`, unless the
   * method says `where Self: Sized`; nor be a trait that requires `Sized` (`Clone`, `Copy`).
   */
  checkDynCompatible(trait: TraitDecl, at: Span): void {
    const why = this.dynIncompatibility(trait);
    if (!why) return;
    const key = `${at.file.name}:${at.start}`;
    if (this.dynReported.has(key)) return;
    this.dynReported.add(key);
    const name = trait.name.name;
    const d = error("E0038", `the trait \`${name}\` is not dyn compatible`, at, `\`${name}\` is not dyn compatible`);
    d.notes.push(`\`${name}\` cannot be used as a trait object ${why.reason}`);
    d.labels.push({ span: why.span, message: "...because of this" });
    d.help.push(why.help ?? `add \`where Self: Sized\` to that method to leave it out of \`dyn ${name}\`, or take a generic \`T: ${name}\` instead of \`dyn ${name}\``);
    this.diagnostics.push(d);
  }

  private readonly dynReported = new Set<string>();
  private readonly dynChecked = new Map<TraitDecl, { reason: string; span: Span; help?: string } | null>();

  private dynIncompatibility(trait: TraitDecl): { reason: string; span: Span; help?: string } | null {
    const known = this.dynChecked.get(trait) ?? this.parent?.dynChecked.get(trait);
    if (known !== undefined) return known;
    let why: { reason: string; span: Span; help?: string } | null = null;
    for (const m of trait.methods) {
      if (m.selfSized) continue;
      const fn = `\`${m.name.name}\``;
      if (!m.selfParam) why = { reason: `because the associated function ${fn} has no \`self\` parameter`, span: m.name.span };
      else if (m.generics.length > 0 || m.params.some((p) => p.ty.kind === "ImplTraitType")) why = { reason: `because the method ${fn} has generic type parameters`, span: m.name.span };
      else if (m.ret && mentionsSelf(m.ret)) why = { reason: `because the method ${fn} returns \`Self\``, span: m.ret.span };
      else {
        const p = m.params.find((x) => mentionsSelf(x.ty));
        if (p) why = { reason: `because the method ${fn} takes \`Self\` in a parameter`, span: p.ty.span };
      }
      if (why) break;
    }
    if (!why) {
      const sized = trait.supertraits.find((t) => t.kind === "PathType" && ["Sized", "Clone", "Copy", "Default"].includes(t.segments[t.segments.length - 1].name.name));
      if (sized) why = { reason: `because it requires \`Self: Sized\` (through \`${(sized as PathType).segments[(sized as PathType).segments.length - 1].name.name}\`)`, span: sized.span, help: `use a generic \`T: ${trait.name.name}\` instead of a trait object` };
    }
    this.dynChecked.set(trait, why);
    return why;
  }

  private fnSugar(name: string, sugar: { params: TypeExpr[]; ret: TypeExpr | null }, cx: LowerCx): Type {
    const callKind = name === "FnMut" ? "FnMut" : name === "FnOnce" ? "FnOnce" : "Fn";
    return { kind: "fn", callKind, params: sugar.params.map((p) => this.lower(p, cx)), ret: sugar.ret ? this.lower(sugar.ret, cx) : { kind: "tuple", elems: [] } };
  }

  private lowerPath(te: PathType, cx: LowerCx): Type {
    const segs = te.segments;
    const last = segs[segs.length - 1];
    if (last.fnSugar) return this.fnSugar(last.name.name, last.fnSugar, cx);
    const name = last.name.name;
    if (segs.length === 1) {
      if (name === "Self") {
        if (cx.selfTy) return cx.selfTy;
        this.diagnostics.push(error("E0411", "cannot find type `Self` in this scope", last.name.span, "`Self` is only available in impls, traits, and type definitions"));
        return ERR;
      }
      const g = cx.generics.get(name);
      if (g) return g;
    }
    // An associated type of a generic parameter or of `Self` in a trait: `S::Item`, `Self::Item`.
    if (segs.length === 2 && !segs[0].args && !last.args) {
      const head = segs[0].name.name;
      const base = head === "Self" ? cx.selfTy : cx.generics.get(head) ?? null;
      if (base) {
        const p = this.project(base, name);
        if (p) return p;
        this.diagnostics.push(error("E0220", `associated type \`${name}\` not found for \`${head}\``, last.name.span, `associated type \`${name}\` not found`));
        return ERR;
      }
    }
    const entry = this.resolveTypePath(te, cx.scope);
    const args = last.args ? last.args.filter((a) => a.kind !== "ShapeType").map((a) => this.lower(a, cx)) : null;
    // Rust's named iterator types (`type IntoIter = std::vec::IntoIter<T>;` in an `impl
    // IntoIterator`) are STARK's one iterator type.
    const stdIter = !entry && segs.length >= 3 && segs[0].name.name === "std" && args?.length === 1 ? STD_ITERATORS[`${segs[segs.length - 2].name.name}::${name}`] : undefined;
    if (stdIter) return { kind: "builtin", name: "Iter", args: [stdIter(args![0])] };
    if (!entry) {
      this.unknownType(te, cx.scope, "type");
      return ERR;
    }
    switch (entry.kind) {
      case "prim":
        return primType(entry.name);
      case "builtin": {
        if (entry.name === "Tensor") return this.lowerTensor(last.args, te.span);
        if (entry.name === "Array") return { kind: "array", elem: args?.[0] ?? this.inf.fresh(), len: ANY_LEN };
        const arity = BUILTIN_ARITY[entry.name];
        return { kind: "builtin", name: entry.name, args: this.fitArgs(args, arity, te, entry.name) };
      }
      case "struct":
      case "enum":
        return { kind: "adt", decl: entry.decl, args: this.fitArgs(args, entry.decl.generics.length, te, entry.decl.name.name) };
      case "trait":
        this.checkDynCompatible(entry.decl, te.span);
        return { kind: "dyn", trait: entry.decl };
      default:
        this.diagnostics.push(error("E0573", `expected type, found ${describe(entry)} \`${pathText(te)}\``, te.span, "not a type"));
        return ERR;
    }
  }

  /** Bare generic forms (`Vec`, `Map`) get fresh variables; a wrong count is E0107. */
  private fitArgs(args: Type[] | null, arity: number, te: PathType, name: string): Type[] {
    if (!args || args.length === 0) return Array.from({ length: arity }, () => this.inf.fresh());
    if (args.length !== arity) {
      this.diagnostics.push(error("E0107", `${name} takes ${arity} generic argument${arity === 1 ? "" : "s"} but ${args.length} generic argument${args.length === 1 ? " was" : "s were"} supplied`, te.span, `expected ${arity} generic argument${arity === 1 ? "" : "s"}`));
      return Array.from({ length: arity }, (_, i) => args[i] ?? ERR);
    }
    return args;
  }

  lowerTensor(args: TypeExpr[] | null, span: Span): Type {
    let dtype: "f32" | "f64" | "i32" = "f32";
    let shape: (number | string)[] | null = null;
    for (const a of args ?? []) {
      if (a.kind === "ShapeType") shape = a.dims;
      else if (a.kind === "PathType" && a.segments.length === 1 && ["f32", "f64", "i32"].includes(a.segments[0].name.name)) {
        dtype = a.segments[0].name.name as "f32" | "f64" | "i32";
      } else if (a.kind === "InferType") {
        /* `Tensor<_>` keeps the default */
      } else {
        this.diagnostics.push(error("E0308", "a tensor's element type must be `f32`, `f64` or `i32`", a.span, "not a tensor dtype"));
      }
    }
    void span;
    return { kind: "tensor", dtype, shape };
  }

  private constLen(e: import("../syntax/ast").Expr, scope: ModuleScope): number {
    return this.constValue(e, scope) ?? ANY_LEN;
  }

  /** An integer constant expression's value (literals, `const` items, arithmetic), or null. */
  constValue(e: import("../syntax/ast").Expr, scope: ModuleScope): number | null {
    return constInt(e, (p) => {
      if (p.res) return p.res.kind === "const" ? p.res.decl : null;
      if (p.segments.length !== 1) return null;
      const c = this.lookup(scope, p.segments[0].name.name);
      return c && c.kind === "const" ? c.decl : null;
    });
  }


  unknownType(te: PathType, scope: ModuleScope, what: "type" | "trait"): void {
    const name = te.segments[te.segments.length - 1].name.name;
    const d = error(
      what === "trait" ? "E0405" : "E0412",
      `cannot find ${what} \`${name}\` in this scope`,
      te.segments[te.segments.length - 1].name.span,
      "not found in this scope",
    );
    const kinds = what === "trait" ? ["trait"] : ["struct", "enum", "trait", "builtin", "prim"];
    const close = closestName(name, this.visibleNames(scope).filter((n) => kinds.includes(this.lookup(scope, n)?.kind ?? "")));
    const rust = rustEquivalent(name);
    if (rust) d.help.push(rust);
    else if (close) d.help.push(`a ${what === "trait" ? "trait" : "type"} with a similar name exists: \`${close}\``);
    this.diagnostics.push(d);
  }

  // ───────────── signatures ─────────────

  lowerCxFor(decl: FnDecl): LowerCx {
    const cx = this.fnCx.get(decl) ?? this.parent?.fnCx.get(decl);
    const generics = new Map<string, Type>();
    const scope = cx?.scope ?? new ModuleScope("", null);
    let selfTy: Type | null = null;
    if (cx?.impl) {
      for (const g of cx.impl.generics) generics.set(g.name, paramType(g));
      selfTy = { kind: "param", name: "Self" };
    } else if (cx?.trait) selfTy = { kind: "param", name: "Self" };
    for (const g of decl.generics) generics.set(g.name, paramType(g));
    const cxOut = { scope, generics, selfTy };
    // `F: Fn(i32) -> i32` makes F the closure type itself (calls go through it directly).
    for (const g of decl.generics) {
      const fnBound = g.bounds.find((b) => b.kind === "PathType" && b.segments[b.segments.length - 1].fnSugar);
      if (fnBound) generics.set(g.name, this.lower(fnBound, cxOut));
      // `I: Iterator<Item = T>` makes I the iterator type `Iter<T>` (`Iter<I::Item>` without the
      // binding), which built-in and user iterators (coerced) both are.
      const iterBound = g.bounds.find((b): b is PathType => b.kind === "PathType" && this.isIteratorPath(b, scope));
      if (iterBound) {
        const item = iterBound.segments[iterBound.segments.length - 1].bindings?.find((bd) => bd.name.name === "Item");
        generics.set(g.name, { kind: "builtin", name: "Iter", args: [item ? this.lower(item.ty, cxOut) : { kind: "param", name: `${g.name}::Item` }] });
      }
    }
    return cxOut;
  }

  contextOf(decl: FnDecl): FnContext | undefined {
    return this.fnCx.get(decl) ?? this.parent?.contextOf(decl);
  }

  sig(decl: FnDecl): FnSig {
    const cached = this.sigs.get(decl) ?? this.parent?.sigs.get(decl);
    if (cached) return cached;
    const owner = this.fnCx.has(decl) || !this.parent ? this : this.parent;
    const cx = owner.lowerCxFor(decl);
    const fcx = owner.contextOf(decl);
    const bounds = new Map<string, TraitDecl[]>();
    const assocBindings = new Map<string, Type>();
    const fnBounds = new Map<string, Type>();
    const addBounds = (gs: GenericParam[]) => {
      for (const g of gs) {
        const list: TraitDecl[] = [];
        for (const b of g.bounds) {
          if (b.kind === "PathType" && b.segments[b.segments.length - 1].fnSugar) fnBounds.set(g.name, owner.lower(b, cx));
          if (b.kind !== "PathType" || b.segments[b.segments.length - 1].fnSugar) continue;
          const e = owner.resolveTypePath(b, cx.scope);
          if (e && e.kind === "trait") {
            list.push(e.decl);
            const seg = b.segments[b.segments.length - 1];
            for (const bd of seg.bindings ?? []) assocBindings.set(`${g.name}:${e.decl.name.name}:${bd.name.name}`, owner.lower(bd.ty, cx));
            // An operator bound's right operand: `T: Mul<f64>` (Rust's `Rhs`, by default Self).
            if (seg.args?.length === 1 && OPERATOR_TRAITS.has(e.decl.name.name)) assocBindings.set(`${g.name}:${e.decl.name.name}:Rhs`, owner.lower(seg.args[0], cx));
          } else if (!e) owner.unknownType(b, cx.scope, "trait");
        }
        bounds.set(g.name, list);
      }
    };
    if (fcx?.impl) addBounds(fcx.impl.generics);
    addBounds(decl.generics);
    if (fcx?.trait && !fcx.impl) bounds.set("Self", [fcx.trait]);
    const sig: FnSig = {
      implGenerics: fcx?.impl ? fcx.impl.generics.map((g) => g.name) : [],
      fnGenerics: decl.generics.map((g) => g.name),
      bounds,
      assocBindings,
      fnBounds,
      params: decl.params.map((p) => owner.lower(p.ty, cx)),
      paramSpans: decl.params.map((p) => p.ty.span),
      ret: decl.ret ? owner.lower(decl.ret, cx) : { kind: "tuple", elems: [] },
      retSpan: decl.ret ? decl.ret.span : null,
      selfMode: decl.selfParam ? decl.selfParam.mode : null,
      autoref: decl.attrs.some((a) => a.name === "autoref"),
      hasBody: decl.body !== null && decl.body !== undefined,
    };
    owner.sigs.set(decl, sig);
    return sig;
  }

  /**
   * The fields of variant `variant` (0 for a struct) of `decl` instantiated with `args`. Every
   * caller substitutes field types through here, so a missing type argument — only possible after
   * an error such as E0107 — means one thing everywhere: ERR, which reports nothing further.
   */
  instantiatedFields(decl: StructDecl | EnumDecl, args: Type[], variant: number): Type[] {
    const sub = new Map<string, Type>();
    decl.generics.forEach((g, i) => sub.set(g.name, args[i] ?? ERR));
    return (this.fields(decl)[variant] ?? []).map((f) => substitute(f, sub));
  }

  /** Field types of a struct (index 0) or of each enum variant, with generics as params. */
  fields(decl: StructDecl | EnumDecl): Type[][] {
    const cached = this.fieldTypes.get(decl) ?? this.parent?.fieldTypes.get(decl);
    if (cached) return cached;
    const owner = this.declScope.has(decl) || !this.parent ? this : this.parent;
    const scope = owner.declScope.get(decl) ?? new ModuleScope("", null);
    const generics = new Map<string, Type>();
    for (const g of decl.generics) generics.set(g.name, paramType(g));
    const selfTy: Type = { kind: "adt", decl, args: decl.generics.map((g) => paramType(g)) };
    const cx = { scope, generics, selfTy };
    // Cache a placeholder first so a recursive type (`Box<Node>`) does not loop.
    const out: Type[][] = [];
    owner.fieldTypes.set(decl, out);
    if (decl.kind === "StructDecl") out.push(decl.fields.map((f) => owner.lower(f.ty, cx)));
    else for (const v of decl.variants) out.push(v.fields.map((f) => owner.lower(f.ty, cx)));
    return out;
  }

  derivesOf(decl: StructDecl | EnumDecl): Set<string> {
    return this.derives.get(decl) ?? this.parent?.derivesOf(decl) ?? new Set();
  }

  /** Copy or Move, with `#[derive(Copy)]` knowledge (LANGUAGE.md §3). */
  isCopy = (t: Type): boolean => {
    const seen = new Set<StructDecl | EnumDecl>();
    const copyAdt = (decl: StructDecl | EnumDecl, args: Type[]): boolean => {
      if (!this.derivesOf(decl).has("Copy")) return false;
      if (seen.has(decl)) return true;
      seen.add(decl);
      return this.fields(decl).every((_, v) => this.instantiatedFields(decl, args, v).every((f) => isCopy(f, copyAdt)));
    };
    const r = this.inf.resolve(t);
    // An unresolved literal is a number, and numbers are Copy.
    if (r.kind === "var") return this.inf.varKind(r) !== "any";
    return isCopy(r, copyAdt);
  };

  /** All impls for a type head, this env's and the prelude's. */
  implsFor(key: unknown): ImplInfo[] {
    const mine = this.impls.get(key) ?? [];
    const up = this.parent ? this.parent.implsFor(key) : [];
    return mine.length === 0 ? up : up.length === 0 ? mine : [...mine, ...up];
  }

  allBlanketImpls(): ImplInfo[] {
    return this.parent ? [...this.blanketImpls, ...this.parent.allBlanketImpls()] : this.blanketImpls;
  }

  /** The lowering context inside an impl (its generics, `Self` = its target). */
  implLowerCx(info: ImplInfo): LowerCx {
    const generics = new Map<string, Type>();
    for (const g of info.generics) generics.set(g.name, paramType(g));
    return { scope: info.scope, generics, selfTy: info.target };
  }

  /** An associated const `Type::NAME` declared in an impl of the type's head. */
  assocConst(t: Type, name: string): { decl: import("../syntax/ast").ConstDecl; ty: Type; info: ImplInfo } | null {
    const key = headKey(t);
    if (key === null) return null;
    for (const info of this.implsFor(key)) {
      const c = info.decl.consts.find((x) => x.name.name === name);
      if (!c) continue;
      const ty = c.ty ? this.lower(c.ty, this.implLowerCx(info)) : (c.value.ty ?? ERR);
      return { decl: c, ty, info };
    }
    return null;
  }

  /** The prelude's `Iterator` trait (user iterators; `impl Iterator<Item = T>` is `Iter<T>`). */
  isIteratorTrait(trait: TraitDecl): boolean {
    return trait.name.name === "Iterator" && this.isPreludeTrait(trait);
  }

  /** A trait the prelude declares (`Index`, `Iterator`, `Ord`), not a user trait of the same name. */
  isPreludeTrait(trait: TraitDecl): boolean {
    return this.root().traitScope.has(trait);
  }

  private isIteratorPath(b: PathType, scope: ModuleScope): boolean {
    const e = this.resolveTypePath(b, scope);
    return !!e && e.kind === "trait" && this.isIteratorTrait(e.decl);
  }

  private root(): Env {
    return this.parent ? this.parent.root() : this;
  }

  /**
   * The associated type `name` of `base`: `T::Item` of a generic parameter stays a parameter
   * named `T::Item` (each instantiation resolves it, infer.ts `substitute`); of a concrete type
   * it is the `type Item = ..;` of the impl that declares it; an `Iter<T>`'s `Item` is T.
   */
  project(base: Type, name: string): Type | null {
    const b = this.inf.shallow(base);
    if (b.kind === "param") return this.boundProjections.get(`${b.name}::${name}`) ?? { kind: "param", name: `${b.name}::${name}` };
    if (b.kind === "builtin" && (b.name === "Iter" || b.name === "Range") && name === "Item") return b.args[0];
    const key = headKey(b);
    if (key === null) return null;
    for (const info of this.implsFor(key)) {
      const a = info.decl.assocTypes?.find((x) => x.name.name === name && x.ty);
      if (!a) continue;
      const sub = new Map<string, Type>();
      for (const g of info.generics) sub.set(g.name, this.inf.fresh());
      const mark = this.inf.mark();
      if (!this.inf.tryUnify(substitute(info.target, sub), b)) {
        this.inf.rollback(mark);
        continue;
      }
      return substitute(this.lower(a.ty!, this.implLowerCx(info)), sub);
    }
    return null;
  }

  /**
   * In the function being checked, the associated types its bounds fix (`S: Source<Item = i32>`:
   * `S::Item` is i32). Set by the body checker for each function (`withBoundProjections`).
   */
  private boundProjections = new Map<string, Type>();

  /** Runs `f` with the projections `assocBindings` (FnSig's, keyed `S:Source:Item`) fix. */
  withBoundProjections<R>(assocBindings: Map<string, Type>, f: () => R): R {
    const saved = this.boundProjections;
    const root = this.root();
    const savedRoot = root.boundProjections;
    const next = new Map<string, Type>();
    for (const [k, v] of assocBindings) {
      const [g, , a] = k.split(":");
      if (a !== "Rhs" && a !== "Output") next.set(`${g}::${a}`, v);
    }
    this.boundProjections = root.boundProjections = next;
    try {
      return f();
    } finally {
      this.boundProjections = saved;
      root.boundProjections = savedRoot;
    }
  }

  /** Projections whose base was not known when a signature was instantiated (a call's fresh `S`). */
  private readonly pendingProjections: { base: Type; name: string; out: Type }[] = [];

  /** `project`, or a fresh variable settled once the base is known (`settleProjections`). */
  projectOrDefer(base: Type, name: string): Type | null {
    const b = this.inf.shallow(base);
    if (b.kind === "var") {
      // One variable per base and name: `I::Item` in a parameter and in the result are one type.
      const known = this.pendingProjections.find((p) => {
        const pb = this.inf.shallow(p.base);
        return p.name === name && pb.kind === "var" && pb.id === b.id;
      });
      if (known) return known.out;
      const out = this.inf.fresh();
      this.pendingProjections.push({ base: b, name, out });
      return out;
    }
    return this.project(b, name);
  }

  /** Resolves the deferred projections whose base inference has decided. */
  settleProjections(): void {
    for (let i = 0; i < this.pendingProjections.length; i++) {
      const p = this.pendingProjections[i];
      const b = this.inf.shallow(p.base);
      if (b.kind === "var") continue;
      this.pendingProjections.splice(i--, 1);
      const t = this.project(b, p.name);
      if (t) this.inf.tryUnify(p.out, t);
    }
  }

  /**
   * A user `impl IntoIterator` for `t` (`Bag` or `&Bag`): its item type, for a `for` loop that
   * then walks `t.into_iter()`.
   */
  userIntoIterItem(t: Type): Type | null {
    const b = this.inf.shallow(t);
    const inner = b.kind === "ref" ? this.inf.shallow(b.inner) : b;
    if (inner.kind !== "adt") return null;
    for (const info of this.implsFor(inner.decl)) {
      if (!info.trait || info.trait.name.name !== "IntoIterator" || !this.isPreludeTrait(info.trait)) continue;
      const mark = this.inf.mark();
      const sub = new Map<string, Type>();
      for (const g of info.generics) sub.set(g.name, this.inf.fresh());
      if (!this.inf.tryUnify(substitute(info.target, sub), b)) {
        this.inf.rollback(mark);
        continue;
      }
      const a = info.decl.assocTypes?.find((x) => x.name.name === "Item" && x.ty);
      return a ? substitute(this.lower(a.ty!, this.implLowerCx(info)), sub) : null;
    }
    return null;
  }

  /** The item type of a user type that implements the prelude's `Iterator` (`impl Iterator for Counter`), else null. */
  userIterItem(t: Type): Type | null {
    const b = this.inf.shallow(t);
    if (b.kind !== "adt") return null;
    for (const info of this.implsFor(b.decl)) {
      if (info.trait && this.isIteratorTrait(info.trait)) return this.project(b, "Item");
    }
    return null;
  }

  implementsTrait(t: Type, trait: TraitDecl): boolean {
    const key = headKey(t);
    for (let e: Env | null = this; e; e = e.parent) {
      if (key !== null && e.traitImpls.get(key)?.has(trait)) return true;
    }
    return false;
  }
}

/**
 * `Self::Output` in an impl's method signatures means the impl's associated type: the written type
 * (`type Output = Vec2;`) takes its place in the signature, so the checker and the evaluator read
 * one type. Parameters and return types are rewritten, behind references, in tuples and in type
 * arguments.
 */
function resolveSelfAssocTypes(decl: ImplDecl): void {
  const assoc = new Map(decl.assocTypes!.filter((a) => a.ty).map((a) => [a.name.name, a.ty!]));
  const fix = (te: TypeExpr): TypeExpr => {
    if (te.kind === "RefType") return { ...te, inner: fix(te.inner) };
    if (te.kind === "TupleType") return { ...te, elems: te.elems.map(fix) };
    if (te.kind !== "PathType") return te;
    if (te.segments.length === 2 && te.segments[0].name.name === "Self") return assoc.get(te.segments[1].name.name) ?? te;
    // Inside type arguments too: `Result<Self, Self::Error>`.
    if (!te.segments.some((g) => g.args)) return te;
    return { ...te, segments: te.segments.map((g) => (g.args ? { ...g, args: g.args.map(fix) } : g)) };
  };
  for (const m of decl.methods) {
    if (m.ret) m.ret = fix(m.ret);
    for (const p of m.params) p.ty = fix(p.ty);
  }
}

/** A generic parameter as a type; `T: Copy` makes its values Copy for the borrow checker. */
export function paramType(g: GenericParam): Type {
  const copy = g.bounds.some((b) => b.kind === "PathType" && b.segments[b.segments.length - 1].name.name === "Copy");
  return copy ? { kind: "param", name: g.name, copy: true } : { kind: "param", name: g.name };
}

export const PRIMS = new Set(["i8", "i16", "i32", "i64", "isize", "u8", "u16", "u32", "u64", "usize", "f32", "f64", "bool", "char", "str"]);

export function primType(name: string): Type {
  if (name === "f32" || name === "f64") return { kind: "float", name };
  if (name === "bool") return { kind: "bool" };
  if (name === "char") return { kind: "char" };
  if (name === "str") return { kind: "builtin", name: "String", args: [] };
  return { kind: "int", name: name as "i32" };
}

/** The key impls are indexed by: the declaration for ADTs, a name for the rest. */
export function headKey(t: Type): unknown {
  switch (t.kind) {
    case "adt":
      return t.decl;
    case "builtin":
      return t.name;
    case "tensor":
      return "Tensor";
    case "array":
      return "Array";
    case "int":
    case "float":
      return t.name;
    case "bool":
    case "char":
      return t.kind;
    case "dyn":
      return t.trait;
    default:
      return null;
  }
}

function qualify(prefix: string, name: string): string {
  return prefix ? `${prefix}::${name}` : name;
}

function deriveSet(attrs: Attribute[]): Set<string> {
  const s = new Set<string>();
  for (const a of attrs) if (a.name === "derive") for (const x of a.args) s.add(x);
  return s;
}

export function describe(e: ItemEntry): string {
  switch (e.kind) {
    case "fn":
      return "function";
    case "const":
      return "constant";
    case "mod":
      return "module";
    case "variant":
      return "enum variant";
    case "struct":
      return "struct";
    case "enum":
      return "enum";
    case "trait":
      return "trait";
    default:
      return "type";
  }
}

export function pathText(t: PathType): string {
  return t.segments.map((s) => s.name.name).join("::");
}

/** Whether a type still holds a generic parameter (E0053 compares only concrete types). */
function mentionsParam(t: Type): boolean {
  switch (t.kind) {
    case "param":
    case "var":
    case "dyn":
      return true;
    case "ref":
      return mentionsParam(t.inner);
    case "tuple":
      return t.elems.some(mentionsParam);
    case "array":
      return mentionsParam(t.elem);
    case "adt":
    case "builtin":
      return t.args.some(mentionsParam);
    case "fn":
      return true;
    default:
      return false;
  }
}

/** Whether a written type mentions `Self` (E0038: a method taking or returning `Self`). */
function mentionsSelf(t: TypeExpr): boolean {
  switch (t.kind) {
    case "PathType":
      return t.segments.some((s, i) => (i === 0 && s.name.name === "Self") || (s.args ?? []).some(mentionsSelf));
    case "RefType":
      return mentionsSelf(t.inner);
    case "TupleType":
      return t.elems.some(mentionsSelf);
    case "ArrayType":
    case "SliceType":
      return mentionsSelf(t.elem);
    default:
      return false;
  }
}
