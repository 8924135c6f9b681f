// The REPL's session: one input at a time, checked (types, then borrows) and run against a
// persistent environment, so that moves and borrows carry across inputs (LANGUAGE.md §8).
//
// How state carries across inputs:
//  - types and names: one `CheckSession` (src/check) for the whole session;
//  - values: one evaluator `Session` (src/eval) whose global frame holds every top-level `let`;
//  - moves and borrows: the session's top level is summarized after each accepted input (see
//    `TopLevelState`): the `let` of each binding that still matters, the last assignment to it,
//    and a move of each binding that is moved (with the original span, so E0382 names the input
//    where the move happened). The borrow checker runs over that summary plus the new input — work
//    proportional to the live top-level bindings, not to the length of the session. Only
//    diagnostics that mention the new input are its errors (the summarized inputs passed).
//
// An input with an error (or a panic, or Ctrl-C) changes nothing: the check session is restored
// to the snapshot taken before it (`CheckSession.snapshot`), and the borrow summary is only
// updated by accepted inputs. Nothing earlier is ever checked again.

import { readFileSync } from "node:fs";
import type { Binding, Expr, Item, Pattern, Program, SourceFile, Span, Stmt } from "../syntax/ast";
import { lineCol, makeSourceFile } from "../syntax/ast";
import { Diagnostic, StarkPanic } from "../diagnostics";
import { parseItemsOrStatements } from "../syntax/parser";
import { CheckSession, type CheckResult } from "../check";
import { analyzeBorrows, type BodyFacts } from "../check/borrow";
import { typeToString, type Type } from "../check/types";
import { Session } from "../eval";
import { formatValue } from "../eval/format";
import { targetName, typeName } from "../eval/items";
import { createHeap, HeapExhaustedError, type GCStats, type ManagedHeap } from "../../heap";
import { tensorRuntime } from "../tensor";
import { DEFAULT_SEED } from "../tensor/random";
import { Interrupted, interruptibleSafepoints, type InterruptSource } from "./interrupt";

export type BorrowModel = "lexical" | "nll";

export interface EngineOptions {
  /** Program output (print!, println!). */
  stdout(s: string): void;
  stderr(s: string): void;
  borrowck?: BorrowModel;
  /** Where Ctrl-C comes from while a program runs (the terminal); none: not interruptible. */
  interrupts?: InterruptSource | null;
}

/** The outcome of one input, for the front end and tests. */
export interface InputResult {
  /** Compile-time errors (and warnings) of this input; any error means the input was discarded. */
  diagnostics: Diagnostic[];
  panic: StarkPanic | null;
  /** The program was stopped by Ctrl-C (treated like a panic: its definitions are dropped). */
  interrupted?: boolean;
  /** Debug form of the final expression's value, when it has one that is not `()`. */
  value: string | null;
  /** The input number N of its `<repl:N>` file. */
  input: number;
}

/** Ownership state of one top-level binding, for `:vars`. */
export interface VarInfo {
  name: string;
  type: string;
  state: string;
}

const TAIL_MARK = Symbol("repl-tail");

export class ReplEngine {
  private check!: CheckSession;
  private evaluator!: Session;
  private heap!: ManagedHeap & { liveByLayout(): { name: string; count: number; bytes: number }[] };
  /** Names of the items accepted inputs defined (for completion). */
  private itemNames = new Set<string>();
  private counter = 0;
  /** Bracket a run: Ctrl-C is listened for meanwhile (see interrupt.ts). */
  private runBracket: { start(): void; stop(): void } = { start: () => {}, stop: () => {} };
  /** The input at which each top-level binding was found moved (for `:vars`). */
  private movedAt = new Map<string, number>();
  /** The borrow state of the session's top level after the last accepted input. */
  private top!: TopLevelState;
  /** Top-level statements the borrow checker analyzed for the last input (summary + input). */
  lastCheckedStatements = 0;
  readonly model: BorrowModel;

  constructor(private readonly options: EngineOptions) {
    this.model = options.borrowck ?? "lexical";
    this.reset();
  }

  /** `:reset`: a fresh session (inputs keep counting, so `<repl:N>` names stay unique). */
  reset(): void {
    this.check = new CheckSession();
    this.heap = createHeap({}, {});
    this.runBracket = this.options.interrupts ? interruptibleSafepoints(this.heap, this.options.interrupts) : { start: () => {}, stop: () => {} };
    tensorRuntime.setLimit(null);
    tensorRuntime.manualSeed(DEFAULT_SEED);
    this.evaluator = new Session({ heap: this.heap, tensors: tensorRuntime, stdout: this.options.stdout, stderr: this.options.stderr });
    this.itemNames.clear();
    this.movedAt.clear();
    this.top = new TopLevelState(this.model);
  }

  get inputsSoFar(): number {
    return this.counter;
  }

  /** Check and run one input. Never throws for a problem in the input. */
  evaluate(source: string, fileName?: string): InputResult {
    const n = ++this.counter;
    const file = makeSourceFile(fileName ?? `<repl:${n}>`, source);
    const res: InputResult = { diagnostics: [], panic: null, value: null, input: n };
    const built = buildProgram(file);
    res.diagnostics.push(...built.diagnostics);
    if (!built.program || hasErrors(built.diagnostics)) return res;
    const { program, tail } = built;

    // Anything but success forgets the input: the check session goes back to this point.
    const undo = this.check.snapshot();
    let accepted = false;
    try {
      const checked = this.check.check(program);
      res.diagnostics.push(...checked.diagnostics.filter((d) => d.severity === "error" || d.primary.span.file === file));
      if (hasErrors(res.diagnostics)) return res;
      const borrows = this.borrowCheck(program, checked, file);
      res.diagnostics.push(...borrows.diagnostics);
      if (hasErrors(res.diagnostics)) return res;

      const run = this.runChecked(program, tail);
      res.panic = run.panic;
      res.value = run.value;
      res.interrupted = run.interrupted;
      // A panic's or Ctrl-C's effects so far happened, but its bindings may be uninitialized.
      if (run.panic || run.interrupted) return res;
      accepted = true;
      for (const x of program.body) {
        const it = x.kind === "ItemStmt" ? x.item : x;
        if ("name" in it && it.name && typeof (it.name as { name?: unknown }).name === "string") this.itemNames.add((it.name as { name: string }).name);
      }
      this.top.accept(program, borrows.facts);
      this.noteMoves(n);
      return res;
    } finally {
      if (!accepted) undo();
    }
  }

  /** `:load FILE`: a file's items and top-level statements into the session (not its `main`). */
  load(path: string): InputResult {
    return this.evaluate(readFileSync(path, "utf8"), path);
  }

  /** `:type EXPR`: the type of an expression, checked but not run (and forgotten). */
  typeOf(source: string): { type: string | null; diagnostics: Diagnostic[] } {
    const file = makeSourceFile(`<repl:type>`, source);
    const built = buildProgram(file);
    if (!built.program || hasErrors(built.diagnostics)) return { type: null, diagnostics: built.diagnostics };
    if (!built.tail) return { type: "()", diagnostics: [] };
    const undo = this.check.snapshot(); // `:type` never changes the session
    let checked: CheckResult;
    try {
      checked = this.check.check(built.program);
    } finally {
      undo();
    }
    const errors = checked.diagnostics.filter((d) => d.severity === "error");
    const t = built.tail.ty;
    if (errors.length || !t) return { type: null, diagnostics: errors };
    return { type: typeToString(t), diagnostics: [] };
  }

  /** `:vars`: every top-level binding in scope with its type and ownership state. */
  vars(): VarInfo[] {
    const facts = this.topLevelFacts();
    const bindings = this.topBindings();
    const out: VarInfo[] = [];
    const moved = new Set<Binding>();
    const borrowedBy = new Map<Binding, string[]>();
    if (facts) {
      const last = this.lastNode(facts);
      if (last !== null) {
        for (const p of facts.movedAfter(last)) if (p.proj.length === 0) moved.add(p.base);
        for (const loan of facts.liveLoansAfter(last)) {
          const holder = this.loanHolder(loan.span);
          const list = borrowedBy.get(loan.place.base) ?? [];
          list.push(`${loan.mutable ? "mutably" : "shared"} by \`${holder ?? "a temporary"}\``);
          borrowedBy.set(loan.place.base, list);
        }
      }
    }
    for (const b of bindings) {
      let state = "owned";
      if (b.ty && b.ty.kind === "ref") state = "reference";
      if (moved.has(b)) {
        const at = this.movedAt.get(b.name);
        state = at !== undefined ? `moved at input ${at}` : "moved";
      } else if (borrowedBy.has(b)) state = `borrowed ${borrowedBy.get(b)!.join(", ")}`;
      out.push({ name: b.name, type: b.ty ? typeToString(b.ty) : "?", state });
    }
    return out;
  }

  /** Names in scope (for completion): top-level bindings, then items. */
  names(): string[] {
    const out = new Set<string>();
    for (const b of this.topBindings()) out.add(b.name);
    for (const name of this.itemNames) out.add(name);
    return [...out];
  }

  /** The static type of a top-level binding (for method completion after `name.`). */
  bindingType(name: string): Type | null {
    const b = this.check.globals.find(name);
    return b?.ty ?? null;
  }

  /** Method names callable on a top-level binding (inherent and trait impls), for completion. */
  methodsOf(name: string): string[] {
    const t = this.bindingType(name);
    const target = t ? typeName(t) : null;
    if (!target) return [];
    const out = new Set<string>();
    for (const impl of this.evaluator.items.impls) {
      if (targetName(impl.target) !== target) continue;
      for (const m of impl.methods) if (!m.name.name.startsWith("__")) out.add(m.name.name);
    }
    return [...out].sort();
  }

  gcStats(): GCStats {
    return this.heap.stats();
  }

  liveObjects(): { name: string; count: number; bytes: number }[] {
    return this.heap.liveByLayout();
  }

  tensorStats(): { liveBytes: number; liveTensors: number; peakBytes: number } {
    return tensorRuntime.memoryStats();
  }

  collect(): void {
    this.heap.collectFull("repl :gc");
  }

  // ───────────── internals ─────────────

  private borrowCheck(program: Program, checked: CheckResult, file: SourceFile): { diagnostics: Diagnostic[]; facts: TopFacts | null } {
    const summary = this.top.summary();
    const body = [...summary, ...program.body];
    const synthetic: Program = { kind: "Program", span: program.span, body };
    this.lastCheckedStatements = body.filter(isTopStmt).length;
    const result = analyzeBorrows(synthetic, checked, { model: this.model });
    const mentionsNew = (d: Diagnostic) => d.primary.span.file === file || d.labels.some((l) => l.span.file === file);
    const facts = result.bodies.find((b) => b.name === "<top level>") ?? null;
    return { diagnostics: result.diagnostics.filter(mentionsNew).map(forSession), facts: facts && { facts, stmts: body.filter(isTopStmt) } };
  }

  /** The statements the top level's current state comes from (lets and assignments still in effect). */
  private previousTopStmts(): Stmt[] {
    return this.top.kept();
  }

  private topLevelFacts(): BodyFacts | null {
    return this.top.facts?.facts ?? null;
  }

  private lastNode(_facts: BodyFacts): number | null {
    return this.top.facts ? lastNodeOf(this.top.facts) : null;
  }

  /** The variable a loan was stored in: the top-level `let` whose initializer took it. */
  private loanHolder(span: Span): string | null {
    for (const stmt of this.previousTopStmts()) {
      if (stmt.kind !== "LetStmt" || !stmt.init) continue;
      const init = stmt.init.span;
      if (init.file === span.file && init.start <= span.start && span.end <= init.end) {
        const names = patternBindings(stmt.pat).map((b) => b.name);
        if (names.length) return names.join(", ");
      }
    }
    return null;
  }

  /** Top-level bindings still in scope (a shadowed one is hidden), in declaration order. */
  private topBindings(): Binding[] {
    const seen = new Map<string, Binding>();
    for (const s of this.previousTopStmts()) {
      if (s.kind !== "LetStmt") continue;
      for (const b of patternBindings(s.pat)) {
        seen.delete(b.name);
        seen.set(b.name, b);
      }
    }
    return [...seen.values()];
  }

  private noteMoves(n: number): void {
    const facts = this.topLevelFacts();
    if (!facts) return;
    const last = this.lastNode(facts);
    if (last === null) return;
    const now = new Set(facts.movedAfter(last).filter((p) => p.proj.length === 0).map((p) => p.base.name));
    for (const name of [...this.movedAt.keys()]) if (!now.has(name)) this.movedAt.delete(name);
    for (const name of now) if (!this.movedAt.has(name)) this.movedAt.set(name, n);
  }

  private runChecked(program: Program, tail: Expr | null): { panic: StarkPanic | null; value: string | null; interrupted?: boolean } {
    this.runBracket.start();
    try {
      return this.runInput(program, tail);
    } finally {
      this.runBracket.stop();
    }
  }

  private runInput(program: Program, tail: Expr | null): { panic: StarkPanic | null; value: string | null; interrupted?: boolean } {
    const body = program.body.filter((x) => !(x as { [TAIL_MARK]?: boolean })[TAIL_MARK]);
    const runnable: Program = { ...program, body };
    try {
      const r = this.evaluator.run(runnable, false);
      if (r.panic) return { panic: r.panic, value: null };
      if (!tail || !tail.ty) return { panic: null, value: null };
      const rt = this.evaluator.rt;
      const code = this.evaluator.compiler.compileExpr(tail, this.evaluator.compiler.globalCtx);
      const v = code(rt.globals);
      rt.flush();
      const t = tail.ty;
      if (t.kind === "tuple" && t.elems.length === 0) return { panic: null, value: null };
      if (t.kind === "never") return { panic: null, value: null };
      return { panic: null, value: formatValue(rt, v, t, true, null) };
    } catch (e) {
      this.evaluator.rt.flush();
      if (e instanceof Interrupted) return { panic: null, value: null, interrupted: true };
      if (e instanceof StarkPanic) return { panic: e, value: null };
      if (e instanceof HeapExhaustedError) {
        return { panic: new StarkPanic("P0201", `out of memory: managed heap limit ${e.limit} bytes reached (live: ${e.live} bytes)`), value: null };
      }
      if (e instanceof RangeError && /call stack/i.test(e.message)) {
        return { panic: new StarkPanic("P0106", "stack overflow: recursion too deep", null), value: null };
      }
      throw e;
    }
  }

}

/**
 * The borrow checker sees the session's top level as one body that ends after the newest input;
 * in a session a top-level variable never goes out of scope, so "goes out of scope here" labels
 * at that artificial end are dropped and the lexical-borrow note says what really holds.
 */
function forSession(d: Diagnostic): Diagnostic {
  const labels = d.labels.filter((l) => !/goes out of scope here/.test(l.message));
  // Positions in notes ("moved at 1:9") are line:column of whichever input the event was in:
  // one that a label shows in another input gets that input's name (`<repl:2>:1:9`).
  const elsewhere = new Map<string, string>();
  for (const l of labels) {
    if (l.span.file === d.primary.span.file) continue;
    const p = lineCol(l.span.file, l.span.start);
    elsewhere.set(`${p.line}:${p.column}`, `${l.span.file.name}:${p.line}:${p.column}`);
  }
  const notes = d.notes.map((raw) => {
    const n = elsewhere.size ? raw.replace(/\bat (\d+:\d+)\b/g, (all, pos: string) => (elsewhere.has(pos) ? `at ${elsewhere.get(pos)}` : all)) : raw;
    const m = /^this borrow lasts until `([^`]+)` goes out of scope at line \d+(.*)$/.exec(n);
    if (!m) return n;
    const nll = /with --borrowck=nll/.test(m[2]) ? "; with --borrowck=nll it would end after its last use" : "";
    return `this borrow lasts as long as \`${m[1]}\`: a top-level variable stays in scope for the rest of the session (or until :reset)${nll}`;
  });
  return { ...d, labels, notes };
}

function hasErrors(ds: Diagnostic[]): boolean {
  return ds.some((d) => d.severity === "error");
}

function isTopStmt(x: Item | Stmt): x is Stmt {
  return x.kind === "LetStmt" || x.kind === "ExprStmt" || x.kind === "EmptyStmt";
}

/**
 * Parses one input into a program. A final expression without `;` is checked as `&tail;` so that
 * showing a value never moves it (`v` at the prompt prints `v` and leaves it owned); the
 * evaluator then runs the tail itself to get the value.
 */
function buildProgram(file: SourceFile): { program: Program | null; tail: Expr | null; diagnostics: Diagnostic[] } {
  const parsed = parseItemsOrStatements(file);
  if (!parsed.body) return { program: null, tail: null, diagnostics: parsed.diagnostics };
  const span: Span = { file, start: 0, end: file.text.length };
  const body: (Item | Stmt)[] = [...parsed.body];
  const tail = parsed.tail;
  if (tail) {
    const ref: Expr = { kind: "RefExpr", mutable: false, operand: tail, span: tail.span } as Expr;
    const stmt: Stmt & { [TAIL_MARK]?: boolean } = { kind: "ExprStmt", expr: ref, semi: true, span: tail.span };
    stmt[TAIL_MARK] = true;
    body.push(stmt);
  }
  return { program: { kind: "Program", span, body }, tail, diagnostics: parsed.diagnostics };
}

function patternBindings(p: Pattern): Binding[] {
  const out: Binding[] = [];
  const visit = (q: Pattern | null | undefined): void => {
    if (!q) return;
    if (q.kind === "BindPat") {
      out.push(q.binding);
      visit(q.sub);
      return;
    }
    for (const v of Object.values(q)) {
      if (Array.isArray(v)) for (const x of v) if (x && typeof x === "object" && "kind" in x) visit(x as Pattern);
      if (v && typeof v === "object" && "kind" in v && typeof (v as { kind: unknown }).kind === "string" && (v as { kind: string }).kind.endsWith("Pat")) visit(v as Pattern);
    }
  };
  visit(p);
  return out;
}

/** The borrow checker's facts about the top level after the last accepted input. */
interface TopFacts {
  facts: BodyFacts;
  /** The top-level statements those facts are about (summary, then the input), in order. */
  stmts: Stmt[];
}

/**
 * The session's top level as the borrow checker needs to see it before the next input: for each
 * binding that still matters (in scope, or the target of a live borrow), the `let` that declared
 * it and the last top-level assignment to it, in input order — replaying them recreates its
 * initialization and the borrows it holds, with their original spans — then a move of each
 * binding that is moved, at the span of its latest move (so "value moved here" names the input
 * where it happened). Statements that only read (`print(v)`, `v.len()`) leave no trace, so the
 * summary grows with the live bindings, not with the number of inputs.
 */
class TopLevelState {
  constructor(private readonly model: BorrowModel) {}

  private seq = 0;
  private readonly order = new Map<Stmt, number>();
  private readonly letOf = new Map<Binding, Stmt>();
  private readonly lastAssign = new Map<Binding, Stmt>();
  private readonly inScope = new Map<string, Binding>();
  private readonly movedAt = new Map<Binding, Span>();
  private relevant: Binding[] = [];
  private keptStmts: Stmt[] = [];
  facts: TopFacts | null = null;

  /** Takes in an accepted input and the facts of the analysis that accepted it. */
  accept(program: Program, facts: TopFacts | null): void {
    for (const x of program.body) {
      if (!isTopStmt(x) || (x as { [TAIL_MARK]?: boolean })[TAIL_MARK]) continue;
      this.order.set(x, ++this.seq);
      if (x.kind === "LetStmt") {
        for (const b of patternBindings(x.pat)) {
          this.letOf.set(b, x);
          this.inScope.set(b.name, b);
        }
      } else if (x.kind === "ExprStmt") {
        const b = assignedBinding(x.expr);
        if (b && this.letOf.has(b)) this.lastAssign.set(b, x);
      }
    }
    this.facts = facts;
    // What matters from now on: bindings in scope, and those a live borrow points at.
    const relevant = new Set(this.inScope.values());
    const moved = new Map<Binding, Span>();
    /** Moves out of a part of a variable (`let a = p.name;`), still in effect: base → spans. */
    const partial: { base: Binding; span: Span }[] = [];
    if (facts) {
      const last = lastNodeOf(facts);
      if (last !== null) {
        // A live borrow of a variable that can still be named keeps its holders (also shadowed
        // ones, and those it flowed into: `let r2 = r;`). A borrow of a shadowed variable can
        // never conflict with anything again, so it is let go.
        const nameable = new Set(this.inScope.values());
        const flows = facts.facts.cfg.varFlows;
        // Under NLL a borrow whose holder can still be named is only dormant: using the holder
        // again revives it, so the borrowed variable matters even once it is shadowed.
        if (this.model === "nll") {
          for (const loan of facts.facts.cfg.loans) {
            const todo = [...(facts.facts.cfg.loanHolders.get(loan.id) ?? [])];
            const seen = new Set<Binding>();
            while (todo.length) {
              const h = todo.pop()!;
              if (seen.has(h)) continue;
              seen.add(h);
              if (nameable.has(h) && this.letOf.has(loan.place.base)) relevant.add(loan.place.base);
              for (const next of flows.get(h) ?? []) todo.push(next);
            }
          }
        }
        for (const loan of facts.facts.liveLoansAfter(last)) {
          if (!nameable.has(loan.place.base)) continue;
          const todo = [...(facts.facts.cfg.loanHolders.get(loan.id) ?? [])];
          while (todo.length) {
            const h = todo.pop()!;
            if (relevant.has(h) && !nameable.has(h)) continue;
            if (this.letOf.has(h)) relevant.add(h);
            for (const next of flows.get(h) ?? []) if (!relevant.has(next)) todo.push(next);
          }
        }
        const movedAfter = facts.facts.movedAfter(last);
        const movedNow = new Set(movedAfter.filter((p) => p.proj.length === 0).map((p) => p.base));
        const partNow = new Set(movedAfter.filter((p) => p.proj.length > 0).map((p) => placeKey(p)));
        for (const node of facts.facts.cfg.nodes) {
          const a = node.action;
          if (a.kind !== "move") continue;
          if (a.place.proj.length === 0 && movedNow.has(a.place.base)) moved.set(a.place.base, a.span);
          else if (a.place.proj.length > 0 && partNow.has(placeKey(a.place))) partial.push({ base: a.place.base, span: a.span });
        }
      }
    }
    this.relevant = [...relevant];
    this.movedAt.clear();
    for (const [b, span] of moved) if (relevant.has(b)) this.movedAt.set(b, span);
    const kept = new Set<Stmt>();
    for (const b of this.relevant) {
      const l = this.letOf.get(b);
      if (l) kept.add(l);
      const a = this.lastAssign.get(b);
      if (a) kept.add(a);
    }
    // Under NLL a borrow held by a variable ends at its last use — so far. Using the variable
    // again revives it, and an access to the borrowed variable in between becomes an error
    // (`let m = &mut v;` / `print(v.len());` / `m.push(1);`). For each kind of access (read,
    // write, shared or mutable borrow, move) the latest statement that made it after the borrow
    // is kept, so that such a later use still conflicts with each.
    if (this.model === "nll" && facts) {
      const cfg = facts.facts.cfg;
      const inside = (sp: Span, st: Stmt) => st.span.file === sp.file && st.span.start <= sp.start && sp.end <= st.span.end;
      const stmts = facts.stmts.filter((x) => this.order.has(x));
      const stmtOf = (sp: Span) => stmts.findIndex((st) => inside(sp, st));
      const accesses: { base: Binding; kind: string; at: number }[] = [];
      for (const node of cfg.nodes) {
        const a = node.action;
        if (a.kind === "read" || a.kind === "move") accesses.push({ base: a.place.base, kind: a.kind, at: stmtOf(a.span) });
        else if (a.kind === "assign") accesses.push({ base: a.place.base, kind: a.compound ? "compound" : "assign", at: stmtOf(a.span) });
        else if (a.kind === "borrow") {
          const l = cfg.loans[a.loan];
          // A two-phase reservation (`v.push(..)` before its arguments run) is checked as the
          // `&mut` it becomes, so it is not a shared access of its own.
          if (l && l.origin !== "reservation") accesses.push({ base: l.place.base, kind: l.mutable ? "mut" : "shared", at: stmtOf(a.span) });
        }
      }
      for (const loan of cfg.loans) {
        const from = stmts.findIndex((st) => kept.has(st) && inside(loan.span, st));
        if (from < 0) continue;
        const latest = new Map<string, number>();
        for (const x of accesses) if (x.base === loan.place.base && x.at > from && x.at > (latest.get(x.kind) ?? -1)) latest.set(x.kind, x.at);
        for (const i of latest.values()) kept.add(stmts[i]);
      }
    }
    // A partial move is replayed by keeping the statement that made it.
    for (const { base, span } of partial) {
      if (!relevant.has(base)) continue;
      const stmt = facts?.stmts.find((x) => this.order.has(x) && x.span.file === span.file && x.span.start <= span.start && span.end <= x.span.end);
      if (stmt) kept.add(stmt);
    }
    this.keptStmts = [...kept].sort((a, b) => this.order.get(a)! - this.order.get(b)!);
    // Forget what no longer matters.
    for (const m of [this.letOf, this.lastAssign]) for (const b of [...m.keys()]) if (!relevant.has(b)) m.delete(b);
    for (const s of [...this.order.keys()]) if (!kept.has(s)) this.order.delete(s);
  }

  /** The statements whose effects are the top level's state (lets and assignments still in effect). */
  kept(): Stmt[] {
    return this.keptStmts;
  }

  /** What the borrow checker analyzes before a new input. */
  summary(): Stmt[] {
    const out: Stmt[] = [...this.keptStmts];
    for (const [b, span] of this.movedAt) {
      // A move the replayed statements make themselves (`let y = x;`) is not repeated.
      if (this.keptStmts.some((s) => s.span.file === span.file && s.span.start <= span.start && span.end <= s.span.end)) continue;
      const path = { kind: "PathExpr", segments: [{ name: { name: b.name, span }, args: null }], res: { kind: "global", binding: b }, ty: b.ty, span } as unknown as Expr;
      out.push({ kind: "ExprStmt", expr: path, semi: true, span });
    }
    return out;
  }

}

function placeKey(p: { base: Binding; proj: unknown[] }): string {
  return `${p.base.name}@${p.base.span.file.name}:${p.base.span.start}/${JSON.stringify(p.proj)}`;
}

function lastNodeOf(f: TopFacts): number | null {
  for (let i = f.stmts.length - 1; i >= 0; i--) {
    const node = f.facts.stmtNodes.get(f.stmts[i]);
    if (node !== undefined) return node;
  }
  return null;
}

/** The top-level variable a statement `x = ...` / `x += ...` assigns, if it is one. */
function assignedBinding(e: Expr): Binding | null {
  while (e.kind === "ParenExpr") e = e.expr;
  if (e.kind !== "AssignExpr") return null;
  let t = e.target;
  while (t.kind === "ParenExpr") t = t.expr;
  if (t.kind !== "PathExpr") return null;
  const r = t.res;
  return r && (r.kind === "local" || r.kind === "global") ? r.binding : null;
}
