// Operators on user types reached through generics. The checker records the impl an operator
// calls when it knows the operand type (`BinaryExpr.method`); inside a generic body (`a + b` with
// `T: Add<Output = T>`) it cannot, and each instantiation picks the impl here, with T known.

import type { Type } from "../check/types";
import type { AssignOp, BinaryOp, MethodRes } from "../syntax/ast";
import type { ItemIndex } from "./items";

const BINARY_TRAITS: Partial<Record<BinaryOp, [trait: string, method: string]>> = {
  "+": ["Add", "add"],
  "-": ["Sub", "sub"],
  "*": ["Mul", "mul"],
  "/": ["Div", "div"],
  "%": ["Rem", "rem"],
};

/** The user impl `a op b` calls for a left operand of concrete type `t`, or null (numbers, strings, tensors). */
export function binaryOperatorMethod(items: ItemIndex, t: Type, op: BinaryOp): MethodRes | null {
  const tr = BINARY_TRAITS[op];
  if (!tr || t.kind !== "adt") return null;
  const m = items.findMethod(t, tr[1], tr[0]);
  return m ? { kind: "fn", decl: m.decl, impl: m.impl, selfMode: "value" } : null;
}

/** The user `Neg` impl `-a` calls for `a` of concrete type `t`. */
export function negMethod(items: ItemIndex, t: Type): MethodRes | null {
  if (t.kind !== "adt") return null;
  const m = items.findMethod(t, "neg", "Neg");
  return m ? { kind: "fn", decl: m.decl, impl: m.impl, selfMode: "value" } : null;
}

/**
 * What `a op= b` calls on a target of concrete type `t`: its `AddAssign`-style impl (`&mut a`
 * receiver), else its `Add`-style impl (then `a = a + b`); null for the built-in types.
 */
export function compoundAssignMethod(items: ItemIndex, t: Type, op: AssignOp): { method: MethodRes; inPlace: boolean } | null {
  const tr = BINARY_TRAITS[op.slice(0, -1) as BinaryOp];
  if (!tr || t.kind !== "adt") return null;
  const assign = items.findMethod(t, `${tr[1]}_assign`, `${tr[0]}Assign`);
  if (assign) return { method: { kind: "fn", decl: assign.decl, impl: assign.impl, selfMode: "refMut" }, inPlace: true };
  const m = binaryOperatorMethod(items, t, op.slice(0, -1) as BinaryOp);
  return m ? { method: m, inPlace: false } : null;
}
