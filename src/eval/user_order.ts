// A program's own equality and order: `impl PartialEq for P { fn eq(..) }`, `impl Ord for P
// { fn cmp(..) }`, `impl PartialOrd for P { fn partial_cmp(..) }`. values.ts `valueEquals` /
// `valueCompare` ask here first for every user type, so `==`, `<`, `sort`, `binary_search`,
// `max`/`min`, `contains`, `dedup`, Map keys and the derived comparison of a type holding a P all
// call the user's method, as Rust's do. Order: `Ord::cmp` when the type implements it, else
// `partial_cmp`, whose `None` compares as NaN (every operator false).
//
// The natives that compare hold object addresses in JavaScript variables (a sort's array of
// elements), so a user comparison runs with collections deferred (`deferCollections`): no object
// moves until it returns.

import type { Type } from "../check/types";
import type { FnDecl, ImplDecl, MethodRes } from "../syntax/ast";
import type { CompiledFn, Compiler } from "./compile";
import { implSubst } from "./items";
import { comparisonMethod, partialEqMethod } from "./operators";
import type { Value } from "./runtime";
import { derefAll, resolveTypeExpr, typeKey } from "./typeinfo";
import { setUserOrder } from "./values";

type Adt = Type & { kind: "adt" };

const ORDER_TRAITS = new Set(["PartialEq", "PartialOrd", "Ord"]);

/** Installs the program's comparisons on the compiler's runtime, when it has any. */
export function installUserOrder(compiler: Compiler): void {
  const { rt, items } = compiler;
  const userImpl = items.impls.some((i) => i.trait?.kind === "PathType" && ORDER_TRAITS.has(i.trait.segments[i.trait.segments.length - 1].name.name) && i.methods.length > 0);
  if (!userImpl) return;
  const heap = rt.heap;
  type Entry = { fn: CompiledFn; ret: Type } | null;
  const eqs = new Map<string, Entry>();
  const cmps = new Map<string, Entry>();
  const compiled = (res: MethodRes | null, t: Adt): Entry => {
    if (!res || res.kind !== "fn") return null;
    const impl: ImplDecl | null = res.impl ?? items.ownerImpl.get(res.decl) ?? null;
    if (!impl) return null;
    const subst = implSubst(impl, t, items);
    const decl: FnDecl = res.decl;
    return { fn: compiler.getFn(decl, impl, subst), ret: decl.ret ? derefAll(resolveTypeExpr(decl.ret, subst, items)) : t };
  };
  const call = (cf: CompiledFn, a: Value, b: Value): Value => {
    heap.deferCollections?.(true);
    try {
      const nf = cf.pool.pop() ?? new Array(cf.frameSize);
      rt.pushFrame(nf, cf.map);
      nf[0] = a;
      nf[1] = b;
      return cf.run(nf, null);
    } finally {
      heap.deferCollections?.(false);
    }
  };
  setUserOrder(rt, {
    eq(t, a, b) {
      const key = typeKey(t);
      let e = eqs.get(key);
      if (e === undefined) eqs.set(key, (e = compiled(partialEqMethod(items, t), t)));
      return e === null ? null : !!call(e.fn, a, b);
    },
    cmp(t, a, b) {
      const key = typeKey(t);
      let e = cmps.get(key);
      if (e === undefined) cmps.set(key, (e = compiled(comparisonMethod(items, t, "Ord", "cmp") ?? comparisonMethod(items, t, "PartialOrd", "partial_cmp"), t)));
      if (e === null) return null;
      const o = call(e.fn, a, b);
      const ret = e.ret as Adt;
      if (ret.decl.name.name === "Ordering") return heap.get(o, 0) - 1;
      // Option<Ordering>: None is incomparable.
      if (heap.get(o, 0) === 0) return NaN;
      const l = rt.adtLayout(ret);
      return heap.get(rt.load(o, l.offsets[1], l.kinds[l.offsets[1]]), 0) - 1;
    },
  });
}
