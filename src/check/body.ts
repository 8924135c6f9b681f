// Type checking of function bodies, closures and top-level statements: expressions and
// statements. Patterns are in patterns.ts, method lookup in methods.ts, closure captures in
// captures.ts. Every expression gets its (possibly not yet resolved) `ty` here; finalize.ts
// resolves them once the whole program is checked.

import { rustEquivalent } from "./rust_names";
import type { Diagnostic } from "../diagnostics";
import { error } from "../diagnostics";
import type {
  BinaryExpr,
  Binding,
  BlockExpr,
  CallExpr,
  ClosureExpr,
  EnumDecl,
  Expr,
  FnDecl,
  ForExpr,
  ImplDecl,
  Label,
  MatchExpr,
  MethodCallExpr,
  Pattern,
  PathExpr,
  Span,
  Stmt,
  StructDecl,
  StructLitExpr,
  TraitDecl,
} from "../syntax/ast";
import { computeCaptures } from "./captures";
import { collectionArgument, indexAsMethodCall, preludeCollection, iterArgument, markMutablePlace, pretyped, rewriteCollectInto, rewriteCollectionFor, rewriteCollectionIndex } from "./collections";
import { checkExhaustive, checkIrrefutableLet } from "./exhaustive";
import { mismatch, show, type MismatchOrigin } from "./diag";
import { ANY_LEN, describe, Env, headKey, MARKER_TRAITS, OPERATOR_TRAITS, UNIVERSAL_TRAITS, type FnSig, type ImplInfo, type LowerCx } from "./env";
import { Frame, Locals } from "./frames";
import { ERR, substitute, type Infer } from "./infer";
import { chooseByArguments, probeMethod, findAssocFn, type MethodHit } from "./methods";
import { checkPattern } from "./patterns";
import { closestName, ModuleScope as ModuleScopeClass, type ItemEntry, type ModuleScope } from "./scope";
import { vecOrArrayElement, type Type } from "./types";

export const UNIT: Type = { kind: "tuple", elems: [] };
const BOOL: Type = { kind: "bool" };
const USIZE: Type = { kind: "int", name: "usize" };
/** `Iter` methods that walk from the back (Rust's `DoubleEndedIterator`): not on a user iterator. */
const DOUBLE_ENDED = new Set(["rev", "next_back", "nth_back", "rfind", "rfold", "rposition"]);

const STRING: Type = { kind: "builtin", name: "String", args: [] };

interface LoopCx {
  label: Label | null;
  /** `loop` collects break values; `while`/`for` break without a value. */
  breakTy: Type | null;
  hasBreak: boolean;
}

export interface BodyCx {
  frame: Frame;
  locals: Locals;
  retTy: Type;
  retOrigin: MismatchOrigin | null;
  selfTy: Type | null;
  /** Trait bounds of the generic parameters in scope (and `Self` in trait default bodies). */
  bounds: Map<string, TraitDecl[]>;
  /** Associated type bindings of those bounds, keyed `T:Add:Output` (FnSig.assocBindings). */
  assocBindings?: Map<string, Type>;
  /** Closure-type bounds of the impl's generic parameters (FnSig.fnBounds). */
  fnBounds?: Map<string, Type>;
  lower: LowerCx;
  loops: LoopCx[];
  /** In a closure: its return type (`return` inside a closure returns from it). */
}

/** A bound that must hold once inference is done: `ty: trait`. */
interface Obligation {
  ty: Type;
  trait: TraitDecl;
  span: Span;
}

/** The bounds that give a generic parameter `==` (`PartialEq`) or `<` (`PartialOrd`). */
const IMPLIED_BY = {
  PartialOrd: ["PartialOrd", "Ord", "Number", "Integer", "Float"],
  PartialEq: ["PartialEq", "Eq", "PartialOrd", "Ord", "Number", "Integer", "Float", "Hash"],
};

/** The element type of a `[T]`, `Vec<T>` or `[T; N]`. */
function sliceElement(t: Type): Type | null {
  return isSliceType(t) ? t.args[0] : vecOrArrayElement(t);
}

function isSliceType(t: Type): t is Type & { kind: "builtin" } {
  return t.kind === "builtin" && t.name === "Slice";
}

/** `v[a..b]`, `s[..]`: an index expression whose index is written as a range. */
function isRangeIndex(e: Expr): e is import("../syntax/ast").IndexExpr {
  return e.kind === "IndexExpr" && e.index.kind === "RangeExpr";
}

export class BodyChecker {
  readonly diagnostics: Diagnostic[];
  /** Range index expressions that are borrowed (`&v[1..3]`) or a method's receiver: slices. */
  private readonly borrowedSlices = new WeakSet<Expr>();
  /** Every node given a `ty`, resolved by finalize. */
  readonly typedExprs: Expr[] = [];
  readonly typedPats: Pattern[] = [];
  readonly bindings: Binding[] = [];
  readonly bindingFrame = new Map<Binding, Frame>();
  readonly closures: ClosureExpr[] = [];
  /** Expressions with `coercedTo` set, resolved by finalize. */
  readonly coercions: Expr[] = [];
  readonly obligations: Obligation[] = [];
  /**
   * `collect()` calls whose collection type was still open where they were checked (a closure's
   * result, typed later by the code around it): Vec of the item unless something fixed it by
   * the end (finalize.ts), as Rust infers `.map(|r| r.iter().collect()).collect::<Vec<String>>()`.
   */
  readonly openCollects: { collection: Type; item: Type }[] = [];
  /** `x.into()` calls whose target type was still open where they were checked (see `into`). */
  readonly openIntos: { e: MethodCallExpr; from: Type; to: Type }[] = [];
  /** Or-pattern alternatives after the first reuse the first alternative's bindings' slots. */
  orBindings: Map<string, Binding> | null = null;
  /** Literal expressions whose `ty` must be checked for range after inference. */
  readonly intLits: import("../syntax/ast").IntLit[] = [];

  /** The global frame's variables (visible in every function), set by the session. */
  globals: Locals | null = null;
  /** Functions declared inside blocks, for the session's list of bodies. */
  readonly nestedFns: { kind: "fn"; decl: FnDecl; impl: ImplDecl | null }[] = [];

  constructor(readonly env: Env) {
    this.diagnostics = env.diagnostics;
  }

  get inf() {
    return this.env.inf;
  }

  /** `[x; n]` with an `n` known only at run time: Rust's E0435, with the STARK way out. */
  private nonConstantLength(count: Expr): void {
    const local = count.kind === "PathExpr" && count.res && (count.res.kind === "local" || count.res.kind === "global");
    const d = local
      ? error("E0435", "attempt to use a non-constant value in a constant", count.span, "non-constant value")
      : error("E0435", "an array length must be a constant", count.span, "not known before the program runs");
    d.notes.push("an array's length is part of its type, so it must be an integer literal, a `const` item or arithmetic on them");
    d.help.push("for a length computed at run time, build a Vec: `vec![value; n]`");
    this.err(d);
  }

  err(d: Diagnostic): Type {
    this.diagnostics.push(d);
    return ERR;
  }

  // ───────────── bodies ─────────────

  /** Checks a function or method body in its own frame. */
  checkFn(decl: FnDecl, globals: Locals | null): void {
    if (!decl.body) return;
    const sig = this.env.sig(decl);
    // `S: Source<Item = i32>`: inside the body `S::Item` is i32.
    this.env.withBoundProjections(sig.assocBindings, () => this.checkFnBody(decl, sig, globals));
  }

  private checkFnBody(decl: FnDecl, sig: FnSig, globals: Locals | null): void {
    if (!decl.body) return;
    const fcx = this.env.contextOf(decl);
    const impl = fcx?.impl ?? null;
    const frame = new Frame(false, null);
    const locals = new Locals(globals, frame);
    const selfTy: Type | null = impl ? impl.target : fcx?.trait ? { kind: "param", name: "Self" } : null;
    const sub = new Map<string, Type>();
    if (selfTy) sub.set("Self", selfTy);
    for (const [k, v] of sig.assocBindings) {
      const [g, , a] = k.split(":");
      if (a !== "Rhs" && a !== "Output") sub.set(`${g}::${a}`, v);
    }
    const lower = this.env.lowerCxFor(decl);
    if (selfTy) lower.selfTy = selfTy;
    const cx: BodyCx = {
      frame,
      locals,
      retTy: substitute(sig.ret, sub),
      retOrigin: sig.retSpan ? { span: sig.retSpan, label: "expected because of return type" } : null,
      selfTy,
      bounds: sig.bounds,
      assocBindings: sig.assocBindings,
      fnBounds: sig.fnBounds,
      lower,
      loops: [],
    };
    if (decl.selfParam && selfTy) {
      const mode = decl.selfParam.mode;
      const b: Binding = { name: "self", mutable: mode === "mutValue", span: decl.selfParam.span };
      const t: Type = mode === "ref" || mode === "refMut" ? { kind: "ref", mutable: mode === "refMut", inner: selfTy } : selfTy;
      this.declare(b, t, cx);
      decl.selfBinding = b;
    }
    decl.params.forEach((p, i) => checkPattern(this, p.pat, substitute(sig.params[i], sub), cx));
    const before = this.diagnostics.length;
    this.checkBlockAgainst(decl.body, cx.retTy, cx, cx.retOrigin);
    // `fn add(a: i32, b: i32) { a + b }`: the tail's value has nowhere to go (rustc's hint).
    const tail = decl.body.tail;
    if (!decl.ret && tail) {
      for (let i = before; i < this.diagnostics.length; i++) {
        const d = this.diagnostics[i];
        const m = /^expected `\(\)`, found (.+)$/.exec(d.primary.message ?? "");
        if (d.code === "E0308" && d.primary.span.start === tail.span.start && d.primary.span.end === tail.span.end && m) {
          d.help.push(`\`${decl.name.name}\` has no return type, so its last expression must be \`()\`: add \`-> ${m[1].replace(/^`|`$/g, "")}\` after the parameters to return it`);
        }
      }
    }
    decl.frameSize = frame.size;
  }

  /** Declares a binding in the current scope with the next slot of its frame. */
  declare(b: Binding, t: Type, cx: BodyCx): void {
    const prior = this.orBindings?.get(b.name);
    if (prior && prior !== b) {
      b.slot = prior.slot;
      b.global = prior.global;
      b.ty = prior.ty;
      this.bindingFrame.set(b, cx.frame);
      this.bindings.push(b);
      if (!this.inf.unify(prior.ty!, t)) this.err(mismatch(this.inf, b.span, prior.ty!, t));
      return;
    }
    b.ty = t;
    b.slot = cx.frame.size++;
    if (cx.frame.global) b.global = true;
    this.bindingFrame.set(b, cx.frame);
    this.bindings.push(b);
    cx.locals.vars.set(b.name, b);
    this.orBindings?.set(b.name, b);
  }

  // ───────────── coercion ─────────────

  /** Checks `e` against `expected` (coercing where Rust would) and reports E0308 otherwise. */
  expect(e: Expr, expected: Type | null, cx: BodyCx, origin?: MismatchOrigin | null): Type {
    const t = this.expr(e, expected, cx);
    if (!expected) return t;
    return this.coerce(e, t, expected, origin ?? null);
  }

  coerce(e: Expr, actual: Type, expected: Type, origin: MismatchOrigin | null): Type {
    if (actual === ERR) return expected;
    if (this.inf.tryUnify(actual, expected)) return expected;
    if (this.canCoerce(e, actual, expected)) {
      e.coercedTo = expected;
      this.coercions.push(e);
      return expected;
    }
    // A user iterator whose items are not the ones asked for: rustc's E0271.
    const x = this.inf.shallow(expected);
    const item = x.kind === "builtin" && x.name === "Iter" ? this.env.userIterItem(actual) : null;
    if (item && x.kind === "builtin") {
      const [a, want] = [show(this.inf, this.stripRefs(actual)).slice(1, -1), show(this.inf, x.args[0]).slice(1, -1)];
      const d = error("E0271", `expected \`${a}\` to be an iterator that yields \`${want}\`, but it yields ${show(this.inf, item)}`, e.span, `type mismatch resolving \`<${a} as Iterator>::Item == ${want}\``);
      if (origin) d.labels.push({ span: origin.span, message: origin.label });
      this.err(d);
      return expected;
    }
    // A user type that is no iterator where one is asked for (`I: Iterator`, `impl Iterator`).
    const a = this.inf.shallow(actual);
    if (x.kind === "builtin" && x.name === "Iter" && a.kind === "adt" && a.decl.span.file.name !== "<prelude>") {
      const d = error("E0277", `${show(this.inf, a)} is not an iterator`, e.span, `${show(this.inf, a)} is not an iterator`);
      d.help.push(`the trait \`Iterator\` is not implemented for ${show(this.inf, a)}`);
      if (origin) d.labels.push({ span: origin.span, message: origin.label });
      this.err(d);
      return expected;
    }
    this.err(mismatch(this.inf, e.span, expected, actual, origin));
    return expected;
  }

  /** Unifies, or coerces and records `coercedTo` on the expression; false when neither works. */
  fits(e: Expr | null, actual: Type, expected: Type): boolean {
    if (this.inf.tryUnify(actual, expected)) return true;
    if (!this.canCoerce(e, actual, expected)) return false;
    if (e) {
      e.coercedTo = expected;
      this.coercions.push(e);
    }
    return true;
  }

  /** Whether `a` is a user iterator whose items fit the `Iter<T>` `x` (unifying them). */
  private userIterFits(a: Type, x: Type): boolean {
    if (x.kind !== "builtin" || x.name !== "Iter") return false;
    const item = this.env.userIterItem(a);
    return item !== null && this.inf.tryUnify(item, x.args[0]);
  }

  canCoerce(e: Expr | null, actual: Type, expected: Type): boolean {
    const inf = this.inf;
    if (inf.tryUnify(actual, expected)) return true;
    const a = inf.shallow(actual);
    const x = inf.shallow(expected);
    // &mut T → &T
    if (a.kind === "ref" && x.kind === "ref" && a.mutable && !x.mutable && inf.tryUnify(a.inner, x.inner)) return true;
    // Box<S> → Box<dyn Trait>, S → dyn Trait (an `impl Trait` parameter)
    if (a.kind === "builtin" && x.kind === "builtin" && a.name === x.name && (a.name === "Box" || a.name === "Gc")) {
      const ai = inf.shallow(a.args[0]);
      const xi = inf.shallow(x.args[0]);
      if (xi.kind === "dyn") return this.satisfies(ai, xi.trait);
      if (a.name === "Box" && this.userIterFits(ai, xi)) return true;
    }
    // A user iterator where an iterator is expected (`impl Iterator<Item = u32>`, `I: Iterator`).
    if (this.userIterFits(a, x)) return true;
    if (x.kind === "dyn") return this.satisfies(a, x.trait);
    if (x.kind === "ref" && a.kind === "ref") {
      const xi = inf.shallow(x.inner);
      if (xi.kind === "dyn") return this.satisfies(inf.shallow(a.inner), xi.trait);
      // Unsizing: `&Vec<T>` / `&[T; N]` (also behind `&`, `Box`) where `&[T]` is expected.
      if (xi.kind === "builtin" && xi.name === "Slice" && (!x.mutable || a.mutable)) {
        let inner: Type | null = inf.shallow(a.inner);
        for (let i = 0; i < 4 && inner; i++) {
          const el = vecOrArrayElement(inner);
          if (el) return inf.tryUnify(el, xi.args[0]);
          inner = this.derefOnce(inner);
        }
      }
      // Deref coercion: `&Box<T>` / `&Gc<T>` / `&&T` where `&T` is expected.
      if (!x.mutable || a.mutable) {
        let inner: Type | null = inf.shallow(a.inner);
        for (let i = 0; i < 4 && inner; i++) {
          inner = this.derefOnce(inner);
          if (inner && inf.tryUnify(inner, xi)) return true;
        }
      }
    }
    // A string literal where `&String` (`&str`) is expected.
    if (x.kind === "ref" && !x.mutable && e && (e.kind === "StrLit" || e.kind === "FStrLit")) return inf.tryUnify(x.inner, STRING);
    return false;
  }

  /** Whether a type implements a trait (marker and standard traits are decided here). */
  satisfies(t: Type, trait: TraitDecl): boolean {
    t = this.inf.shallow(t);
    const name = trait.name.name;
    // Floats are PartialEq/PartialOrd only (NaN): no total order or equality, as in Rust.
    if ((name === "Ord" || name === "Eq") && this.isPreludeTrait(trait) && this.hasFloat(t)) return false;
    // A literal not yet typed is still a number: `s.split(1)` is no `StrPattern`.
    if (t.kind === "var" && this.inf.varKind(t) !== "any" && MARKER_TRAITS.has(name) && this.isPreludeTrait(trait)) return this.markerHolds(name, t);
    // An unsuffixed literal meets a user trait if some type it could become does (rustc:
    // "the trait bound `{integer}: Describe` is not satisfied").
    if (t.kind === "var" && this.inf.varKind(t) !== "any" && !this.isPreludeTrait(trait)) {
      const names = this.inf.varKind(t) === "int" ? ["i32", "i64", "u8", "u16", "u32", "u64", "usize", "isize", "i8", "i16"] : ["f64", "f32"];
      return names.some((n) => this.env.implementsTrait(this.inf.varKind(t) === "int" ? { kind: "int", name: n as "i32" } : { kind: "float", name: n as "f64" }, trait));
    }
    if (t.kind === "var" || t === ERR) return true;
    if (t.kind === "dyn") return t.trait === trait || t.trait.supertraits.some((s) => s.kind === "PathType" && s.segments[s.segments.length - 1].name.name === name);
    if (t.kind === "param") return true;
    if (this.env.implementsTrait(t, trait)) return true;
    if (UNIVERSAL_TRAITS.has(name) && this.isPreludeTrait(trait)) return true;
    if (name === "Copy" && this.isPreludeTrait(trait)) return this.env.isCopy(t);
    if (MARKER_TRAITS.has(name) && this.isPreludeTrait(trait)) return this.markerHolds(name, t);
    if (OPERATOR_TRAITS.has(name) && this.isPreludeTrait(trait)) return this.primitiveOperator(name, t);
    return false;
  }

  /** Whether a float is part of the value (behind references, in tuples, arrays, Vec, Option, ...). */
  hasFloat(t: Type, depth = 0): boolean {
    t = this.inf.shallow(t);
    if (t.kind === "float" || (t.kind === "var" && this.inf.varKind(t) === "float")) return true;
    if (depth > 8) return false;
    if (t.kind === "ref") return this.hasFloat(t.inner, depth + 1);
    if (t.kind === "tuple") return t.elems.some((x) => this.hasFloat(x, depth + 1));
    if (t.kind === "array") return this.hasFloat(t.elem, depth + 1);
    if (t.kind === "builtin" && t.name !== "Gc") return t.args.some((x) => this.hasFloat(x, depth + 1));
    if (t.kind === "adt" && t.decl.span.file.name === "<prelude>") return t.args.some((x) => this.hasFloat(x, depth + 1));
    return false;
  }

  /** The operator traits the primitive types implement: numbers all of them (`Neg` only signed), `String` `Add`. */
  private primitiveOperator(name: string, t: Type): boolean {
    const k = this.inf.varKind(t);
    const isInt = t.kind === "int" || k === "int";
    const isFloat = t.kind === "float" || k === "float";
    if (name === "Neg") return isFloat || (isInt && !(t.kind === "int" && t.name.startsWith("u")));
    if (isInt || isFloat) return true;
    return (name === "Add" || name === "AddAssign") && t.kind === "builtin" && t.name === "String";
  }

  private isPreludeTrait(trait: TraitDecl): boolean {
    return trait.span.file.name === "<prelude>";
  }

  markerHolds(name: string, t: Type): boolean {
    const inf = this.inf;
    t = inf.shallow(t);
    const k = inf.varKind(t);
    const isInt = t.kind === "int" || k === "int";
    const isFloat = t.kind === "float" || k === "float";
    switch (name) {
      case "Integer":
        return isInt;
      case "Float":
        return isFloat;
      case "Number":
      case "Scalar":
        return isInt || isFloat;
      case "TensorOperand":
        return isInt || isFloat || t.kind === "tensor" || (t.kind === "ref" && inf.shallow(t.inner).kind === "tensor");
      case "Shape":
        if (t.kind === "array" || (t.kind === "builtin" && t.name === "Vec")) {
          const el = inf.shallow(t.kind === "array" ? t.elem : t.args[0]);
          return el.kind === "int" || inf.varKind(el) === "int" || (el.kind === "var" && inf.varKind(el) === "any");
        }
        if (t.kind === "ref") return this.markerHolds("Shape", t.inner);
        return false;
      case "StrPattern": {
        const base = this.stripRefs(t);
        if (base.kind === "fn") {
          // A closure or fn accepting the chars that match: `s.split(|c: char| !c.is_alphanumeric())`.
          return base.params.length === 1 && this.inf.tryUnify(base.params[0], { kind: "char" }) && this.inf.tryUnify(base.ret, { kind: "bool" });
        }
        return base.kind === "char" || (base.kind === "builtin" && base.name === "String");
      }
      case "TensorData":
        if (isInt || isFloat) return true;
        if (t.kind === "array") return this.markerHolds("TensorData", t.elem);
        if (t.kind === "builtin" && t.name === "Vec") return this.markerHolds("TensorData", t.args[0]);
        return false;
    }
    return false;
  }

  // ───────────── expressions ─────────────

  expr(e: Expr, expected: Type | null, cx: BodyCx): Type {
    if (pretyped.has(e)) return e.ty!;
    const t = this.exprInner(e, expected, cx);
    e.ty = t;
    this.typedExprs.push(e);
    return t;
  }

  private exprInner(e: Expr, expected: Type | null, cx: BodyCx): Type {
    const inf = this.inf;
    switch (e.kind) {
      case "IntLit": {
        this.intLits.push(e);
        if (e.suffix) return e.suffix.startsWith("f") ? { kind: "float", name: e.suffix as "f32" } : { kind: "int", name: e.suffix as "i32" };
        return inf.fresh("int");
      }
      case "FloatLit":
        return e.suffix ? { kind: "float", name: e.suffix } : inf.fresh("float");
      case "StrLit":
        return STRING;
      case "FStrLit":
        for (const p of e.parts) {
          if (typeof p === "string") continue;
          const t = this.expr(p.expr, null, cx);
          if (p.spec && (p.spec.radix || p.spec.exponent)) this.numericSpec(p.expr, t, p.spec);
        }
        return STRING;
      case "CharLit":
        return { kind: "char" };
      case "BoolLit":
        return BOOL;
      case "ParenExpr":
        return this.expr(e.expr, expected, cx);
      case "PathExpr":
        return this.path(e, expected, cx);
      case "UnaryExpr":
        return this.unary(e, cx);
      case "RefExpr": {
        if (isRangeIndex(e.operand)) this.borrowedSlices.add(e.operand);
        if (e.mutable) markMutablePlace(e.operand);
        if (e.mutable && e.operand.kind === "IndexExpr") this.mutBorrowedIndexes.add(e.operand);
        const x = expected ? inf.shallow(expected) : null;
        const inner = this.expr(e.operand, x && x.kind === "ref" ? x.inner : null, cx);
        if (inner === ERR) return ERR;
        return { kind: "ref", mutable: e.mutable, inner };
      }
      case "DerefExpr": {
        const t = inf.shallow(this.expr(e.operand, null, cx));
        if (t === ERR) return ERR;
        if (t.kind === "ref") return t.inner;
        if (t.kind === "builtin" && (t.name === "Box" || t.name === "Gc")) return t.args[0];
        if (t.kind === "var" && inf.varKind(t) === "any") return this.err(error("E0282", "type annotations needed", e.operand.span, "type must be known at this point"));
        return this.err(error("E0614", `type ${show(inf, t)} cannot be dereferenced`, e.span, "can't be dereferenced"));
      }
      case "BinaryExpr":
        return this.binary(e, cx);
      case "AssignExpr":
        return this.assign(e, cx);
      case "CallExpr":
        return this.call(e, expected, cx);
      case "MethodCallExpr":
        return this.methodCall(e, expected, cx);
      case "FieldExpr":
        return this.field(e, cx);
      case "TupleFieldExpr": {
        let t = inf.shallow(this.expr(e.object, null, cx));
        let derefs = 0;
        for (;;) {
          if (t === ERR) return ERR;
          if (t.kind === "tuple" && e.index < t.elems.length) break;
          if (t.kind === "adt" && t.decl.kind === "StructDecl" && t.decl.shape === "tuple" && e.index < t.decl.fields.length) break;
          const d = this.derefOnce(t);
          if (!d) return this.err(error("E0609", `no field \`${e.index}\` on type ${show(inf, t)}`, e.span, "unknown field"));
          t = d;
          derefs++;
        }
        e.derefs = derefs;
        if (t.kind === "tuple") return t.elems[e.index];
        const adt = t as { kind: "adt"; decl: StructDecl; args: Type[] };
        return this.fieldType(adt, 0, e.index);
      }
      case "IndexExpr":
        return this.index(e, cx);
      case "StructLitExpr":
        return this.structLit(e, expected, cx);
      case "TupleExpr": {
        const x = expected ? inf.shallow(expected) : null;
        const elems = e.elems.map((el, i) => this.expect(el, x && x.kind === "tuple" && x.elems.length === e.elems.length ? x.elems[i] : null, cx));
        return { kind: "tuple", elems };
      }
      case "ArrayExpr": {
        const x = expected ? inf.shallow(expected) : null;
        const elem = x && x.kind === "array" ? x.elem : inf.fresh();
        for (const el of e.elems) this.expect(el, elem, cx);
        return { kind: "array", elem, len: e.elems.length };
      }
      case "ArrayRepeatExpr": {
        const x = expected ? inf.shallow(expected) : null;
        const elem = this.expect(e.value, x && x.kind === "array" ? x.elem : null, cx);
        this.expect(e.count, USIZE, cx);
        const len = this.env.constValue(e.count, cx.lower.scope);
        if (len === null) {
          this.nonConstantLength(e.count);
          return { kind: "array", elem, len: x && x.kind === "array" ? x.len : ANY_LEN };
        }
        return { kind: "array", elem, len };
      }
      case "VecMacroExpr": {
        const x = expected ? inf.shallow(expected) : null;
        const elem = x && x.kind === "builtin" && x.name === "Vec" ? x.args[0] : inf.fresh();
        if (e.elems) for (const el of e.elems) this.expect(el, elem, cx);
        if (e.repeat) {
          this.expect(e.repeat.value, elem, cx);
          this.expect(e.repeat.count, USIZE, cx);
        }
        return { kind: "builtin", name: "Vec", args: [elem] };
      }
      case "BlockExpr":
        return this.block(e, expected, cx);
      case "IfExpr": {
        this.expect(e.cond, BOOL, cx);
        return this.branches(e.then, e.else, expected, cx, e.span);
      }
      case "IfLetExpr": {
        const st = this.expr(e.scrutinee, null, cx);
        const inner = this.child(cx);
        checkPattern(this, e.pat, st, inner);
        const thenT = this.block(e.then, e.else ? expected : UNIT, inner);
        return this.joinElse(thenT, e.then, e.else, expected, cx);
      }
      case "WhileExpr": {
        this.expect(e.cond, BOOL, cx);
        this.loopBody(e.body, e.label, null, cx);
        return UNIT;
      }
      case "WhileLetExpr": {
        const st = this.expr(e.scrutinee, null, cx);
        const inner = this.child(cx);
        checkPattern(this, e.pat, st, inner);
        this.loopBody(e.body, e.label, null, inner);
        return UNIT;
      }
      case "LoopExpr": {
        const l = this.loopBody(e.body, e.label, expected ?? inf.fresh(), cx);
        return l.hasBreak ? l.breakTy! : { kind: "never" };
      }
      case "ForExpr":
        return this.forLoop(e, cx);
      case "MatchExpr":
        return this.match(e, expected, cx);
      case "ClosureExpr":
        return this.closure(e, expected, cx);
      case "BreakExpr": {
        const l = this.findLoop(e.label, e.span, cx);
        if (e.value) {
          if (l && l.breakTy) this.expect(e.value, l.breakTy, cx);
          else {
            this.expr(e.value, null, cx);
            if (l) this.err(error("E0571", "`break` with value from a `while` or `for` loop", e.span, "can only break with a value inside `loop`"));
          }
        } else if (l && l.breakTy && !inf.tryUnify(l.breakTy, UNIT)) {
          this.err(mismatch(inf, e.span, l.breakTy, UNIT));
        }
        if (l) l.hasBreak = true;
        return { kind: "never" };
      }
      case "ContinueExpr":
        this.findLoop(e.label, e.span, cx);
        return { kind: "never" };
      case "ReturnExpr": {
        if (e.value) this.expect(e.value, cx.retTy, cx, cx.retOrigin);
        else if (!inf.tryUnify(cx.retTy, UNIT)) this.err(mismatch(inf, e.span, cx.retTy, UNIT, cx.retOrigin));
        return { kind: "never" };
      }
      case "RangeExpr": {
        const x = expected ? inf.shallow(expected) : null;
        const elem = x && x.kind === "builtin" && x.name === "Range" ? x.args[0] : inf.fresh();
        if (e.start) this.expect(e.start, elem, cx);
        if (e.end) this.expect(e.end, elem, cx);
        const r = inf.shallow(elem);
        if (r.kind !== "var" && r.kind !== "int" && r.kind !== "char" && r !== ERR && r.kind !== "never") {
          this.err(error("E0277", `the range bounds must be integers or characters, found ${show(inf, r)}`, e.span, "not a range of integers"));
        }
        return { kind: "builtin", name: "Range", args: [elem] };
      }
      case "CastExpr":
        return this.cast(e, cx);
      case "TryExpr":
        return this.tryOp(e, cx);
    }
  }

  child(cx: BodyCx): BodyCx {
    return { ...cx, locals: new Locals(cx.locals, cx.frame) };
  }

  // ───────────── blocks and control flow ─────────────

  block(b: BlockExpr, expected: Type | null, cx: BodyCx): Type {
    const inner = this.child(cx);
    const nested = b.stmts.filter((s) => s.kind === "ItemStmt").map((s) => (s as import("../syntax/ast").ItemStmt).item);
    if (nested.length) this.nestedItems(nested, inner);
    let diverges = false;
    for (const s of b.stmts) if (this.stmt(s, inner)) diverges = true;
    let t: Type;
    if (b.tail) {
      t = this.expr(b.tail, expected, inner);
    } else t = diverges ? { kind: "never" } : UNIT;
    b.ty = t;
    this.typedExprs.push(b);
    return t;
  }

  /** Items declared inside a block are visible in the whole block; their bodies are checked here. */
  private nestedItems(items: import("../syntax/ast").Item[], cx: BodyCx): void {
    const scope = new ModuleScopeClass(cx.lower.scope.path, cx.lower.scope);
    this.env.collect(items, scope);
    cx.lower = { ...cx.lower, scope };
    const fns: [FnDecl, ImplDecl | null][] = [];
    for (const it of items) {
      if (it.kind === "FnDecl") fns.push([it, null]);
      else if (it.kind === "ImplDecl") for (const m of it.methods) fns.push([m, it]);
      else if (it.kind === "TraitDecl") for (const m of it.methods) fns.push([m, null]);
    }
    for (const [decl, impl] of fns) {
      if (!decl.body) continue;
      this.checkFn(decl, this.globals);
      this.nestedFns.push({ kind: "fn", decl, impl });
    }
  }

  /** Checks a block whose value must have a given type (a function body). */
  checkBlockAgainst(b: BlockExpr, expected: Type, cx: BodyCx, origin: MismatchOrigin | null): void {
    const t = this.block(b, expected, cx);
    if (t === ERR) return;
    if (this.fits(b.tail, t, expected)) return;
    if (!b.tail && origin) {
      // As rustc: the return type is where the mismatch shows, the body's end says why, and a
      // last statement of the right type gets "remove this semicolon".
      const d = mismatch(this.inf, origin.span, expected, t, null);
      d.labels.push({ span: b.closeSpan, message: "implicitly returns `()` as its body has no tail or `return` expression" });
      const last = b.stmts[b.stmts.length - 1];
      if (last && last.kind === "ExprStmt" && last.semi && last.expr.ty && this.inf.tryUnify(last.expr.ty, expected)) {
        const semi = { ...last.span, start: last.span.end - 1 };
        d.labels.push({ span: semi, message: "help: remove this semicolon to return this value" });
      }
      this.err(d);
      return;
    }
    const span = b.tail ? b.tail.span : b.closeSpan;
    this.err(mismatch(this.inf, span, expected, t, origin));
  }

  /** Returns true when the statement always diverges (`return`, `panic(..)`, `break`). */
  stmt(s: Stmt, cx: BodyCx): boolean {
    switch (s.kind) {
      case "LetStmt": {
        const declared = s.ty ? this.env.lower(s.ty, cx.lower) : null;
        let t: Type;
        if (s.init) {
          const origin = s.ty ? { span: s.ty.span, label: "expected due to this" } : null;
          t = declared ? this.expect(s.init, declared, cx, origin) : this.expr(s.init, null, cx);
        } else t = declared ?? this.inf.fresh();
        if (s.elseBlock) {
          const et = this.block(s.elseBlock, null, cx);
          if (this.inf.shallow(et).kind !== "never" && et !== ERR) {
            this.err(error("E0308", "`else` clause of `let...else` does not diverge", s.elseBlock.span, "expected `!`, found `()`"));
          }
        }
        checkPattern(this, s.pat, declared ?? t, cx);
        if (!s.elseBlock && t !== ERR) checkIrrefutableLet(this, s.pat, declared ?? t);
        if (s.init?.kind === "ClosureExpr" && s.pat.kind === "BindPat" && s.pat.byRef === "none" && !s.pat.sub) s.pat.binding.closureInit = s.init;
        return false;
      }
      case "ExprStmt": {
        const t = this.expr(s.expr, s.semi ? null : UNIT, cx);
        return this.inf.shallow(t).kind === "never" && t !== ERR;
      }
      case "ItemStmt":
      case "EmptyStmt":
        return false;
    }
  }

  private branches(then: BlockExpr, els: BlockExpr | import("../syntax/ast").IfExpr | import("../syntax/ast").IfLetExpr | null, expected: Type | null, cx: BodyCx, span: Span): Type {
    void span;
    const thenT = this.block(then, els ? expected : UNIT, cx);
    return this.joinElse(thenT, then, els, expected, cx);
  }

  private joinElse(thenT: Type, then: BlockExpr, els: BlockExpr | import("../syntax/ast").IfExpr | import("../syntax/ast").IfLetExpr | null, expected: Type | null, cx: BodyCx): Type {
    const inf = this.inf;
    if (!els) {
      if (thenT !== ERR && !inf.tryUnify(thenT, UNIT) && inf.shallow(thenT).kind !== "never") {
        const d = mismatch(inf, then.tail ? then.tail.span : then.span, UNIT, thenT);
        d.notes.push("`if` expressions without `else` evaluate to `()`");
        this.err(d);
      }
      return UNIT;
    }
    const elseT = this.expr(els, expected ?? (inf.shallow(thenT).kind === "never" ? null : thenT), cx);
    if (thenT === ERR || elseT === ERR) return ERR;
    if (inf.shallow(thenT).kind === "never") return elseT;
    if (inf.shallow(elseT).kind === "never") return thenT;
    const elseExpr = els.kind === "BlockExpr" && els.tail ? els.tail : els;
    if (!this.fits(elseExpr, elseT, thenT)) {
      const d = mismatch(inf, elseExpr.span, thenT, elseT);
      d.message = "`if` and `else` have incompatible types";
      d.labels.push({ span: then.tail ? then.tail.span : then.span, message: "expected because of this" });
      this.err(d);
    }
    return thenT;
  }

  private loopBody(body: BlockExpr, label: Label | null, breakTy: Type | null, cx: BodyCx): LoopCx {
    const l: LoopCx = { label, breakTy, hasBreak: false };
    cx.loops.push(l);
    const t = this.block(body, UNIT, cx);
    if (t !== ERR && !this.inf.tryUnify(t, UNIT) && this.inf.shallow(t).kind !== "never") {
      this.err(mismatch(this.inf, body.tail ? body.tail.span : body.span, UNIT, t));
    }
    cx.loops.pop();
    return l;
  }

  private findLoop(label: Label | null, span: Span, cx: BodyCx): LoopCx | null {
    for (let i = cx.loops.length - 1; i >= 0; i--) {
      const l = cx.loops[i];
      if (!label || (l.label && l.label.name === label.name)) return l;
    }
    if (label) this.err(error("E0426", `use of undeclared label \`${label.name}\``, label.span, `undeclared label \`${label.name}\``));
    else this.err(error("E0268", "`break` or `continue` outside of a loop", span, "cannot `break` outside of a loop"));
    return null;
  }

  private forLoop(e: ForExpr, cx: BodyCx): Type {
    const inf = this.inf;
    let it = inf.shallow(this.expr(e.iter, null, cx));
    // `for x in &set` over a prelude collection: `set.iter()` (src/check/collections.ts).
    if (rewriteCollectionFor(inf, e, it)) it = inf.shallow(this.expr(e.iter, null, cx));
    // `for x in &bag` with a user `impl IntoIterator for &Bag`: `(&bag).into_iter()`.
    else if (it !== ERR && !this.iterItem(it) && this.env.userIntoIterItem(it)) {
      pretyped.add(e.iter);
      e.iter = { kind: "MethodCallExpr", span: e.iter.span, receiver: e.iter, method: { name: "into_iter", span: e.iter.span }, typeArgs: null, args: [] };
      it = inf.shallow(this.expr(e.iter, null, cx));
    }
    let item: Type = ERR;
    if (it !== ERR) {
      const r = this.iterItem(it);
      if (r) {
        e.iterKind = r.kind;
        item = r.item;
      } else {
        const d = error("E0277", `${show(inf, it)} is not an iterator`, e.iter.span, `${show(inf, it)} is not an iterator`);
        d.help.push(`the trait \`Iterator\` is not implemented for ${show(inf, it)}`);
        // `for x in &counter`: only `&mut counter` (or `counter`) walks a user iterator.
        const shared = it.kind === "ref" && !it.mutable ? inf.shallow(it.inner) : null;
        if (shared && this.env.userIterItem(shared)) {
          d.notes.push(`\`Iterator\` is implemented for ${show(inf, { kind: "ref", mutable: true, inner: shared })}, but not for ${show(inf, it)}`);
          d.help.push(`consider removing the leading \`&\`-reference, or borrow mutably: \`&mut\``);
        }
        d.notes.push(`required for ${show(inf, it)} to implement \`IntoIterator\``);
        this.err(d);
      }
    }
    const inner = this.child(cx);
    checkPattern(this, e.pat, item, inner);
    this.loopBody(e.body, e.label, null, inner);
    return UNIT;
  }

  /** What a `for` loop over a value of this type yields, and how it iterates. */
  iterItem(t: Type): { kind: NonNullable<ForExpr["iterKind"]>; item: Type } | null {
    const inf = this.inf;
    t = inf.shallow(t);
    if (t.kind === "builtin") {
      if (t.name === "Range") return { kind: "range", item: t.args[0] };
      if (t.name === "Iter") return { kind: "iterator", item: t.args[0] };
      // `Box<dyn Iterator<Item = T>>` (STARK's `Box<Iter<T>>`) walks as the iterator inside.
      const boxed = t.name === "Box" && t.args[0] ? inf.shallow(t.args[0]) : null;
      if (boxed && boxed.kind === "builtin" && boxed.name === "Iter") return { kind: "iterator", item: boxed.args[0] };
      if (t.name === "Vec") return { kind: "intoIter", item: t.args[0] };
      if (t.name === "Map") return { kind: "intoIter", item: { kind: "tuple", elems: [t.args[0], t.args[1]] } };
    }
    if (t.kind === "array") return { kind: "intoIter", item: t.elem };
    // A user iterator walks by calling its `next`: `for x in counter` (moved), `&mut counter`.
    const userItem = this.env.userIterItem(t);
    if (userItem) return { kind: "intoIter", item: userItem };
    if (t.kind === "ref") {
      const inner = inf.shallow(t.inner);
      const userRefItem = t.mutable ? this.env.userIterItem(inner) : null;
      if (userRefItem) return { kind: "refMut", item: userRefItem };
      const mk = (x: Type): Type => ({ kind: "ref", mutable: t.mutable, inner: x });
      const kind = t.mutable ? "refMut" : "ref";
      if (inner.kind === "builtin" && (inner.name === "Vec" || inner.name === "Slice")) return { kind, item: mk(inner.args[0]) };
      if (inner.kind === "array") return { kind, item: mk(inner.elem) };
      if (inner.kind === "builtin" && inner.name === "Map") return { kind, item: { kind: "tuple", elems: [{ kind: "ref", mutable: false, inner: inner.args[0] }, mk(inner.args[1])] } };
      if (inner.kind === "builtin" && (inner.name === "Iter" || inner.name === "Range")) return { kind: inner.name === "Range" ? "range" : "iterator", item: inner.args[0] };
    }
    if (t.kind === "var" && inf.varKind(t) === "any") return null;
    return null;
  }

  private match(e: MatchExpr, expected: Type | null, cx: BodyCx): Type {
    const inf = this.inf;
    const st = this.expr(e.scrutinee, null, cx);
    let result: Type | null = expected;
    let anyNonNever = false;
    // Earlier arms that fit: an arm disagreeing with them is rustc's "`match` arms have incompatible types".
    const earlier: Span[] = [];
    for (const arm of e.arms) {
      const inner = this.child(cx);
      checkPattern(this, arm.pat, st, inner);
      if (arm.guard) this.expect(arm.guard, BOOL, inner);
      const t = this.expr(arm.body, result, inner);
      if (t === ERR || inf.shallow(t).kind === "never") continue;
      if (!result) {
        result = t;
        earlier.push(arm.body.span);
      } else if (!this.fits(arm.body, t, result)) {
        const d = mismatch(inf, arm.body.span, result, t);
        if (earlier.length) {
          d.message = "`match` arms have incompatible types";
          const shown = show(inf, result);
          for (const sp of earlier.slice(0, 3)) d.labels.push({ span: sp, message: `this is found to be of type ${shown}` });
        }
        this.err(d);
      } else earlier.push(arm.body.span);
      anyNonNever = true;
    }
    if (st !== ERR) checkExhaustive(this, e, st);
    if (!anyNonNever) return expected && e.arms.length ? expected : { kind: "never" };
    return result ?? UNIT;
  }

  // ───────────── closures ─────────────

  /**
   * The arguments of a call already reported (unknown method or function, wrong count): checked
   * for their own errors, with a closure's parameters and result typed as errors, so that its body
   * reports nothing the failed call caused (`v.sort_by_kee(|x| -x)` is one E0599, as in rustc).
   */
  private argsOfFailedCall(args: Expr[], cx: BodyCx): void {
    for (const a of args) {
      const closure = a.kind === "ClosureExpr" ? a : null;
      this.expr(a, closure ? { kind: "fn", callKind: "Fn", params: closure.params.map(() => ERR), ret: ERR } : null, cx);
    }
  }

  private closure(e: ClosureExpr, expected: Type | null, cx: BodyCx): Type {
    const inf = this.inf;
    let x = expected ? inf.shallow(expected) : null;
    if (x && x.kind === "builtin" && x.name === "Box") x = inf.shallow(x.args[0]);
    const exp = x && x.kind === "fn" && x.params.length === e.params.length ? x : null;
    const frame = new Frame(false, e);
    const inner: BodyCx = { ...cx, frame, locals: new Locals(cx.locals, frame), loops: [], retTy: UNIT, retOrigin: null };
    const params: Type[] = e.params.map((p, i) => {
      const t = p.ty ? this.env.lower(p.ty, cx.lower) : exp ? exp.params[i] : inf.fresh();
      if (p.ty && exp) inf.unify(t, exp.params[i]);
      checkPattern(this, p.pat, t, inner);
      return t;
    });
    const ret = e.ret ? this.env.lower(e.ret, cx.lower) : exp ? exp.ret : inf.fresh();
    inner.retTy = ret;
    this.expect(e.body, ret, inner);
    e.frameSize = frame.size;
    computeCaptures(this, e);
    this.closures.push(e);
    const callKind = e.captures?.some((c) => c.mode === "refMut") ? "FnMut" : "Fn";
    return { kind: "fn", callKind, params, ret };
  }

  // ───────────── operators ─────────────

  private stripRefs(t: Type): Type {
    t = this.inf.shallow(t);
    while (t.kind === "ref") t = this.inf.shallow(t.inner);
    return t;
  }

  private isNumeric(t: Type): boolean {
    const k = this.inf.varKind(t);
    return t.kind === "int" || t.kind === "float" || k === "int" || k === "float";
  }

  private unary(e: import("../syntax/ast").UnaryExpr, cx: BodyCx): Type {
    const inf = this.inf;
    const raw = this.expr(e.operand, null, cx);
    if (raw === ERR) return ERR;
    const t = this.stripRefs(raw);
    if (e.op === "-") {
      if (this.isNumeric(t) || t.kind === "tensor") {
        if (t.kind === "int" && t.name.startsWith("u")) return this.err(error("E0600", `cannot apply unary operator \`-\` to type ${show(inf, t)}`, e.span, "cannot apply unary operator `-`"));
        return t;
      }
      if (t.kind === "param") {
        if (this.paramHasBound(t.name, "Neg", cx)) return this.boundOutput(e, t, "Neg", cx);
        const d = error("E0600", `cannot apply unary operator \`-\` to type \`${t.name}\``, e.span, "cannot apply unary operator `-`");
        d.help.push(`consider restricting type parameter \`${t.name}\` with trait \`Neg\`: \`${t.name}: std::ops::Neg<Output = ${t.name}>\``);
        return this.err(d);
      }
      const m = t.kind === "adt" ? this.operatorImpl(t, "Neg", "neg") : null;
      if (m) {
        e.method = { kind: "fn", decl: m.decl, impl: m.impl.decl, selfMode: "value" };
        return m.ret;
      }
      return this.err(error("E0600", `cannot apply unary operator \`-\` to type ${show(inf, t)}`, e.span, "cannot apply unary operator `-`"));
    }
    if (t.kind === "bool" || t.kind === "int" || inf.varKind(t) === "int") return t;
    // A user `impl Not for Flag`.
    const not = t.kind === "adt" ? this.operatorImpl(t, "Not", "not") : null;
    if (not) {
      e.method = { kind: "fn", decl: not.decl, impl: not.impl.decl, selfMode: "value" };
      return not.ret;
    }
    return this.err(error("E0600", `cannot apply unary operator \`!\` to type ${show(inf, t)}`, e.span, "cannot apply unary operator `!`"));
  }

  /**
   * The user impl of an operator trait (`impl Add for V`) for `t`, if any. With the right
   * operand's type `rhs`, the impl whose parameter takes it: `impl Mul<f64> for V` for `v * 2.0`
   * and `impl Mul for V` for `v * w` live side by side (else the first impl, for its error).
   */
  private operatorImpl(t: Type, traitName: string, method: string, rhs?: Type): { decl: FnDecl; impl: ImplInfo; ret: Type; param: Type | null } | null {
    if (rhs) {
      const all = this.operatorImpls(t, traitName, method);
      return all.find((m) => m.param && this.inf.tryUnify(m.param, rhs)) ?? all[0] ?? null;
    }
    return this.operatorImpls(t, traitName, method)[0] ?? null;
  }

  private operatorImpls(t: Type, traitName: string, method: string): { decl: FnDecl; impl: ImplInfo; ret: Type; param: Type | null }[] {
    const out: { decl: FnDecl; impl: ImplInfo; ret: Type; param: Type | null }[] = [];
    for (const impl of this.env.implsFor(headKey(t))) {
      if (!impl.trait || impl.trait.name.name !== traitName) continue;
      const decl = impl.methods.get(method);
      if (!decl) continue;
      const sub = new Map<string, Type>();
      for (const g of impl.generics) sub.set(g.name, this.inf.fresh());
      if (!this.inf.tryUnify(substitute(impl.target, sub), t)) continue;
      sub.set("Self", t);
      const sig = this.env.sig(decl);
      out.push({ decl, impl, ret: substitute(sig.ret, sub), param: sig.params[0] ? substitute(sig.params[0], sub) : null });
    }
    return out;
  }

  private binary(e: BinaryExpr, cx: BodyCx): Type {
    const inf = this.inf;
    const op = e.op;
    if (op === "&&" || op === "||") {
      this.expect(e.left, BOOL, cx);
      this.expect(e.right, BOOL, cx);
      return BOOL;
    }
    const cmp = op === "==" || op === "!=" || op === "<" || op === "<=" || op === ">" || op === ">=";
    // A comparison reads its operands in place (Rust's `PartialEq::eq(&a, &b)`): `v[1..] == [2, 3]`.
    if (cmp) {
      if (isRangeIndex(e.left)) this.borrowedSlices.add(e.left);
      if (isRangeIndex(e.right)) this.borrowedSlices.add(e.right);
    }
    const lraw = this.expr(e.left, null, cx);
    const rraw = this.expr(e.right, null, cx);
    if (lraw === ERR || rraw === ERR) return ERR;
    let l = this.stripRefs(lraw);
    const r = this.stripRefs(rraw);
    // An operand whose type is not known yet takes the other operand's (`*counts.get_mut(k).unwrap() + 1`).
    if (l.kind === "var" && inf.varKind(l) === "any" && r.kind !== "tensor" && r.kind !== "var") {
      inf.unify(l, r);
      l = inf.shallow(l);
    }
    if (cmp) {
      if (l.kind === "tensor" || r.kind === "tensor") return this.opError(e, l, r);
      // `&v[..2] == &[1, 2]`, `s == v`: a slice equals a slice, Vec or array of the same elements.
      const le = sliceElement(l);
      const re = sliceElement(r);
      if ((op === "==" || op === "!=") && le && re && (isSliceType(l) || isSliceType(r))) {
        if (!inf.unify(le, re)) return this.err(mismatch(inf, e.right.span, l, r));
        return BOOL;
      }
      if (!inf.unify(l, r)) return this.err(mismatch(inf, e.right.span, l, r));
      const lt = inf.shallow(l);
      if (lt.kind === "adt" && (op === "==" || op === "!=")) {
        const m = this.operatorImpl(lt, "PartialEq", "eq");
        if (m) {
          e.method = { kind: "fn", decl: m.decl, impl: m.impl.decl, selfMode: "ref" };
          return BOOL;
        }
      }
      if (lt.kind === "adt" && !lt.decl.span.file.name.startsWith("<prelude")) {
        const need = op === "==" || op === "!=" ? "PartialEq" : "PartialOrd";
        const d = this.env.derivesOf(lt.decl);
        const implemented = this.env.implsFor(lt.decl).some((i) => i.trait?.name.name === need);
        if (!d.has(need) && !implemented) {
          const err = error("E0369", `binary operation \`${op}\` cannot be applied to type ${show(inf, lt)}`, e.span, "");
          err.primary.span = e.left.span;
          err.primary.message = show(inf, lt);
          err.notes.push(`an implementation of \`${need}\` might be missing for ${show(inf, lt)}`);
          err.help.push(`consider annotating ${show(inf, lt)} with \`#[derive(${need})]\``);
          return this.err(err);
        }
      }
      if (lt.kind === "param") {
        const need = op === "==" || op === "!=" ? "PartialEq" : "PartialOrd";
        if (!this.paramHasBound(lt.name, need, cx)) return this.err(this.missingOperatorBound(e, lt, need, op));
      }
      if (lt.kind === "fn" || lt.kind === "dyn") return this.opError(e, l, r);
      return BOOL;
    }
    // Tensor arithmetic (operands are borrowed; LANGUAGE.md §6).
    if (l.kind === "tensor" || r.kind === "tensor") return this.tensorOp(e, l, r);
    if (op === "@") return this.opError(e, l, r);
    // `v * 2.0` on a user type or a generic T is its operator trait's business, not arithmetic.
    if (this.isNumeric(l) || (this.isNumeric(r) && l.kind !== "adt" && l.kind !== "param") || (l.kind === "var" && r.kind === "var")) {
      if (op === "<<" || op === ">>") {
        if (!(l.kind === "int" || inf.varKind(l) === "int")) return this.opError(e, l, r);
        return l;
      }
      if ((op === "&" || op === "|" || op === "^") && (inf.shallow(l).kind === "float" || inf.varKind(l) === "float")) return this.opError(e, l, r);
      if (!inf.unify(l, r)) {
        const d = mismatch(inf, e.right.span, l, r);
        d.message = "mismatched types";
        return this.err(d);
      }
      return l;
    }
    if (l.kind === "bool" && (op === "&" || op === "|" || op === "^")) {
      if (!inf.unify(l, r)) return this.err(mismatch(inf, e.right.span, l, r));
      return BOOL;
    }
    if (op === "+" && l.kind === "builtin" && l.name === "String") {
      if (!inf.unify(r, STRING)) return this.err(mismatch(inf, e.right.span, { kind: "ref", mutable: false, inner: STRING }, rraw));
      return STRING;
    }
    const traitName = { "+": "Add", "-": "Sub", "*": "Mul", "/": "Div", "%": "Rem" }[op as "+"];
    if (traitName && l.kind === "param") return this.paramOperator(e, l, r, traitName, cx);
    if (traitName) {
      const m = this.operatorImpl(l, traitName, traitName.toLowerCase(), r);
      if (m) {
        if (m.param && !inf.unify(m.param, r)) return this.err(mismatch(inf, e.right.span, m.param, r));
        e.method = { kind: "fn", decl: m.decl, impl: m.impl.decl, selfMode: "value" };
        return m.ret;
      }
    }
    if (l.kind === "var" && inf.varKind(l) === "any") return this.err(error("E0282", "type annotations needed", e.left.span, "type must be known at this point"));
    return this.opError(e, l, r);
  }

  /**
   * `a + b` where `a: T` is a generic parameter: T's bounds must include the operator's trait, and
   * the result is the bound's `Output` (`T: Add<Output = T>`). The evaluator compiles each
   * instantiation with T known, so the operation itself is chosen there.
   */
  private paramOperator(e: BinaryExpr, l: Type & { kind: "param" }, r: Type, traitName: string, cx: BodyCx): Type {
    const inf = this.inf;
    if (!this.paramHasBound(l.name, traitName, cx)) {
      const d = this.opError(e, l, r);
      const last = this.diagnostics[this.diagnostics.length - 1];
      last.help.push(`consider restricting type parameter \`${l.name}\` with trait \`${traitName}\`: \`${l.name}: std::ops::${traitName}<Output = ${l.name}>\``);
      return d;
    }
    // The right operand is the bound's `Rhs` (`T: Mul<f64, Output = T>`), by default T itself.
    const rhs = cx.assocBindings?.get(`${l.name}:${traitName}:Rhs`) ?? l;
    if (!inf.unify(rhs, r)) return this.err(mismatch(inf, e.right.span, rhs, r));
    return this.boundOutput(e, l, traitName, cx);
  }

  /** The `Output` a bound `T: Add<Output = X>` names; without it, Rust's E0308 (the result is `<T as Add>::Output`). */
  private boundOutput(e: Expr, t: Type & { kind: "param" }, traitName: string, cx: BodyCx): Type {
    const out = cx.assocBindings?.get(`${t.name}:${traitName}:Output`);
    if (out) return out;
    const d = error("E0308", "mismatched types", e.span, `expected type parameter \`${t.name}\`, found associated type`);
    d.notes.push(`expected type parameter \`${t.name}\`\n            found associated type \`<${t.name} as ${traitName}>::Output\``);
    d.help.push(`consider further restricting this bound: \`${t.name}: ${traitName}<Output = ${t.name}>\``);
    return this.err(d);
  }

  /** Whether generic parameter `name` is bounded by `trait` (directly, or through `Ord`/`Eq` or a STARK number bound). */
  private paramHasBound(name: string, trait: string, cx: BodyCx): boolean {
    const ok = trait === "PartialOrd" || trait === "PartialEq" ? IMPLIED_BY[trait] : [trait];
    const seen = new Set<TraitDecl>();
    const visit = (t: TraitDecl): boolean => {
      if (seen.has(t)) return false;
      seen.add(t);
      if (ok.includes(t.name.name)) return true;
      return t.supertraits.some((st) => {
        if (st.kind !== "PathType") return false;
        const e = this.env.resolveTypePath(st, cx.lower.scope);
        return !!e && e.kind === "trait" && visit(e.decl);
      });
    };
    return (cx.bounds.get(name) ?? []).some(visit);
  }

  /** E0369 for `a < b` / `a == b` on a generic parameter without the comparison trait, with rustc's help. */
  private missingOperatorBound(e: BinaryExpr, t: Type & { kind: "param" }, trait: string, op: string): Diagnostic {
    const d = error("E0369", `binary operation \`${op}\` cannot be applied to type \`${t.name}\``, e.span, "");
    d.primary = { span: e.left.span, message: `\`${t.name}\`` };
    d.labels.push({ span: e.right.span, message: `\`${t.name}\`` });
    d.help.push(`consider restricting type parameter \`${t.name}\` with trait \`${trait}\`: \`${t.name}: std::cmp::${trait}\``);
    return d;
  }

  private tensorOp(e: BinaryExpr, l: Type, r: Type): Type {
    const inf = this.inf;
    const op = e.op;
    if (!["+", "-", "*", "/", "@"].includes(op)) return this.opError(e, l, r);
    if (l.kind === "tensor" && r.kind === "tensor") {
      if (l.dtype !== r.dtype) return this.err(mismatch(inf, e.right.span, l, r));
      if (op === "@") return this.matmulShape(e, l, r);
      if (l.shape && r.shape && !broadcastable(l.shape, r.shape)) {
        const d = error("E0308", `mismatched tensor shapes: [${l.shape.join(", ")}] and [${r.shape.join(", ")}] cannot be broadcast together`, e.span, `expected a shape compatible with [${l.shape.join(", ")}], found [${r.shape.join(", ")}]`);
        d.notes.push("tensor shapes are compared from the last dimension: each pair must be equal or one of them 1");
        return this.err(d);
      }
      const shape = l.shape && r.shape ? broadcastShape(l.shape, r.shape) : null;
      return { kind: "tensor", dtype: l.dtype, shape };
    }
    if (op === "@") return this.opError(e, l, r);
    const [t, s] = l.kind === "tensor" ? [l, r] : [r, l];
    if (!this.isNumeric(s)) return this.opError(e, l, r);
    return t;
  }

  private matmulShape(e: BinaryExpr | MethodCallExpr, l: Type & { kind: "tensor" }, r: Type & { kind: "tensor" }): Type {
    if (l.shape && r.shape && l.shape.length === 2 && r.shape.length === 2) {
      const k1 = l.shape[1];
      const k2 = r.shape[0];
      if (typeof k1 === "number" && typeof k2 === "number" && k1 !== k2) {
        const d = error("E0308", `mismatched tensor shapes for matmul: [${l.shape.join(", ")}] @ [${r.shape.join(", ")}]`, e.span, `inner dimensions differ: ${k1} and ${k2}`);
        d.notes.push("matmul of [m, k] and [k, n] needs the same k");
        return this.err(d);
      }
      return { kind: "tensor", dtype: l.dtype, shape: [l.shape[0], r.shape[1]] };
    }
    return { kind: "tensor", dtype: l.dtype, shape: null };
  }

  private opError(e: BinaryExpr, l: Type, r: Type): Type {
    const inf = this.inf;
    const L = show(inf, l);
    const R = show(inf, r);
    const msg: Record<string, string> = {
      "+": `cannot add ${R} to ${L}`,
      "-": `cannot subtract ${R} from ${L}`,
      "*": `cannot multiply ${L} by ${R}`,
      "/": `cannot divide ${L} by ${R}`,
      "%": `cannot calculate the remainder of ${L} divided by ${R}`,
    };
    const d = error("E0369", msg[e.op] ?? `binary operation \`${e.op}\` cannot be applied to type ${L}`, e.span, "");
    d.primary = { span: e.left.span, message: L };
    d.labels.push({ span: e.right.span, message: R });
    const trait = { "+": "Add", "-": "Sub", "*": "Mul", "/": "Div", "%": "Rem" }[e.op as "+"];
    if (trait && l.kind === "adt" && l.decl.span.file.name !== "<prelude>") {
      d.notes.push(`an implementation of \`${trait}\` might be missing for ${L}`);
      d.help.push(`implement it: \`impl std::ops::${trait} for ${L.replace(/^`|`$/g, "")} { type Output = ..; fn ${trait.toLowerCase()}(self, other: ..) -> .. { .. } }\``);
    }
    return this.err(d);
  }

  private assign(e: import("../syntax/ast").AssignExpr, cx: BodyCx): Type {
    const inf = this.inf;
    markMutablePlace(e.target);
    const target = this.expr(e.target, null, cx);
    if (e.op === "=") {
      this.expect(e.value, target, cx);
      return UNIT;
    }
    const v = this.expr(e.value, null, cx);
    if (target === ERR || v === ERR) return UNIT;
    let l = this.stripRefs(target);
    const r = this.stripRefs(v);
    if (l.kind === "var" && inf.varKind(l) === "any") {
      inf.unify(l, r);
      l = inf.shallow(l);
    }
    if (l.kind === "tensor") {
      if (r.kind !== "tensor" && !this.isNumeric(r)) this.err(mismatch(inf, e.value.span, l, r));
      return UNIT;
    }
    if (l.kind === "builtin" && l.name === "String" && e.op === "+=") {
      if (!inf.unify(r, STRING)) this.err(mismatch(inf, e.value.span, STRING, r));
      return UNIT;
    }
    if (this.isNumeric(l) || (l.kind === "bool" && ["&=", "|=", "^="].includes(e.op))) {
      if (e.op === "<<=" || e.op === ">>=") return UNIT;
      if (!inf.unify(l, r)) this.err(mismatch(inf, e.value.span, l, r));
      return UNIT;
    }
    const traitName = { "+=": "Add", "-=": "Sub", "*=": "Mul", "/=": "Div", "%=": "Rem" }[e.op as "+="];
    if (traitName && l.kind === "param") {
      // `a += b` on a generic T needs `T: AddAssign`; the instantiation decides how it runs.
      if (this.paramHasBound(l.name, `${traitName}Assign`, cx)) {
        if (!inf.unify(l, r)) this.err(mismatch(inf, e.value.span, l, r));
        return UNIT;
      }
    } else if (traitName) {
      // `impl AddAssign for V` is called with `&mut` of the target; without it, STARK also accepts
      // `a += b` as `a = a + b` through `impl Add`.
      const assign = this.operatorImpl(l, `${traitName}Assign`, `${traitName.toLowerCase()}_assign`, r);
      if (assign) {
        if (assign.param && !inf.unify(assign.param, r)) this.err(mismatch(inf, e.value.span, assign.param, r));
        e.method = { kind: "fn", decl: assign.decl, impl: assign.impl.decl, selfMode: "refMut" };
        return UNIT;
      }
      const add = this.operatorImpl(l, traitName, traitName.toLowerCase(), r);
      if (add) {
        if (add.param && !inf.unify(add.param, r)) this.err(mismatch(inf, e.value.span, add.param, r));
        return UNIT;
      }
    }
    const d = error("E0368", `binary assignment operation \`${e.op}\` cannot be applied to type ${show(inf, l)}`, e.target.span, `cannot use \`${e.op}\` on type ${show(inf, l)}`);
    if (traitName && l.kind === "param") d.help.push(`consider restricting type parameter \`${l.name}\` with trait \`${traitName}Assign\`: \`${l.name}: std::ops::${traitName}Assign\``);
    this.err(d);
    return UNIT;
  }

  private cast(e: import("../syntax/ast").CastExpr, cx: BodyCx): Type {
    const inf = this.inf;
    const target = this.env.lower(e.target, cx.lower);
    const tt = inf.shallow(target);
    const src = this.expr(e.expr, this.isNumeric(tt) ? null : null, cx);
    if (src === ERR || target === ERR) return target;
    const s = inf.shallow(src);
    const numericT = tt.kind === "int" || tt.kind === "float";
    const ok =
      (this.isNumeric(s) && numericT) ||
      ((s.kind === "bool" || s.kind === "char") && tt.kind === "int") ||
      (s.kind === "int" && s.name === "u8" && tt.kind === "char") ||
      (inf.varKind(s) === "int" && tt.kind === "char") ||
      // A fieldless enum casts to its discriminant: `Color::Red as i32`.
      (s.kind === "adt" && s.decl.kind === "EnumDecl" && s.decl.variants.every((v) => v.shape === "unit") && tt.kind === "int") ||
      inf.tryUnify(s, tt);
    if (!ok) {
      const prim = (x: Type) => x.kind === "int" || x.kind === "float" || x.kind === "bool" || x.kind === "char";
      if (!prim(s) || !prim(tt)) return this.err(error("E0605", `non-primitive cast: ${show(inf, s)} as ${show(inf, tt)}`, e.span, "an `as` expression can only be used to convert between primitive types"));
      return this.err(error("E0606", `casting ${show(inf, s)} as ${show(inf, tt)} is invalid`, e.span, "invalid cast"));
    }
    return target;
  }

  private tryOp(e: import("../syntax/ast").TryExpr, cx: BodyCx): Type {
    const inf = this.inf;
    const t = inf.shallow(this.expr(e.expr, null, cx));
    if (t === ERR) return ERR;
    let ret = inf.shallow(cx.retTy);
    const enumName = t.kind === "adt" ? t.decl.name.name : "";
    // A closure whose result type is not known yet: `?` makes it the same kind of enum, with the
    // operand's error type (as rustc infers it when the body's value does not say otherwise).
    if (ret.kind === "var" && inf.varKind(ret) === "any" && t.kind === "adt" && (enumName === "Option" || enumName === "Result")) {
      const args = enumName === "Result" ? [inf.fresh(), t.args[1]] : [inf.fresh()];
      if (inf.tryUnify(ret, { kind: "adt", decl: t.decl, args })) ret = inf.shallow(cx.retTy);
    }
    const retName = ret.kind === "adt" ? ret.decl.name.name : "";
    if (t.kind === "adt" && (enumName === "Option" || enumName === "Result")) {
      if (retName !== enumName) {
        const msg = retName === "Result" || retName === "Option" ? `the \`?\` operator can only be used on \`${retName}\`s, not \`${enumName}\`s, in a function that returns \`${retName}\`` : `the \`?\` operator can only be used in a function that returns \`Result\` or \`Option\``;
        const d = error("E0277", msg, e.span, `cannot use the \`?\` operator in a function that returns ${show(inf, ret)}`);
        if (retName === "Result" && enumName === "Option") d.help.push(`use \`.ok_or(...)?\` to provide an error compatible with ${show(inf, ret)}`);
        else if (retName === "Option" && enumName === "Result") d.help.push("use `.ok()?` to turn the `Result` into an `Option` first");
        return this.err(d);
      }
      if (enumName === "Result" && ret.kind === "adt" && !inf.tryUnify(t.args[1], ret.args[1])) {
        // An `impl From<E> for F` converts the error (rustc's `?` desugaring calls `From::from`).
        const conv = this.fromImpl(ret.args[1], t.args[1]);
        if (conv) {
          e.fromFn = conv;
          return t.args[0];
        }
        const target = show(inf, ret.args[1]);
        const source = show(inf, t.args[1]).replace(/^`|`$/g, "");
        const d = error("E0277", `\`?\` couldn't convert the error to ${target}`, e.span, `the trait \`From<${source}>\` is not implemented for ${target}`);
        d.notes.push("the question mark operation (`?`) converts the error with `From::from`");
        d.help.push(`convert it yourself with \`.map_err(..)\`, or write \`impl From<${source}> for ${target.replace(/^`|`$/g, "")}\``);
        return this.err(d);
      }
      return t.args[0];
    }
    return this.err(error("E0277", `the \`?\` operator can only be applied to values that implement \`Try\``, e.span, `the \`?\` operator cannot be applied to type ${show(inf, t)}`));
  }

  /**
   * `Target::from(x)` on a type with several `impl From<..> for Target`: method lookup matched
   * the first by name; the argument's type picks the impl, as rustc's trait selection does.
   * Returns the call's type when it decided (the argument is then checked), else null.
   */
  private fromByArgument(e: CallExpr, target: Type, cx: BodyCx): Type | null {
    const res = e.callee.kind === "PathExpr" ? e.callee.res : undefined;
    if (!res || res.kind !== "fn" || res.decl.name.name !== "from" || !res.impl || e.args.length !== 1) return null;
    const tr = res.impl.trait;
    if (!tr || tr.kind !== "PathType" || tr.segments[tr.segments.length - 1].name.name !== "From") return null;
    const key = headKey(this.inf.shallow(target));
    if (key === null) return null;
    const impls = this.env.implsFor(key).filter((i) => i.trait?.name.name === "From" && i.trait && this.isPreludeTrait(i.trait));
    if (impls.length < 2) return null;
    const at = this.expr(e.args[0], null, cx);
    if (at === ERR) return target;
    const conv = this.fromImpl(target, at, isStrLiteral(e.args[0]));
    if (!conv) {
      this.missingFrom(target, at, e.args[0].span);
      return target;
    }
    (e.callee as PathExpr).res = { kind: "fn", decl: conv.decl, impl: conv.impl };
    e.callee.ty = { kind: "fn", callKind: "ptr", params: [at], ret: target };
    return target;
  }

  /**
   * `{x:x}` / `{x:b}` / `{x:o}` need an integer and `{x:e}` a number, as Rust's `LowerHex`,
   * `Binary`, `Octal` and `LowerExp` are implemented only for those (E0277 otherwise).
   */
  private numericSpec(e: Expr, t: Type, spec: import("../syntax/ast").FormatSpec): void {
    const inf = this.inf;
    let b = inf.shallow(t);
    while (b.kind === "ref") b = inf.shallow(b.inner);
    if (b === ERR || b.kind === "param") return;
    const int = b.kind === "int" || (b.kind === "var" && inf.varKind(b) === "int");
    const float = b.kind === "float" || (b.kind === "var" && inf.varKind(b) === "float");
    if (spec.radix ? int : int || float) return;
    if (b.kind === "var" && inf.varKind(b) === "any") return;
    const trait = { x: "LowerHex", X: "UpperHex", b: "Binary", o: "Octal", e: "LowerExp", E: "UpperExp" }[spec.radix ?? spec.exponent!];
    const ty = show(inf, b).replace(/^`|`$/g, "");
    const d = error("E0277", `the trait bound \`${ty}: ${trait}\` is not satisfied`, e.span, `the trait \`${trait}\` is not implemented for \`${ty}\``);
    if (!spec.radix) d.help.push(`\`{:${spec.exponent}}\` formats numbers only`);
    else if (float) d.help.push(`\`{:${spec.radix}}\` formats integers only: convert the value first (\`as i64\`), or show the float with \`{:e}\``);
    else d.help.push(`\`{:${spec.radix}}\` formats integers only`);
    this.err(d);
  }

  /** E0277 for a conversion no `impl From<source> for target` provides (`Target::from(x)`, `x.into()`). */
  private missingFrom(target: Type, source: Type, span: Span): Type {
    const shown = show(this.inf, target).replace(/^`|`$/g, "");
    const src = show(this.inf, source).replace(/^`|`$/g, "");
    return this.err(error("E0277", `the trait bound \`${shown}: From<${src}>\` is not satisfied`, span, `the trait \`From<${src}>\` is not implemented for \`${shown}\``));
  }

  /**
   * The user `impl From<source> for target` (non-generic impls): for `?` on a `Result`, `x.into()`
   * and `Target::from(x)`. A string literal is Rust's `&str`, so it also picks `impl From<&str>`.
   */
  private fromImpl(target: Type, source: Type, strLiteral = false): { decl: FnDecl; impl: import("../syntax/ast").ImplDecl } | null {
    const found = this.fromImplExact(target, source);
    if (found || !strLiteral) return found;
    return this.fromImplExact(target, { kind: "ref", mutable: false, inner: STRING });
  }

  private fromImplExact(target: Type, source: Type): { decl: FnDecl; impl: import("../syntax/ast").ImplDecl } | null {
    const inf = this.inf;
    const key = headKey(inf.shallow(target));
    if (key === null) return null;
    for (const info of this.env.implsFor(key)) {
      if (!info.trait || info.trait.name.name !== "From" || !this.isPreludeTrait(info.trait) || info.generics.length > 0) continue;
      const tr = info.decl.trait;
      const arg = tr && tr.kind === "PathType" ? tr.segments[tr.segments.length - 1].args?.[0] : undefined;
      const from = info.methods.get("from");
      if (!arg || !from) continue;
      const argTy = this.env.lower(arg, { scope: info.scope, generics: new Map(), selfTy: target });
      if (inf.tryUnify(argTy, source) && inf.tryUnify(info.target, target)) return { decl: from, impl: info.decl };
    }
    return null;
  }

  // ───────────── places ─────────────

  /** One auto-deref step through `&`, `&mut`, `Box` and `Gc`. */
  derefOnce(t: Type): Type | null {
    t = this.inf.shallow(t);
    if (t.kind === "ref") return this.inf.shallow(t.inner);
    if (t.kind === "builtin" && (t.name === "Box" || t.name === "Gc")) return this.inf.shallow(t.args[0]);
    return null;
  }

  fieldType(adt: { decl: StructDecl | EnumDecl; args: Type[] }, variant: number, index: number): Type {
    return this.env.instantiatedFields(adt.decl, adt.args, variant)[index];
  }

  private field(e: import("../syntax/ast").FieldExpr, cx: BodyCx): Type {
    const inf = this.inf;
    let t = inf.shallow(this.expr(e.object, null, cx));
    let derefs = 0;
    const name = e.field.name;
    for (;;) {
      if (t === ERR) return ERR;
      if (t.kind === "adt" && t.decl.kind === "StructDecl") {
        const idx = t.decl.fields.findIndex((f) => f.name.name === name);
        // The fields of the prelude's collections are their private representation: to a program
        // they do not exist (rustc's E0609 for any name but the real, private ones).
        if (idx >= 0 && e.span.file.name !== "<prelude>" && preludeCollection(inf, t)) {
          return this.err(error("E0609", `no field \`${name}\` on type ${show(inf, t)}`, e.field.span, "unknown field"));
        }
        if (idx >= 0) {
          e.index = idx;
          e.derefs = derefs;
          return this.fieldType(t, 0, idx);
        }
      }
      const d = this.derefOnce(t);
      if (!d) break;
      t = d;
      derefs++;
    }
    if (t.kind === "var" && inf.varKind(t) === "any") return this.err(error("E0282", "type annotations needed", e.object.span, "type must be known at this point"));
    const d = error("E0609", `no field \`${name}\` on type ${show(inf, t)}`, e.field.span, "unknown field");
    if (t.kind === "adt" && t.decl.kind === "StructDecl") {
      const names = t.decl.fields.map((f) => f.name.name);
      const close = closestName(name, names);
      if (close) d.help.push(`a field with a similar name exists: \`${close}\``);
      else if (names.length) d.notes.push(`available fields are: ${names.map((n) => `\`${n}\``).join(", ")}`);
    }
    if (probeMethod(this, t, name, cx)) d.help.push(`\`${name}\` is a method: use parentheses to call it: \`${name}()\``);
    // `opt.field` on an Option/Result whose value has the field.
    if (t.kind === "adt" && (t.decl.name.name === "Option" || t.decl.name.name === "Result") && t.decl.span.file.name === "<prelude>" && t.args[0]) {
      let inner = inf.shallow(t.args[0]);
      while (inner.kind === "ref") inner = inf.shallow(inner.inner);
      if (inner.kind === "adt" && inner.decl.kind === "StructDecl" && inner.decl.fields.some((f) => f.name.name === name)) {
        d.help.push(`the field is on the value inside the \`${t.decl.name.name}\`: handle the ${t.decl.name.name === "Option" ? "`None`" : "`Err`"} case first (\`match\`, \`if let\`, \`?\`), or \`.unwrap().${name}\``);
      }
    }
    return this.err(d);
  }

  /**
   * `v[1..3]`, `s[2..]`: the elements in a range, `[T]` (or the text, `str`, which STARK types as
   * `String`). That type has no size of its own, so it is only written borrowed — `&v[1..3]`,
   * `&mut v[..]`, or as a method's receiver (`v[1..].len()`); anywhere else it is Rust's E0277.
   */
  private rangeIndex(e: import("../syntax/ast").IndexExpr, t: Type): Type {
    const sliced: Type = t.kind === "builtin" && t.name === "String" ? STRING : { kind: "builtin", name: "Slice", args: [sliceElement(t)!] };
    if (this.borrowedSlices.has(e)) return sliced;
    const shown = sliced.kind === "builtin" && sliced.name === "String" ? "`str`" : show(this.inf, sliced);
    const d = error("E0277", `the size for values of type ${shown} cannot be known at compilation time`, e.span, "doesn't have a size known at compile-time");
    const text = e.span.file.text.slice(e.span.start, e.span.end);
    d.help.push(`consider borrowing here: \`&${text}\``);
    return this.err(d);
  }

  /** Index expressions borrowed `&mut` (E0596 rather than E0594 when the type has no IndexMut). */
  private readonly mutBorrowedIndexes = new WeakSet<Expr>();

  /** Whether a user type implements the prelude's `Index` (`m[i]` calls its `index`). */
  private userIndexable(t: Type & { kind: "adt" }): boolean {
    return this.env.implsFor(t.decl).some((i) => i.trait?.name.name === "Index" && this.env.isPreludeTrait(i.trait));
  }

  private index(e: import("../syntax/ast").IndexExpr, cx: BodyCx): Type {
    const inf = this.inf;
    let t = inf.shallow(this.expr(e.object, null, cx));
    let derefs = 0;
    while (t.kind === "ref" || (t.kind === "builtin" && (t.name === "Box" || t.name === "Gc"))) {
      t = this.derefOnce(t)!;
      derefs++;
    }
    e.derefs = derefs;
    if (t === ERR) {
      this.expr(e.index, null, cx);
      return ERR;
    }
    const isRange = e.index.kind === "RangeExpr";
    // `dq[i]` on a VecDeque: `*dq.index(i)` (src/check/collections.ts).
    if (rewriteCollectionIndex(inf, e, t)) return this.expr(e as unknown as Expr, null, cx);
    // `m[(r, c)]` on a user type with `impl Index` (and `IndexMut`): the same rewrite.
    if (t.kind === "adt" && this.userIndexable(t)) {
      const borrowed = this.mutBorrowedIndexes.has(e);
      indexAsMethodCall(e);
      const call = (e as unknown as { operand: MethodCallExpr }).operand;
      if (call.method.name === "index_mut" && !this.env.implsFor(t.decl).some((i) => i.trait?.name.name === "IndexMut" && this.env.isPreludeTrait(i.trait))) {
        // rustc: E0594 for `m[i] = x` / `m[i] += x`, E0596 for `&mut m[i]`.
        const what = borrowed ? "cannot borrow data in an index of" : "cannot assign to data in an index of";
        const d = error(borrowed ? "E0596" : "E0594", `${what} ${show(inf, t)}${borrowed ? " as mutable" : ""}`, e.span, borrowed ? "cannot borrow as mutable" : "cannot assign");
        d.help.push(`trait \`IndexMut\` is required to modify indexed content, but it is not implemented for ${show(inf, t)}`);
        this.expr(call.args[0], null, cx);
        return this.err(d);
      }
      return this.expr(e as unknown as Expr, null, cx);
    }
    if (t.kind === "builtin" && t.name === "Map") {
      const k = this.expr(e.index, null, cx);
      if (!inf.unify(this.stripRefs(k), t.args[0])) this.err(mismatch(inf, e.index.span, t.args[0], k));
      return t.args[1];
    }
    const it = this.expr(e.index, isRange ? { kind: "builtin", name: "Range", args: [USIZE] } : USIZE, cx);
    if (isRange && (t.kind === "array" || (t.kind === "builtin" && (t.name === "Vec" || t.name === "String" || t.name === "Slice")))) return this.rangeIndex(e, t);
    const idx = this.stripRefs(it);
    // An integer whose type is still open (`let j = i - 1; v[j]`) is a `usize`, as in Rust: its
    // arithmetic then overflows below 0 rather than making a negative index.
    if (!isRange && inf.varKind(idx) === "int") inf.unify(idx, USIZE);
    if (idx !== ERR && !isRange && !(idx.kind === "int" || inf.varKind(idx) === "int")) {
      this.err(error("E0277", `the type ${show(inf, t)} cannot be indexed by ${show(inf, idx)}`, e.index.span, "indices must be integers (`usize`)"));
    }
    // (A range into a Vec, slice, array or String was rangeIndex's above.)
    if (t.kind === "builtin" && (t.name === "Vec" || t.name === "Slice")) return t.args[0];
    if (t.kind === "array") return t.elem;
    if (t.kind === "tensor") return { kind: "tensor", dtype: t.dtype, shape: t.shape && t.shape.length > 1 && !isRange ? t.shape.slice(1) : null };
    if (t.kind === "var" && inf.varKind(t) === "any") return this.err(error("E0282", "type annotations needed", e.object.span, "type must be known at this point"));
    return this.err(error("E0608", `cannot index into a value of type ${show(inf, t)}`, e.span, ""));
  }

  // ───────────── struct literals ─────────────

  private structLit(e: StructLitExpr, expected: Type | null, cx: BodyCx): Type {
    const inf = this.inf;
    const target = this.resolveStructPath(e.path, cx);
    for (const f of e.fields) if (!target) this.expr(f.value, null, cx);
    if (!target) {
      if (e.base) this.expr(e.base, null, cx);
      return ERR;
    }
    const { decl, variant, ty } = target;
    if (expected) inf.tryUnify(ty, expected);
    e.target = decl.kind === "StructDecl" ? { kind: "struct", decl } : { kind: "variant", decl, index: variant };
    const fieldDecls = decl.kind === "StructDecl" ? decl.fields : decl.variants[variant].fields;
    const typeName = decl.kind === "StructDecl" ? decl.name.name : `${decl.name.name}::${decl.variants[variant].name.name}`;
    const seen = new Set<string>();
    let unknownField = false;
    for (const f of e.fields) {
      const idx = fieldDecls.findIndex((d) => d.name.name === f.name.name);
      if (idx < 0) {
        unknownField = true;
        this.expr(f.value, null, cx);
        const what = decl.kind === "StructDecl" ? `struct \`${typeName}\`` : `variant \`${typeName}\``;
        const d = error("E0560", `${what} has no field named \`${f.name.name}\``, f.name.span, decl.kind === "StructDecl" ? "unknown field" : "field does not exist");
        const close = closestName(f.name.name, fieldDecls.map((x) => x.name.name));
        if (close) d.help.push(`a field with a similar name exists: \`${close}\``);
        else d.notes.push(`available fields are: ${fieldDecls.filter((x) => !e.fields.some((g) => g.name.name === x.name.name)).map((x) => `\`${x.name.name}\``).join(", ")}`);
        this.err(d);
        continue;
      }
      if (seen.has(f.name.name)) this.err(error("E0062", `field \`${f.name.name}\` specified more than once`, f.name.span, "used more than once"));
      seen.add(f.name.name);
      const ft = this.fieldType(ty as { kind: "adt"; decl: StructDecl; args: Type[] }, variant, idx);
      this.expect(f.value, ft, cx, { span: fieldDecls[idx].ty.span, label: "expected due to the type of this field" });
    }
    if (e.base) this.expect(e.base, ty, cx);
    else {
      const missing = fieldDecls.filter((d) => !seen.has(d.name.name) && !d.default).map((d) => d.name.name);
      // As rustc: with a misnamed field (E0560, which names the likely field) the missing one is
      // usually that same field, so it is not reported twice.
      if (missing.length && !unknownField) {
        const q = missing.map((m) => `\`${m}\``);
        const list = q.length === 1 ? q[0] : q.length <= 3 ? `${q.slice(0, -1).join(", ")} and ${q[q.length - 1]}` : `${q.slice(0, 3).join(", ")} and ${q.length - 3} other field${q.length - 3 === 1 ? "" : "s"}`;
        const d = error("E0063", `missing field${missing.length === 1 ? "" : "s"} ${list} in initializer of \`${typeName}\``, e.path.span, `missing ${list}`);
        this.err(d);
      }
    }
    return ty;
  }

  /** A struct literal's or struct pattern's path: a struct, `Self`, or a named enum variant. */
  resolveStructPath(p: PathExpr, cx: BodyCx): { decl: StructDecl | EnumDecl; variant: number; ty: Type } | null {
    const inf = this.inf;
    const names = p.segments.map((s) => s.name.name);
    let entry: ItemEntry | undefined;
    if (names[0] === "Self" && cx.selfTy) {
      const st = inf.shallow(cx.selfTy);
      if (st.kind === "adt") {
        if (names.length === 1 && st.decl.kind === "StructDecl") {
          p.res = { kind: "structCtor", decl: st.decl };
          return { decl: st.decl, variant: 0, ty: st };
        }
        if (names.length === 2 && st.decl.kind === "EnumDecl") {
          const i = st.decl.variants.findIndex((v) => v.name.name === names[1]);
          if (i >= 0) {
            p.res = { kind: "variant", decl: st.decl, index: i };
            return { decl: st.decl, variant: i, ty: st };
          }
        }
      }
    } else entry = this.env.resolveModPath(names, cx.lower.scope);
    if (entry && entry.kind === "struct") {
      const args = entry.decl.generics.map(() => inf.fresh());
      p.res = { kind: "structCtor", decl: entry.decl };
      return { decl: entry.decl, variant: 0, ty: { kind: "adt", decl: entry.decl, args } };
    }
    if (entry && entry.kind === "variant") {
      const args = entry.decl.generics.map(() => inf.fresh());
      p.res = { kind: "variant", decl: entry.decl, index: entry.index };
      return { decl: entry.decl, variant: entry.index, ty: { kind: "adt", decl: entry.decl, args } };
    }
    const last = p.segments[p.segments.length - 1];
    if (entry) this.err(error("E0574", `expected struct, variant or union type, found ${describe(entry)} \`${names.join("::")}\``, p.span, "not a struct"));
    else this.unresolved(p, cx, "struct, variant or union type");
    void last;
    return null;
  }

  // ───────────── paths ─────────────

  unresolved(p: PathExpr, cx: BodyCx, what: string): Type {
    const last = p.segments[p.segments.length - 1];
    const name = last.name.name;
    if (p.segments.length > 1) {
      const prefix = p.segments.slice(0, -1).map((s) => s.name.name);
      const pe = prefix[0] === "Self" ? { kind: "prim" as const, name: "Self" } : this.env.resolveModPath(prefix, cx.lower.scope);
      if (!pe) {
        // `std::collections::HashMap::new()`: blame the first segment that does not resolve.
        let known = 0;
        while (known + 1 < prefix.length && this.env.resolveModPath(prefix.slice(0, known + 1), cx.lower.scope)) known++;
        if (known > 0) {
          const seg = p.segments[known].name;
          const parent = prefix.slice(0, known).join("::");
          const d = error("E0433", `failed to resolve: could not find \`${seg.name}\` in \`${parent}\``, seg.span, `could not find \`${seg.name}\` in \`${parent}\``);
          const rust = rustEquivalent(seg.name);
          if (rust) d.help.push(rust);
          return this.err(d);
        }
        const first = p.segments[0];
        const d = error("E0433", `failed to resolve: use of undeclared type or module \`${first.name.name}\``, first.name.span, `use of undeclared type or module \`${first.name.name}\``);
        const close = closestName(first.name.name, this.env.visibleNames(cx.lower.scope));
        const rust = rustEquivalent(first.name.name);
        if (rust) d.help.push(rust);
        else if (close) d.help.push(`a type or module with a similar name exists: \`${close}\``);
        return this.err(d);
      }
      const d = error("E0599", `no function or associated item named \`${name}\` found for ${describe(pe)} \`${prefix.join("::")}\` in the current scope`, last.name.span, `${describe(pe)} has no item named \`${name}\``);
      return this.err(d);
    }
    const isType = /^[A-Z]/.test(name) && what !== "value" && !what.startsWith("function");
    const d = error("E0425", `cannot find ${what} \`${name}\` in this scope`, last.name.span, "not found in this scope");
    if (isType) d.code = "E0422";
    // A field of `self` used without `self.` (rustc's hint).
    const selfTy = cx.selfTy ? this.inf.shallow(cx.selfTy) : null;
    const hasSelf = cx.locals.find("self") !== undefined;
    if (selfTy && selfTy.kind === "adt" && selfTy.decl.kind === "StructDecl" && selfTy.decl.fields.some((f) => f.name.name === name)) {
      d.help.push(hasSelf ? `you might have meant to use the available field: \`self.${name}\`` : `a field by this name exists in \`Self\`; add a \`&self\` parameter to use it`);
      return this.err(d);
    }
    // Python's spellings of things STARK writes otherwise.
    const python: Record<string, string> = {
      True: "booleans are written `true` and `false`",
      False: "booleans are written `true` and `false`",
      range: "a range is written `0..n` (or `a..=b` to include `b`): `for i in 0..3 { .. }`",
      len: "the length is a method: `v.len()`",
      str: "convert to text with `x.to_string()` or an f-string `f\"{x}\"`",
      int: "convert between numbers with `as`: `x as i32`; parse text with `s.parse::<i32>()`",
      float: "convert between numbers with `as`: `x as f64`; parse text with `s.parse::<f64>()`",
    };
    if (python[name]) {
      d.help.push(python[name]);
      return this.err(d);
    }
    const candidates = [...cx.locals.names(), ...this.env.visibleNames(cx.lower.scope)];
    const close = closestName(name, candidates);
    if (close) {
      const local = cx.locals.find(close);
      d.help.push(local ? `a local variable with a similar name exists: \`${close}\`` : `a similarly named item exists: \`${close}\``);
    }
    return this.err(d);
  }

  private path(e: PathExpr, expected: Type | null, cx: BodyCx): Type {
    const r = this.resolveValuePath(e, expected, cx);
    return r ? r.ty : ERR;
  }

  /**
   * Resolves a path used as a value; sets `res`. For callables, also returns the signature so a
   * call can check arguments with autoref and report E0061 in the right words.
   */
  resolveValuePath(e: PathExpr, expected: Type | null, cx: BodyCx, asCallee = false): Callee | null {
    const inf = this.inf;
    const segs = e.segments;
    const first = segs[0].name.name;
    if (segs.length === 1) {
      const b = cx.locals.find(first);
      if (b) {
        e.res = b.global ? { kind: "global", binding: b } : { kind: "local", binding: b };
        return { ty: b.ty ?? ERR, what: "function", sig: null, declSpan: null, autoref: false };
      }
      if (first === "self") {
        this.err(error("E0424", "expected value, found module `self`", e.span, "`self` value is a keyword only available in methods with a `self` parameter"));
        return null;
      }
      const entry = this.env.lookup(cx.lower.scope, first);
      if (!entry) {
        // rustc's words: `foo(1)` names a function, `Foo(1)` a function, tuple struct or variant.
        this.unresolved(e, cx, !asCallee ? "value" : /^[A-Z]/.test(first) ? "function, tuple struct or tuple variant" : "function");
        return null;
      }
      return this.valueEntry(e, entry, segs[0].args, expected, cx);
    }
    // Qualified: module path, or Type::item.
    const prefix = segs.slice(0, -1);
    const last = segs[segs.length - 1];
    let prefixTy: Type | null = null;
    if (prefix.length === 1 && prefix[0].name.name === "Self" && cx.selfTy) {
      prefixTy = cx.selfTy;
    } else if (prefix.length === 1 && cx.lower.generics.has(prefix[0].name.name)) {
      prefixTy = cx.lower.generics.get(prefix[0].name.name)!;
    } else {
      const pe = this.env.resolveModPath(prefix.map((s) => s.name.name), cx.lower.scope);
      if (!pe) {
        this.unresolved(e, cx, "value");
        return null;
      }
      if (pe.kind === "mod") {
        const entry = pe.scope.items.get(last.name.name) ?? this.env.resolveModPath([...prefix.map((s) => s.name.name), last.name.name], cx.lower.scope);
        if (!entry) {
          const d = error("E0425", `cannot find function \`${last.name.name}\` in module \`${prefix.map((s) => s.name.name).join("::")}\``, last.name.span, `not found in \`${prefix.map((s) => s.name.name).join("::")}\``);
          const close = closestName(last.name.name, pe.scope.items.keys());
          if (close) d.help.push(`a similarly named item exists: \`${close}\``);
          this.err(d);
          return null;
        }
        return this.valueEntry(e, entry, last.args, expected, cx);
      }
      const args = prefix[prefix.length - 1].args;
      if (pe.kind === "enum") {
        const idx = pe.decl.variants.findIndex((v) => v.name.name === last.name.name);
        if (idx >= 0) return this.valueEntry(e, { kind: "variant", decl: pe.decl, index: idx }, args, expected, cx);
      }
      prefixTy = this.typeOfEntry(pe, args, cx);
      if (!prefixTy) {
        this.unresolved(e, cx, "value");
        return null;
      }
    }
    let pt = inf.shallow(prefixTy);
    // `let t: Tensor<f64, [2, 3]> = Tensor::zeros();` — without a turbofish, the expected type
    // gives a tensor constructor its dtype and static shape.
    const xt = expected ? inf.shallow(expected) : null;
    if (pt.kind === "tensor" && !prefix[prefix.length - 1].args && xt && xt.kind === "tensor") pt = xt;
    if (pt.kind === "adt" && pt.decl.kind === "EnumDecl") {
      const idx = pt.decl.variants.findIndex((v) => v.name.name === last.name.name);
      if (idx >= 0) return this.variantValue(e, pt.decl, idx, pt.args, expected);
    }
    const ac = this.env.assocConst(pt, last.name.name);
    if (ac) {
      e.res = { kind: "const", decl: ac.decl };
      return { ty: ac.ty, what: "function", sig: null, declSpan: null, autoref: false };
    }
    // Numeric constants: `i32::MAX`, `usize::MIN`, `f64::EPSILON`, `f64::INFINITY`, `f64::NAN`.
    if ((pt.kind === "int" && (last.name.name === "MAX" || last.name.name === "MIN")) || (pt.kind === "float" && ["MAX", "MIN", "EPSILON", "INFINITY", "NEG_INFINITY", "NAN"].includes(last.name.name))) {
      e.res = { kind: "native", name: `${pt.name}::${last.name.name}` };
      return { ty: pt, what: "function", sig: null, declSpan: null, autoref: false };
    }
    const hit = findAssocFn(this, pt, last.name.name, cx);
    if (!hit) {
      const d = error("E0599", `no function or associated item named \`${last.name.name}\` found for ${show(inf, pt)} in the current scope`, last.name.span, `function or associated item not found in ${show(inf, pt)}`);
      const close = headKey(pt) !== null ? closestName(last.name.name, methodNames(this, pt)) : null;
      if (close) d.help.push(`there is an associated function with a similar name: \`${close}\``);
      this.err(d);
      return null;
    }
    // `T::new()` on a generic parameter names the trait's declaration (impl: null); the
    // evaluator, which compiles each instantiation, finds T's impl of it.
    e.res = hit.native ? { kind: "native", name: hit.native } : { kind: "fn", decl: hit.decl, impl: hit.impl ? hit.impl.decl : null };
    if (hit.res.kind === "dyn" && e.res.kind === "fn") e.res.selfTy = pt;
    // `Tensor::concat(vec![a, b], 0)`: with neither a turbofish nor an expected tensor type, the
    // tensors passed fix `Self` (as in Rust); a call that leaves it open gets `Tensor` (f32).
    const inferSelf = pt.kind === "tensor" && pt !== xt && !prefix[prefix.length - 1].args && !hit.sig.selfMode && hit.sig.params.some(mentionsSelf);
    // `let x: i32 = Default::default();`: a trait's function named through the trait takes its
    // `Self` from inference (the expected type), and the evaluator calls that type's impl.
    let traitSelf: Type | null = null;
    if (pt.kind === "dyn" && e.res.kind === "fn" && e.qself) {
      // `<Dog as Animal>::baby_name()`: the qualified path names `Self`.
      traitSelf = e.res.selfTy = this.env.lower(e.qself, cx.lower);
      this.obligations.push({ ty: traitSelf, trait: pt.trait, span: e.span });
    } else if (pt.kind === "dyn" && !hit.sig.selfMode && e.res.kind === "fn") {
      traitSelf = e.res.selfTy = inf.fresh();
      this.obligations.push({ ty: traitSelf, trait: pt.trait, span: e.span });
    }
    const selfTy = traitSelf ?? (inferSelf ? inf.fresh() : pt.kind === "tensor" ? pt : hit.selfTy);
    const inst = this.instantiate(hit.sig, hit.sub, last.args, selfTy, cx, e.span);
    const params = hit.sig.selfMode ? [selfParamType(hit.sig.selfMode, selfTy!), ...inst.params] : inst.params;
    const fnTy: Type = { kind: "fn", callKind: "ptr", params, ret: inst.ret };
    return { ty: fnTy, what: hit.sig.selfMode ? "method" : "function", sig: hit.sig, declSpan: hit.decl.name.span, autoref: hit.sig.autoref, tensorStatic: pt.kind === "tensor" && !!pt.shape, selfDefault: inferSelf ? pt : undefined };
  }

  /** The type named by an item entry used as a path prefix (`Vec::<i32>`, `Tensor::<f64>`, `Point`). */
  private typeOfEntry(pe: ItemEntry, args: import("../syntax/ast").TypeExpr[] | null, cx: BodyCx): Type | null {
    const inf = this.inf;
    switch (pe.kind) {
      case "builtin": {
        if (pe.name === "Tensor") return this.env.lowerTensor(args, cx.frame.closure?.span ?? ({} as Span));
        const lowered = args ? args.map((a) => this.env.lower(a, cx.lower)) : [];
        const arity = { String: 0, Vec: 1, Map: 2, Box: 1, LRUCache: 2, Gc: 1, Iter: 1, Range: 1, Duration: 0 }[pe.name as "Vec"] ?? 0;
        return { kind: "builtin", name: pe.name as "Vec", args: Array.from({ length: arity }, (_, i) => lowered[i] ?? inf.fresh()) };
      }
      case "struct":
      case "enum": {
        const lowered = args ? args.map((a) => this.env.lower(a, cx.lower)) : [];
        return { kind: "adt", decl: pe.decl, args: pe.decl.generics.map((_, i) => lowered[i] ?? inf.fresh()) };
      }
      case "prim":
        return pe.name === "str" ? STRING : primTypeOf(pe.name);
      case "trait":
        return { kind: "dyn", trait: pe.decl };
      default:
        return null;
    }
  }

  private valueEntry(e: PathExpr, entry: ItemEntry, args: import("../syntax/ast").TypeExpr[] | null, expected: Type | null, cx: BodyCx): Callee | null {
    const inf = this.inf;
    switch (entry.kind) {
      case "fn": {
        const sig = this.env.sig(entry.decl);
        e.res = entry.native ? { kind: "native", name: entry.native } : { kind: "fn", decl: entry.decl, impl: null };
        const inst = this.instantiate(sig, new Map(), args, null, cx, e.span);
        return { ty: { kind: "fn", callKind: "ptr", params: inst.params, ret: inst.ret }, what: "function", sig, declSpan: entry.decl.name.span, autoref: sig.autoref };
      }
      case "const": {
        e.res = { kind: "const", decl: entry.decl };
        const t = entry.decl.ty ? this.env.lower(entry.decl.ty, { ...cx.lower, scope: cx.lower.scope }) : this.constType(entry.decl);
        return { ty: t, what: "function", sig: null, declSpan: null, autoref: false };
      }
      case "variant": {
        const lowered = args ? args.map((a) => this.env.lower(a, cx.lower)) : [];
        const targs = entry.decl.generics.map((_, i) => lowered[i] ?? inf.fresh());
        return this.variantValue(e, entry.decl, entry.index, targs, expected);
      }
      case "struct": {
        const decl = entry.decl;
        e.res = { kind: "structCtor", decl };
        const targs = decl.generics.map(() => inf.fresh());
        const ty: Type = { kind: "adt", decl, args: targs };
        if (decl.shape === "unit") return { ty, what: "struct", sig: null, declSpan: null, autoref: false };
        if (decl.shape === "tuple") {
          const params = decl.fields.map((_, i) => this.fieldType({ decl, args: targs }, 0, i));
          return { ty: { kind: "fn", callKind: "ptr", params, ret: ty }, what: "struct", sig: null, declSpan: decl.name.span, autoref: false };
        }
        this.err(error("E0423", `expected value, found struct \`${decl.name.name}\``, e.span, `help: use struct literal syntax instead: \`${decl.name.name} { ${decl.fields.map((f) => `${f.name.name}: val`).join(", ")} }\``));
        return null;
      }
      default: {
        const name = e.segments.map((s) => s.name.name).join("::");
        this.err(error("E0423", `expected value, found ${describe(entry)} \`${name}\``, e.span, `not a value`));
        return null;
      }
    }
  }

  private constType(decl: import("../syntax/ast").ConstDecl): Type {
    if (decl.value.ty) return decl.value.ty;
    return this.inf.fresh();
  }

  private variantValue(e: PathExpr, decl: EnumDecl, index: number, targs: Type[], expected: Type | null): Callee {
    e.res = { kind: "variant", decl, index };
    const ty: Type = { kind: "adt", decl, args: targs };
    const v = decl.variants[index];
    if (v.shape === "tuple") {
      const params = v.fields.map((_, i) => this.fieldType({ decl, args: targs }, index, i));
      return { ty: { kind: "fn", callKind: "ptr", params, ret: ty }, what: "enum variant", sig: null, declSpan: v.name.span, autoref: false };
    }
    if (v.shape === "named") {
      this.err(error("E0533", `expected value, found struct variant \`${decl.name.name}::${v.name.name}\``, e.span, "not a value"));
    }
    void expected;
    return { ty, what: "enum variant", sig: null, declSpan: null, autoref: false };
  }

  /** Instantiates a signature: impl substitution + fresh (or turbofish) fn generics + Self. */
  instantiate(sig: FnSig, implSub: Map<string, Type>, turbofish: import("../syntax/ast").TypeExpr[] | null, selfTy: Type | null, cx: BodyCx, span: Span): { params: Type[]; ret: Type; sub: Map<string, Type> } {
    const sub = new Map(implSub);
    const tf = turbofish ? turbofish.filter((t) => t.kind !== "ShapeType").map((t) => this.env.lower(t, cx.lower)) : [];
    sig.fnGenerics.forEach((g, i) => sub.set(g, tf[i] ?? this.inf.fresh()));
    if (selfTy) sub.set("Self", selfTy);
    for (const [g, traits] of sig.bounds) {
      const t = sub.get(g);
      if (!t) continue;
      for (const trait of traits) this.obligations.push({ ty: t, trait, span });
    }
    return { params: sig.params.map((p) => substitute(p, sub)), ret: substitute(sig.ret, sub), sub };
  }

  // ───────────── calls ─────────────

  private call(e: CallExpr, expected: Type | null, cx: BodyCx): Type {
    const inf = this.inf;
    let callee: Callee | null;
    if (e.callee.kind === "PathExpr") {
      callee = this.resolveValuePath(e.callee, expected, cx, true);
      e.callee.ty = callee ? callee.ty : ERR;
      this.typedExprs.push(e.callee);
    } else {
      const t = this.expr(e.callee, null, cx);
      callee = { ty: t, what: "function", sig: null, declSpan: null, autoref: false };
    }
    if (!callee || callee.ty === ERR) {
      this.argsOfFailedCall(e.args, cx);
      return ERR;
    }
    let ft = inf.shallow(callee.ty);
    while (ft.kind === "ref" || (ft.kind === "builtin" && ft.name === "Box")) ft = inf.shallow(ft.kind === "ref" ? ft.inner : ft.args[0]);
    // `(self.f)(x)` where the field's type is a parameter `F: Fn(i32) -> i32` of the impl.
    if (ft.kind === "param") ft = cx.fnBounds?.get(ft.name) ?? ft;
    if (ft.kind === "var" && inf.varKind(ft) === "any") {
      const params = e.args.map(() => inf.fresh());
      const ret = inf.fresh();
      inf.unify(ft, { kind: "fn", callKind: "Fn", params, ret });
      ft = inf.shallow(ft);
    }
    if (ft.kind !== "fn") {
      this.argsOfFailedCall(e.args, cx);
      return this.err(error("E0618", `expected function, found ${show(inf, ft)}`, e.callee.span, `call expression requires function`));
    }
    // Tensor::<f32, [2, 3]>::zeros(): the shape comes from the type.
    if (callee.tensorStatic && e.args.length === 0 && ft.params.length === 1) {
      return ft.ret;
    }
    if (ft.params.length !== e.args.length) {
      this.argsOfFailedCall(e.args, cx);
      return this.arityError(e.callee.span, callee.what, ft.params.length, e.args.length, callee.declSpan, e.span);
    }
    // The expected type flows into the arguments first (closure parameter types, literals).
    if (expected) inf.tryUnify(ft.ret, expected);
    const viaFrom = this.fromByArgument(e, ft.ret, cx);
    if (viaFrom) return viaFrom;
    e.autoref = this.checkArgs(e.args, ft.params, callee.autoref, callee.sig, cx);
    this.env.settleProjections();
    if (callee.selfDefault) {
      const r = inf.shallow(ft.ret);
      if (r.kind === "var" && inf.varKind(r) === "any") inf.unify(r, callee.selfDefault);
    }
    const ret = this.bindShapeVars(e, ft.params, ft.ret);
    if (ret !== ft.ret) return ret;
    // A literal shape argument must agree with a static shape from the type.
    const rt = inf.shallow(ft.ret);
    const shapeArg = e.args[0];
    if (callee.tensorStatic && rt.kind === "tensor" && rt.shape && shapeArg && shapeArg.kind === "ArrayExpr" && shapeArg.elems.every((x) => x.kind === "IntLit")) {
      const dims = shapeArg.elems.map((x) => Number((x as import("../syntax/ast").IntLit).value));
      if (dims.length !== rt.shape.length || dims.some((d, i) => typeof rt.shape![i] === "number" && rt.shape![i] !== d)) {
        return this.err(error("E0308", "mismatched types", shapeArg.span, `expected shape [${rt.shape.join(", ")}], found [${dims.join(", ")}]`));
      }
    }
    return ft.ret;
  }

  /**
   * Shape variables (`fn f(x: Tensor<f32, [N, 784]>) -> Tensor<f32, [N, 10]>`) are bound per call
   * from the arguments' static shapes; a variable bound to two sizes is E0308, and the return
   * type gets the bound sizes.
   */
  private bindShapeVars(e: CallExpr | MethodCallExpr, params: Type[], ret: Type): Type {
    const inf = this.inf;
    const tensorOf = (t: Type | undefined): (Type & { kind: "tensor" }) | null => {
      if (!t) return null;
      const s = this.stripRefs(t);
      return s.kind === "tensor" ? s : null;
    };
    const r0 = tensorOf(ret);
    const hasVars = params.some((p) => tensorOf(p)?.shape?.some((d) => typeof d === "string"));
    if (!hasVars) return ret;
    const bound = new Map<string, { size: number; arg: Expr }>();
    for (let i = 0; i < params.length && i < e.args.length; i++) {
      const p = tensorOf(params[i]);
      const a = tensorOf(e.args[i].ty);
      if (!p || !p.shape || !a || !a.shape || p.shape.length !== a.shape.length) continue;
      for (let k = 0; k < p.shape.length; k++) {
        const v = p.shape[k];
        const size = a.shape[k];
        if (typeof v !== "string" || typeof size !== "number") continue;
        const prior = bound.get(v);
        if (prior && prior.size !== size) {
          const d = error("E0308", "mismatched types", e.args[i].span, `expected \`${v}\` = ${prior.size} in dimension ${k}, found ${size}`);
          d.labels.push({ span: prior.arg.span, message: `\`${v}\` is ${prior.size} here` });
          d.notes.push(`the shape variable \`${v}\` must have one size across the call`);
          return this.err(d);
        }
        bound.set(v, { size, arg: e.args[i] });
      }
    }
    if (!r0 || !r0.shape || bound.size === 0) return ret;
    const shape = r0.shape.map((d) => (typeof d === "string" && bound.has(d) ? bound.get(d)!.size : d));
    void inf;
    return { kind: "tensor", dtype: r0.dtype, shape };
  }

  arityError(span: Span, what: string, want: number, got: number, declSpan: Span | null, callSpan: Span): Type {
    const s = (n: number) => (n === 1 ? "" : "s");
    const d = error("E0061", `this ${what} takes ${want} argument${s(want)} but ${got} argument${s(got)} ${got === 1 ? "was" : "were"} supplied`, span, `expected ${want} argument${s(want)}`);
    if (declSpan && !declSpan.file.name.startsWith("<prelude")) d.labels.push({ span: declSpan, message: `${what} defined here` });
    void callSpan;
    return this.err(d);
  }

  /** Checks arguments against parameter types; returns which were auto-borrowed (`#[autoref]`). */
  checkArgs(args: Expr[], params: Type[], autoref: boolean, sig: FnSig | null, cx: BodyCx): boolean[] | undefined {
    const inf = this.inf;
    let borrowed: boolean[] | undefined;
    args.forEach((a, i) => {
      const p = inf.shallow(params[i]);
      const offset = sig && sig.selfMode && params.length > sig.params.length ? 1 : 0;
      const origin = sig && sig.paramSpans[i - offset] && !sig.paramSpans[i - offset].file.name.startsWith("<prelude") ? { span: sig.paramSpans[i - offset], label: "parameter defined here" } : null;
      if (autoref && p.kind === "ref" && a.kind !== "RefExpr") {
        const at = this.expr(a, null, cx);
        if (at === ERR) return;
        const s = inf.shallow(at);
        if (s.kind === "ref") {
          this.coerce(a, at, p, origin);
          return;
        }
        if (!borrowed) borrowed = args.map(() => false);
        borrowed[i] = true;
        this.coerce(a, at, p.inner, origin);
        return;
      }
      // `#[autoref]` with a generic parameter (`contains<P: StrPattern>(&self, p: P)`): borrowed.
      const declared = sig ? sig.params[i - offset] : undefined;
      if (autoref && declared && declared.kind === "param" && sig!.fnGenerics.includes(declared.name)) {
        const at = this.expect(a, params[i], cx, origin);
        if (at !== ERR && inf.shallow(at).kind !== "ref") {
          if (!borrowed) borrowed = args.map(() => false);
          borrowed[i] = true;
        }
        return;
      }
      // An iterator parameter of the prelude (`zip(other: Iter<U>)`, `chain`) takes anything a
      // `for` loop walks, as Rust's `IntoIterator` does: `a.iter().zip(&b)`, `.chain(0..3)`.
      const declaredIter = sig?.params[i - offset];
      if (p.kind === "builtin" && p.name === "Iter" && declaredIter?.kind === "builtin" && declaredIter.name === "Iter" && sig!.paramSpans[i - offset]?.file.name.startsWith("<prelude")) {
        let at = this.expr(a, null, cx);
        if (at === ERR) return;
        // A prelude collection (`v.extend(&set)`, `zip(&deque)`): walked by its `iter()` / `into_iter()`.
        const walk = collectionArgument(inf, a, at);
        if (walk) at = this.expr((a = args[i] = walk), null, cx);
        const it = this.iterItem(at);
        const boxedIter = inf.shallow(at).kind === "builtin" && (inf.shallow(at) as { name: string }).name === "Box";
        // A body written in STARK walks only iterators: `x` becomes `x.into_iter()` (collections.ts).
        const asIter = () => {
          const w = sig!.hasBody && !boxedIter ? iterArgument(inf, a, at) : null;
          if (w) this.expr((args[i] = w), null, cx);
        };
        if (it && (it.kind !== "iterator" || boxedIter) && inf.tryUnify(it.item, p.args[0])) return asIter();
        // `v.extend(&w)` / `v.extend(w.iter())` into a Vec of numbers: Rust's Extend<&T> for Copy T
        // (a `&i32` item is the number itself here). Only where the element type is already a
        // number: `zip(&w)` keeps its `&T` items.
        const isNumber = (x: Type) => ["int", "float", "bool", "char"].includes(x.kind) || (x.kind === "var" && inf.varKind(x) !== "any");
        const refItem = it ? inf.shallow(it.item) : null;
        const inner = refItem?.kind === "ref" ? inf.shallow(refItem.inner) : null;
        const want = inf.shallow(p.args[0]);
        if (inner && isNumber(inner) && isNumber(want) && inf.tryUnify(inner, want)) return asIter();
        this.coerce(a, at, p, origin);
        return;
      }
      if (sig && isTensorDataParam(sig, params[i], this)) {
        this.tensorData(a, cx);
        return;
      }
      this.expect(a, params[i], cx, origin);
    });
    return borrowed;
  }

  /** Tensor constructor data: numbers and nested arrays/Vecs; integer literals are allowed. */
  private tensorData(e: Expr, cx: BodyCx): void {
    const inf = this.inf;
    const leaves: Expr[] = [];
    let floaty = false;
    const walk = (x: Expr): Type => {
      if (x.kind === "ArrayExpr" || (x.kind === "VecMacroExpr" && x.elems)) {
        const elems = x.kind === "ArrayExpr" ? x.elems : x.elems!;
        let inner: Type | null = null;
        for (const el of elems) {
          const t = walk(el);
          if (!inner) inner = t;
        }
        const t: Type = x.kind === "ArrayExpr" ? { kind: "array", elem: inner ?? inf.fresh("float"), len: elems.length } : { kind: "builtin", name: "Vec", args: [inner ?? inf.fresh("float")] };
        x.ty = t;
        this.typedExprs.push(x);
        return t;
      }
      if (x.kind === "IntLit" || x.kind === "FloatLit" || (x.kind === "UnaryExpr" && (x.operand.kind === "IntLit" || x.operand.kind === "FloatLit"))) {
        leaves.push(x);
        if (x.kind === "FloatLit" || (x.kind === "UnaryExpr" && x.operand.kind === "FloatLit")) floaty = true;
        return { kind: "float", name: "f32" };
      }
      const t = this.expr(x, null, cx);
      if (t !== ERR && !this.markerHolds("TensorData", t)) {
        this.err(error("E0308", `mismatched types`, x.span, `expected numbers or arrays of numbers, found ${show(inf, t)}`));
      }
      return t;
    };
    walk(e);
    void floaty;
    for (const l of leaves) {
      const t: Type = { kind: "float", name: "f32" };
      if (l.kind === "UnaryExpr") {
        l.operand.ty = t;
        this.typedExprs.push(l.operand);
      }
      l.ty = t;
      this.typedExprs.push(l);
    }
  }

  private methodCall(e: MethodCallExpr, expected: Type | null, cx: BodyCx): Type {
    const inf = this.inf;
    // `v[1..3].len()`: the method borrows the slice (autoref), as `&v[1..3]` would.
    if (isRangeIndex(e.receiver)) this.borrowedSlices.add(e.receiver);
    const recv = this.expr(e.receiver, null, cx);
    if (recv === ERR) {
      this.argsOfFailedCall(e.args, cx);
      return ERR;
    }
    const name = e.method.name;
    const probed = probeMethod(this, recv, name, cx);
    const hit = probed && chooseByArguments(this, probed, e.args);
    if (!hit) {
      this.argsOfFailedCall(e.args, cx);
      const rt = inf.shallow(recv);
      if (rt.kind === "var" && inf.varKind(rt) === "any") return this.err(error("E0282", "type annotations needed", e.receiver.span, "type must be known at this point"));
      return this.noMethod(e, recv, cx);
    }
    return this.applyMethod(e, hit, expected, cx, recv);
  }

  private noMethod(e: MethodCallExpr, recv: Type, cx: BodyCx): Type {
    const inf = this.inf;
    const name = e.method.name;
    let base = inf.shallow(recv);
    while (base.kind === "ref") base = inf.shallow(base.inner);
    const d = error("E0599", `no method named \`${name}\` found for ${describeType(base)} ${show(inf, base)} in the current scope`, e.method.span, `method not found in ${show(inf, base)}`);
    // A field holding a closure: `(self.f)(x)`.
    if (base.kind === "adt" && base.decl.kind === "StructDecl" && base.decl.fields.some((f) => f.name.name === name)) {
      d.labels = [];
      d.help.push(`to call the function stored in \`${name}\`, surround the field access with parentheses: \`(${e.receiver.span.file.text.slice(e.receiver.span.start, e.receiver.span.end)}.${name})(..)\``);
    } else if (base.kind === "adt" && (base.decl.name.name === "Option" || base.decl.name.name === "Result") && base.decl.span.file.name === "<prelude>" && probeMethod(this, base.args[0], name, cx)) {
      // `opt.len()`: the method belongs to the value inside.
      d.help.push(`the method exists on the value inside the \`${base.decl.name.name}\`: handle the ${base.decl.name.name === "Option" ? "`None`" : "`Err`"} case first, e.g. with \`match\`, \`if let\`, \`?\` or \`.unwrap()\``);
    } else {
      const close = closestName(name, methodNames(this, base));
      if (close) d.help.push(`there is a method \`${close}\` with a similar name`);
    }
    return this.err(d);
  }

  private applyMethod(e: MethodCallExpr, hit: MethodHit, expected: Type | null, cx: BodyCx, recv: Type): Type {
    const inf = this.inf;
    // A method called on a trait object of a trait that cannot be one: rustc reports E0038 here too.
    const recvBase = this.stripRefs(recv);
    const unboxed = recvBase.kind === "builtin" && recvBase.name === "Box" && recvBase.args[0] ? inf.shallow(recvBase.args[0]) : recvBase;
    if (unboxed.kind === "dyn" && !unboxed.opaque) this.env.checkDynCompatible(unboxed.trait, e.method.span);
    e.res = hit.res;
    e.recvAdjust = hit.userIter ? { derefs: hit.derefs, autoref: hit.autoref, userIter: hit.userIter } : { derefs: hit.derefs, autoref: hit.autoref };
    // `counter.rev()`: walking backwards needs `DoubleEndedIterator`, which a user iterator does not have.
    if (hit.userIter && DOUBLE_ENDED.has(e.method.name)) {
      const d = error("E0277", `the trait bound \`${show(inf, this.stripRefs(recv)).slice(1, -1)}: DoubleEndedIterator\` is not satisfied`, e.method.span, "unsatisfied trait bound");
      d.help.push(`the trait \`DoubleEndedIterator\` is not implemented for ${show(inf, this.stripRefs(recv))}: it has only \`next\`; collect the items first (\`.collect::<Vec<_>>()\`) and walk the Vec backwards`);
      this.argsOfFailedCall(e.args, cx);
      return this.err(d);
    }
    const inst = this.instantiate(hit.sig, hit.sub, e.typeArgs, hit.selfTy, cx, e.span);
    if (inst.params.length !== e.args.length) {
      this.argsOfFailedCall(e.args, cx);
      return this.arityError(e.method.span, "method", inst.params.length, e.args.length, hit.decl.name.span, e.span);
    }
    const qual = hit.res.kind === "native" ? hit.res.name : "";
    let ret = inst.ret;
    // Iterator special cases (see the top of stdlib/prelude.stark).
    if (qual === "Iter::collect") {
      let item = (inf.shallow(hit.selfTy) as { args: Type[] }).args[0];
      const c = inst.sub.get("C")!;
      if (!e.typeArgs && expected) inf.tryUnify(c, expected);
      let ct = inf.shallow(c);
      // Into `Result<C, E>` from `Result<T, E>` items (the first Err, else C collected from the
      // Ok values), into `Option<C>` from `Option<T>` items: C follows the rules below.
      const outer = ct.kind === "adt" && ct.decl.span.file.name === "<prelude>" && (ct.decl.name.name === "Result" || ct.decl.name.name === "Option") ? ct : null;
      if (outer) {
        const it = inf.shallow(item);
        if (it.kind === "adt" && it.decl === outer.decl && (outer.args.length < 2 || inf.tryUnify(it.args[1], outer.args[1]))) {
          item = it.args[0];
          ct = inf.shallow(outer.args[0]);
        } else {
          this.err(error("E0277", `a value of type ${show(inf, outer)} cannot be built from an iterator over elements of type ${show(inf, it)}`, e.method.span, `collecting into ${show(inf, outer)} needs ${outer.decl.name.name} items`));
          return c;
        }
      }
      // Into a prelude collection: `HashSet::from_iter(recv)` (src/check/collections.ts).
      if (!outer && rewriteCollectInto(inf, e, ct)) {
        const made = this.expr(e as unknown as Expr, ct, cx);
        if (!inf.tryUnify(made, ct)) this.err(mismatch(inf, e.span, ct, made));
        return ct;
      }
      if (ct.kind === "var" && expected && inf.shallow(expected).kind === "var" && !outer) this.openCollects.push({ collection: ct, item });
      else if (ct.kind === "var") inf.unify(ct, { kind: "builtin", name: "Vec", args: [item] });
      else if (ct.kind === "builtin" && ct.name === "Vec") {
        // `Vec<&str>` from String items: STARK's strings are all `String`, so `&str` accepts them.
        const el = inf.shallow(ct.args[0]);
        const strRef = el.kind === "ref" && !el.mutable && inf.shallow(el.inner).kind === "builtin" && (inf.shallow(el.inner) as { name: string }).name === "String";
        const itemStr = inf.shallow(item).kind === "builtin" && (inf.shallow(item) as { name: string }).name === "String";
        if (!(strRef && itemStr) && !this.canCoerce(null, item, ct.args[0])) this.err(mismatch(inf, e.span, ct.args[0], item));
      } else if (ct.kind === "builtin" && ct.name === "Map") inf.unify(item, { kind: "tuple", elems: [ct.args[0], ct.args[1]] });
      else if (!(ct.kind === "builtin" && ct.name === "String")) {
        this.err(error("E0277", `a collection of type ${show(inf, ct)} cannot be built from an iterator`, e.method.span, `cannot collect into ${show(inf, ct)}`));
      }
      return c;
    }
    if (qual === "Iter::sum" || qual === "Iter::product") {
      const t = inf.shallow(ret);
      ret = t.kind === "ref" ? t.inner : t;
      // `sum::<i32>()`: the turbofish names the result (the items, references removed, must be it).
      if (e.typeArgs?.length === 1 && e.typeArgs[0].kind !== "ShapeType") {
        const named = this.env.lower(e.typeArgs[0], cx.lower);
        if (!inf.tryUnify(ret, named)) this.err(error("E0277", `a value of type ${show(inf, named)} cannot be made by summing an iterator over elements of type ${show(inf, t)}`, e.method.span, `value of type ${show(inf, named)} cannot be made by summing`));
        ret = named;
      }
    }
    if (qual === "Tensor::matmul") {
      const other = e.args[0];
      e.autoref = this.checkArgs(e.args, inst.params, true, hit.sig, cx);
      const l = this.stripRefs(recv);
      const r = this.stripRefs(other.ty ?? ERR);
      if (l.kind === "tensor" && r.kind === "tensor") return this.matmulShape(e, l, r);
      return ret;
    }
    if (qual === "Iter::unzip") {
      const pair: Type = { kind: "tuple", elems: [inst.sub.get("A")!, inst.sub.get("B")!] };
      if (!inf.tryUnify(this.iterSelfItem(hit), pair)) this.err(error("E0277", `unzip needs an iterator of pairs, found items of type ${show(inf, this.iterSelfItem(hit))}`, e.method.span, "not an iterator of pairs"));
    }
    if (qual === "Iter::flatten") this.unifyIterItem(e.receiver, this.iterSelfItem(hit), inst.sub.get("U")!);
    if (expected && !e.typeArgs) inf.tryUnify(ret, expected);
    if (qual === "Into::into") return this.into(e, hit.selfTy, ret);
    e.autoref = this.checkArgs(e.args, inst.params, hit.sig.autoref, hit.sig, cx);
    this.env.settleProjections();
    if (qual === "Iter::flat_map" && e.args[0]) this.unifyIterItem(e.args[0], inst.sub.get("I")!, inst.sub.get("U")!);
    if (qual === "Iter::partition") {
      const c = inst.sub.get("C")!;
      const item = inf.shallow(this.iterSelfItem(hit));
      const vec: Type = { kind: "builtin", name: "Vec", args: [item] };
      // Rust's Vec<T> also extends from &T items when T is Copy (numbers, bool, char here).
      const copied = item.kind === "ref" ? inf.shallow(item.inner) : null;
      const fromRefs = copied && ["int", "float", "bool", "char"].includes(copied.kind) && inf.tryUnify(c, { kind: "builtin", name: "Vec", args: [copied] });
      if (!fromRefs && !inf.tryUnify(c, vec)) this.err(error("E0277", `a collection of type ${show(inf, c)} cannot be built from an iterator`, e.method.span, `partition into ${show(inf, vec)}`));
    }
    return ret;
  }

  /**
   * `x.into()` into the type the context asks for: `x`'s own type, a number widened without
   * loss (Rust's `From` impls between numbers), or through a user `impl From<X> for Y`.
   */
  private into(e: MethodCallExpr, from: Type, to: Type): Type {
    const dst = this.inf.shallow(to);
    // Not known yet (a closure's result typed by the code around it): settled by finalize.
    if (dst.kind === "var" && this.inf.varKind(dst) === "any") {
      this.openIntos.push({ e, from, to });
      return to;
    }
    return this.settleInto(e, from, to);
  }

  /** `into()` once its target type is known (E0282 when it never was). */
  settleInto(e: MethodCallExpr, from: Type, to: Type): Type {
    const inf = this.inf;
    const src = inf.shallow(from);
    const dst = inf.shallow(to);
    if (dst.kind === "var" && inf.varKind(dst) === "any") {
      const d = error("E0282", "type annotations needed", e.method.span, "cannot infer the type `into` converts to");
      d.help.push("give the result a type: `let y: Meters = x.into();`");
      return this.err(d);
    }
    if (inf.tryUnify(src, dst)) return to;
    if (losslessNumber(inf, src, dst)) return to;
    // `fn f<T: Into<Meters>>(x: T) -> Meters { x.into() }`: each instantiation converts through
    // its type's `From` impl (src/eval/compile.ts `genericInto`).
    if (src.kind === "param" && !src.name.includes("::")) return to;
    const conv = this.fromImpl(dst, src, isStrLiteral(e.receiver));
    if (conv) {
      e.intoFrom = conv;
      return to;
    }
    return this.missingFrom(dst, src, e.method.span);
  }

  /** The item type `T` of the `Iter<T>` an iterator method was found on. */
  private iterSelfItem(hit: MethodHit): Type {
    const self = this.inf.shallow(hit.selfTy);
    return self.kind === "builtin" && self.args[0] ? self.args[0] : ERR;
  }

  /**
   * `flat_map`'s closure result / `flatten`'s items: `item` becomes what a `for` loop over a
   * value of type `source` yields (E0277 when it is not iterable, as rustc says).
   */
  private unifyIterItem(at: Expr, source: Type, item: Type): void {
    const inf = this.inf;
    const src = inf.shallow(source);
    if (src === ERR || (src.kind === "var" && inf.varKind(src) === "any")) return;
    const it = this.iterItem(src);
    if (it) inf.unify(item, it.item);
    else this.err(error("E0277", `\`${show(inf, src)}\` is not an iterator`, at.span, `\`${show(inf, src)}\` is not an iterator`));
  }
}

export interface Callee {
  ty: Type;
  what: string;
  sig: FnSig | null;
  declSpan: Span | null;
  autoref: boolean;
  tensorStatic?: boolean;
  /** `Self` was left to inference from the arguments; this is its type when they do not fix it. */
  selfDefault?: Type;
}

function mentionsSelf(t: Type): boolean {
  switch (t.kind) {
    case "param":
      return t.name === "Self";
    case "ref":
      return mentionsSelf(t.inner);
    case "builtin":
    case "adt":
      return t.args.some(mentionsSelf);
    case "tuple":
      return t.elems.some(mentionsSelf);
    case "array":
      return mentionsSelf(t.elem);
    default:
      return false;
  }
}

function selfParamType(mode: string, selfTy: Type): Type {
  return mode === "ref" || mode === "refMut" ? { kind: "ref", mutable: mode === "refMut", inner: selfTy } : selfTy;
}

function primTypeOf(name: string): Type {
  if (name === "f32" || name === "f64") return { kind: "float", name };
  if (name === "bool") return { kind: "bool" };
  if (name === "char") return { kind: "char" };
  return { kind: "int", name: name as "i32" };
}

function isTensorDataParam(sig: FnSig, p: Type, ck: BodyChecker): boolean {
  const t = ck.inf.shallow(p);
  void t;
  for (const [g, traits] of sig.bounds) {
    if (!traits.some((tr) => tr.name.name === "TensorData")) continue;
    if (sig.params.some((q) => q.kind === "param" && q.name === g)) return true;
  }
  return false;
}

function describeType(t: Type): string {
  if (t.kind === "adt") return t.decl.kind === "StructDecl" ? "struct" : "enum";
  if (t.kind === "dyn") return "trait object";
  if (t.kind === "param") return "type parameter";
  return "type";
}

function methodNames(ck: BodyChecker, t: Type): string[] {
  const out: string[] = [];
  for (const impl of ck.env.implsFor(headKey(t))) out.push(...impl.methods.keys());
  if (t.kind === "dyn") out.push(...t.trait.methods.map((m) => m.name.name));
  return out;
}

function broadcastable(a: (number | string)[], b: (number | string)[]): boolean {
  for (let i = 1; i <= Math.min(a.length, b.length); i++) {
    const x = a[a.length - i];
    const y = b[b.length - i];
    if (typeof x === "number" && typeof y === "number" && x !== y && x !== 1 && y !== 1) return false;
  }
  return true;
}

function broadcastShape(a: (number | string)[], b: (number | string)[]): (number | string)[] {
  const n = Math.max(a.length, b.length);
  const out: (number | string)[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i];
    const y = b[b.length - n + i];
    if (x === undefined) out.push(y);
    else if (y === undefined) out.push(x);
    else out.push(x === 1 ? y : x);
  }
  return out;
}

export type { ImplDecl };

const INT_BITS: Record<string, [number, boolean]> = { i8: [8, true], i16: [16, true], i32: [32, true], i64: [64, true], isize: [64, true], u8: [8, false], u16: [16, false], u32: [32, false], u64: [64, false], usize: [64, false] };

/** Rust's `From` impls between numbers: an integer into a wider one (or a float that holds it exactly), f32 into f64. */
function losslessNumber(inf: Infer, from: Type, to: Type): boolean {
  from = inf.shallow(from);
  to = inf.shallow(to);
  if (from.kind === "float" && to.kind === "float") return from.name === "f32" && to.name === "f64";
  if (from.kind !== "int") return false;
  const [fb, fs] = INT_BITS[from.name];
  if (to.kind === "float") return fb <= (to.name === "f64" ? 32 : 16) && !(from.name === "isize" || from.name === "usize");
  if (to.kind !== "int") return false;
  const [tb, ts] = INT_BITS[to.name];
  if (from.name === "usize" || from.name === "isize" || to.name === "usize" || to.name === "isize") return (from.name === "u8" || from.name === "u16") && to.name === "usize" || (from.name === "u8" || from.name === "i8" || from.name === "i16") && to.name === "isize";
  return fs === ts ? tb > fb : !fs && ts && tb > fb;
}

/** A string literal (Rust's `&str`; STARK types it `String`). */
function isStrLiteral(e: Expr): boolean {
  return e.kind === "StrLit" || e.kind === "FStrLit";
}
