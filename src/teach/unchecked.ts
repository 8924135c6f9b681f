// `stark run --unchecked FILE`: "what the checker prevents". A program that fails the borrow
// check runs anyway (type errors still stop it) and stops at the first use of moved or freed
// data, with a panic naming where the data was moved or freed.
//
// The tracking is done at run time, by the evaluator's closures (UncheckedHooks in
// src/eval/compile.ts, set only here, so normal runs build the same closures as always):
//
// - Moves. The borrow checker's CFG says which expressions move a whole variable out (`let b =
//   a`, `drop(a)`, `f(a)`, a by-value receiver). When one of them runs, the variable is marked
//   moved in that activation of its function, with the move's position; any later read of the
//   variable in that activation panics. Assigning the variable again clears the mark, and every
//   call of a function starts with nothing marked, so a move on a branch that was not taken
//   stops nothing.
// - Freed tensor storage. Every tensor freed by the evaluator (`drop`, the end of the owning
//   variable's scope, an overwrite, the end of a function that owned a tensor argument) is
//   recorded with that position; any later expression whose value is that tensor — a dangling
//   reference, for one — panics.
// - Variables declared without a value (`let x;`): a read before the first assignment in that
//   activation panics.
//
// The panic is P0105 (as `panic(msg)`), at the use, with the STARK stack trace.

import type { Binding, Expr, FnDecl, ImplDecl, Program, Span } from "../syntax/ast";
import { lineCol } from "../syntax/ast";
import type { Diagnostic } from "../diagnostics";
import { StarkPanic } from "../diagnostics";
import { analyzeBorrows } from "../check/borrow";
import { Session } from "../eval";
import type { Code, Setter, UncheckedHooks } from "../eval/compile";
import type { Frame } from "../eval/runtime";
import { DenseTensor } from "../tensor/tensor";
import type { ManagedHeap } from "../../heap/api";
import { createHeap, HeapExhaustedError } from "../../heap";
import type { TensorRuntime } from "../tensor/api";
import { tensorRuntime } from "../tensor";
import { DEFAULT_SEED } from "../tensor/random";

/** Where and why something was moved or freed. */
interface Site {
  span: Span | null;
  why: string;
  /** For `drop(x)`: the argument's span key (`x` is then "dropped", not just "moved"). */
  dropArg?: string;
}

const pos = (s: Span) => {
  const p = lineCol(s.file, s.start);
  return `${p.line}:${p.column}`;
};
const spanKey = (s: Span) => `${s.file.name}:${s.start}:${s.end}`;
const closing = (s: Span): Span => ({ file: s.file, start: Math.max(s.start, s.end - 1), end: s.end });

/** The run-time state of one unchecked run: which variables are moved, which tensors freed. */
export class UncheckedTracker implements UncheckedHooks {
  /** Expressions that move a whole variable out, by span (from the borrow checker's CFG). */
  private readonly moves = new Map<string, Binding>();
  /** Function names by body span, for "end of `f`, which owned it". */
  private readonly fnNames = new Map<string, string>();
  /** Where each variable goes out of scope (its block's `}`). */
  private readonly scopeEnd = new Map<Binding, Span>();
  /** Per activation (frame): the variables moved out, and where. */
  private readonly moved = new WeakMap<Frame, Map<Binding, Site>>();
  /** Variables declared without a value (`let x;`), by where they were declared. */
  private readonly deferred = new Map<Binding, Span>();
  /** Per activation: which of those have been given a value. */
  private readonly given = new WeakMap<Frame, Set<Binding>>();
  /** Freed tensors, and where. */
  private readonly freed = new WeakMap<object, Site>();
  /** The variable a tensor was last stored in (its owner, for "end of scope of `t`"). */
  private readonly owner = new WeakMap<object, Binding>();
  /** Set while `drop(x)` or an assignment runs, or just after a function body ended. */
  private site: Site | null = null;

  constructor(program: Program, checkResult: unknown, model: "lexical" | "nll") {
    for (const body of analyzeBorrows(program, checkResult, { model }).bodies) {
      for (const node of body.cfg.nodes) {
        const a = node.action;
        if (a.kind === "move" && a.place.proj.length === 0) this.moves.set(spanKey(a.span), a.place.base);
        if (a.kind === "declare" && !a.init) this.deferred.set(a.binding, a.binding.span);
      }
      for (const [b, s] of body.cfg.scopeEndSpan) this.scopeEnd.set(b, s);
    }
    const visit = (items: readonly { kind: string }[], owner: string | null) => {
      for (const it of items) {
        if (it.kind === "FnDecl") {
          const fn = it as FnDecl;
          if (fn.body) this.fnNames.set(spanKey(fn.body.span), owner ? `${owner}::${fn.name.name}` : fn.name.name);
        } else if (it.kind === "ImplDecl") {
          const impl = it as ImplDecl;
          const target = impl.target.kind === "PathType" ? impl.target.segments[impl.target.segments.length - 1].name.name : null;
          visit(impl.methods, target);
        } else if (it.kind === "ModDecl") visit((it as unknown as { items: { kind: string }[] }).items ?? [], owner);
      }
    };
    visit(program.body, null);
  }

  /** Routes the runtime's tensor frees through the tracker (it records where each happened). */
  attach(session: Session): void {
    const rt = session.rt;
    const free = rt.freeTensor.bind(rt);
    rt.freeTensor = (t) => {
      if (t && typeof t === "object" && !t.freed) this.freed.set(t, this.freeSite(t));
      free(t);
    };
    session.compiler.codegen = false;
    session.compiler.unchecked = this;
  }

  private freeSite(t: object): Site {
    if (this.site) return this.site;
    const b = this.owner.get(t);
    const end = b && this.scopeEnd.get(b);
    if (b && end) return { span: end, why: `end of scope of \`${b.name}\`` };
    return { span: null, why: "freed" };
  }

  expr(e: Expr, code: Code, _valueCtx: boolean): Code {
    const inner = unwrap(e);
    if (inner.kind === "PathExpr" && inner.res?.kind === "local") return this.local(e, inner.res.binding, code);
    if (inner.kind === "ClosureExpr" && inner.captures?.some((c) => c.mode === "move")) {
      // Creating the closure moves what it captures by value into it.
      const taken = inner.captures.filter((c) => c.mode === "move" && this.moves.get(spanKey(c.span)) === c.binding);
      return (f) => {
        const v = code(f);
        for (const c of taken) this.markMoved(f, c.binding, { span: c.span, why: "moved into a closure" });
        return v;
      };
    }
    if (inner.kind === "CallExpr" && isDropCall(inner)) {
      const arg = inner.args[0];
      const site: Site = { span: inner.span, why: `dropped by \`drop\``, dropArg: arg ? spanKey(unwrap(arg).span) : undefined };
      return this.atSite(site, code);
    }
    if (inner.kind === "AssignExpr") {
      const site: Site = { span: inner.span, why: "overwritten by this assignment" };
      return this.atSite(site, code);
    }
    if (inner.kind === "CallExpr" || inner.kind === "MethodCallExpr") {
      // The callee's end (where it frees the tensors it owned) is over once the call returns.
      return (f) => {
        const outer = this.site;
        const v = code(f);
        this.site = outer;
        return this.checkValue(v, e.span);
      };
    }
    return (f) => this.checkValue(code(f), e.span);
  }

  /** Runs `code` with `site` as the reason for any tensor it frees (a `drop`, an overwrite). */
  private atSite(site: Site, code: Code): Code {
    return (f) => {
      const outer = this.site;
      this.site = site;
      try {
        return code(f);
      } finally {
        this.site = outer;
      }
    };
  }

  /** A read of variable `b`: not after a move; a move when the CFG says this read is one. */
  private local(e: Expr, b: Binding, code: Code): Code {
    const isMove = this.moves.get(spanKey(unwrap(e).span)) === b;
    const name = b.name;
    const use = e.span;
    const at: Site = { span: unwrap(e).span, why: "moved" };
    const dropped: Site = { span: at.span, why: "dropped" };
    const key = spanKey(unwrap(e).span);
    const declared = this.deferred.get(b);
    return (f) => {
      if (declared && !this.given.get(f)?.has(b)) {
        throw new StarkPanic("P0105", `use of \`${name}\`, which was declared at ${pos(declared)} but has not been given a value`, use);
      }
      const m = this.moved.get(f)?.get(b);
      if (m) throw new StarkPanic("P0105", `use of \`${name}\` after it was ${m.why} at ${pos(m.span!)}`, use);
      const v = this.checkValue(code(f), use);
      if (isMove) this.markMoved(f, b, this.site?.dropArg === key ? dropped : at);
      return v;
    };
  }

  private markMoved(f: Frame, b: Binding, at: Site): void {
    let map = this.moved.get(f);
    if (!map) this.moved.set(f, (map = new Map()));
    map.set(b, at);
  }

  private checkValue(v: unknown, use: Span): never | typeof v {
    if (typeof v === "object" && v !== null) {
      const s = this.freed.get(v);
      if (s) {
        const where = s.span ? `freed at ${pos(s.span)} (${s.why})` : "freed earlier";
        throw new StarkPanic("P0105", `use of tensor storage ${where}`, use);
      }
    }
    return v;
  }

  write(b: Binding, set: Setter): Setter {
    const deferred = this.deferred.has(b);
    return (f, v) => {
      this.moved.get(f)?.delete(b);
      if (deferred) {
        let g = this.given.get(f);
        if (!g) this.given.set(f, (g = new Set()));
        g.add(b);
      }
      // Only a variable of tensor type owns one (a `&Tensor` variable refers to another's).
      if (v instanceof DenseTensor && b.ty?.kind === "tensor") this.owner.set(v, b);
      set(f, v);
    };
  }

  body(code: Code, span: Span): Code {
    const name = this.fnNames.get(spanKey(span));
    const end: Site = { span: closing(span), why: name ? `end of \`${name}\`, which owned it` : "end of the closure that owned it" };
    return (f) => {
      this.moved.delete(f);
      this.given.delete(f);
      const v = code(f);
      // Tensor arguments the function owned are freed right after its body.
      this.site = end;
      return v;
    };
  }
}

function unwrap(e: Expr): Expr {
  while (e.kind === "ParenExpr") e = e.expr;
  return e;
}

function isDropCall(e: Expr & { kind: "CallExpr" }): boolean {
  const c = unwrap(e.callee);
  if (c.kind !== "PathExpr" || !c.res) return false;
  if (c.res.kind === "native") return c.res.name === "drop";
  return c.res.kind === "fn" && c.res.decl.name.name === "drop" && !c.res.decl.body;
}

export interface UncheckedRunOptions {
  stdout(s: string): void;
  stderr(s: string): void;
  args: string[];
  model: "lexical" | "nll";
  /** Default: a fresh generational heap and the process-wide tensor runtime, seeded as `stark run` does. */
  heap?: ManagedHeap;
  tensors?: TensorRuntime;
}

/** Runs a type-checked `program` whatever its borrow errors, with the tracking above. */
export function runUnchecked(program: Program, checkResult: unknown, options: UncheckedRunOptions): { panic: StarkPanic | null } {
  const tensors = options.tensors ?? tensorRuntime;
  if (!options.tensors) {
    tensorRuntime.setLimit(null);
    tensorRuntime.manualSeed(DEFAULT_SEED);
  }
  const heap = options.heap ?? createHeap({}, {});
  const session = new Session({ heap, tensors, stdout: options.stdout, stderr: options.stderr, args: options.args });
  new UncheckedTracker(program, checkResult, options.model).attach(session);
  try {
    return session.run(program, true);
  } catch (e) {
    if (e instanceof HeapExhaustedError) return { panic: new StarkPanic("P0201", `out of memory: managed heap limit ${e.limit} bytes reached`) };
    throw e;
  }
}

/** The banner's summary of what the checker rejected. */
export function uncheckedBanner(borrowErrors: Diagnostic[]): string {
  const at = (d: Diagnostic) => lineCol(d.primary.span.file, d.primary.span.start).line;
  const what = borrowErrors.length
    ? `the borrow checker rejects this program (${borrowErrors.map((d) => `${d.code} at line ${at(d)}`).join(", ")})`
    : "the borrow checker finds no error in this program";
  return `running UNCHECKED: ${what}; moved and freed data are tracked at run time instead`;
}
