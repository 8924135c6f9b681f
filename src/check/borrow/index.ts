// The borrow checker (LANGUAGE.md §4.1–§4.4, §4.6): runs after type checking on the annotated
// AST. One CFG per body (function, method, closure, the top-level statements), the dataflow
// analyses of analyses.ts, the rules of rules.ts. Two borrow models share everything but the
// liveness rule: "lexical" (a stored borrow lasts to the end of its variable's scope) and "nll"
// (a borrow lasts until the last use of a reference derived from it).

import type * as A from "../../syntax/ast";
import type { Diagnostic } from "../../diagnostics";
import { BodyAnalysis } from "./analyses";
import type { Cfg, Loan } from "./cfg";
import { Lowerer } from "./lower";
import type { Place } from "./places";
import { placeToString } from "./places";
import { BodyChecker, type Model } from "./rules";
import { copyBoundParams, deriveCopyAdt, TypeInfo, type CopyAdt } from "./typeinfo";

export type { Model } from "./rules";
export type { Place } from "./places";
export type { Loan, Cfg } from "./cfg";

export interface BorrowOptions {
  model: Model;
}

/** What the borrow checker reads from the type checker's result (all optional, probed at run time). */
export interface BorrowCheckInput {
  /** derive(Copy)-aware answer for user ADTs. */
  copyAdt?: CopyAdt;
  /** The checker's Copy/Move answer for a resolved type. */
  isCopy?: (t: import("../types").Type) => boolean;
  /** Field types of a struct instance, generics substituted. */
  structFieldTypes?: (decl: A.StructDecl, args: import("../types").Type[]) => import("../types").Type[];
}

/** Per-body facts for the REPL's `:vars` and `stark check --explain-ownership`. */
export interface BodyFacts {
  name: string;
  cfg: Cfg;
  analysis: BodyAnalysis;
  /** The CFG node that completes each statement of the body. */
  stmtNodes: Map<A.Stmt, number>;
  /** Places that may be moved (or never initialized) after node n. */
  movedAfter(node: number): Place[];
  /** Loans live after node n under the chosen model. */
  liveLoansAfter(node: number): Loan[];
}

export interface BorrowResult {
  diagnostics: Diagnostic[];
  bodies: BodyFacts[];
  /** Bodies the checker failed on (a bug in the checker, never the user's fault); empty normally. */
  internalErrors: string[];
}

export function checkBorrows(program: A.Program, checkResult: unknown, options: BorrowOptions): Diagnostic[] {
  return analyzeBorrows(program, checkResult, options, false).diagnostics;
}

/**
 * `keepFacts` false (checkBorrows) leaves `bodies` empty: each body's CFG and analysis become
 * garbage as soon as the body is checked, instead of surviving to the end of the check (copied by
 * every scavenge, then promoted), which on a 10,000-line program was a third of the check's GC time.
 */
export function analyzeBorrows(program: A.Program, checkResult: unknown, options: BorrowOptions, keepFacts = true): BorrowResult {
  const input = (checkResult ?? {}) as BorrowCheckInput;
  const types = new TypeInfo(
    typeof input.copyAdt === "function" ? input.copyAdt : deriveCopyAdt,
    typeof input.isCopy === "function" ? input.isCopy : undefined,
    typeof input.structFieldTypes === "function" ? input.structFieldTypes : undefined,
  );
  const diagnostics: Diagnostic[] = [];
  const bodies: BodyFacts[] = [];

  const internalErrors: string[] = [];
  const runBody = (name: string, lower: (l: Lowerer) => Cfg, external: Set<A.Binding>, isClosure: boolean) => {
    const l = new Lowerer(name, types, external, isClosure);
    let cfg: Cfg;
    try {
      cfg = lower(l);
    } catch (e) {
      internalErrors.push(`${name}: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    runLowered(name, l, cfg);
  };
  const runLowered = (name: string, l: Lowerer, cfg: Cfg): void => {
    try {
      const analysis = new BodyAnalysis(cfg, options.model);
      const checker = new BodyChecker(cfg, analysis, options.model);
      diagnostics.push(...checker.run());
      if (keepFacts) bodies.push(makeFacts(name, cfg, analysis, l.stmtNodes, options.model));
    } catch (e) {
      // A bug here must not crash the user's run with a JavaScript stack trace: the body goes
      // unchecked and the failure is kept for tests and bug reports.
      internalErrors.push(`${name}: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    for (const c of l.closures) runLowered("<closure>", c.lowerer, c.cfg);
  };

  const visitFn = (fn: A.FnDecl, owner: string | null, outerGenerics: A.GenericParam[] = []) => {
    if (!fn.body) return;
    const name = owner ? `${owner}::${fn.name.name}` : fn.name.name;
    types.copyParams = new Set(copyBoundParams([...outerGenerics, ...fn.generics]));
    runBody(name, (l) => l.lowerFn(fn, fn.selfBinding ?? null, outerGenerics), new Set(), false);
    types.copyParams = new Set();
  };
  const visitItem = (item: A.Item) => {
    switch (item.kind) {
      case "FnDecl":
        visitFn(item, null);
        break;
      case "ImplDecl": {
        const t = item.target;
        const owner = t.kind === "PathType" ? t.segments.map((s) => s.name.name).join("::") : "impl";
        for (const m of item.methods) visitFn(m, owner, item.generics);
        break;
      }
      case "TraitDecl":
        for (const m of item.methods) visitFn(m, item.name.name, item.generics);
        break;
      case "ModDecl":
        for (const i of item.items) visitItem(i);
        break;
      default:
        break;
    }
  };

  const topStmts: A.Stmt[] = [];
  for (const x of program.body) {
    if (x.kind === "LetStmt" || x.kind === "ExprStmt" || x.kind === "EmptyStmt") topStmts.push(x);
    else if (x.kind === "ItemStmt") visitItem(x.item);
    else visitItem(x);
  }
  if (topStmts.length) {
    const end: A.Span = { file: program.span.file, start: program.span.end, end: program.span.end };
    runBody("<top level>", (l) => l.lowerTopLevel(topStmts, end), new Set(), false);
  }
  // Nested items inside function bodies (local fns) are checked as bodies of their own.
  for (const x of program.body) if (x.kind === "FnDecl" && x.body) visitNested(x.body, visitItem);

  diagnostics.sort((a, b) => a.primary.span.start - b.primary.span.start);
  return { diagnostics, bodies, internalErrors };
}

function visitNested(b: A.BlockExpr, visitItem: (i: A.Item) => void): void {
  for (const s of b.stmts) if (s.kind === "ItemStmt") visitItem(s.item);
}

function makeFacts(name: string, cfg: Cfg, analysis: BodyAnalysis, stmtNodes: Map<A.Stmt, number>, model: Model): BodyFacts {
  return {
    name,
    cfg,
    analysis,
    stmtNodes,
    movedAfter(node) {
      return analysis.sites.filter((s) => analysis.moves.after.has(node, s.id)).map((s) => s.path);
    },
    liveLoansAfter(node) {
      const succ = cfg.nodes[node].succ;
      return cfg.loans.filter((l) => succ.some((s) => analysis.loanLive(l.id, s, model)));
    },
  };
}

export { placeToString };
