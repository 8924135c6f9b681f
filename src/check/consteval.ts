// Integer constant expressions: array lengths (`[0; WIDTH]`, `[f64; N * 2]`) are evaluated while
// checking, as rustc does, from literals, `const` items and arithmetic on them.

import type { ConstDecl, Expr, PathExpr } from "../syntax/ast";

/** The value of a constant integer expression, or null if it is not one. */
export function constInt(e: Expr, constOf: (p: PathExpr) => ConstDecl | null, depth = 0): number | null {
  // `const A: usize = B; const B: usize = A;` must not loop.
  if (depth > 64) return null;
  switch (e.kind) {
    case "IntLit":
      return Number(e.value);
    case "ParenExpr":
      return constInt(e.expr, constOf, depth + 1);
    case "PathExpr": {
      const c = constOf(e);
      return c ? constInt(c.value, constOf, depth + 1) : null;
    }
    case "UnaryExpr": {
      if (e.op !== "-") return null;
      const v = constInt(e.operand, constOf, depth + 1);
      return v === null ? null : -v;
    }
    case "BinaryExpr": {
      const a = constInt(e.left, constOf, depth + 1);
      const b = constInt(e.right, constOf, depth + 1);
      if (a === null || b === null) return null;
      switch (e.op) {
        case "+":
          return a + b;
        case "-":
          return a - b;
        case "*":
          return a * b;
        case "/":
          return b === 0 ? null : Math.trunc(a / b);
        case "%":
          return b === 0 ? null : a % b;
        default:
          return null;
      }
    }
    default:
      return null;
  }
}
