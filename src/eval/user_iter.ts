// User iterators: `impl Iterator for Counter { type Item = u32; fn next(&mut self) -> Option<u32> }`.
// A Counter becomes an `Iter<u32>` object of kind "user" (iter.ts) holding the Counter itself, whose
// `next` calls the user's method; every built-in adapter and consumer, `for` loops and `zip`/`chain`
// arguments then work on it unchanged. The checker marks where a Counter is taken as an iterator
// (MethodCallExpr.recvAdjust.userIter, a coercion to `Iter<T>`, ForExpr over a Counter).
//
// The user's `next` may collect, as an adapter's closure may: every native that pulls items keeps
// the iterator in the handle scope across `next` (iter.ts).

import { Ptr } from "../../heap/api";
import type { Type } from "../check/types";
import type { CompiledFn, Compiler } from "./compile";
import { DONE, setUserIterators, type Next } from "./iter";
import type { Value } from "./runtime";
import { derefAll, resolveTypeExpr, typeKey } from "./typeinfo";

type Adt = Type & { kind: "adt" };
type Entry = { next: (self: Ptr) => Next; item: Type } | null;

export function installUserIterators(compiler: Compiler): void {
  const { rt, items } = compiler;
  const heap = rt.heap;
  const cache = new Map<string, Entry>();
  const build = (t: Adt): Entry => {
    const found = items.findMethod(t, "next", "Iterator");
    if (!found || !found.decl.body || !found.decl.ret) return null;
    const cf: CompiledFn = compiler.getFn(found.decl, found.impl, found.subst);
    const opt = derefAll(resolveTypeExpr(found.decl.ret, found.subst, items)) as Adt;
    if (opt.kind !== "adt") return null;
    const l = rt.adtLayout(opt);
    const off = l.offsets[1];
    const kind = l.kinds[off];
    const next = (self: Ptr): Next => {
      const nf = cf.pool.pop() ?? new Array(cf.frameSize);
      rt.pushFrame(nf, cf.map);
      nf[0] = self;
      const o: Value = cf.run(nf, null);
      return heap.get(o, 0) === 0 ? DONE : rt.load(o, off, kind);
    };
    return { next, item: opt.args[0] };
  };
  setUserIterators(rt, (t) => {
    const key = typeKey(t);
    let e = cache.get(key);
    if (e === undefined) cache.set(key, (e = build(t)));
    return e;
  });
}
