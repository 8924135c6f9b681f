// Method lookup, as rustc probes: for the receiver type and then each auto-deref step (through
// `&`, `&mut`, `Box`, `Gc`), inherent impls first, then trait impls, then trait objects and
// generic bounds; finally the prelude's blanket impls (`clone`, `to_string`, number methods) on
// the receiver without its references, and a range receiver's `Iter` methods.

import type { Expr, FnDecl, MethodRes, SelfMode, TraitDecl } from "../syntax/ast";
import type { BodyChecker, BodyCx } from "./body";
import { headKey, type FnSig, type ImplInfo } from "./env";
import { substitute } from "./infer";
import { vecOrArrayElement, type Type } from "./types";

export interface MethodHit {
  decl: FnDecl;
  impl: ImplInfo | null;
  sig: FnSig;
  /** Impl generics → types for this receiver. */
  sub: Map<string, Type>;
  /** What `Self` is for this call. */
  selfTy: Type;
  res: MethodRes;
  derefs: number;
  autoref: "none" | "ref" | "refMut";
  /** Qualified native name when the method has no body. */
  native: string | null;
  /**
   * Other impls of the same generic trait on this type that also have the method
   * (`impl Scale<f64> for V` and `impl Scale<i32> for V`): the call's arguments choose.
   */
  alternatives?: MethodHit[];
  /** The receiver is a user iterator taken as this `Iter<Item>` (MethodCallExpr.recvAdjust.userIter). */
  userIter?: Type;
}

export function probeMethod(ck: BodyChecker, recv: Type, name: string, cx: BodyCx): MethodHit | null {
  const inf = ck.inf;
  let t = inf.shallow(recv);
  let derefs = 0;
  // An unsuffixed literal: the one numeric type with such a method (i32 / f64 first), as rustc.
  const lit = inf.varKind(t);
  if (t.kind === "var" && lit !== "any") {
    const names = lit === "int" ? ["i32", "i64", "u8", "u16", "u32", "u64", "usize", "isize", "i8", "i16"] : ["f64", "f32"];
    for (const n of names) {
      const cand: Type = lit === "int" ? { kind: "int", name: n as "i32" } : { kind: "float", name: n as "f64" };
      if (!lookupOn(ck, cand, name, cx, false)) continue;
      inf.unify(t, cand);
      t = cand;
      break;
    }
  }
  for (let step = 0; step < 16; step++) {
    const hit = lookupOn(ck, t, name, cx, false);
    if (hit) return withAdjust(hit, derefs);
    // A Vec or an array derefs to a slice: `v.windows(2)`, `arr.split_at(1)`.
    const asSlice = sliceOf(t);
    const sliceHit = asSlice && lookupOn(ck, asSlice, name, cx, false);
    if (sliceHit) return withAdjust(sliceHit, derefs);
    const d = ck.derefOnce(t);
    if (!d) break;
    t = d;
    derefs++;
  }
  let base = inf.shallow(recv);
  let n = 0;
  while (base.kind === "ref") {
    base = inf.shallow(base.inner);
    n++;
  }
  // A user iterator (`impl Iterator for Counter`) has every `Iter` method (`counter.zip(..)`,
  // `.sum()`): the receiver becomes an `Iter<Item>` whose `next` calls the user's (`userIter`).
  const userItem = ck.env.userIterItem(base);
  if (userItem) {
    const asIter: Type = { kind: "builtin", name: "Iter", args: [userItem] };
    const hit = lookupOn(ck, asIter, name, cx, false);
    if (hit) {
      hit.userIter = asIter;
      return withAdjust(hit, n);
    }
  }
  const blanket = lookupBlanket(ck, base, name, false);
  if (blanket) return withAdjust(blanket, n);
  // A range is an iterator: `(0..n).map(..)`.
  if (base.kind === "builtin" && base.name === "Range") {
    const asIter: Type = { kind: "builtin", name: "Iter", args: [base.args[0]] };
    const hit = lookupOn(ck, asIter, name, cx, false);
    if (hit) return withAdjust(hit, n);
  }
  return null;
}

/** `[T]` for a `Vec<T>` or `[T; N]`, whose methods it also has. */
function sliceOf(t: Type): Type | null {
  const elem = vecOrArrayElement(t);
  return elem && { kind: "builtin", name: "Slice", args: [elem] };
}

/** `Type::name` — an associated function or method named through its type. */
export function findAssocFn(ck: BodyChecker, t: Type, name: string, cx: BodyCx | null = null): MethodHit | null {
  return lookupOn(ck, ck.inf.shallow(t), name, cx, true) ?? lookupBlanket(ck, t, name, true);
}

function withAdjust(hit: MethodHit, derefs: number): MethodHit {
  const mode = hit.sig.selfMode;
  hit.derefs = derefs;
  hit.autoref = mode === "ref" ? "ref" : mode === "refMut" ? "refMut" : "none";
  return hit;
}

function lookupOn(ck: BodyChecker, t: Type, name: string, cx: BodyCx | null, staticOk: boolean): MethodHit | null {
  const inf = ck.inf;
  if (t.kind === "dyn") return traitMethod(ck, t.trait, name, t, staticOk);
  if (t.kind === "param") {
    const bounds = cx?.bounds.get(t.name) ?? [];
    for (const tr of bounds) {
      const hit = traitMethod(ck, tr, name, t, staticOk);
      if (hit) return hit;
    }
    return null;
  }
  // A reference receiver reaches the impls for the reference type itself (`impl IntoIterator for &Bag`).
  const refTo = t.kind === "ref" ? inf.shallow(t.inner) : null;
  const key = headKey(t) ?? (refTo?.kind === "adt" ? refTo.decl : null);
  if (key === null) return null;
  const impls = ck.env.implsFor(key);
  // Inherent impls first, then trait impls.
  for (const pass of [false, true]) {
    let first: MethodHit | null = null;
    for (const impl of impls) {
      if ((impl.trait !== null) !== pass) continue;
      let decl = impl.methods.get(name);
      if (!decl && impl.trait) decl = impl.trait.methods.find((m) => m.name.name === name && m.body) ?? undefined;
      if (!decl) continue;
      if (!staticOk && !decl.selfParam) continue;
      if (first && impl.trait !== first.impl?.trait) continue;
      const mark = inf.mark();
      const sub = new Map<string, Type>();
      for (const g of impl.generics) sub.set(g.name, inf.fresh());
      if (t.kind !== "tensor" && !inf.tryUnify(substitute(impl.target, sub), t)) continue;
      const selfTy: Type = t.kind === "tensor" ? { kind: "tensor", dtype: t.dtype, shape: staticOk ? t.shape : null } : t;
      const hit = makeHit(ck, decl, impl, sub, selfTy);
      if (!first) first = hit;
      else {
        // Only collected: the receiver unifies again when the call settles on this one.
        inf.rollback(mark);
        (first.alternatives ??= [first]).push(hit);
      }
    }
    if (first) return first;
  }
  return null;
}

/**
 * Of several impls of one generic trait that have the method, the one whose parameter types fit
 * the arguments (as rustc's trait selection decides `v.scale(2)` against `Scale<f64>` and
 * `Scale<i32>`); the first when the arguments do not tell. Arguments are looked at without
 * being checked: literals, variables, references and tuples of them.
 */
export function chooseByArguments(ck: BodyChecker, hit: MethodHit, args: Expr[]): MethodHit {
  const alts = hit.alternatives;
  if (!alts || alts.length < 2) return hit;
  const inf = ck.inf;
  const argTypes = args.map((a) => glance(ck, a));
  for (const alt of alts) {
    if (alt.sig.params.length !== args.length) continue;
    const mark = inf.mark();
    const fits = argTypes.every((at, i) => at === null || inf.tryUnify(substitute(alt.sig.params[i], alt.sub), at));
    inf.rollback(mark);
    if (fits) {
      if (alt !== hit) {
        inf.tryUnify(substitute(alt.impl!.target, alt.sub), alt.selfTy);
        // The receiver's adjustment was worked out on the first impl's method (probeMethod).
        withAdjust(alt, hit.derefs);
        alt.userIter = hit.userIter;
      }
      return alt;
    }
  }
  return hit;
}

/** The type an argument will have, when it shows without checking it (else null). */
function glance(ck: BodyChecker, e: Expr): Type | null {
  const inf = ck.inf;
  switch (e.kind) {
    case "IntLit":
      return e.suffix ? (e.suffix.startsWith("f") ? { kind: "float", name: e.suffix as "f32" } : { kind: "int", name: e.suffix as "i32" }) : inf.fresh("int");
    case "FloatLit":
      return e.suffix ? { kind: "float", name: e.suffix } : inf.fresh("float");
    case "StrLit":
    case "FStrLit":
      return { kind: "builtin", name: "String", args: [] };
    case "BoolLit":
      return { kind: "bool" };
    case "CharLit":
      return { kind: "char" };
    case "ParenExpr":
      return glance(ck, e.expr);
    case "UnaryExpr":
      return e.op === "-" ? glance(ck, e.operand) : null;
    case "TupleExpr": {
      const elems = e.elems.map((x) => glance(ck, x));
      return elems.every((x): x is Type => x !== null) ? { kind: "tuple", elems } : null;
    }
    case "RefExpr": {
      const inner = glance(ck, e.operand);
      return inner && { kind: "ref", mutable: e.mutable, inner };
    }
    case "PathExpr":
      return e.res?.kind === "local" || e.res?.kind === "global" ? e.res.binding.ty ?? null : null;
    case "CallExpr":
      // `String::from(..)`, `String::new()`
      return e.callee.kind === "PathExpr" && e.callee.segments.length === 2 && e.callee.segments[0].name.name === "String" ? STRING : null;
    case "MethodCallExpr":
      if (TEXT_METHODS.has(e.method.name)) return STRING;
      if (e.method.name === "clone" && e.args.length === 0) {
        let t = glance(ck, e.receiver);
        while (t && t.kind === "ref") t = inf.shallow(t.inner);
        return t;
      }
      return null;
    default:
      return null;
  }
}

const STRING: Type = { kind: "builtin", name: "String", args: [] };
const TEXT_METHODS = new Set(["to_string", "to_owned", "to_uppercase", "to_lowercase", "trim", "repeat", "replace"]);

function traitMethod(ck: BodyChecker, trait: TraitDecl, name: string, selfTy: Type, staticOk: boolean): MethodHit | null {
  const seen = new Set<TraitDecl>();
  const visit = (tr: TraitDecl): MethodHit | null => {
    if (seen.has(tr)) return null;
    seen.add(tr);
    const decl = tr.methods.find((m) => m.name.name === name);
    if (decl && (staticOk || decl.selfParam)) {
      const sig = ck.env.sig(decl);
      return {
        decl,
        impl: null,
        sig,
        sub: new Map(),
        selfTy,
        res: { kind: "dyn", trait: tr, method: name, selfMode: (decl.selfParam?.mode ?? null) as SelfMode | null },
        derefs: 0,
        autoref: "none",
        native: null,
      };
    }
    for (const s of tr.supertraits) {
      if (s.kind !== "PathType") continue;
      const scope = ck.env.traitScope.get(tr) ?? ck.env.parent?.traitScope.get(tr) ?? null;
      const e = ck.env.resolveTypePath(s, scope ?? (undefined as never));
      if (e && e.kind === "trait") {
        const hit = visit(e.decl);
        if (hit) return hit;
      }
    }
    return null;
  };
  return visit(trait);
}

function lookupBlanket(ck: BodyChecker, t: Type, name: string, staticOk: boolean): MethodHit | null {
  const inf = ck.inf;
  t = inf.shallow(t);
  if (t.kind === "var" && inf.varKind(t) === "any") return null;
  for (const impl of ck.env.allBlanketImpls()) {
    const decl = impl.methods.get(name);
    if (!decl || (!staticOk && !decl.selfParam)) continue;
    const bound = impl.blanketBound!;
    // Floats are not Ord/Eq (NaN): no `cmp` on them, as in Rust.
    const holds = ["Integer", "Float", "Number", "Scalar"].includes(bound) ? ck.markerHolds(bound, t) : bound === "Ord" || bound === "Eq" ? !ck.hasFloat(t) : true;
    if (!holds) continue;
    const sub = new Map<string, Type>();
    sub.set((impl.target as { name: string }).name, t);
    return makeHit(ck, decl, impl, sub, t);
  }
  return null;
}

function makeHit(ck: BodyChecker, decl: FnDecl, impl: ImplInfo, sub: Map<string, Type>, selfTy: Type): MethodHit {
  const sig = ck.env.sig(decl);
  const native = decl.body ? null : ck.env.contextOf(decl)?.native ?? `${impl.nativePrefix}::${decl.name.name}`;
  const selfMode = (decl.selfParam?.mode ?? null) as SelfMode | null;
  const res: MethodRes = native ? { kind: "native", name: native, selfMode } : { kind: "fn", decl, impl: impl.decl, selfMode };
  return { decl, impl, sig, sub, selfTy, res, derefs: 0, autoref: "none", native };
}
