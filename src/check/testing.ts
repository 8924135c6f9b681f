// Helpers for the checker's tests: parse + check a source text, and find annotated nodes.

import type { Binding, Expr, Program } from "../syntax/ast";
import { makeSourceFile } from "../syntax/ast";
import { parse } from "../syntax/parser";
import { checkProgram, type CheckResult } from "./index";
import { typeToString } from "./types";

export interface Checked extends CheckResult {
  program: Program;
  codes: string[];
}

export function checkSource(text: string, name = "test.stark"): Checked {
  const parsed = parse(makeSourceFile(name, text));
  if (!parsed.program) throw new Error(`parse failed: ${parsed.diagnostics.map((d) => d.message).join("; ")}`);
  const r = checkProgram(parsed.program);
  return { ...r, program: parsed.program, codes: r.diagnostics.map((d) => d.code) };
}

const SKIP = new Set(["span", "closeSpan", "file", "ty", "res", "target", "captures", "recvAdjust", "selfBinding", "binding", "autoref"]);

/** Every AST node (object with a `kind`) under `root`, in source order. */
export function nodes(root: unknown): { kind: string }[] {
  const out: { kind: string }[] = [];
  const visit = (v: unknown) => {
    if (!v || typeof v !== "object") return;
    if (Array.isArray(v)) {
      for (const x of v) visit(x);
      return;
    }
    const o = v as Record<string, unknown>;
    if (typeof o.kind === "string") out.push(o as { kind: string });
    for (const [k, x] of Object.entries(o)) {
      if (SKIP.has(k) || (k === "method" && typeof o.kind === "string" && o.kind === "BinaryExpr")) continue;
      visit(x);
    }
  };
  visit(root);
  return out;
}

/** The binding introduced by the pattern `name` (the first one). */
export function binding(p: Program, name: string, nth = 0): Binding {
  const found = nodes(p).filter((n) => n.kind === "BindPat" && (n as unknown as { name: { name: string } }).name.name === name);
  if (!found[nth]) throw new Error(`no binding ${name}`);
  return (found[nth] as unknown as { binding: Binding }).binding;
}

export function typeOfBinding(p: Program, name: string, nth = 0): string {
  const b = binding(p, name, nth);
  return b.ty ? typeToString(b.ty) : "<none>";
}

export function exprsOf<K extends Expr["kind"]>(p: Program, kind: K): Extract<Expr, { kind: K }>[] {
  return nodes(p).filter((n) => n.kind === kind) as Extract<Expr, { kind: K }>[];
}

export function show(t: import("./types").Type | undefined): string {
  return t ? typeToString(t) : "<none>";
}
