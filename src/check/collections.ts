// The two places where Rust's other collections (`HashSet`, `BTreeMap`, `BTreeSet`, `VecDeque`,
// `BinaryHeap`: generic structs in stdlib/prelude.stark) need the checker: a `for` loop over one
// and `collect()` into one. Rust does both through `IntoIterator` / `FromIterator` impls; here
// the checker rewrites the node into the method call those impls make, so the borrow checker and
// both evaluator tiers see an ordinary call:
//
//   for x in &set      →  for x in set.iter()        (borrows `set`, as `&set` does)
//   for x in &mut dq   →  for x in dq.iter_mut()
//   for x in set       →  for x in set.into_iter()   (moves `set`)
//   it.collect::<BTreeSet<_>>()  →  BTreeSet::from_iter(it)
//
//   dq[i]              →  *dq.index(i)               (*dq.index_mut(i) where assigned or `&mut`)
//
// The expression that is moved into the new node was already checked; it is marked `pretyped`,
// so that checking the new node does not check it a second time.

import type { CallExpr, DerefExpr, Expr, ForExpr, IndexExpr, MethodCallExpr, PathExpr } from "../syntax/ast";
import type { Infer } from "./infer";
import type { Type } from "./types";

/** The prelude's collection structs. */
const COLLECTIONS = new Set(["HashSet", "BTreeMap", "BTreeSet", "VecDeque", "BinaryHeap"]);

/** Expressions already checked, moved into a node the checker made (BodyChecker.expr skips them). */
export const pretyped = new WeakSet<Expr>();

/** The prelude collection a type names (`HashSet<i32>` → "HashSet"), else null. */
export function preludeCollection(inf: Infer, t: Type): string | null {
  t = inf.shallow(t);
  if (t.kind !== "adt" || t.decl.kind !== "StructDecl" || t.decl.span.file.name !== "<prelude>") return null;
  return COLLECTIONS.has(t.decl.name.name) ? t.decl.name.name : null;
}

/**
 * For a `for` loop over a collection (`iterTy` is the checked type of `e.iter`), replaces `e.iter`
 * with the `iter()` / `iter_mut()` / `into_iter()` call and returns true; false for anything else.
 */
export function rewriteCollectionFor(inf: Infer, e: ForExpr, iterTy: Type): boolean {
  const t = inf.shallow(iterTy);
  const target = t.kind === "ref" ? t.inner : t;
  if (!preludeCollection(inf, target)) return false;
  let receiver = e.iter;
  // `&set` / `&mut dq`: the call borrows the place itself (autoref), as the `&` did.
  if (receiver.kind === "RefExpr") receiver = receiver.operand;
  const method = t.kind !== "ref" ? "into_iter" : t.mutable ? "iter_mut" : "iter";
  const call: MethodCallExpr = {
    kind: "MethodCallExpr",
    span: e.iter.span,
    receiver,
    method: { name: method, span: e.iter.span },
    typeArgs: null,
    args: [],
  };
  pretyped.add(receiver);
  e.iter = call;
  return true;
}

/**
 * Turns `recv.collect()` into `Collection::from_iter(recv)` in place (the node becomes a
 * CallExpr), for a collection type `ct` that is one of the prelude's; returns false otherwise.
 */
export function rewriteCollectInto(inf: Infer, e: MethodCallExpr, ct: Type): boolean {
  const name = preludeCollection(inf, ct);
  if (!name) return false;
  const span = e.method.span;
  const callee: PathExpr = {
    kind: "PathExpr",
    span,
    segments: [
      { name: { name, span }, args: null },
      { name: { name: "from_iter", span }, args: null },
    ],
  };
  const recv = e.receiver;
  pretyped.add(recv);
  const node = e as unknown as Record<string, unknown>;
  for (const k of ["receiver", "method", "typeArgs", "res", "recvAdjust", "autoref"]) delete node[k];
  const call = e as unknown as CallExpr;
  call.kind = "CallExpr";
  call.callee = callee;
  call.args = [recv];
  return true;
}

/**
 * An argument for an `Iter<T>` parameter of a prelude function written in STARK (`extend`,
 * `from`): the checker lets it be anything a `for` loop walks, as natives accept, but a STARK body
 * can only walk an iterator. So a Vec, array, range, Map or collection becomes `x.into_iter()`,
 * and a reference `&x` / `&mut x` becomes `x.iter()` / `x.iter_mut()`. Null when `at` (the
 * argument's checked type) needs no call.
 */
export function iterArgument(inf: Infer, a: Expr, at: Type): MethodCallExpr | null {
  const t = inf.shallow(at);
  if (t.kind === "builtin" && t.name === "Iter") return null;
  let receiver = a;
  let method = "into_iter";
  if (t.kind === "ref") {
    method = t.mutable ? "iter_mut" : "iter";
    if (a.kind === "RefExpr") receiver = a.operand;
    const inner = inf.shallow(t.inner);
    // `&mut iter` / `&range`: the iterator itself.
    if (inner.kind === "builtin" && (inner.name === "Iter" || inner.name === "Range")) return null;
  } else if (t.kind === "adt" && !preludeCollection(inf, t)) {
    return null; // a user iterator: taken as an `Iter` by the call itself
  }
  pretyped.add(receiver);
  return { kind: "MethodCallExpr", span: a.span, receiver, method: { name: method, span: a.span }, typeArgs: null, args: [] };
}

/** Index expressions written to or borrowed mutably (`dq[i] = x`, `dq[i] += 1`, `&mut dq[i]`). */
const mutableIndexes = new WeakSet<Expr>();

/** Marks the index expression a place is made of as mutated (before the place is checked). */
export function markMutablePlace(e: Expr): void {
  for (;;) {
    if (e.kind === "IndexExpr") {
      mutableIndexes.add(e);
      return;
    }
    if (e.kind === "FieldExpr" || e.kind === "TupleFieldExpr") e = e.object;
    else if (e.kind === "ParenExpr") e = e.expr;
    else return;
  }
}

/**
 * `dq[i]` on a VecDeque (whose `object` was checked, with type `objTy`): the node becomes
 * `*dq.index(i)` / `*dq.index_mut(i)` in place and true is returned; false for other types.
 */
export function rewriteCollectionIndex(inf: Infer, e: IndexExpr, objTy: Type): boolean {
  if (preludeCollection(inf, objTy) !== "VecDeque" || e.index.kind === "RangeExpr") return false;
  indexAsMethodCall(e);
  return true;
}

/**
 * `x[i]` becomes `*x.index(i)`, or `*x.index_mut(i)` where the place is written or borrowed
 * `&mut` (markMutablePlace), in place: VecDeque's methods, or a user `impl Index`/`IndexMut`.
 */
export function indexAsMethodCall(e: IndexExpr): void {
  const method = mutableIndexes.has(e) ? "index_mut" : "index";
  pretyped.add(e.object);
  const call: MethodCallExpr = {
    kind: "MethodCallExpr",
    span: e.span,
    receiver: e.object,
    method: { name: method, span: e.span },
    typeArgs: null,
    args: [e.index],
  };
  const node = e as unknown as Record<string, unknown>;
  for (const k of ["object", "index", "derefs"]) delete node[k];
  const deref = e as unknown as DerefExpr;
  deref.kind = "DerefExpr";
  deref.operand = call;
}

/** `x.into_iter()` / `x.iter()` for an argument that is a prelude collection or a reference to one. */
export function collectionArgument(inf: Infer, a: Expr, at: Type): MethodCallExpr | null {
  const t = inf.shallow(at);
  return preludeCollection(inf, t.kind === "ref" ? t.inner : t) ? iterArgument(inf, a, at) : null;
}
