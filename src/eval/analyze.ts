// Static facts about function bodies that the compiler needs before it emits code:
// which bindings must live in heap cells (captured by a closure, or borrowed `&mut` while
// holding a scalar), which expressions may reach a safepoint (so managed temporaries computed
// before them must be spilled to frame slots), and which may leave early (break/continue/
// return/`?`), so that operand sequences check the control signal.

import type { Binding, ClosureExpr, Expr, Pattern } from "../syntax/ast";
import { SlotKind } from "../../heap/api";
import { reprOf } from "./typeinfo";

type Node = { kind: string; [k: string]: unknown };

/** Keys that hold checker annotations or back-references, never child syntax. */
const SKIP = new Set(["span", "ty", "res", "binding", "method", "captures", "closeSpan", "recvAdjust", "decl", "label", "autoref", "iterKind", "derefs", "selfBinding"]);

/** Visit the direct syntactic children of a node (expressions, statements, patterns, blocks). */
export function forEachChild(node: unknown, fn: (child: Node) => void): void {
  if (!node || typeof node !== "object") return;
  const kind = (node as Node).kind;
  for (const key of Object.keys(node)) {
    if (SKIP.has(key)) continue;
    // `target` is syntax in an assignment but the checker's annotation on a struct literal.
    if (key === "target" && kind === "StructLitExpr") continue;
    visitValue((node as Record<string, unknown>)[key], fn);
  }
}

function visitValue(v: unknown, fn: (child: Node) => void): void {
  if (!v || typeof v !== "object") return;
  if (Array.isArray(v)) {
    for (const x of v) visitValue(x, fn);
    return;
  }
  if (typeof (v as Node).kind === "string") {
    fn(v as Node);
    return;
  }
  // Plain records inside nodes: match arms, struct literal fields, f-string parts, params.
  for (const key of Object.keys(v)) {
    if (SKIP.has(key)) continue;
    visitValue((v as Record<string, unknown>)[key], fn);
  }
}

/** Bindings that need a heap cell, for one function body (nested closures included). */
export function cellBindings(root: unknown): Set<Binding> {
  const cells = new Set<Binding>();
  const closureScopes: Set<Binding>[] = [];
  const visit = (n: Node): void => {
    switch (n.kind) {
      case "ItemStmt":
        return; // a nested fn cannot capture
      case "BindPat": {
        const b = n.binding as Binding;
        if (b.captured) cells.add(b);
        closureScopes[closureScopes.length - 1]?.add(b);
        break;
      }
      case "ClosureExpr": {
        const c = n as unknown as ClosureExpr;
        closureScopes.push(new Set());
        for (const cap of c.captures ?? []) cells.add(cap.binding);
        forEachChild(n, visit);
        closureScopes.pop();
        return;
      }
      case "PathExpr": {
        const res = n.res as { kind: string; binding?: Binding } | undefined;
        if (res?.kind === "local" && res.binding) {
          const top = closureScopes[closureScopes.length - 1];
          if (top && !top.has(res.binding)) cells.add(res.binding);
        }
        break;
      }
      case "RefExpr": {
        let op = n.operand as Expr;
        while (op.kind === "ParenExpr") op = op.expr;
        if (n.mutable && op.kind === "PathExpr" && op.res?.kind === "local") {
          const b = op.res.binding;
          if (!b.ty || reprOf(b.ty) === SlotKind.Scalar) cells.add(b);
        }
        break;
      }
    }
    forEachChild(n, visit);
  };
  visitValue(root, visit);
  return cells;
}

const gcMemo = new WeakMap<object, boolean>();

/** Natives that never run STARK code or collect (they may allocate: allocation never collects). */
const CALLBACK_NATIVES = /::(map|filter|filter_map|fold|for_each|any|all|find|position|sort_by|retain|unwrap_or_else|and_then|collect|sum|count|max|min|last|nth|next|product)$|^gc::|^with_arena$/;

/** Whether evaluating `e` may reach a safepoint (a call into STARK code, a loop back-edge, a collection). */
export function mayGC(e: unknown): boolean {
  if (!e || typeof e !== "object") return false;
  const cached = gcMemo.get(e);
  if (cached !== undefined) return cached;
  let result = false;
  const n = e as Node;
  switch (n.kind) {
    case "CallExpr": {
      const callee = n.callee as Expr;
      const res = callee.kind === "PathExpr" ? callee.res : undefined;
      if (!res || res.kind === "fn" || res.kind === "local" || res.kind === "global") result = true;
      else if (res.kind === "native" && CALLBACK_NATIVES.test(res.name)) result = true;
      break;
    }
    case "MethodCallExpr": {
      const res = n.res as { kind: string; name?: string } | undefined;
      if (!res || res.kind !== "native" || CALLBACK_NATIVES.test(res.name ?? "")) result = true;
      break;
    }
    case "BinaryExpr":
    case "UnaryExpr":
      if (n.method) result = true;
      break;
    case "WhileExpr":
    case "WhileLetExpr":
    case "LoopExpr":
    case "ForExpr":
      result = true;
      break;
    case "ClosureExpr":
      gcMemo.set(e, false);
      return false;
  }
  if (!result) {
    forEachChild(e, (c) => {
      if (!result && c.kind !== "ClosureExpr" && mayGC(c)) result = true;
    });
  }
  gcMemo.set(e, result);
  return result;
}

const escMemo = new WeakMap<object, boolean>();

/** Whether evaluating `e` may stop early with break/continue/return/`?` (not counting nested closures). */
export function mayEscape(e: unknown): boolean {
  if (!e || typeof e !== "object") return false;
  const cached = escMemo.get(e);
  if (cached !== undefined) return cached;
  const n = e as Node;
  let result = n.kind === "BreakExpr" || n.kind === "ContinueExpr" || n.kind === "ReturnExpr" || n.kind === "TryExpr";
  if (!result && n.kind !== "ClosureExpr" && n.kind !== "ItemStmt") {
    forEachChild(e, (c) => {
      if (!result && mayEscape(c)) result = true;
    });
  }
  escMemo.set(e, result);
  return result;
}

/** Bindings a pattern introduces, in order. */
export function patternBindings(p: Pattern): Binding[] {
  const out: Binding[] = [];
  const visit = (n: Node): void => {
    if (n.kind === "BindPat") out.push(n.binding as Binding);
    forEachChild(n, visit);
  };
  visit(p as unknown as Node);
  return out;
}

/** Whether a pattern binds by reference anywhere (`ref x`, `(_, ref mut last)`). */
export function bindsByRef(p: Pattern): boolean {
  let found = false;
  const visit = (n: Node): void => {
    if (n.kind === "BindPat" && n.byRef !== "none") found = true;
    else forEachChild(n, visit);
  };
  visit(p as unknown as Node);
  return found;
}

/** The binding of `self` in a method body (the checker resolves `self` as a local). */
export function findSelfBinding(body: unknown): Binding | null {
  let found: Binding | null = null;
  const visit = (n: Node): void => {
    if (found) return;
    if (n.kind === "ItemStmt") return;
    if (n.kind === "PathExpr") {
      const segs = n.segments as { name: { name: string } }[];
      const res = n.res as { kind: string; binding?: Binding } | undefined;
      if (segs.length === 1 && segs[0].name.name === "self" && res?.kind === "local" && res.binding) {
        found = res.binding;
        return;
      }
    }
    forEachChild(n, visit);
  };
  visitValue(body, visit);
  return found;
}
