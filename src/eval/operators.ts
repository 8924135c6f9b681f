// Operators on user types reached through generics. The checker records the impl an operator
// calls when it knows the operand type (`BinaryExpr.method`); inside a generic body (`a + b` with
// `T: Add<Output = T>`) it cannot, and each instantiation picks the impl here, with T known.
// A type may implement one operator trait several times for different right operands
// (`impl Mul for V`, `impl Mul<f64> for V`): the impl whose parameter has the right operand's
// type is the one called.

import type { Type } from "../check/types";
import type { AssignOp, BinaryOp, MethodRes } from "../syntax/ast";
import { implSubst, targetName, traitNameOf, typeName, type ItemIndex } from "./items";
import { derefAll, resolveTypeExpr, typeKey } from "./typeinfo";

const BINARY_TRAITS: Partial<Record<BinaryOp, [trait: string, method: string]>> = {
  "+": ["Add", "add"],
  "-": ["Sub", "sub"],
  "*": ["Mul", "mul"],
  "/": ["Div", "div"],
  "%": ["Rem", "rem"],
};

/** The method `method` of an impl of `trait` for `t` whose (first) parameter takes `rhs`; else the first impl. */
function findOperator(items: ItemIndex, t: Type, trait: string, method: string, rhs: Type | null, selfMode: "value" | "ref" | "refMut"): MethodRes | null {
  const name = typeName(t);
  if (name === null) return null;
  let first: MethodRes | null = null;
  for (const impl of items.impls) {
    if (traitNameOf(impl) !== trait || targetName(impl.target) !== name) continue;
    const decl = impl.methods.find((m) => m.name.name === method);
    if (!decl) continue;
    const res: MethodRes = { kind: "fn", decl, impl, selfMode };
    first ??= res;
    if (rhs === null || !decl.params[0]) return res;
    const sub = implSubst(impl, t, items);
    sub.set("Self", t);
    if (typeKey(resolveTypeExpr(decl.params[0].ty, sub, items)) === typeKey(derefAll(rhs))) return res;
  }
  return first;
}

/** The user impl `a op b` calls for a left operand of concrete type `t`, or null (numbers, strings, tensors). */
export function binaryOperatorMethod(items: ItemIndex, t: Type, op: BinaryOp, rhs: Type | null = null): MethodRes | null {
  const tr = BINARY_TRAITS[op];
  if (!tr || t.kind !== "adt") return null;
  return findOperator(items, t, tr[0], tr[1], rhs, "value");
}

/** A user `impl PartialEq` (`fn eq(&self, other: &Self)`) that `a == b` and `a != b` call for `t`. */
export function partialEqMethod(items: ItemIndex, t: Type): MethodRes | null {
  if (t.kind !== "adt") return null;
  return findOperator(items, t, "PartialEq", "eq", null, "ref");
}

/** The method of a user impl of a comparison trait (`Ord::cmp`, `PartialOrd::partial_cmp`) for `t`. */
export function comparisonMethod(items: ItemIndex, t: Type, trait: "Ord" | "PartialOrd", method: "cmp" | "partial_cmp"): MethodRes | null {
  if (t.kind !== "adt") return null;
  return findOperator(items, t, trait, method, null, "ref");
}

/** The user `Neg` impl `-a` calls for `a` of concrete type `t`. */
export function negMethod(items: ItemIndex, t: Type): MethodRes | null {
  if (t.kind !== "adt") return null;
  return findOperator(items, t, "Neg", "neg", null, "value");
}

/**
 * What `a op= b` calls on a target of concrete type `t`: its `AddAssign`-style impl (`&mut a`
 * receiver), else its `Add`-style impl (then `a = a + b`); null for the built-in types.
 */
export function compoundAssignMethod(items: ItemIndex, t: Type, op: AssignOp, rhs: Type | null = null): { method: MethodRes; inPlace: boolean } | null {
  const tr = BINARY_TRAITS[op.slice(0, -1) as BinaryOp];
  if (!tr || t.kind !== "adt") return null;
  const assign = findOperator(items, t, `${tr[0]}Assign`, `${tr[1]}_assign`, rhs, "refMut");
  if (assign) return { method: assign, inPlace: true };
  const m = findOperator(items, t, tr[0], tr[1], rhs, "value");
  return m ? { method: m, inPlace: false } : null;
}
