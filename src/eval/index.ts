// The evaluator's entry points.
//
//   run(program, options)          runs a checked program: top-level statements in order, then
//                                  `main()` if the program defines one. Returns the panic, if any.
//   new Session(options).run(p)    the same, one input at a time against a persistent runtime
//                                  (the REPL: globals and items carry across inputs).
//
// The program must have been type checked (every `checker:` field of ast.ts filled). The prelude
// program (stdlib/prelude.stark, as checked) supplies Option/Result and the native declarations.

import { installUserOrder } from "./user_order";
import { setProjector } from "./typeinfo";
import { installUserIterators } from "./user_iter";
import { ManagedHeap } from "../../heap/api";
import { BumpHeap } from "../../heap/bump";
import { HeapExhaustedError } from "../../heap/errors";
import { StarkPanic } from "../diagnostics";
import type { FnDecl, Item, Program, Stmt } from "../syntax/ast";
import type { TensorRuntime } from "../tensor/api";
import { Compiler } from "./compile";
import { ItemIndex } from "./items";

import { Runtime } from "./runtime";
// The ML library's natives (nn::, optim::, Dataset::, torch::) register themselves on import.
import "./natives_ml";
import "./natives_std";
import "./str_patterns";
import "./iter_adapters";
import "./int_methods";
import "./ordering";

export interface RunOptions {
  /** The managed heap (default: a fresh non-collecting BumpHeap). */
  heap?: ManagedHeap;
  /** The tensor runtime (default: the process-wide `tensorRuntime` of src/tensor). */
  tensors?: TensorRuntime;
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** Program arguments (after `--`). */
  args?: string[];
  /** The checked prelude program; default: the checker's cached prelude. */
  prelude?: Program;
  /**
   * Maximum STARK call depth before P0106. Default: no fixed limit — a call panics P0106 when the
   * host stack is nearly full (Runtime.deeper), so a larger host stack allows deeper recursion.
   */
  maxDepth?: number;
}

export interface RunResult {
  panic: StarkPanic | null;
}

/** Run a checked program to completion. Never throws for a STARK-level failure: panics are returned. */
export function run(program: Program, options: RunOptions): RunResult {
  const session = new Session(options);
  return session.run(program, true);
}

/** A persistent evaluation session (the REPL runs one input after another in it). */
export class Session {
  readonly rt: Runtime;
  readonly items: ItemIndex;
  readonly compiler: Compiler;
  private readonly prelude: Program;
  /** How many of the prelude's items the index holds: a later prelude part adds more (check/index.ts `loadPreludePart`). */
  private preludeItems: number;

  constructor(options: RunOptions) {
    this.prelude = options.prelude ?? loadCheckedPrelude();
    this.items = new ItemIndex([this.prelude]);
    this.preludeItems = this.prelude.body.length;
    const heap = options.heap ?? new BumpHeap();
    const tensors = options.tensors ?? defaultTensors();
    this.rt = new Runtime(heap, tensors, this.items, { stdout: options.stdout, stderr: options.stderr }, options.maxDepth ?? Infinity);
    this.compiler = new Compiler(this.rt, this.items);
    this.rt.programArgs = options.args ?? [];
  }

  /**
   * Run one program (or REPL input): its top-level statements, then `main()` when `callMain` and
   * the input defines one. Output is flushed before returning, also on a panic.
   */
  run(program: Program, callMain = true): RunResult {
    const rt = this.rt;
    rt.fp = 0;
    rt.rootTop = 0;
    rt.handles.length = 0;
    rt.ctl = 0;
    rt.resetDepth();
    try {
      if (this.prelude.body.length > this.preludeItems) {
        this.items.addItems(this.prelude.body.slice(this.preludeItems));
        this.preludeItems = this.prelude.body.length;
      }
      this.items.addItems(program.body);
      setProjector((base, name) => this.items.project(base, name));
      installUserOrder(this.compiler);
      installUserIterators(this.compiler);
      const stmts = program.body.filter((x): x is Stmt => isStmt(x));
      const top = this.compiler.compileTopLevel(stmts);
      try {
        top(rt.globals);
      } catch (e) {
        throw this.compiler.addTraceFrame(e, "<top level>", null);
      }
      const main = callMain ? findMain(program) : null;
      if (main && main.body) {
        const cf = this.compiler.getFn(main, null, new Map());
        const frame = new Array(cf.frameSize);
        rt.pushFrame(frame, cf.map);
        cf.run(frame, null);
      }
      return { panic: null };
    } catch (e) {
      if (e instanceof StarkPanic) return { panic: attributeToCaller(e) };
      if (e instanceof HeapExhaustedError) return { panic: new StarkPanic("P0201", e.message, null) };
      if (e instanceof RangeError && /call stack/i.test(e.message)) {
        return { panic: new StarkPanic("P0106", "stack overflow: recursion too deep", null) };
      }
      throw e;
    } finally {
      // The projector reaches this session and its heap: a module-level reference left behind
      // would keep them alive (and put the whole arena into the start-up snapshot).
      setProjector(null);
      rt.flush();
    }
  }
}

/**
 * A panic raised inside the prelude (`unwrap`, `expect`) is reported at the user's call, as
 * Rust's `#[track_caller]` does; the prelude's own frames are left out of the trace.
 */
function attributeToCaller(p: StarkPanic): StarkPanic {
  const inPrelude = (s: { file: { name: string } } | null | undefined) => !!s && s.file.name === "<prelude>";
  if (!inPrelude(p.span)) return p;
  const firstUser = p.trace.findIndex((f) => !inPrelude(f.span));
  if (firstUser < 0) return p;
  p.span = p.trace[firstUser].span;
  p.trace.splice(0, firstUser);
  return p;
}

function isStmt(x: Item | Stmt): x is Stmt {
  return x.kind === "LetStmt" || x.kind === "ExprStmt" || x.kind === "EmptyStmt" || x.kind === "ItemStmt";
}

function findMain(p: Program): FnDecl | null {
  for (const it of p.body) if (it.kind === "FnDecl" && it.name.name === "main") return it;
  return null;
}

// The checker and the tensor runtime are loaded lazily so that unit tests of the runtime pieces
// do not need them.
function loadCheckedPrelude(): Program {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const check = require("../check") as { loadPrelude: () => { program: Program } };
  return check.loadPrelude().program;
}

function defaultTensors(): TensorRuntime {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require("../tensor") as { tensorRuntime: TensorRuntime }).tensorRuntime;
}

/** Qualified names of the natives declared by the prelude (bodiless fns), for the startup check. */
export function declaredNatives(prelude: Program): string[] {
  const out: string[] = [];
  const visit = (items: (Item | Stmt)[], prefix: string) => {
    for (const it of items) {
      if (it.kind === "FnDecl" && !it.body) out.push(prefix ? `${prefix}::${it.name.name}` : it.name.name);
      else if (it.kind === "ModDecl") visit(it.items, prefix ? `${prefix}::${it.name.name}` : it.name.name);
      else if (it.kind === "ImplDecl" && !it.trait) {
        const t = it.target;
        let name = t.kind === "PathType" ? t.segments[t.segments.length - 1].name.name : t.kind === "SliceType" ? "Slice" : "?";
        // Blanket impls `impl<T: Bound> T` are named by the bound.
        const g = it.generics.find((x) => x.name === name);
        if (g && g.bounds[0] && g.bounds[0].kind === "PathType") name = g.bounds[0].segments[0].name.name;
        for (const m of it.methods) if (!m.body) out.push(`${name}::${m.name.name}`);
      }
    }
  };
  visit(prelude.body, "");
  return [...new Set(out)];
}

export { NATIVES, registerNatives } from "./natives";
export type { NativeFactory, NativeSite } from "./natives";
export { Runtime } from "./runtime";
