// Iterator adapters and consumers beyond the core set in natives.ts: `peekable` (with `peek`),
// `take_while`, `skip_while`, `map_while`, `inspect`, `flat_map`, `flatten` (lazy, as in Rust:
// each pulls from its source only when asked, so side effects in closures interleave as they do
// in Rust), and `max_by_key`, `min_by_key`, `max_by`, `min_by`, `partition`, `unzip`; and
// `collect` into `Result` / `Option`, which wraps the core `collect`. Registered with
// `registerNatives`; the prelude declares them on `Iter<T>` (and a range receiver reaches them
// too). The lazy ones are iterator kinds of iter.ts.

import { Ptr, SlotKind } from "../../heap/api";
import type { Type } from "../check/types";
import { DONE, IterDesc, makeIter, newIter, next, peek, registerDesc } from "./iter";
import { itemOf, NATIVES, NativeFactory, NativeImpl, NativeSite, optionOf, registerNatives } from "./natives";
import { Runtime, Value, VEC_DATA, VEC_LEN } from "./runtime";
import { derefAll, reprOf } from "./typeinfo";
import { valueCompare } from "./values";

const N: Record<string, NativeFactory> = {};
const I64: Type = { kind: "int", name: "i64" };

/** What a closure argument returns (`impl FnMut(T) -> I`: the I). */
function closureRet(t: Type | undefined): Type {
  const b = derefAll(t ?? I64);
  return b.kind === "fn" ? b.ret : I64;
}

function source(s: NativeSite): (v: Value) => number {
  return makeIter(s.rt, s.argTypes[0], "iterator", s.span);
}

/** A lazy adapter: a new iterator of `kind` over the receiver, holding the closure (if any). */
function lazy(kind: IterDesc["kind"], extra: (s: NativeSite) => Partial<IterDesc> = () => ({})): NativeFactory {
  return (s) => {
    const toIter = source(s);
    const item = itemOf(s.argTypes[0]);
    const out = itemOf(s.retType);
    const d = registerDesc(s.rt, { kind, elem: item, elemKind: reprOf(kind === "mapWhile" || kind === "flatMap" ? out : item), call: s.call, ...extra(s) });
    return (it: Value, fn: Value = 0) => {
      const rt = s.rt;
      const b = rt.handles.length;
      rt.handles.push(fn);
      const inner = toIter(it);
      const r = newIter(rt, d, 0, 0, 0, rt.handles[b], inner);
      rt.handles.length = b;
      return r;
    };
  };
}

/** Calls `each` for every item of the receiver, with the closure argument kept rooted. */
function consume(s: NativeSite, it: Value, fn: Value, each: (x: Value, call: (args: Value[]) => Value) => boolean | void): void {
  const rt = s.rt;
  const b = rt.handles.length;
  rt.handles.push(fn);
  rt.handles.push(source(s)(it));
  try {
    for (;;) {
      const x = next(rt, rt.handles[b + 1]);
      if (x === DONE) return;
      if (each(x, (args) => s.call(rt.handles[b], args)) === false) return;
    }
  } finally {
    rt.handles.length = b;
  }
}

/**
 * `max_by_key` / `min_by_key` / `max_by` / `min_by`. Rust keeps the last of equal maxima and
 * the first of equal minima. The best item and its key stay rooted across the closure calls.
 */
function best(sign: 1 | -1, byKey: boolean): NativeFactory {
  return (s) => {
    const item = itemOf(s.argTypes[0]);
    const ik = reprOf(item);
    const keyType = closureRet(s.argTypes[1]);
    const kk = reprOf(keyType);
    return (it, fn) => {
      const rt = s.rt;
      const b = rt.handles.length;
      rt.handles.push(0, 0); // the best item, its key (pointers only)
      let found = false;
      let bestItem: Value = 0;
      let bestKey: Value = 0;
      try {
        consume(s, it, fn, (x, call) => {
          rt.handles.push(ik === SlotKind.Pointer ? x : 0);
          const item = () => (ik === SlotKind.Pointer ? rt.handles[rt.handles.length - 1] : x);
          let better = !found;
          let key: Value = 0;
          if (byKey) {
            key = call([x]);
            if (found) {
              const c = valueCompare(rt, key, kk === SlotKind.Pointer ? rt.handles[b + 1] : bestKey, keyType);
              better = sign > 0 ? c >= 0 : c < 0;
            }
          } else if (found) {
            // compare(new, best): Ordering tag 0 Less, 1 Equal, 2 Greater.
            const o = rt.heap.get(call([item(), ik === SlotKind.Pointer ? rt.handles[b] : bestItem]), 0) - 1;
            better = sign > 0 ? o >= 0 : o < 0;
          }
          const x2 = item();
          rt.handles.pop();
          if (better) {
            found = true;
            bestItem = x2;
            bestKey = key;
            if (ik === SlotKind.Pointer) rt.handles[b] = x2;
            if (kk === SlotKind.Pointer) rt.handles[b + 1] = key;
          }
        });
        const opt = optionOf(rt, s.retType);
        return found ? opt.some(ik === SlotKind.Pointer ? rt.handles[b] : bestItem) : opt.none();
      } finally {
        rt.handles.length = b;
      }
    };
  };
}

/** `partition(pred)`: two Vecs, the items the predicate keeps and the others, in order. */
const partition: NativeFactory = (s) => {
  const pair = derefAll(s.retType) as Type & { kind: "tuple" };
  const vt = pair.elems[0];
  const elem = itemOf(vt);
  const k = reprOf(elem);
  return (it, fn) => {
    const rt = s.rt;
    const b = rt.handles.length;
    rt.handles.push(rt.newVec(vt, elem, 8));
    rt.handles.push(rt.newVec(vt, elem, 8));
    try {
      consume(s, it, fn, (x, call) => {
        rt.handles.push(k === SlotKind.Pointer ? x : 0);
        const keep = call([x]);
        const y = k === SlotKind.Pointer ? rt.handles.pop()! : (rt.handles.pop(), x);
        rt.vecPush(rt.handles[keep ? b : b + 1], k, y, elem);
      });
      return pairOf(rt, pair, b);
    } finally {
      rt.handles.length = b;
    }
  };
};

/** The tuple of the two Vecs `partition` and `unzip` filled, held in `rt.handles[b]` and `[b + 1]`. */
function pairOf(rt: Runtime, pair: Type & { kind: "tuple" }, b: number): Ptr {
  const t = rt.heap.alloc(rt.tupleLayout(pair));
  rt.heap.setPtr(t, 0, rt.handles[b]);
  rt.heap.setPtr(t, 1, rt.handles[b + 1]);
  return t;
}

/** `peek()` on a `peekable()` iterator: Some(the next item), left in place for `next()`. */
const peekNative: NativeFactory = (s) => (it) => {
  const rt = s.rt;
  const x = peek(rt, it);
  if (x === null) return rt.panic("P0105", "peek() needs an iterator made by peekable()", s.span);
  const opt = optionOf(rt, s.retType);
  return x === DONE ? opt.none() : opt.some(x);
};

/** `unzip()`: the pairs' first and second parts, in two Vecs. */
const unzip: NativeFactory = (s) => {
  const pair = derefAll(s.retType) as Type & { kind: "tuple" };
  const [va, vb] = pair.elems;
  const ea = itemOf(va);
  const eb = itemOf(vb);
  const ka = reprOf(ea);
  const kb = reprOf(eb);
  return (it) => {
    const rt = s.rt;
    const b = rt.handles.length;
    rt.handles.push(rt.newVec(va, ea, 8));
    rt.handles.push(rt.newVec(vb, eb, 8));
    try {
      consume(s, it, 0, (x) => {
        rt.handles.push(x);
        const first = rt.load(rt.handles[rt.handles.length - 1], 0, ka);
        rt.vecPush(rt.handles[b], ka, first, ea);
        const second = rt.load(rt.handles[rt.handles.length - 1], 1, kb);
        rt.vecPush(rt.handles[b + 1], kb, second, eb);
        rt.handles.pop();
      });
      return pairOf(rt, pair, b);
    } finally {
      rt.handles.length = b;
    }
  };
};

/** `scan(init, f)`: the state lives in a cell the iterator holds; `f` gets `&mut` to it. */
const scan: NativeFactory = (s) => {
  const toIter = source(s);
  const stateType = s.argTypes[1] ?? I64;
  const stateKind = reprOf(stateType);
  const d = registerDesc(s.rt, { kind: "scan", elem: itemOf(s.retType), elemKind: reprOf(itemOf(s.retType)), call: s.call, stateKind });
  return (it: Value, init: Value, fn: Value) => {
    const rt = s.rt;
    const b = rt.handles.length;
    rt.handles.push(fn, stateKind === SlotKind.Pointer ? init : 0);
    rt.handles.push(toIter(it));
    rt.handles.push(rt.newCell(stateKind, stateKind === SlotKind.Pointer ? rt.handles[b + 1] : init));
    const r = newIter(rt, d, 0, 0, 0, rt.handles[b], rt.handles[b + 2], rt.handles[b + 3]);
    rt.handles.length = b;
    return r;
  };
};

/** `cycle()`: the first pass is remembered in a Vec and replayed (Rust clones the iterator instead). */
const cycle: NativeFactory = (s) => {
  const toIter = source(s);
  const item = itemOf(s.argTypes[0]);
  const vecType: Type = { kind: "builtin", name: "Vec", args: [item] };
  const cloneOnReplay = reprOf(item) === SlotKind.Pointer && derefAll(item) === item;
  const d = registerDesc(s.rt, { kind: "cycle", elem: item, elemKind: reprOf(item), vecType, cloneOnReplay });
  return (it: Value) => {
    const rt = s.rt;
    const b = rt.handles.length;
    rt.handles.push(toIter(it));
    rt.handles.push(rt.newVec(vecType, item, 8));
    const r = newIter(rt, d, 0, 0, 0, 0, rt.handles[b], rt.handles[b + 1]);
    rt.handles.length = b;
    return r;
  };
};

/** `rposition(p)`: the index (from the front) of the last item `p` accepts, asking from the back. */
const rposition: NativeFactory = (s) => {
  const item = itemOf(s.argTypes[0]);
  const k = reprOf(item);
  const vecType: Type = { kind: "builtin", name: "Vec", args: [item] };
  return (it: Value, fn: Value) => {
    const rt = s.rt;
    const h = rt.heap;
    const b = rt.handles.length;
    rt.handles.push(fn, 0);
    try {
      rt.handles[b + 1] = rt.newVec(vecType, item, 8);
      consume(s, it, 0, (x) => {
        rt.vecPush(rt.handles[b + 1], k, x, item);
      });
      for (let i = h.get(rt.handles[b + 1], VEC_LEN) - 1; i >= 0; i--) {
        const x = rt.load(h.getPtr(rt.handles[b + 1], VEC_DATA), i, k);
        if (s.call(rt.handles[b], [x])) return optionOf(rt, s.retType).some(i);
      }
      return optionOf(rt, s.retType).none();
    } finally {
      rt.handles.length = b;
    }
  };
};

/** `find_map(f)`: the first `Some` that `f` returns (that Option itself), else `None`. */
const findMap: NativeFactory = (s) => (it: Value, fn: Value) => {
  let found: Value = 0;
  consume(s, it, fn, (x, call) => {
    const opt = call([x]);
    // Option: tag 1 = Some (prelude order None, Some).
    if (s.rt.heap.get(opt, 0) === 1) {
      found = opt;
      return false;
    }
  });
  return found !== 0 ? found : optionOf(s.rt, s.retType).none();
};

/**
 * `try_fold(init, f)`: `f` returns an Option or a Result; a `Some`/`Ok` carries the accumulator
 * on, the first `None`/`Err` is the result; at the end, `Some(acc)` / `Ok(acc)`.
 */
const tryFold: NativeFactory = (s) => {
  const rt = s.rt;
  const r = derefAll(s.retType) as Type & { kind: "adt" };
  const good = variantOf(rt, r, r.decl.name.name === "Result" ? "Ok" : "Some");
  return (it: Value, init: Value, fn: Value) => {
    const b = rt.handles.length;
    rt.handles.push(good.kind === SlotKind.Pointer ? init : 0);
    let acc: Value = init;
    let stop: Value = 0;
    try {
      consume(s, it, fn, (x, call) => {
        const out = call([good.kind === SlotKind.Pointer ? rt.handles[b] : acc, x]);
        if (rt.heap.get(out, 0) !== good.tag) {
          stop = out;
          return false;
        }
        acc = rt.load(out, good.off, good.kind);
        if (good.kind === SlotKind.Pointer) rt.handles[b] = acc;
      });
      if (stop !== 0) return stop;
      if (good.kind === SlotKind.Pointer) acc = rt.handles[b];
      const p = rt.heap.alloc(good.layout);
      rt.heap.set(p, 0, good.tag);
      rt.store(p, good.off, good.kind, acc);
      return p;
    } finally {
      rt.handles.length = b;
    }
  };
};

for (const prefix of ["Iter", "Range"]) {
  N[`${prefix}::try_fold`] = tryFold;
  N[`${prefix}::find_map`] = findMap;
  N[`${prefix}::scan`] = scan;
  N[`${prefix}::cycle`] = cycle;
  N[`${prefix}::rposition`] = rposition;
  N[`${prefix}::peekable`] = lazy("peekable");
  N[`${prefix}::peek`] = peekNative;
  N[`${prefix}::unzip`] = unzip;
  N[`${prefix}::take_while`] = lazy("takeWhile");
  N[`${prefix}::skip_while`] = lazy("skipWhile");
  N[`${prefix}::map_while`] = lazy("mapWhile");
  N[`${prefix}::inspect`] = lazy("inspect");
  N[`${prefix}::flat_map`] = lazy("flatMap", (s) => ({ innerIter: makeIter(s.rt, closureRet(s.argTypes[1]), "intoIter", s.span) }));
  N[`${prefix}::flatten`] = lazy("flatMap", (s) => ({ innerIter: makeIter(s.rt, itemOf(s.argTypes[0]), "intoIter", s.span) }));
  N[`${prefix}::max_by_key`] = best(1, true);
  N[`${prefix}::min_by_key`] = best(-1, true);
  N[`${prefix}::max_by`] = best(1, false);
  N[`${prefix}::min_by`] = best(-1, false);
  N[`${prefix}::partition`] = partition;
}

// ── collect into Result / Option ──

/** The layout, variant tag and payload slot of `variant` of the Option/Result type `t`. */
function variantOf(rt: NativeSite["rt"], t: Type, variant: string) {
  const at = derefAll(t) as Type & { kind: "adt" };
  const l = rt.adtLayout(at);
  const tag = at.decl.kind === "EnumDecl" ? at.decl.variants.findIndex((v) => v.name.name === variant) : 0;
  const off = l.offsets[tag];
  return { layout: l.layout, tag, off, kind: l.kinds[off] ?? SlotKind.Scalar };
}

/**
 * `collect()` / `sum()` / `product()` into `Result<C, E>` / `Option<C>` (Rust's `FromIterator`,
 * `Sum` and `Product` for them): C is made, by the core native `core`, from the Ok/Some
 * payloads; the first Err/None item stops the iteration and is the result instead (so a closure
 * before it runs no further).
 */
function collectShortCircuit(s: NativeSite, outer: Type & { kind: "adt" }, core: NativeFactory): NativeImpl {
  const rt = s.rt;
  const isResult = outer.decl.name.name === "Result";
  const itemType = itemOf(s.argTypes[0]);
  const good = variantOf(rt, itemType, isResult ? "Ok" : "Some");
  const bad = variantOf(rt, itemType, isResult ? "Err" : "None");
  const payload = (derefAll(itemType) as Type & { kind: "adt" }).args[0];
  const innerType: Type = { kind: "builtin", name: "Iter", args: [payload] };
  const collectInner = core({ ...s, argTypes: [innerType], retType: outer.args[0] });
  const toIter = source(s);
  const d = registerDesc(rt, {
    kind: "unwrapWhile",
    elem: payload,
    elemKind: reprOf(payload),
    unwrap: (x) => (rt.heap.get(x, 0) === good.tag ? rt.load(x, good.off, good.kind) : DONE),
  });
  const okOut = variantOf(rt, outer, isResult ? "Ok" : "Some");
  const errOut = variantOf(rt, outer, isResult ? "Err" : "None");
  return (it) => {
    const h = rt.heap;
    const b = rt.handles.length;
    try {
      rt.handles.push(newIter(rt, d, 0, 0, 0, 0, toIter(it)));
      rt.handles.push(collectInner(rt.handles[b]));
      const residual = h.getPtr(rt.handles[b], 5 /* FN */);
      if (residual !== 0) {
        // Allocation never collects: `residual` stays where it is.
        const p = h.alloc(errOut.layout);
        h.set(p, 0, errOut.tag);
        if (isResult) rt.store(p, errOut.off, errOut.kind, rt.load(residual, bad.off, bad.kind));
        return p;
      }
      const p = h.alloc(okOut.layout);
      h.set(p, 0, okOut.tag);
      rt.store(p, okOut.off, okOut.kind, rt.handles[b + 1]);
      return p;
    } finally {
      rt.handles.length = b;
    }
  };
}
for (const prefix of ["Iter", "Range"]) {
  for (const name of ["collect", "sum", "product"]) {
    const core = NATIVES[`${prefix}::${name}`];
    N[`${prefix}::${name}`] = (s) => {
      const target = derefAll(s.retType);
      const prelude = target.kind === "adt" && target.decl.span.file.name === "<prelude>";
      if (prelude && (target.decl.name.name === "Result" || target.decl.name.name === "Option")) return collectShortCircuit(s, target, core);
      return core(s);
    };
  }
}
registerNatives(N);
