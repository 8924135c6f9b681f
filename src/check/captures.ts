// Closure captures (LANGUAGE.md §4.2, Rust's rules): a variable of an enclosing function that a
// closure body mentions is captured by shared reference when only read, by mutable reference
// when mutated, and by move when consumed or when the closure is `move` (Copy values are then
// copied). Globals (top-level `let`s) live in the global frame and are never captured.
// Runs right after the closure body is type-checked, so every use has its type and method
// resolution; nested closures contribute their own captures.

import type { Binding, ClosureExpr, Expr, Stmt } from "../syntax/ast";
import type { BodyChecker } from "./body";

type Use = "value" | "ref" | "mut";
type Mode = "ref" | "refMut" | "move" | "copy";

export function computeCaptures(ck: BodyChecker, closure: ClosureExpr): void {
  const frame = ck.bindingFrame;
  const own = (b: Binding) => {
    const f = frame.get(b);
    return !f || f.global || f.closure === closure;
  };
  const found = new Map<Binding, { use: "consume" | "mut" | "ref"; span: import("../syntax/ast").Span }>();
  const note = (b: Binding, u: Use, span: import("../syntax/ast").Span) => {
    if (own(b)) return;
    const kind = u === "mut" ? "mut" : u === "value" && !ck.env.isCopy(b.ty!) ? "consume" : "ref";
    const prev = found.get(b);
    const rank = { ref: 0, mut: 1, consume: 2 };
    if (!prev) found.set(b, { use: kind, span });
    else if (rank[kind] > rank[prev.use]) prev.use = kind;
  };

  const place = (e: Expr, u: Use): void => {
    switch (e.kind) {
      case "PathExpr": {
        const r = e.res;
        if (r && r.kind === "local") note(r.binding, u, e.span);
        return;
      }
      case "ParenExpr":
        return place(e.expr, u);
      case "FieldExpr":
      case "TupleFieldExpr": {
        // Reading a Copy field only needs a shared borrow of the base.
        const inner: Use = u === "value" && e.ty && ck.env.isCopy(e.ty) ? "ref" : u;
        return place(e.object, inner);
      }
      case "IndexExpr":
        walk(e.index, "value");
        return place(e.object, u === "mut" ? "mut" : "ref");
      case "DerefExpr":
        return place(e.operand, u === "mut" ? "mut" : "ref");
      default:
        return walk(e, u);
    }
  };

  const walkStmt = (s: Stmt): void => {
    if (s.kind === "LetStmt") {
      if (s.init) walk(s.init, "value");
      if (s.elseBlock) walk(s.elseBlock, "value");
    } else if (s.kind === "ExprStmt") walk(s.expr, "value");
  };

  const walk = (e: Expr, u: Use): void => {
    switch (e.kind) {
      case "PathExpr":
      case "FieldExpr":
      case "TupleFieldExpr":
      case "IndexExpr":
      case "DerefExpr":
        if (e.kind === "PathExpr" || e.kind === "FieldExpr" || e.kind === "TupleFieldExpr" || e.kind === "IndexExpr" || e.kind === "DerefExpr") return place(e, u);
        return;
      case "ParenExpr":
        return walk(e.expr, u);
      case "RefExpr":
        return place(e.operand, e.mutable ? "mut" : "ref");
      case "AssignExpr":
        place(e.target, "mut");
        return walk(e.value, "value");
      case "UnaryExpr":
        return walk(e.operand, "value");
      case "BinaryExpr": {
        const tensor = e.ty && e.ty.kind === "tensor";
        const cmp = ["==", "!=", "<", "<=", ">", ">="].includes(e.op);
        const u2: Use = tensor || cmp ? "ref" : "value";
        place(e.left, u2);
        place(e.right, u2);
        return;
      }
      case "CallExpr":
        walk(e.callee, "ref");
        e.args.forEach((a, i) => (e.autoref?.[i] ? place(a, "ref") : walk(a, "value")));
        return;
      case "MethodCallExpr": {
        const adj = e.recvAdjust;
        const ru: Use = adj?.autoref === "refMut" ? "mut" : adj?.autoref === "ref" ? "ref" : adj && adj.derefs > 0 ? "ref" : "value";
        place(e.receiver, ru);
        e.args.forEach((a, i) => (e.autoref?.[i] ? place(a, "ref") : walk(a, "value")));
        return;
      }
      case "FStrLit":
        for (const p of e.parts) if (typeof p !== "string") place(p.expr, "ref");
        return;
      case "StructLitExpr":
        for (const f of e.fields) walk(f.value, "value");
        if (e.base) walk(e.base, "value");
        return;
      case "TupleExpr":
      case "ArrayExpr":
        for (const x of e.elems) walk(x, "value");
        return;
      case "ArrayRepeatExpr":
        walk(e.value, "value");
        return walk(e.count, "value");
      case "VecMacroExpr":
        if (e.elems) for (const x of e.elems) walk(x, "value");
        if (e.repeat) {
          walk(e.repeat.value, "value");
          walk(e.repeat.count, "value");
        }
        return;
      case "BlockExpr":
        for (const s of e.stmts) walkStmt(s);
        if (e.tail) walk(e.tail, u);
        return;
      case "IfExpr":
        walk(e.cond, "value");
        walk(e.then, u);
        if (e.else) walk(e.else, u);
        return;
      case "IfLetExpr":
        place(e.scrutinee, "ref");
        walk(e.then, u);
        if (e.else) walk(e.else, u);
        return;
      case "WhileExpr":
        walk(e.cond, "value");
        return walk(e.body, "value");
      case "WhileLetExpr":
        place(e.scrutinee, "ref");
        return walk(e.body, "value");
      case "LoopExpr":
        return walk(e.body, "value");
      case "ForExpr":
        walk(e.iter, "value");
        return walk(e.body, "value");
      case "MatchExpr":
        place(e.scrutinee, "ref");
        for (const a of e.arms) {
          if (a.guard) walk(a.guard, "value");
          walk(a.body, u);
        }
        return;
      case "ClosureExpr":
        for (const c of e.captures ?? []) note(c.binding, c.mode === "move" ? "value" : c.mode === "refMut" ? "mut" : "ref", c.span);
        return;
      case "BreakExpr":
      case "ReturnExpr":
        if (e.value) walk(e.value, "value");
        return;
      case "RangeExpr":
        if (e.start) walk(e.start, "value");
        if (e.end) walk(e.end, "value");
        return;
      case "CastExpr":
        return walk(e.expr, "value");
      case "TryExpr":
        return walk(e.expr, "value");
      default:
        return;
    }
  };

  walk(closure.body, "value");
  const captures: NonNullable<ClosureExpr["captures"]> = [];
  for (const [binding, f] of found) {
    let mode: Mode;
    const copy = ck.env.isCopy(binding.ty!);
    if (closure.isMove || f.use === "consume") mode = copy ? "copy" : "move";
    else mode = f.use === "mut" ? "refMut" : "ref";
    if (mode === "ref" || mode === "refMut") binding.captured = true;
    captures.push({ binding, mode, span: f.span });
  }
  closure.captures = captures;
}
