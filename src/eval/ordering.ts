// `Ord::cmp` and `PartialOrd::partial_cmp` for every ordered type (the prelude's blanket impls
// `impl<T: Ord> T` / `impl<T: PartialOrd> T`): the same structural order `<` uses
// (values.ts `valueCompare`: numbers, chars, Strings by bytes, tuples and collections
// lexicographically, derived structs field by field, enum variants in declaration order).
// `partial_cmp` is `None` when a float NaN is compared, as in Rust.

import type { Type } from "../check/types";
import { NativeFactory, optionOf, registerNatives } from "./natives";
import type { Runtime, Value } from "./runtime";
import { derefAll } from "./typeinfo";
import { valueCompare } from "./values";

const N: Record<string, NativeFactory> = {};

/** An `Ordering` value (tags Less, Equal, Greater) of the call's Ordering type. */
function ordering(rt: Runtime, t: Type, c: number): Value {
  const at = derefAll(t) as Type & { kind: "adt" };
  const p = rt.heap.alloc(rt.adtLayout(at).layout);
  rt.heap.set(p, 0, c < 0 ? 0 : c === 0 ? 1 : 2);
  return p;
}

N["Ord::cmp"] = (s) => {
  const t = derefAll(s.argTypes[0]);
  return (a, b) => ordering(s.rt, s.retType, valueCompare(s.rt, a, b, t));
};

N["PartialOrd::partial_cmp"] = (s) => {
  const t = derefAll(s.argTypes[0]);
  const opt = derefAll(s.retType) as Type & { kind: "adt" };
  const ord = opt.args[0];
  const isFloat = t.kind === "float";
  return (a, b) => {
    const o = optionOf(s.rt, s.retType);
    if (isFloat && (Number.isNaN(a) || Number.isNaN(b))) return o.none();
    return o.some(ordering(s.rt, ord, valueCompare(s.rt, a, b, t)));
  };
};

registerNatives(N);
