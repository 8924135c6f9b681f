// The second tier of the evaluator: a function body compiled to JavaScript source.
//
// The closure compiler (compile.ts) turns every node into a closure; a call from one closure to
// the next is an indirect call that V8 cannot inline, and every scalar local lives boxed in a
// frame array. For a function whose body is made of numeric code — locals, arithmetic, `if`,
// loops, field and index access, direct calls — this module emits one JavaScript function
// instead, which V8 optimizes as a whole: scalar locals become JS variables (registers), struct
// fields and Vec elements are read straight from the heap, calls are monomorphic.
//
// Nodes it does not translate are not a reason to give up: any expression or statement that
// cannot leave early is compiled by the closure compiler and called from the generated code
// (`k12(f)`), reading and writing the same frame. The bindings such a fallback mentions stay in
// frame slots; only the others become JS variables. A function whose body needs something this
// tier cannot express (tensors, which need drop bookkeeping; an early exit from inside a fallback
// nested in a loop) is left entirely to the closure compiler.
//
// GC safety is the closure compiler's rule: collection happens only at safepoints (calls, loop
// back-edges), and every pointer the generated code holds across one is in a rooted slot.
// Pointer values are never kept in JS variables across anything that may reach a safepoint:
// a place's object is read last (after the value and the index, which may call), a call's
// pointer argument followed by one that may collect goes straight into the callee's frame,
// pushed (rooted) before the arguments are evaluated, and pointer locals always live in slots.
//
// Where the slots are: a body without loops that no fallback reads (the closure compiler's code
// indexes a frame array) keeps them in a window of the runtime's root stack, `S[b + i]`, taken
// at entry by moving `rt.rootTop` and given back by moving it again — no frame array, no pool,
// nothing to clear, since the collector scans only below `rootTop`. Other bodies build a frame
// from the pool and push it on `rt.frames` with their pointer map (in a loop, V8 reads a frame
// array's slots faster than the window's); a body with no pointer slots needs neither.
//
// The generated `direct(args..., callSpan)` is the body: it checks the depth, sets up its slots
// (parameters in slots stored, every other root-stack entry emptied) before the entry safepoint,
// and adds its STARK trace frame to a panic passing through. `run(frame, callSpan)`, for callers
// that filled and pushed a frame, takes the arguments out of it, releases it and calls `direct`.
//
// Set STARK_CODEGEN=0 in the environment to run everything through the closure compiler.

import { SlotKind } from "../../heap/api";
import type { Type } from "../check/types";
import type { Binding, BlockExpr, EnumDecl, Expr, FnDecl, Pattern, Span, Stmt, StructDecl } from "../syntax/ast";
import { mayEscape, mayGC, forEachChild } from "./analyze";
import { StarkPanic } from "../diagnostics";
import { formatWithSpec, getMapOps } from "./format";
import { backEdge, baseType, Code, CompiledFn, Compiler, FnCtx, isPlaceExpr, numericConstant, STORING_NATIVE, unwrapParens } from "./compile";
import { ownsTensors } from "./values";
import { Runtime, STR_LEN, utf8Bytes, Value, VEC_DATA, VEC_ITERATING, VEC_LEN } from "./runtime";
import { lineCol } from "../syntax/ast";
import { sliceScalarAt } from "./sliceview";
import { derefAll, INT_RANGE, isTensorKind, needsCopyOnRead, reprOf, substitute } from "./typeinfo";
import { BIG_CODE_MIN, bigSlot, fromSlot, inc64, isWideInt, rangeOf, succ, toF64 } from "./int64";

/** A JS local or an integer literal: reading it has no effect and nothing between can change it. */
const isPureOperand = (s: string) => /^[A-Za-z_$][\w$]*$/.test(s) || INT_LITERAL.test(s);
const INT_LITERAL = /^-?\d+$/;

/** Thrown while generating: this function stays with the closure compiler. */
export class CodegenUnsupported extends Error {}
const Unsupported = CodegenUnsupported;

type Node = { kind: string; [k: string]: unknown };

interface Loop {
  /** The STARK label (`'outer`), if any. */
  label: string | null;
  /** The JS label of the generated loop. */
  js: string;
  /** Where `break value` stores its value (a `loop` in value position). */
  result: string | null;
  /** How many blocks were open (`scopes`) where the loop starts: a jump out of it ends the others. */
  scopeDepth: number;
}

/** Where `into` puts the value of an expression: a JS place, or nowhere. */
type Target = string | null;

/** `kind`s of checker types (a node's `ty` may also be a type expression of the syntax). */
const TYPE_KINDS = new Set(["int", "float", "bool", "char", "str", "tuple", "never", "array", "ref", "adt", "builtin", "tensor", "fn", "dyn", "param", "var"]);

/** Functions compiled to JS and functions left to the closure compiler, since the process started. */
export const codegenStats = { generated: 0, declined: 0, names: new Set<string>() };

export function codegenEnabled(): boolean {
  return process.env.STARK_CODEGEN !== "0";
}

/**
 * Compile `decl`'s body to a JS function and install it as `cf.run`. Returns false (having
 * changed nothing the closure compiler relies on) when the function is left to the closure
 * compiler.
 */
export function generateFunction(c: Compiler, cf: CompiledFn, decl: FnDecl, ctx: FnCtx): boolean {
  const body = decl.body;
  if (!body) return false;
  if (hasTensors(body, ctx, c.rt) || paramsHaveTensors(decl, ctx, c.rt)) {
    codegenStats.declined++;
    return false;
  }
  // Pass 1: find which bindings fallbacks mention (they must stay in frame slots) and whether
  // the body can be generated at all. Nothing is compiled in this pass.
  const scan = new FnGen(c, ctx, null);
  try {
    scan.fnBody(body);
  } catch (e) {
    if (e instanceof Unsupported) {
      codegenStats.declined++;
      return false;
    }
    throw e;
  }
  // The root stack pays off for call-heavy bodies (a frame array costs more to set up than a
  // window); in a loop, V8 reads a frame array's slots faster (nbody: 0.30 s with frames, 0.36 s
  // with the window), so a body with loops keeps its frame.
  const gen = new FnGen(c, ctx, scan.frameBound, scan.fallbacks === 0 && scan.loopCount === 0);
  gen.fnBody(body);
  gen.install(cf);
  codegenStats.generated++;
  codegenStats.names.add(cf.name);
  return true;
}

function paramsHaveTensors(decl: FnDecl, ctx: FnCtx, rt: Runtime): boolean {
  for (const p of decl.params) {
    const t = p.pat.ty ? substitute(p.pat.ty, ctx.subst) : null;
    if (t && derefAll(t).kind === "tensor") return true;
    if (t && p.pat.kind === "BindPat" && p.pat.binding.moveState === "kept" && ownsTensors(rt, t)) return true;
  }
  return false;
}

/**
 * Whether any expression or pattern of the body has a tensor type, or a variable owns tensors
 * the closure compiler frees at its scope's end (drops need the closure compiler).
 */
function hasTensors(root: unknown, ctx: FnCtx, rt: Runtime): boolean {
  let found = false;
  const visit = (n: Node): void => {
    if (found) return;
    const ty = n.ty as Type | undefined;
    if (ty && typeof ty === "object" && TYPE_KINDS.has(ty.kind)) {
      const t = derefAll(substitute(ty, ctx.subst));
      if (t.kind === "tensor") {
        found = true;
        return;
      }
    }
    if (n.kind === "BindPat") {
      const b = n.binding as Binding;
      const t = b.ty ? substitute(b.ty, ctx.subst) : null;
      if (t && (derefAll(t).kind === "tensor" || (b.moveState === "kept" && ownsTensors(rt, t)))) {
        found = true;
        return;
      }
    }
    forEachChild(n, visit);
  };
  visit(root as Node);
  return found;
}

/** Bindings a subtree mentions or declares (closures included). */
function bindingsIn(root: unknown, out: Set<Binding>): void {
  const visit = (n: Node): void => {
    if (n.kind === "PathExpr") {
      const res = n.res as { kind: string; binding?: Binding } | undefined;
      if (res && (res.kind === "local" || res.kind === "global") && res.binding) out.add(res.binding);
    } else if (n.kind === "BindPat") out.add(n.binding as Binding);
    forEachChild(n, visit);
  };
  visit(root as Node);
}

class FnGen {
  private readonly rt;
  /** Values the generated source refers to as k0, k1, ... */
  private readonly consts: unknown[] = [];
  private readonly constIndex = new Map<unknown, number>();
  private readonly lines: string[] = [];
  private indent = "    ";
  private readonly jsLocals = new Map<Binding, string>();
  /** Pass 1 collects these; pass 2 keeps them in frame slots. */
  readonly frameBound: Set<Binding>;
  private readonly emitting: boolean;
  /** The function's own block (its slots are released on return, not emptied at its end). */
  private fnBlock: BlockExpr | null = null;
  /** The blocks open at the point being generated, innermost last (without the function's own). */
  private readonly scopes: BlockExpr[] = [];
  private tmpCount = 0;
  /** The heap offers `slotWords` (see load). */
  private readonly direct: boolean;
  private readonly offset: number;
  loopCount = 0;
  private readonly loops: Loop[] = [];
  private readonly temps: string[] = [];
  /** Fallbacks (closure-compiled code run on the frame) generated; pass 1 counts them. */
  fallbacks = 0;

  /**
   * @param rooted No fallback reads the frame (pass 1 found none): the slots are a window of the
   * runtime's root stack (`S[b + i]`, see install) instead of a frame array.
   */
  constructor(
    private readonly c: Compiler,
    private readonly ctx: FnCtx,
    frameBound: Set<Binding> | null,
    private readonly rooted = false,
  ) {
    this.rt = c.rt;
    this.emitting = frameBound !== null;
    const heap = c.rt.heap;
    this.direct = typeof heap.slotWords === "function" && typeof heap.slotOffset === "number";
    this.offset = heap.slotOffset ?? 0;
    this.frameBound = frameBound ?? new Set();
  }

  // ───────────── output helpers ─────────────

  private k(v: unknown): string {
    let i = this.constIndex.get(v);
    if (i === undefined) {
      i = this.consts.length;
      this.consts.push(v);
      this.constIndex.set(v, i);
    }
    return `k${i}`;
  }

  private emit(line: string): void {
    if (this.emitting) this.lines.push(this.indent + line);
  }

  private nested(fn: () => void): void {
    const saved = this.indent;
    this.indent += "  ";
    try {
      fn();
    } finally {
      this.indent = saved;
    }
  }

  private tmp(): string {
    const t = `t${this.tmpCount++}`;
    this.temps.push(t);
    return t;
  }

  private typeOf(e: Expr): Type {
    return this.c.typeOf(e, this.ctx);
  }

  // ───────────── slot access ─────────────
  // With the heap's `slotWords` the generated code indexes the slot array `F` itself (no call,
  // nothing for V8's inlining budget); `F` is re-read after everything that may allocate, since
  // growing the heap replaces the array. Without it, the heap's methods.

  /** Scalar or pointer slot `slot` (a number or a JS expression) of the object at `base`. */
  private load(base: string, slot: number | string): string {
    if (!this.direct) return `heap.get(${base}, ${slot})`;
    return typeof slot === "number" ? `F[${base} + ${slot + this.offset}]` : `F[${base} + ${this.offset} + ${slot}]`;
  }

  /** Store a scalar slot. */
  private store(base: string, slot: number | string, v: string): string {
    if (!this.direct) return `heap.set(${base}, ${slot}, ${v})`;
    return `${this.load(base, slot)} = ${v}`;
  }

  /**
   * A slot word read as a value of type `t`: for a 64-bit integer type, the code of a big value
   * becomes its bigint (int64.ts); one comparison when it is not one.
   */
  private fromWord(word: string, t: Type): string {
    if (!isWide(t)) return word;
    const w = this.tmp();
    return `(${w} = ${word}, ${w} >= ${BIG_CODE_MIN} ? ${this.k(fromSlot)}(${w}) : ${w})`;
  }

  /** A value of type `t` as the word stored in a scalar slot: a bigint becomes its code. */
  private toWord(v: string, t: Type): string {
    if (!isWide(t)) return v;
    const w = this.tmp();
    return `(${w} = ${v}, typeof ${w} === "number" ? ${w} : ${this.k(bigSlot)}(${w}))`;
  }

  /** `code` (which may allocate) as an expression that re-reads `F` after it. */
  private allocating(code: string): string {
    if (!this.direct) return code;
    const t = this.tmp();
    return `(${t} = ${code}, F = heap.slotWords(), ${t})`;
  }

  /** A statement re-reading `F` (after a statement that may allocate). */
  private reloadSlots(): void {
    if (this.direct) this.emit(`F = heap.slotWords();`);
  }

  /** The safepoint at a loop's back-edge (a collection may move objects and grow the heap). */
  private backEdge(span: Span): string {
    const poll = `${this.k(backEdge)}(heap, ${this.k(span)})`;
    return this.direct ? `${poll}, F = heap.slotWords()` : poll;
  }

  // ───────────── variables ─────────────

  private isCelled(b: Binding): boolean {
    return this.ctx.cells.has(b) || !!b.global;
  }

  /** The JS place of a local binding (a JS variable or its frame slot); null for celled/global ones. */
  private local(b: Binding): string | null {
    if (this.isCelled(b)) return null;
    const t = this.c.bindingType(this.ctx, b);
    if (!this.emitting) return "f[0]";
    if (reprOf(t) === SlotKind.Scalar && !this.frameBound.has(b)) {
      let name = this.jsLocals.get(b);
      if (name === undefined) {
        name = `v${this.jsLocals.size}`;
        this.jsLocals.set(b, name);
      }
      return name;
    }
    let slot = this.ctx.slots.get(b);
    if (slot === undefined) slot = this.c.declare(this.ctx, b);
    return this.slot(slot);
  }

  /** Frame slot `i` as a JS place. */
  private slot(i: number): string {
    return this.rooted ? `S[b + ${i}]` : `f[${i}]`;
  }

  /** A statement (expression) emptying slot `i`: it no longer keeps its object alive. */
  private clearSlot(i: number): string {
    return this.rooted ? `S[b + ${i}] = 0` : `f[${i}] = undefined`;
  }

  /** A local read: null when the binding is not a plain local (cells, globals). */
  private localRead(b: Binding): string | null {
    return this.local(b);
  }

  /** Record the bindings a fallback mentions; in pass 2 none of them may have become a JS variable. */
  private noteFallback(root: unknown): void {
    this.fallbacks++;
    if (!this.emitting) {
      bindingsIn(root, this.frameBound);
      return;
    }
    const seen = new Set<Binding>();
    bindingsIn(root, seen);
    for (const b of seen) if (this.jsLocals.has(b)) throw new Error(`codegen: \`${b.name}\` is a JS variable but a fallback reads it`);
  }

  // ───────────── fallbacks ─────────────

  /** Call the closure compiler's code for `e` (which must not leave early). */
  private fallbackExpr(e: Expr, valueCtx: boolean): string {
    if (mayEscape(e)) throw new Unsupported();
    this.noteFallback(e);
    if (!this.emitting) return "k0(f)";
    const code: Code = valueCtx ? this.c.compileExpr(e, this.ctx) : this.c.compileOperand(e, this.ctx);
    return this.allocating(`${this.k(code)}(f)`);
  }

  /** A statement run by the closure compiler; an early return from it leaves the function. */
  private fallbackStmt(s: Stmt): void {
    const escapes = mayEscape(s);
    if (escapes && this.loops.length > 0) throw new Unsupported();
    this.noteFallback(s);
    if (!this.emitting) return;
    const code = this.c.compileStmt(s, this.ctx);
    this.emit(`${this.k(code)}(f);`);
    this.reloadSlots();
    if (escapes) this.emitEscapeCheck();
  }

  private emitEscapeCheck(): void {
    // Only `return` (or `?`) can reach here: a break or continue inside the fallback targets a
    // loop inside it, and there is no generated loop around it.
    this.emit(`if (rt.ctl !== 0) { R = rt.ctlValue; rt.ctl = 0; rt.ctlValue = undefined; break body; }`);
  }

  // ───────────── the function ─────────────

  fnBody(body: BlockExpr): void {
    this.fnBlock = body;
    this.into(body, "R");
  }

  install(cf: CompiledFn): void {
    const ctx = this.ctx;
    const c = this.c;
    const rt = this.rt;
    const params = Array.from({ length: cf.arity }, (_, i) => `p${i}`);
    // `direct` is the body, taking the arguments as JS values; `run` (for callers that built a
    // frame) unpacks it. Where the body keeps what its slots hold:
    //   "none"   nothing in slots (only scalar parameters and locals, no fallback): no frame;
    //   "roots"  pointers only, and no fallback reads the frame: a window S[b .. b + size) of the
    //            runtime's root stack, taken and given back by moving rt.rootTop (no frame array,
    //            no pool, nothing to clear on the way out: entries above rootTop are not roots);
    //   "frame"  a frame array from the pool, pushed on rt.frames with its pointer map.
    const mentionsFrame = this.lines.some((l) => /(?<![\w$.])f(?![\w$])/.test(l));
    const storage = ctx.map.length === 0 && !mentionsFrame ? "none" : this.rooted ? "roots" : "frame";
    if (storage === "roots" && mentionsFrame) throw new Error(`codegen: ${cf.name} uses its frame but keeps its slots on the root stack`);
    // Parameters that became JS variables take their argument; the others live in their slots.
    const paramLocals: string[] = [];
    const inVariable = new Set<number>();
    for (const [b, name] of this.jsLocals) {
      const slot = ctx.slots.get(b);
      if (slot !== undefined && slot < cf.arity) {
        paramLocals.push(`${name} = p${slot}`);
        inVariable.add(slot);
      }
    }
    // A body that reads no slot directly has no use for the slot array.
    const usesSlots = this.direct && this.lines.some((l) => l.includes("F["));
    const lines = usesSlots ? this.lines : this.lines.map((l) => l.split(", F = heap.slotWords()").join("").split("F = heap.slotWords();").join(""));
    const vars = [...this.jsLocals.values()].map((v) => `${v} = 0`).concat(this.temps, usesSlots ? ["F"] : []);
    // The slots are set up before the entry safepoint: parameters kept in slots are stored, and
    // (on the root stack, whose entries may be stale) every other slot is emptied.
    let entry: string[] = [];
    let exit = "";
    if (storage === "frame") {
      const slotParams = params.flatMap((p, i) => (inVariable.has(i) ? [] : [`f[${i}] = ${p}`]));
      entry = [`  const f = pool.length !== 0 ? pool.pop() : new Array(${ctx.size});`, `  rt.pushFrame(f, map);`, slotParams.length ? `  ${slotParams.join("; ")};` : ""];
      exit = " rt.popFrame();";
    } else if (storage === "roots") {
      const init = Array.from({ length: ctx.size }, (_, i) => `S[b + ${i}] = ${i < cf.arity && !inVariable.has(i) ? `p${i}` : "0"}`);
      entry = [`  const b = rt.rootTop;`, `  rt.rootTop = b + ${ctx.size};`, `  ${init.join("; ")};`];
      exit = " rt.rootTop = b;";
    }
    const body = [
      `  if (++rt.depth > rt.stackCheck && !rt.deeper()) { const e = compiler.stackOverflow(callSpan); rt.depth--; throw e; }`,
      ...entry,
      vars.length ? `  let ${vars.join(", ")};` : "",
      paramLocals.length ? `  ${paramLocals.join("; ")};` : "",
      `  let R;`,
      `  try {`,
      `    heap.safepoint();`,
      usesSlots ? `    F = heap.slotWords();` : "",
      `    body: {`,
      ...lines.map((l) => "  " + l),
      `    }`,
      `  } catch (e) {`,
      `    rt.depth--;${exit}`,
      `    throw compiler.addTraceFrame(e, name, callSpan);`,
      `  }`,
      `  rt.depth--;${exit}`,
    ];
    const fn = jsName(cf.name);
    // `run` is for callers that filled and pushed a frame: it takes the arguments back out of it
    // (nothing can collect in between) and releases it before calling `direct`.
    const release = ctx.map.filter((s) => s < cf.arity).map((s) => ` f[${s}] = undefined;`).join("");
    const src = [
      `const direct = function ${fn}(${[...params, "callSpan"].join(", ")}) {`,
      ...body,
      storage === "frame" ? `  if (pool.length < 64) { ${ctx.map.map((s) => `f[${s}] = undefined;`).join(" ")} pool.push(f); }` : "",
      `  return R;`,
      `};`,
      `const run = function ${fn}_frame(f, callSpan) {`,
      ...params.map((p, i) => `  const ${p} = f[${i}];`),
      `  rt.popFrame();`,
      `  if (pool.length < 64) {${release} pool.push(f); }`,
      `  return direct(${[...params, "callSpan"].join(", ")});`,
      `};`,
      `return { run, direct };`,
    ];
    const names = ["rt", "heap", "compiler", "name", "pool", "map", "S", ...this.consts.map((_, i) => `k${i}`)];
    const values = [rt, rt.heap, c, cf.name, cf.pool, ctx.map, rt.roots, ...this.consts];
    const text = src.join("\n");
    if (process.env.STARK_CODEGEN_DUMP) process.stderr.write(`// ${cf.name}\n${text}\n`);
    cf.frameSize = ctx.size;
    cf.map = ctx.map;
    const made = new Function(...names, text)(...values) as { run: CompiledFn["run"]; direct: CompiledFn["direct"] };
    cf.run = made.run;
    cf.direct = made.direct;
    cf.generated = true;
  }

  // ───────────── statements ─────────────

  private stmt(s: Stmt): void {
    switch (s.kind) {
      case "EmptyStmt":
      case "ItemStmt":
        return;
      case "ExprStmt":
        // The closure compiler frees the tensors a discarded value owns (compileStmt).
        if (!isPlaceExpr(s.expr) && ownsTensors(this.rt, this.typeOf(s.expr))) return this.fallbackStmt(s);
        if (s.semi && (this.mapInsertStmt(s.expr) || this.pushStrStmt(s.expr))) return;
        this.into(s.expr, null);
        return;
      case "LetStmt": {
        const pat = s.pat;
        if (s.elseBlock) return this.fallbackStmt(s);
        if (pat.kind === "WildcardPat") {
          if (s.init) this.into(s.init, null);
          return;
        }
        if (pat.kind !== "BindPat" || pat.byRef !== "none" || pat.sub) return this.fallbackStmt(s);
        const b = pat.binding;
        if (this.isCelled(b)) return this.fallbackStmt(s);
        if (!s.init) {
          this.local(b);
          return;
        }
        const bt = this.c.bindingType(this.ctx, b);
        const probe: Code = (f) => f[0];
        if (this.c.coerce(probe, this.typeOf(s.init), bt) !== probe) return this.fallbackStmt(s);
        // The initializer is evaluated before the binding exists (`let x = x + 1` reads the old x).
        const t = this.intoValue(s.init);
        this.emit(`${this.local(b)} = ${t};`);
        return;
      }
    }
  }

  /**
   * The value of `e` as a JS expression, generating statements first when `e` is a block, an
   * `if` with statements in its branches, or a loop.
   */
  private intoValue(e: Expr): string {
    const u = unwrapParens(e);
    if (!mayEscape(u)) {
      const simple = this.tryExpr(u, true);
      if (simple !== null) return simple;
    }
    if (u.kind === "IfExpr" || u.kind === "BlockExpr" || u.kind === "LoopExpr" || u.kind === "MatchExpr" || u.kind === "IfLetExpr" || mayEscape(u)) {
      const t = this.tmp();
      this.into(u, t);
      return t;
    }
    return this.fallbackExpr(u, true);
  }

  /** Evaluate `e` and store its value into `target` (or drop it). */
  private into(e: Expr, target: Target): void {
    const u = unwrapParens(e);
    switch (u.kind) {
      case "BlockExpr": {
        this.emit(`{`);
        // The block's managed `let`s are dropped at its end, or where a break or continue leaves
        // it: their slots stop being roots (see scopeSlots). The function's own block needs
        // nothing: its slots are released on return.
        const scoped = u !== this.fnBlock;
        if (scoped) this.scopes.push(u);
        this.nested(() => {
          for (const s of u.stmts) this.stmt(s);
          if (u.tail) this.into(u.tail, target);
          else if (target !== null) this.emit(`${target} = undefined;`);
          if (scoped) this.endScopes(this.scopes.length - 1);
        });
        if (scoped) this.scopes.pop();
        this.emit(`}`);
        return;
      }
      case "IfExpr": {
        const cond = this.expr(u.cond, true);
        this.emit(`if (${cond}) {`);
        this.nested(() => this.into(u.then, target));
        if (u.else) {
          this.emit(`} else {`);
          this.nested(() => this.into(u.else as Expr, target));
        } else if (target !== null) {
          this.emit(`} else {`);
          this.nested(() => this.emit(`${target} = undefined;`));
        }
        this.emit(`}`);
        return;
      }
      case "WhileExpr": {
        const cond = this.expr(u.cond, true);
        const loop = this.pushLoop(u.label?.name ?? null, null);
        this.emit(`${loop.js}: for (; ${cond}; ${this.backEdge(u.span)}) {`);
        this.nested(() => this.into(u.body, null));
        this.emit(`}`);
        this.loops.pop();
        if (target !== null) this.emit(`${target} = undefined;`);
        return;
      }
      case "LoopExpr": {
        const loop = this.pushLoop(u.label?.name ?? null, target);
        this.emit(`${loop.js}: for (;; ${this.backEdge(u.span)}) {`);
        this.nested(() => this.into(u.body, null));
        this.emit(`}`);
        this.loops.pop();
        return;
      }
      case "ForExpr": {
        const it = unwrapParens(u.iter);
        const pat = u.pat;
        const plain = (pat.kind === "BindPat" && pat.byRef === "none" && !pat.sub && !this.isCelled(pat.binding)) || pat.kind === "WildcardPat";
        if (plain && this.vecLoop(u, target)) return;
        if (it.kind !== "RangeExpr" || !it.start || !it.end || !plain) {
          this.fallbackStmt({ kind: "ExprStmt", span: u.span, expr: u, semi: true });
          if (target !== null) this.emit(`${target} = undefined;`);
          return;
        }
        const a = this.intoValue(it.start);
        const aT = this.tmp();
        this.emit(`${aT} = ${a};`);
        const b = this.intoValue(it.end);
        const stop = this.tmp();
        // A 64-bit counter may pass 2^53, where `i++` stops counting: one more comparison per
        // step hands it to the exact successor there (int64.ts).
        const wide = isWide(this.typeOf(it.start));
        const next = (v: string) => (wide ? `${v} = ${this.k(inc64)}(${v})` : `${v}++`);
        this.emit(`${stop} = ${it.inclusive ? (wide ? `${this.k(succ)}(${b})` : `${b} + 1`) : b};`);
        const i = this.tmp();
        const loop = this.pushLoop(u.label?.name ?? null, null);
        this.emit(`${loop.js}: for (${i} = ${aT}; ${i} < ${stop}; ${this.backEdge(u.span)}, ${next(i)}) {`);
        this.nested(() => {
          if (pat.kind === "BindPat") this.emit(`${this.local(pat.binding)} = ${i};`);
          this.into(u.body, null);
        });
        this.emit(`}`);
        this.loops.pop();
        if (target !== null) this.emit(`${target} = undefined;`);
        return;
      }
      case "MatchExpr":
      case "IfLetExpr":
      case "WhileLetExpr":
        if (mayEscape(u.scrutinee)) return this.intoOther(u, target);
        if (u.kind === "MatchExpr") this.match(u, target);
        else if (u.kind === "IfLetExpr") this.ifLet(u, target);
        else this.whileLet(u, target);
        return;
      case "ReturnExpr": {
        if (u.value) this.into(u.value, "R");
        else this.emit(`R = undefined;`);
        this.emit(`break body;`);
        return;
      }
      case "BreakExpr": {
        const loop = this.findLoop(u.label?.name ?? null);
        if (u.value) {
          if (loop.result === null) this.into(u.value, null);
          else this.into(u.value, loop.result);
        }
        this.endScopes(loop.scopeDepth);
        this.emit(`break ${loop.js};`);
        return;
      }
      case "ContinueExpr": {
        const loop = this.findLoop(u.label?.name ?? null);
        this.endScopes(loop.scopeDepth);
        this.emit(`continue ${loop.js};`);
        return;
      }
      case "AssignExpr":
        this.assign(u);
        if (target !== null) this.emit(`${target} = undefined;`);
        return;
      default:
        return this.intoOther(u, target);
    }
  }

  /** Any other expression: generated, or run by the closure compiler (with an early exit checked). */
  private intoOther(u: Expr, target: Target): void {
    if (mayEscape(u)) {
      // A call with `?` inside, say: run by the closure compiler.
      if (this.loops.length > 0) throw new Unsupported();
      this.noteFallback(u);
      if (this.emitting) {
        const code = `${this.k(this.c.compileExpr(u, this.ctx))}(f)`;
        this.emit(target === null ? `${code};` : `${target} = ${code};`);
      }
      this.reloadSlots();
      this.emitEscapeCheck();
      return;
    }
    const v = this.expr(u, true);
    this.emit(target === null ? `${v};` : `${target} = ${v};`);
  }

  // ───────────── patterns: match, if let, while let ─────────────
  // The closure compiler's matchers test a value and bind the pattern's variables (into frame
  // slots: a pattern counts as a fallback); the arms, guards and bodies are generated.

  /**
   * Evaluate a scrutinee where every arm can read it: a pointer in a hidden frame slot (a guard
   * or an arm test may collect), a scalar in a JS variable. Returns [the place, its slot or -1].
   */
  private scrutinee(e: Expr, inlineTests: boolean): [string, number] {
    const t = this.typeOf(e);
    const v = this.expr(e, false);
    // Tests that only read the object's slots (no guard, no matcher) cannot collect: a pointer
    // may wait in a JS variable while they run, and the arm bodies never read it.
    if (reprOf(t) === SlotKind.Scalar || inlineTests) {
      const tv = this.tmp();
      this.emit(`${tv} = ${v};`);
      return [tv, -1];
    }
    const slot = this.emitting ? this.ctx.newSlot(SlotKind.Pointer) : 0;
    this.emit(`${this.slot(slot)} = ${v};`);
    return [this.slot(slot), slot];
  }

  /** `m(f, value, 0, -1)`: does the value match (binding its variables)? Matchers may allocate. */
  private test(pat: Pattern, place: string, t: Type): string {
    // An enum variant's pattern compares the tag inline (as the matcher does: slot 0 of the object
    // the scrutinee points at); the matcher runs only when the tag matches and there is more to
    // match or bind. `None`, `Tree::Leaf`, `Shape::Line(_, _)` need no call at all.
    return this.inlineTest(pat, place, t) ?? this.matcher(pat, place, t);
  }

  /**
   * `pat`'s test and bindings read straight from the scrutinee's slots, or null when it needs the
   * closure compiler's matcher (which may allocate). `_` always matches.
   */
  private inlineTest(pat: Pattern, place: string, t: Type): string | null {
    if (pat.kind === "WildcardPat") return "true";
    const pt = pat.ty ? substitute(pat.ty, this.ctx.subst) : t;
    const at = baseType(pt);
    if (at.kind === "adt" && at.decl.kind === "EnumDecl" && reprOf(t) === SlotKind.Pointer) {
      if ((pat.kind === "PathPat" || pat.kind === "TupleStructPat" || pat.kind === "StructPat") && pat.path.res?.kind === "variant") {
        const check = `${this.load(place, 0)} === ${pat.path.res.index}`;
        const rest = pat.kind === "TupleStructPat" ? pat.elems.some((x) => x.kind !== "WildcardPat" && x.kind !== "RestPat") : pat.kind === "StructPat";
        if (!rest) return `(${check})`;
        const binds = pat.kind === "TupleStructPat" ? this.variantBinds(pat.elems, at, pat.path.res.index, place) : null;
        return binds === null ? null : `(${check} && ${binds})`;
      }
    }
    return null;
  }

  /**
   * `Node(l, r)` / `Some(n)`: each field bound by name (or `_`) straight from its slot, as the
   * matcher would bind it (the value itself: a pointer, or a number). Null when a field needs
   * more (a sub-pattern, a copy, a place for `&mut`, a cell, a tensor, a bool or char).
   */
  private variantBinds(elems: Pattern[], at: Type & { kind: "adt" }, index: number, place: string): string | null {
    const l = this.rt.adtLayout(at);
    const off = l.offsets[index];
    const types = l.fieldTypes[index];
    if (elems.length !== types.length) return null;
    const parts: string[] = [];
    for (let i = 0; i < elems.length; i++) {
      const p = elems[i];
      if (p.kind === "WildcardPat") continue;
      if (p.kind !== "BindPat" || p.sub || this.isCelled(p.binding)) return null;
      const k = l.kinds[off + i];
      const ft = derefAll(types[i]);
      const bt = this.c.bindingType(this.ctx, p.binding);
      if (isTensorKind(k) || reprOf(bt) !== k || needsCopyOnRead(bt)) return null;
      if (k === SlotKind.Scalar && ((ft.kind !== "int" && ft.kind !== "float") || (bt.kind === "ref" && bt.mutable))) return null;
      parts.push(`${this.local(p.binding)} = ${k === SlotKind.Scalar ? this.fromWord(this.load(place, off + i), ft) : this.load(place, off + i)}`);
    }
    return `(${[...parts, "true"].join(", ")})`;
  }

  /** The closure compiler's matcher for `pat`, called on the scrutinee at `place`. */
  private matcher(pat: Pattern, place: string, t: Type): string {
    this.noteFallback(pat);
    const m = this.emitting ? this.c.compilePattern(pat, this.ctx, t) : null;
    return this.allocating(`${this.k(m)}(f, ${place}, 0, -1)`);
  }

  private match(e: Expr & { kind: "MatchExpr" }, target: Target): void {
    if (this.mapGetMatch(e, target)) return;
    const st = this.typeOf(e.scrutinee);
    const inlineTests = e.arms.every((arm) => !arm.guard && this.inlineTest(arm.pat, "x", st) !== null);
    const [place, slot] = this.scrutinee(e.scrutinee, inlineTests);
    const release = slot >= 0 ? `${this.clearSlot(slot)};` : "";
    e.arms.forEach((arm, i) => {
      let cond = this.test(arm.pat, place, st);
      if (arm.guard) cond = `${cond} && ${this.expr(arm.guard, true)}`;
      this.emit(`${i === 0 ? "" : "} else "}if (${cond}) {`);
      this.nested(() => {
        if (release) this.emit(release);
        this.into(arm.body, target);
      });
    });
    this.emit(e.arms.length ? `} else {` : `{`);
    this.emit(`  rt.panic("P0105", "internal: no match arm matched", ${this.k(e.span)});`);
    this.emit(`}`);
  }

  /**
   * `match m.get(&k) { Some(v) => .., None => .. }` / `if let Some(v) = m.get(&k)` without the
   * `Option`: the entry is looked up (`MapOps.find`, as the `Map::get` native does) and its value
   * read at once; the patterns test whether it was found. Only for a map in a local (so the key,
   * which may allocate, can be computed first), patterns `Some(name)`/`Some(_)`, `None` and `_`
   * without guards, and a value that binds as it is (a pointer or a number). Emits the lookup and
   * returns each pattern's condition (which binds), or null (nothing emitted).
   */
  private mapGetLookup(scrutinee: Expr, pats: Pattern[]): ((p: Pattern) => string) | null {
    const call = unwrapParens(scrutinee);
    if (call.kind !== "MethodCallExpr" || call.res?.kind !== "native" || call.res.name !== "Map::get" || call.args.length !== 1) return null;
    const recv = unwrapParens(call.receiver);
    if (recv.kind !== "PathExpr" || recv.res?.kind !== "local" || this.isCelled(recv.res.binding) || mayEscape(call.args[0])) return null;
    const rt0 = this.typeOf(call.receiver);
    const mt = rt0.kind === "ref" ? rt0.inner : rt0;
    if (mt.kind !== "builtin" || mt.name !== "Map" || mt.args.length !== 2) return null;
    const vkind = reprOf(mt.args[1]);
    const vt = derefAll(mt.args[1]);
    if (isTensorKind(vkind) || (vkind === SlotKind.Scalar && vt.kind !== "int" && vt.kind !== "float")) return null;
    const isVariant = (p: Pattern, name: string): boolean => (p.kind === "PathPat" || p.kind === "TupleStructPat") && p.path.res?.kind === "variant" && p.path.segments[p.path.segments.length - 1].name.name === name;
    for (const p of pats) {
      if (p.kind === "WildcardPat" || (p.kind === "PathPat" && isVariant(p, "None"))) continue;
      if (p.kind !== "TupleStructPat" || !isVariant(p, "Some") || p.elems.length !== 1) return null;
      const x = p.elems[0];
      if (x.kind === "WildcardPat") continue;
      if (x.kind !== "BindPat" || x.sub || this.isCelled(x.binding)) return null;
      const bt = this.c.bindingType(this.ctx, x.binding);
      if (reprOf(bt) !== vkind || needsCopyOnRead(bt) || (bt.kind === "ref" && bt.mutable)) return null;
    }
    const ops = this.emitting ? getMapOps(this.rt, { kind: "builtin", name: "Map", args: mt.args }) : null;
    const key = this.tmp();
    const found = this.tmp();
    const value = this.tmp();
    const argT = this.typeOf(call.args[0]);
    this.emit(`${key} = ${this.expr(call.args[0], argT.kind !== "ref")};`);
    // `MapOps.get`: the value (a number or a pointer), or undefined when the key is not there.
    this.emit(`${value} = ${this.k(ops)}.get(${this.expr(recv, false)}, ${key});`);
    this.emit(`${found} = ${value} !== undefined;`);
    this.emit(`${key} = undefined;`);
    return (p) => {
      if (p.kind === "PathPat") return `!${found}`;
      if (p.kind !== "TupleStructPat") return "true";
      const x = p.elems[0];
      return x.kind === "BindPat" ? `${found} && (${this.local(x.binding)} = ${this.fromWord(value, vt)}, ${value} = undefined, true)` : found;
    };
  }

  /**
   * `m.insert(k, v);` with the result unused, on a map in a local: `MapOps.insert` directly,
   * without the native's `Option` of the replaced value. The key and value are computed in
   * order (a pointer key is not held across a value that may collect), then the map is read.
   * Not for tensor values: dropping that `Option` is what frees the replaced tensor.
   */
  private mapInsertStmt(e: Expr): boolean {
    const call = unwrapParens(e);
    if (call.kind !== "MethodCallExpr" || call.res?.kind !== "native" || call.res.name !== "Map::insert" || call.args.length !== 2) return false;
    const recv = unwrapParens(call.receiver);
    if (recv.kind !== "PathExpr" || recv.res?.kind !== "local" || this.isCelled(recv.res.binding)) return false;
    if (call.args.some((a) => mayEscape(a)) || (call as unknown as { autoref?: boolean[] }).autoref?.some(Boolean)) return false;
    const rt0 = this.typeOf(call.receiver);
    const mt = rt0.kind === "ref" ? rt0.inner : rt0;
    if (mt.kind !== "builtin" || mt.name !== "Map" || mt.args.length !== 2 || isTensorKind(reprOf(mt.args[1]))) return false;
    if (reprOf(mt.args[0]) !== SlotKind.Scalar && mayGC(call.args[1])) return false;
    const ops = this.emitting ? getMapOps(this.rt, { kind: "builtin", name: "Map", args: mt.args }) : null;
    const [key, val] = call.args.map((a) => {
      const t = this.tmp();
      this.emit(`${t} = ${this.expr(a, true)};`);
      // The map keeps the key and value: a local moved in stops being a root (Compiler.movedSlot).
      const moved = this.emitting ? this.c.movedSlot(a, this.ctx) : -1;
      if (moved >= 0) this.emit(`${this.clearSlot(moved)};`);
      return t;
    });
    this.emit(`${this.k(ops)}.insert(${this.expr(recv, false)}, ${key}, ${val});`);
    this.emit(`${key} = undefined;`);
    this.emit(`${val} = undefined;`);
    this.reloadSlots();
    return true;
  }

  /** `s.push_str(&t);` on a String in a local: `rt.strAppend` directly (the argument first, then `s`). */
  private pushStrStmt(e: Expr): boolean {
    const call = unwrapParens(e);
    if (call.kind !== "MethodCallExpr" || call.res?.kind !== "native" || call.res.name !== "String::push_str" || call.args.length !== 1) return false;
    const recv = unwrapParens(call.receiver);
    if (recv.kind !== "PathExpr" || recv.res?.kind !== "local" || this.isCelled(recv.res.binding) || mayEscape(call.args[0])) return false;
    const st = derefAll(this.typeOf(call.receiver));
    if (st.kind !== "builtin" || st.name !== "String") return false;
    const arg = this.tmp();
    this.emit(`${arg} = ${this.expr(call.args[0], false)};`);
    this.emit(`rt.strAppend(${this.expr(recv, false)}, ${arg});`);
    this.emit(`${arg} = undefined;`);
    this.reloadSlots();
    return true;
  }

  private mapGetMatch(e: Expr & { kind: "MatchExpr" }, target: Target): boolean {
    if (e.arms.some((arm) => arm.guard)) return false;
    const cond = this.mapGetLookup(e.scrutinee, e.arms.map((arm) => arm.pat));
    if (cond === null) return false;
    e.arms.forEach((arm, i) => {
      this.emit(`${i === 0 ? "" : "} else "}if (${cond(arm.pat)}) {`);
      this.nested(() => this.into(arm.body, target));
    });
    this.emit(e.arms.length ? `} else {` : `{`);
    this.emit(`  rt.panic("P0105", "internal: no match arm matched", ${this.k(e.span)});`);
    this.emit(`}`);
    return true;
  }

  private ifLet(e: Expr & { kind: "IfLetExpr" }, target: Target): void {
    const lookup = this.mapGetLookup(e.scrutinee, [e.pat]);
    if (lookup !== null) {
      this.emit(`if (${lookup(e.pat)}) {`);
      this.nested(() => this.into(e.then, target));
      this.emit(`} else {`);
      this.nested(() => {
        if (e.else) this.into(e.else, target);
        else if (target !== null) this.emit(`${target} = undefined;`);
      });
      this.emit(`}`);
      return;
    }
    const st = this.typeOf(e.scrutinee);
    const [place, slot] = this.scrutinee(e.scrutinee, this.inlineTest(e.pat, "x", st) !== null);
    const release = slot >= 0 ? `${this.clearSlot(slot)};` : "";
    this.emit(`if (${this.test(e.pat, place, st)}) {`);
    this.nested(() => {
      if (release) this.emit(release);
      this.into(e.then, target);
    });
    this.emit(`} else {`);
    this.nested(() => {
      if (release) this.emit(release);
      if (e.else) this.into(e.else, target);
      else if (target !== null) this.emit(`${target} = undefined;`);
    });
    this.emit(`}`);
  }

  private whileLet(e: Expr & { kind: "WhileLetExpr" }, target: Target): void {
    const st = this.typeOf(e.scrutinee);
    const loop = this.pushLoop(e.label?.name ?? null, null);
    this.emit(`${loop.js}: for (;; ${this.backEdge(e.span)}) {`);
    this.nested(() => {
      const [place, slot] = this.scrutinee(e.scrutinee, this.inlineTest(e.pat, "x", st) !== null);
      const release = slot >= 0 ? `${this.clearSlot(slot)};` : "";
      this.emit(`if (!(${this.test(e.pat, place, st)})) { ${release} break ${loop.js}; }`);
      if (release) this.emit(release);
      this.into(e.body, null);
    });
    this.emit(`}`);
    this.loops.pop();
    if (target !== null) this.emit(`${target} = undefined;`);
  }

  /**
   * `for x in v.iter()` / `v.iter_mut()` / `&v` / `&mut v` over a Vec whose object is a plain
   * place: an index loop. Like the iterator it replaces, it reads the length at every step, binds
   * the element (a struct's pointer, or a scalar's value when not mutable), and marks the Vec as
   * iterated for the loop's duration (VEC_ITERATING, which turns a push through a Gc handle into
   * P0301). False when the loop is not of that shape.
   */
  private vecLoop(u: Expr & { kind: "ForExpr" }, target: Target): boolean {
    const it = unwrapParens(u.iter);
    let src: Expr | null = null;
    let mutable = false;
    if (it.kind === "MethodCallExpr" && it.res?.kind === "native" && (it.res.name === "Vec::iter" || it.res.name === "Vec::iter_mut") && it.args.length === 0) {
      src = it.receiver;
      mutable = it.res.name === "Vec::iter_mut";
    } else if ((u.iterKind === "ref" || u.iterKind === "refMut") && this.typeOf(it).kind === "ref") {
      src = it;
      mutable = u.iterKind === "refMut";
    }
    if (src === null) return false;
    const vt = baseType(this.typeOf(src));
    if (vt.kind !== "builtin" || vt.name !== "Vec" || !vt.args[0]) return false;
    const kind = reprOf(vt.args[0]);
    if (isTensorKind(kind) || (kind === SlotKind.Scalar && mutable)) return false;
    const base = this.ptrBase(src);
    if (base === null) return false;
    const vecSlot = this.emitting ? this.ctx.newSlot(SlotKind.Pointer) : 0;
    const v = this.slot(vecSlot);
    const prev = this.tmp();
    const i = this.tmp();
    const line = lineCol(u.span.file, u.span.start).line;
    this.emit(`${v} = ${base};`);
    this.emit(`${prev} = ${this.load(v, VEC_ITERATING)};`);
    this.emit(`${this.store(v, VEC_ITERATING, `${prev} || ${line}`)};`);
    this.emit(`try {`);
    const loop = this.pushLoop(u.label?.name ?? null, null);
    this.nested(() => {
      this.emit(`${loop.js}: for (${i} = 0; ${i} < ${this.load(v, VEC_LEN)}; ${this.backEdge(u.span)}, ${i}++) {`);
      this.nested(() => {
        if (u.pat.kind === "BindPat") this.emit(`${this.local(u.pat.binding)} = ${kind === SlotKind.Scalar ? this.fromWord(this.load(this.load(v, VEC_DATA), i), vt.args[0]) : this.load(this.load(v, VEC_DATA), i)};`);
        this.into(u.body, null);
      });
      this.emit(`}`);
    });
    this.loops.pop();
    this.emit(`} finally {`);
    this.reloadSlots();
    this.emit(`  heap.set(${v}, ${VEC_ITERATING}, ${prev});`);
    this.emit(`  ${this.clearSlot(vecSlot)};`);
    this.emit(`}`);
    if (target !== null) this.emit(`${target} = undefined;`);
    return true;
  }

  private pushLoop(label: string | null, result: string | null): Loop {
    const loop = { label, js: `L${this.loopCount++}`, result, scopeDepth: this.scopes.length };
    this.loops.push(loop);
    return loop;
  }

  /** Empty the managed `let` slots of the open blocks from `scopes[from]` in (declared so far). */
  private endScopes(from: number): void {
    if (!this.emitting) return;
    for (let i = this.scopes.length - 1; i >= from; i--) for (const slot of this.c.scopeSlots(this.scopes[i], this.ctx)) this.emit(`${this.clearSlot(slot)};`);
  }

  private findLoop(label: string | null): Loop {
    for (let i = this.loops.length - 1; i >= 0; i--) {
      if (label === null || this.loops[i].label === label) return this.loops[i];
    }
    // A break out of a loop inside a fallback is the fallback's business; here it is a bug.
    throw new Unsupported();
  }

  // ───────────── assignment ─────────────

  private assign(e: Expr & { kind: "AssignExpr" }): void {
    const target = unwrapParens(e.target);
    const tt = this.typeOf(e.target);
    const bt = derefAll(tt);
    const isScalar = reprOf(tt) === SlotKind.Scalar;
    const op = e.op === "=" ? null : e.op.slice(0, -1);
    const asStmt = (): void => this.fallbackStmt({ kind: "ExprStmt", span: e.span, expr: e, semi: true });
    if (op !== null && !(bt.kind === "int" || bt.kind === "float" || bt.kind === "bool" || bt.kind === "char")) return asStmt();
    if (mayEscape(e.value)) return asStmt();
    switch (target.kind) {
      case "PathExpr": {
        const res = target.res;
        if (!res || (res.kind !== "local" && res.kind !== "global")) return asStmt();
        const place = this.localRead(res.binding);
        if (place === null) return asStmt();
        const v = this.expr(e.value, true);
        if (op === null) this.emit(`${place} = ${v};`);
        else if (INT_LITERAL.test(v)) {
          // `i += 1`: the literal stays in place (its sign settles the range test, it needs no type test).
          this.emit(`${place} = ${this.binop(op, bt, place, v, e.span)};`);
        } else {
          const t = this.tmp();
          this.emit(`${t} = ${v};`);
          this.emit(`${place} = ${this.binop(op, bt, place, t, e.span)};`);
        }
        return;
      }
      case "FieldExpr":
      case "TupleFieldExpr": {
        const ot = baseType(this.typeOf(target.object));
        const slot = fieldSlot(target, ot);
        if (slot < 0) return asStmt();
        const kind = reprOf(tt);
        if (isTensorKind(kind) || (tt.kind === "tuple" && isScalar)) return asStmt();
        const base = this.ptrBase(target.object);
        if (base === null) return asStmt();
        const t = this.tmp();
        this.emit(`${t} = ${this.expr(e.value, true)};`);
        if (kind === SlotKind.Pointer) {
          if (op !== null) return asStmt();
          this.emit(`heap.setPtr(${base}, ${slot}, ${t});`);
          return;
        }
        const stored = bt.kind === "bool" ? `(${t} ? 1 : 0)` : this.toWord(t, bt);
        if (op === null) {
          this.emit(`${this.store(base, slot, stored)};`);
          return;
        }
        const o = this.tmp();
        this.emit(`${o} = ${base};`);
        const r = this.binop(op, bt, this.fromWord(this.load(o, slot), bt), t, e.span);
        this.emit(`${this.store(o, slot, bt.kind === "bool" ? `(${r} ? 1 : 0)` : this.toWord(r, bt))};`);
        return;
      }
      case "IndexExpr": {
        const ot = baseType(this.typeOf(target.object));
        const isVec = ot.kind === "builtin" && ot.name === "Vec";
        if ((!isVec && ot.kind !== "array") || target.index.kind === "RangeExpr") return asStmt();
        const kind = reprOf(tt);
        if (isTensorKind(kind) || (tt.kind === "tuple" && isScalar)) return asStmt();
        if (kind === SlotKind.Pointer && (op !== null || mayGC(target.index))) return asStmt();
        const base = this.ptrBase(target.object);
        if (base === null) return asStmt();
        const t = this.tmp();
        this.emit(`${t} = ${this.expr(e.value, true)};`);
        const i = this.tmp();
        this.emit(`${i} = ${this.expr(target.index, true)};`);
        const d = this.tmp();
        this.emit(`${d} = ${this.k(isVec ? vecSlotOf : arraySlotOf)}(heap, rt, ${i}, ${base}, ${this.k(target.span)});`);
        if (kind === SlotKind.Pointer) {
          this.emit(`heap.setPtr(${d}, ${i}, ${t});`);
          return;
        }
        const stored = (v: string) => (bt.kind === "bool" ? `(${v} ? 1 : 0)` : this.toWord(v, bt));
        if (op === null) this.emit(`${this.store(d, i, stored(t))};`);
        else this.emit(`${this.store(d, i, stored(this.binop(op, bt, this.fromWord(this.load(d, i), bt), t, e.span)))};`);
        return;
      }
      default:
        return asStmt();
    }
  }

  // ───────────── expressions ─────────────

  /** `e` as a JS expression: generated when possible, else a call of the closure compiler's code. */
  private expr(e: Expr, valueCtx: boolean): string {
    // A user iterator coerced to `Iter<T>` is wrapped by the closure compiler (user_iter.ts).
    if (e.coercedTo && this.c.isUserIterCoercion(e, this.ctx)) return this.fallbackExpr(e, valueCtx);
    return this.tryExpr(e, valueCtx) ?? this.fallbackExpr(e, valueCtx);
  }

  /** `e` generated as a JS expression, or null when this tier does not translate it. */
  private tryExpr(e: Expr, valueCtx: boolean): string | null {
    switch (e.kind) {
      case "ParenExpr": {
        const inner = this.tryExpr(e.expr, valueCtx);
        return inner === null ? null : `(${inner})`;
      }
      case "IntLit":
        return numberLiteral(canonLiteral(e.value));
      case "FloatLit": {
        const t = this.typeOf(e);
        return numberLiteral(t.kind === "float" && t.name === "f32" ? Math.fround(e.value) : e.value);
      }
      case "BoolLit":
        return e.value ? "true" : "false";
      case "CharLit":
        return String(e.value.codePointAt(0) ?? 0);
      case "PathExpr": {
        const res = e.res;
        if (!res) return null;
        if (res.kind === "local" || res.kind === "global") {
          const t = this.typeOf(e);
          if (valueCtx && needsCopyOnRead(t)) return null;
          // A Copy closure read by value is copied (the closure compiler's compilePath).
          if (valueCtx && t.kind === "fn" && this.c.isCopyClosure(res.binding, this.ctx)) return null;
          return this.localRead(res.binding);
        }
        if (res.kind === "variant" && this.typeOf(e).kind !== "fn") {
          const off = this.variantOffset(this.typeOf(e), res.index);
          return off < 0 ? null : this.newObject(this.typeOf(e), res.index, [], []);
        }
        if (res.kind === "native" && this.typeOf(e).kind !== "fn") {
          const v = numericConstant(res.name);
          return v === null ? null : numberLiteral(v);
        }
        return null;
      }
      case "UnaryExpr": {
        if (e.method) return null;
        const t = derefAll(this.typeOf(e));
        if (e.op === "-" && t.kind === "float" && reprOf(this.typeOf(e.operand)) === SlotKind.Scalar) return `(-${this.expr(e.operand, false)})`;
        if (e.op === "!" && t.kind === "bool" && reprOf(this.typeOf(e.operand)) === SlotKind.Scalar) return `(!${this.expr(e.operand, false)})`;
        return null;
      }
      case "BinaryExpr":
        return this.binary(e);
      case "CastExpr": {
        const from = derefAll(this.typeOf(e.expr));
        const to = this.typeOf(e);
        if (reprOf(this.typeOf(e.expr)) !== SlotKind.Scalar) return null;
        if (to.kind === "float" && to.name === "f64" && from.kind === "int" && isWideInt(from.name)) return `${this.k(toF64)}(${this.expr(e.expr, true)})`;
        if (to.kind === "float" && to.name === "f64" && (from.kind === "int" || from.kind === "float")) return `(+${this.expr(e.expr, true)})`;
        if (to.kind === "int" && from.kind === "int" && rangeOf(from.name)[0] >= rangeOf(to.name)[0] && rangeOf(from.name)[1] <= rangeOf(to.name)[1])
          return this.expr(e.expr, true);
        return null;
      }
      case "FieldExpr":
      case "TupleFieldExpr": {
        const t = this.typeOf(e);
        if (valueCtx && needsCopyOnRead(t)) return null;
        const ot = baseType(this.typeOf(e.object));
        const slot = fieldSlot(e, ot);
        if (slot < 0) return null;
        const kind = reprOf(t);
        if (isTensorKind(kind)) return null;
        const base = this.ptrBase(e.object);
        if (base === null) return null;
        return kind === SlotKind.Scalar ? this.fromWord(this.load(base, slot), t) : this.load(base, slot);
      }
      case "IndexExpr": {
        const t = this.typeOf(e);
        if (valueCtx && needsCopyOnRead(t)) return null;
        const ot = baseType(this.typeOf(e.object));
        const isVec = ot.kind === "builtin" && ot.name === "Vec";
        if (ot.kind === "builtin" && ot.name === "Slice" && reprOf(t) === SlotKind.Scalar && e.index.kind !== "RangeExpr") {
          // `xs[i]` of a `&[T]` of numbers: the index first (it may collect), then the slice's element.
          const base = this.ptrBase(e.object);
          if (base === null) return null;
          const ti = this.tmp();
          return this.fromWord(`(${ti} = ${this.expr(e.index, true)}, ${this.k(sliceScalarAt)}(rt, ${base}, ${ti}, ${this.k(e.span)}))`, t);
        }
        // A range index is a slice (slices.ts), left to the closure compiler.
        if ((!isVec && ot.kind !== "array") || isTensorKind(reprOf(t)) || e.index.kind === "RangeExpr") return null;
        const base = this.ptrBase(e.object);
        if (base === null) return null;
        // The index first: it may call (and collect); the object's address is read after it.
        const el = this.element(isVec, this.expr(e.index, true), base, e.span);
        return reprOf(t) === SlotKind.Scalar ? this.fromWord(el, t) : el;
      }
      case "RefExpr": {
        const inner = this.typeOf(e.operand);
        if (e.mutable && reprOf(inner) === SlotKind.Scalar) return null;
        return this.tryExpr(e.operand, false);
      }
      case "DerefExpr": {
        const t = this.typeOf(e);
        if (valueCtx && needsCopyOnRead(t)) return null;
        if (this.c.derefStep(this.typeOf(e.operand)) !== null) return null;
        return this.tryExpr(e.operand, false);
      }
      case "FStrLit":
        return this.fstring(e);
      case "StrLit":
        return this.allocating(`rt.newString(${JSON.stringify(e.value)})`);
      case "CallExpr":
        return this.call(e);
      case "StructLitExpr":
        return this.structLit(e);
      case "MethodCallExpr":
        // `x.into()` through a user `From` impl: the closure compiler's call of `from`.
        if (e.intoFrom) return null;
        return this.methodCall(e);
      case "IfExpr": {
        // A conditional expression whose branches are plain expressions.
        if (!e.else) return null;
        const a = simpleBlockValue(e.then);
        const b = e.else.kind === "BlockExpr" ? simpleBlockValue(e.else) : e.else.kind === "IfExpr" ? e.else : null;
        if (!a || !b) return null;
        const ca = this.tryExpr(a, true);
        const cb = ca === null ? null : this.tryExpr(b, true);
        if (ca === null || cb === null) return null;
        return `(${this.expr(e.cond, true)} ? ${ca} : ${cb})`;
      }
      case "BlockExpr": {
        const v = simpleBlockValue(e);
        return v ? this.tryExpr(v, valueCtx) : null;
      }
      default:
        return null;
    }
  }

  /**
   * `f"{w}-{i % 1000}"`: the UTF-8 is assembled in the runtime's scratch buffer, each part
   * appended as it is reached (a String part's bytes are copied at once, so no pointer is held
   * across a later part; an integer's digits are written there directly), then stored as one
   * String (runtime.ts `fmtBegin` .. `fmtEnd`).
   */
  private fstring(e: Expr & { kind: "FStrLit" }): string | null {
    const rt = this.rt;
    const mark = this.tmp();
    const pieces: string[] = [`${mark} = rt.fmtBegin()`];
    for (const part of e.parts) {
      if (typeof part === "string") {
        pieces.push(`rt.fmtBytes(${this.k(this.emitting ? utf8Bytes(part) : null)})`);
        continue;
      }
      if (mayEscape(part.expr)) return null;
      const t = this.typeOf(part.expr);
      const bt = derefAll(t);
      const v = this.expr(part.expr, false);
      if (!part.spec && t.kind === "int") pieces.push(t.name === "i64" || t.name === "isize" ? `rt.fmtI64(${v})` : `rt.fmtInt(${v})`);
      else if (!part.spec && bt.kind === "builtin" && bt.name === "String") pieces.push(`rt.fmtStr(${v})`);
      else {
        const spec = part.spec;
        const format = this.emitting ? (x: Value) => formatWithSpec(rt, x, t, spec) : null;
        pieces.push(`rt.fmtText(${this.k(format)}(${v}))`);
      }
    }
    pieces.push(`rt.fmtEnd(${mark})`);
    return this.allocating(`(${pieces.join(", ")})`);
  }

  private binary(e: Expr & { kind: "BinaryExpr" }): string | null {
    if (e.method) return null;
    const op = e.op;
    const lt = derefAll(this.typeOf(e.left));
    const la = this.typeOf(e.left);
    const lb = this.typeOf(e.right);
    if (reprOf(la) !== SlotKind.Scalar || reprOf(lb) !== SlotKind.Scalar) return null;
    if (!(lt.kind === "int" || lt.kind === "float" || lt.kind === "char" || lt.kind === "bool")) return null;
    if (mayEscape(e.right) || mayEscape(e.left)) return null;
    if (op === "&&" || op === "||") return `(${this.expr(e.left, true)} ${op} ${this.expr(e.right, true)})`;
    if (lt.kind === "int" && isWideInt(lt.name) && WIDE_ARITH.has(op)) {
      const tree = this.wideTree(e, lt.name);
      if (tree !== null) return tree;
    }
    const a = this.expr(e.left, false);
    const b = this.expr(e.right, false);
    return this.binop(op, lt, a, b, e.span);
  }

  /**
   * Two or more 64-bit `+ - * / %` whose leaves are locals and literals (`(i + j) * (i + j + 1) / 2`):
   * computed on numbers with no call and no type test per operation — an operation leaving
   * ±(2^53 - 1), or a division by zero, gives NaN, which the rest carries to the end — and
   * computed again exactly (the checked operations of `Compiler.scalarBinary`, with Rust's
   * panics) only when a leaf is not a number (a bigint, int64.ts) or the result is NaN. Reading a
   * local has no effect, so computing twice is invisible. This keeps a small numeric function
   * (spectral's `a(i, j)`) under TurboFan's inlining limit, which a test per operand did not.
   */
  private wideTree(e: Expr & { kind: "BinaryExpr" }, name: string): string | null {
    const [lo, hi] = INT_RANGE[name];
    const isNode = (x: Expr): x is Expr & { kind: "BinaryExpr" } => {
      if (x.kind !== "BinaryExpr" || x.method || !WIDE_ARITH.has(x.op)) return false;
      const t = derefAll(this.typeOf(x));
      return t.kind === "int" && t.name === name;
    };
    const isLeaf = (x: Expr): boolean => x.kind === "IntLit" || (x.kind === "PathExpr" && x.res?.kind === "local");
    let ops = 0;
    const pure = (x: Expr): boolean => {
      x = unwrapParens(x);
      if (isNode(x)) {
        ops++;
        return pure(x.left) && pure(x.right);
      }
      return isLeaf(x);
    };
    if (!pure(e) || ops < 2) return null;
    const leaves = new Map<Expr, string>();
    const tests: string[] = [];
    for (const x of leafOrder(e, isNode)) {
      const v = this.expr(x, false);
      if (!INT_LITERAL.test(v) && !/^[A-Za-z_$][\w$]*$/.test(v)) return null;
      leaves.set(x, v);
      if (!INT_LITERAL.test(v) && !tests.includes(`typeof ${v} === "number"`)) tests.push(`typeof ${v} === "number"`);
    }
    // NaN comes from a call that never runs on the fast path: TurboFan leaves it out, so the
    // values stay small integers (a NaN constant in the expression made them doubles, and `%` a
    // call of fmod).
    const nan = `${this.k(notANumber)}()`;
    const fast = (x: Expr): string => {
      x = unwrapParens(x);
      if (!isNode(x)) return leaves.get(x)!;
      const l = fast(x.left);
      const r = fast(x.right);
      const t = this.tmp();
      switch (x.op) {
        case "+":
          return `((${t} = ${l} + ${r}) <= ${hi}${lo === 0 ? "" : ` && ${t} >= ${lo}`} ? ${t} : ${nan})`;
        case "-":
          return `((${t} = ${l} - ${r}) >= ${lo}${lo === 0 ? "" : ` && ${t} <= ${hi}`} ? ${t} : ${nan})`;
        case "*":
          return lo === 0 ? `((${t} = ${l} * ${r}) <= ${hi} ? ${t} : ${nan})` : `((${t} = ${l} * ${r}) <= ${hi} && ${t} >= ${lo} ? ${t} + 0 : ${nan})`;
        case "/":
          // Exact for safe integers (see `wideArith`); a zero divisor gives NaN.
          if (INT_LITERAL.test(r) && Number(r) !== 0) return `(Math.trunc(${l} / ${r}) + 0)`;
          return `((${t} = ${r}) !== 0 ? Math.trunc(${l} / ${t}) + 0 : ${nan})`;
        default:
          return `(${l} % ${r} + 0)`;
      }
    };
    // The exact computation is one call taking the locals (the tree's operations, literals and
    // spans live in the closure), so that it costs the generated function a few bytecodes.
    const vars = [...new Set([...leaves.values()].filter((v) => !INT_LITERAL.test(v)))];
    const exact = (x: Expr): ((vals: Value[]) => Value) => {
      x = unwrapParens(x);
      if (!isNode(x)) {
        const v = leaves.get(x)!;
        const i = vars.indexOf(v);
        const lit = Number(v);
        return i < 0 ? () => lit : (vals) => vals[i];
      }
      const op = this.c.scalarBinary(x.op, derefAll(this.typeOf(x)), x.span);
      const l = exact(x.left);
      const r = exact(x.right);
      return (vals) => op(l(vals), r(vals));
    };
    const tree = this.emitting ? exact(e) : null;
    const slow = `${this.k(tree ? (...vals: Value[]) => tree(vals) : null)}(${vars.join(", ")})`;
    const r = this.tmp();
    const guard = tests.length ? `${tests.join(" && ")} && ` : "";
    return `(${guard}(${r} = ${fast(e)}) === ${r} ? ${r} : ${slow})`;
  }

  /** A scalar operator with Rust's checks: inline JS where it is exact, the checked helper otherwise. */
  private binop(op: string, t: Type, a: string, b: string, span: Span): string {
    const numeric = t.kind === "int" || t.kind === "float" || t.kind === "char";
    if (numeric) {
      switch (op) {
        case "<":
        case "<=":
        case ">":
        case ">=":
          return `(${a} ${op} ${b})`;
        case "==":
          return `(${a} === ${b})`;
        case "!=":
          return `(${a} !== ${b})`;
      }
    }
    if (t.kind === "float" && t.name === "f64" && (op === "+" || op === "-" || op === "*" || op === "/" || op === "%")) return `(${a} ${op} ${b})`;
    const fn = this.emitting ? this.c.scalarBinary(op, t, span) : null;
    if (t.kind === "int" && (op === "+" || op === "-" || op === "*" || op === "/" || op === "%")) return this.intArith(op, t.name, a, b, this.k(fn));
    return `${this.k(fn)}(${a}, ${b})`;
  }

  /**
   * Integer arithmetic inline on the common path; the checked operation `checked` (the closure
   * compiler's, with Rust's panics and the exact 64-bit results beyond 2^53) only when the
   * result leaves the type's exact range, or for a zero or -1 divisor.
   */
  private intArith(op: string, name: string, a: string, b: string, checked: string): string {
    const [lo, hi] = INT_RANGE[name];
    if (isWideInt(name)) return this.wideArith(op, lo, hi, a, b, checked);
    // Operands that are locals or literals are used where they stand (neither can change the
    // other): fewer temporaries, fewer bytecodes while V8 still interprets the function.
    const direct = isPureOperand(a) && isPureOperand(b);
    const x = direct ? a : this.tmp();
    const y = direct ? b : this.tmp();
    const r = this.tmp();
    const seq = (s: string) => (direct ? `(${s})` : `(${x} = ${a}, ${y} = ${b}, ${s})`);
    const slow = `${checked}(${x}, ${y})`;
    // A literal right operand (`i % 8`, `n + 1`) settles the divisor checks and which bound the
    // result can cross; an unsigned left operand cannot make a -0.
    const c = INT_LITERAL.test(b) ? Number(b) : null;
    const unsigned = lo === 0;
    return seq(this.intArithNumbers(op, lo, hi, x, y, r, slow, c, unsigned));
  }

  /**
   * One 64-bit `+ - * / %` (several of them with plain leaves are `wideTree`): inline on numbers,
   * the site's exact operation `checked` when an operand is not a number (a bigint, int64.ts;
   * a literal needs no test) or the result leaves ±(2^53 - 1), or for a zero divisor.
   */
  private wideArith(op: string, lo: number, hi: number, a: string, b: string, checked: string): string {
    const direct = isPureOperand(a) && isPureOperand(b);
    const x = direct ? a : this.tmp();
    const y = direct ? b : this.tmp();
    const r = this.tmp();
    const pre = direct ? "" : `${x} = ${a}, ${y} = ${b}, `;
    const tests = [[a, x], [b, y]].filter(([src]) => !INT_LITERAL.test(src)).map(([, v]) => `typeof ${v} === "number" && `);
    const guard = tests.join("");
    const slow = `${checked}(${x}, ${y})`;
    const c = INT_LITERAL.test(b) ? Number(b) : null;
    switch (op) {
      case "+":
      case "-": {
        // Which bound the result can cross: a literal's sign, or both operands unsigned, settle it.
        const up = c !== null ? (op === "+") === c >= 0 : lo === 0 ? op === "+" : null;
        const within = up === null ? `${r} <= ${hi} && ${r} >= ${lo}` : up ? `${r} <= ${hi}` : `${r} >= ${lo}`;
        return `(${pre}${guard}((${r} = ${x} ${op} ${y}), ${within}) ? ${r} : ${slow})`;
      }
      case "*":
        return `(${pre}${guard}((${r} = ${x} * ${y}), ${r} <= ${hi} && ${r} >= ${lo}) ? ${lo === 0 ? r : `${r} + 0`} : ${slow})`;
      case "/":
        // Exact: the double quotient of safe integers is within 2^-53 of the true one, less than
        // its distance to the next integer (1/|y|), so truncation never rounds across.
        return `(${pre}${guard}${y} !== 0 ? Math.trunc(${x} / ${y}) + 0 : ${slow})`;
      default:
        return `(${pre}${guard}${y} !== 0 ? ${x} % ${y} + 0 : ${slow})`;
    }
  }

  /** `intArith` on operands known to be numbers: the inline operation and its range test. */
  private intArithNumbers(op: string, lo: number, hi: number, x: string, y: string, r: string, slow: string, c: number | null, unsigned: boolean): string {
    switch (op) {
      case "+":
      case "-": {
        // Which bound the result can cross: a literal's sign, or both operands unsigned, settle it.
        const up = c !== null ? (op === "+") === c >= 0 : unsigned ? op === "+" : null;
        const out = up === null ? `${r} > ${hi} || ${r} < ${lo}` : up ? `${r} > ${hi}` : `${r} < ${lo}`;
        return wrapParen(`${r} = ${x} ${op} ${y}, ${out} ? ${slow} : ${r}`);
      }
      case "*": {
        const out = unsigned ? `${r} > ${hi}` : `${r} > ${hi} || ${r} < ${lo}`;
        // `r === 0 ? 0 : r`: no -0 (Rust integers have none); none can arise from x >= 0 or c > 0.
        const noNegZero = unsigned || (c !== null && c > 0);
        return wrapParen(`${r} = ${x} * ${y}, ${out} ? ${slow} : ${noNegZero ? r : `${r} === 0 ? 0 : ${r}`}`);
      }
      case "/":
        if (c !== null && c > 0) return wrapParen(unsigned ? `Math.trunc(${x} / ${y})` : `${r} = Math.trunc(${x} / ${y}), ${r} === 0 ? 0 : ${r}`);
        return wrapParen(`${y} === 0 ? ${slow} : (${r} = Math.trunc(${x} / ${y}), ${r} > ${hi} ? ${slow} : ${r} === 0 ? 0 : ${r})`);
      default:
        if (c !== null && c !== 0 && c !== -1) return wrapParen(unsigned ? `${x} % ${y}` : `${r} = ${x} % ${y}, ${r} === 0 ? 0 : ${r}`);
        return wrapParen(`${y} === 0 || ${y} === -1 ? ${slow} : (${r} = ${x} % ${y}, ${r} === 0 ? 0 : ${r})`);
    }
  }

  /**
   * A pointer-valued expression with no side effect and no safepoint (a local, a field, an element
   * at a pure index): safe to evaluate right where the address is used.
   */
  private ptrBase(e: Expr): string | null {
    e = unwrapParens(e);
    const t = this.typeOf(e);
    switch (e.kind) {
      case "PathExpr": {
        const res = e.res;
        if (!res || res.kind !== "local" || reprOf(t) !== SlotKind.Pointer) return null;
        if (t.kind === "ref" && t.mutable && reprOf(t.inner) === SlotKind.Scalar) return null;
        return this.localRead(res.binding);
      }
      case "RefExpr":
        if (e.mutable && reprOf(this.typeOf(e.operand)) === SlotKind.Scalar) return null;
        return this.ptrBase(e.operand);
      case "DerefExpr":
        if (this.c.derefStep(this.typeOf(e.operand)) !== null) return null;
        return this.ptrBase(e.operand);
      case "FieldExpr":
      case "TupleFieldExpr": {
        if (reprOf(t) !== SlotKind.Pointer) return null;
        const ot = baseType(this.typeOf(e.object));
        const slot = fieldSlot(e, ot);
        if (slot < 0) return null;
        const base = this.ptrBase(e.object);
        return base === null ? null : this.load(base, slot);
      }
      case "IndexExpr": {
        if (reprOf(t) !== SlotKind.Pointer || mayGC(e.index)) return null;
        const ot = baseType(this.typeOf(e.object));
        const isVec = ot.kind === "builtin" && ot.name === "Vec";
        if ((!isVec && ot.kind !== "array") || e.index.kind === "RangeExpr") return null;
        const base = this.ptrBase(e.object);
        if (base === null) return null;
        const i = this.tryExpr(e.index, true);
        if (i === null) return null;
        return this.element(isVec, i, base, e.span);
      }
      default:
        return null;
    }
  }

  /** Element `i` of Vec or array `base`, bounds-checked, inline (index evaluated first). */
  private element(isVec: boolean, i: string, base: string, span: Span): string {
    const ti = this.tmp();
    const to = this.tmp();
    const len = isVec ? this.load(to, VEC_LEN) : `heap.length(${to})`;
    const data = isVec ? this.load(to, VEC_DATA) : to;
    const fail = `${this.k(isVec ? vecGet : arrayGet)}(heap, rt, ${ti}, ${to}, ${this.k(span)})`;
    return `(${ti} = ${i}, ${to} = ${base}, ${ti} >= 0 && ${ti} < ${len} ? ${this.load(data, ti)} : ${fail})`;
  }

  // ───────────── calls ─────────────

  private call(e: Expr & { kind: "CallExpr" }): string | null {
    const callee = unwrapParens(e.callee);
    if (callee.kind === "PathExpr" && callee.res?.kind === "variant") {
      const off = this.variantOffset(this.typeOf(e), callee.res.index);
      return off < 0 ? null : this.newObject(this.typeOf(e), callee.res.index, e.args.map((_, i) => off + i), e.args);
    }
    if (callee.kind === "PathExpr" && callee.res?.kind === "structCtor") {
      return this.newObject(this.typeOf(e), -1, e.args.map((_, i) => i), e.args);
    }
    if (callee.kind === "PathExpr" && callee.res?.kind === "native") {
      const argTypes = e.args.map((a) => this.typeOf(a));
      const boxed = this.boxOfPointer(callee.res.name, e.args, argTypes, this.typeOf(e), e.autoref);
      if (boxed !== null) return boxed;
      return this.nativeCall(callee.res.name, e.args, argTypes, this.typeOf(e), e.span, e.autoref, null);
    }
    if (callee.kind !== "PathExpr" || !callee.res || callee.res.kind !== "fn") return null;
    if (e.args.some((a) => mayEscape(a))) return null;
    const argTypes = e.args.map((a) => this.typeOf(a));
    const target = this.c.resolveFnCall(e, this.ctx, argTypes, this.typeOf(e));
    if (!target) return null;
    const { cf, paramTypes, offset } = target;
    const probe: Code = (f) => f[0];
    for (let i = 0; i < e.args.length; i++) {
      if (this.c.coerce(probe, argTypes[i], paramTypes[i - offset] ?? null) !== probe) return null;
    }
    return this.directCall(cf, e.args, argTypes, e.span, e.autoref);
  }

  // ───────────── allocation ─────────────

  /** First slot of variant `index`'s fields in enum type `t`; -1 when `t` is not an enum. */
  private variantOffset(t: Type, index: number): number {
    const at = derefAll(t);
    if (at.kind !== "adt" || at.decl.kind !== "EnumDecl") return -1;
    return this.rt.adtLayout(at).offsets[index];
  }

  /**
   * A new struct or enum-variant object, inline: the values are computed first (in written
   * order), then the object is allocated and they are written into `slots` (and `tag` into slot
   * 0 when it is a variant). Like the closure compiler's `buildObject`, the values wait in JS
   * variables across the allocation, which never collects (a pointer value followed by a value
   * that may reach a safepoint is kept in a frame slot until then). Tensors, and scalars that are
   * not numbers, stay with the closure compiler.
   */
  private newObject(t: Type, tag: number, slots: number[], exprs: Expr[]): string | null {
    const at = derefAll(t);
    if (at.kind !== "adt") return null;
    if (exprs.some((x) => mayEscape(x))) return null;
    const types = exprs.map((x) => this.typeOf(x));
    const kinds = types.map(reprOf);
    const l = this.rt.adtLayout(at);
    for (let i = 0; i < exprs.length; i++) {
      const k = kinds[i];
      if (k !== l.kinds[slots[i]]) return null;
      if (isTensorKind(k)) return null;
      if (k === SlotKind.Scalar && !["int", "float", "char", "bool"].includes(types[i].kind)) return null;
    }
    // A pointer value followed by one that may reach a safepoint waits in a frame slot (a root).
    const spilled = exprs.map((_, i) => kinds[i] === SlotKind.Pointer && exprs.slice(i + 1).some((x) => mayGC(x)));
    const parts: string[] = [];
    const vals = exprs.map((x, i) => {
      const t = this.tmp();
      if (!spilled[i]) {
        parts.push(`${t} = ${this.expr(x, true)}`);
        return t;
      }
      const slot = this.emitting ? this.ctx.newSlot(SlotKind.Pointer) : 0;
      parts.push(`${this.slot(slot)} = ${this.expr(x, true)}`);
      return String(slot);
    });
    vals.forEach((v, i) => {
      if (!spilled[i]) return;
      const t = this.tmp();
      parts.push(`${t} = ${this.slot(Number(v))}`, this.clearSlot(Number(v)));
      vals[i] = t;
    });
    const o = this.tmp();
    parts.push(`${o} = heap.alloc(${this.k(l.layout)})`);
    if (this.direct) parts.push(`F = heap.slotWords()`);
    if (tag >= 0) parts.push(this.store(o, 0, String(tag)));
    vals.forEach((v, i) => {
      if (kinds[i] === SlotKind.Pointer) parts.push(`heap.setPtr(${o}, ${slots[i]}, ${v})`);
      else parts.push(this.store(o, slots[i], types[i].kind === "bool" ? `(${v} ? 1 : 0)` : this.toWord(v, types[i])));
    });
    parts.push(o);
    return `(${parts.join(", ")})`;
  }

  /** `S { a: x, b: y }` or `E::V { .. }` (without `..base`), as `Compiler.compileStructLit` lays it out. */
  private structLit(e: Expr & { kind: "StructLitExpr" }): string | null {
    if (e.base) return null;
    const t = derefAll(this.typeOf(e));
    if (t.kind !== "adt") return null;
    const target = e.target ?? (t.decl.kind === "StructDecl" ? { kind: "struct" as const, decl: t.decl } : null);
    const variant = target && target.kind === "variant" ? target.index : -1;
    if (variant < 0 && t.decl.kind !== "StructDecl") return null;
    const fields = variant >= 0 ? (t.decl as EnumDecl).variants[variant].fields : (t.decl as StructDecl).fields;
    const off = variant >= 0 ? this.variantOffset(t, variant) : 0;
    if (off < 0) return null;
    const indices = e.fields.map((fl) => fields.findIndex((fd) => fd.name.name === fl.name.name));
    const exprs = e.fields.map((fl) => fl.value);
    fields.forEach((fd, i) => {
      if (!indices.includes(i) && fd.default) {
        indices.push(i);
        exprs.push(fd.default);
      }
    });
    return this.newObject(t, variant, indices.map((i) => off + i), exprs);
  }

  /** `Box::new(p)` / `Gc::new(p)` of a managed value is the value itself (natives.ts): no call. */
  private boxOfPointer(name: string, args: Expr[], argTypes: Type[], retType: Type, autoref: boolean[] | undefined): string | null {
    if ((name !== "Box::new" && name !== "Gc::new") || args.length !== 1) return null;
    const rt = derefAll(retType);
    const inner = rt.kind === "builtin" ? rt.args[0] : undefined;
    if (!inner || reprOf(inner) !== SlotKind.Pointer || reprOf(derefAll(argTypes[0])) !== SlotKind.Pointer) return null;
    if (mayEscape(args[0])) return null;
    const v = argTypes[0].kind === "ref" ? this.expr(args[0], false) : this.expr(args[0], true);
    const moved = this.emitting && !autoref?.[0] && argTypes[0].kind !== "ref" ? this.c.movedSlot(args[0], this.ctx) : -1;
    if (moved < 0) return v;
    const t = this.tmp();
    return `(${t} = ${v}, ${this.clearSlot(moved)}, ${t})`;
  }

  /**
   * A call of a compiled function. Through its `direct` entry, arguments as JS values, when no
   * pointer argument is followed by one that may reach a safepoint (the pointer would be stale);
   * otherwise the callee's frame is pushed (rooted) before the arguments are evaluated into it.
   */
  private directCall(cf: CompiledFn, args: Expr[], argTypes: Type[], span: Span, autoref: boolean[] | undefined, receiver?: boolean): string {
    const C = this.k(cf);
    // A method's receiver (argument 0) is read in value form only when passed as it is; it is
    // never cleared as moved (the closure compiler does not either).
    const valueForm = (i: number): boolean => (receiver !== undefined && i === 0 ? receiver : argTypes[i].kind !== "ref");
    const pointerThenGC = args.some((_, i) => reprOf(argTypes[i]) !== SlotKind.Scalar && args.slice(i + 1).some((a) => mayGC(a)));
    if (!pointerThenGC) {
      const vals = args.map((a, i) => {
        const v = this.expr(a, valueForm(i));
        const moved = this.emitting && receiver === undefined && !autoref?.[i] && argTypes[i].kind !== "ref" ? this.c.movedSlot(a, this.ctx) : -1;
        if (moved < 0) return v;
        const t = this.tmp();
        return `(${t} = ${v}, ${this.clearSlot(moved)}, ${t})`;
      });
      return this.allocating(`${C}.direct(${[...vals, this.k(span)].join(", ")})`);
    }
    const nf = this.tmp();
    const parts = [`${nf} = ${C}.pool.pop() ?? new Array(${C}.frameSize)`, `rt.pushFrame(${nf}, ${C}.map)`];
    args.forEach((a, i) => {
      parts.push(`${nf}[${i}] = ${this.expr(a, valueForm(i))}`);
      // A by-value argument moved out of a local: the local stops being a root (Compiler.movedSlot).
      const moved = this.emitting && receiver === undefined && !autoref?.[i] && argTypes[i].kind !== "ref" ? this.c.movedSlot(a, this.ctx) : -1;
      if (moved >= 0) parts.push(`${this.clearSlot(moved)}`);
    });
    return this.allocating(`(${parts.join(", ")}, ${C}.run(${nf}, ${this.k(span)}))`);
  }

  private methodCall(e: Expr & { kind: "MethodCallExpr" }): string | null {
    const res = e.res;
    if (!res) return null;
    const adjust = e.recvAdjust ?? { derefs: 0, autoref: "none" as const };
    // A user iterator's receiver is wrapped first (user_iter.ts): the closure compiler's job.
    if (adjust.userIter) return null;
    // `x.into()` may go through a user `From` impl in this instantiation (compile.ts genericInto).
    if (res.kind === "native" && res.name === "Into::into") return null;
    if (res.kind !== "native") return this.userMethodCall(e, adjust);
    const name = res.name;
    if ((name === "Vec::len" || name === "String::len") && e.args.length === 0) {
      const base = this.ptrBase(e.receiver);
      return base === null ? null : this.load(base, name === "Vec::len" ? VEC_LEN : STR_LEN);
    }
    // Float math (`x.sqrt()`, `a.max(b)`): pure natives of scalars, called directly.
    if (name.startsWith("Float::") && adjust.derefs === 0 && adjust.autoref === "none") {
      const recvT = this.typeOf(e.receiver);
      const argTypes = e.args.map((a) => this.typeOf(a));
      if (reprOf(recvT) !== SlotKind.Scalar || argTypes.some((t) => reprOf(t) !== SlotKind.Scalar || t.kind === "ref")) return null;
      if (e.args.some((a) => mayEscape(a))) return null;
      const retType = this.typeOf(e);
      const impl = this.emitting ? this.c.native(name, this.c.nativeSite(name, e.span, [recvT, ...argTypes], retType, this.ctx)) : null;
      const args = [this.expr(e.receiver, true), ...e.args.map((a) => this.expr(a, true))];
      return `${this.k(impl)}(${args.join(", ")})`;
    }
    // Any other native method: the receiver as the closure compiler passes it (auto-deref through
    // references and managed boxes only; a step that reads through a scalar place is left to it).
    let selfT = this.typeOf(e.receiver);
    for (let i = 0; i < adjust.derefs; i++) {
      if (this.c.derefStep(selfT) !== null) return null;
      if (selfT.kind === "ref") selfT = selfT.inner;
      else if (selfT.kind === "builtin" && (selfT.name === "Box" || selfT.name === "Gc") && selfT.args[0]) selfT = selfT.args[0];
    }
    const selfArgType: Type =
      adjust.autoref === "ref" ? { kind: "ref", mutable: false, inner: selfT } : adjust.autoref === "refMut" ? { kind: "ref", mutable: true, inner: selfT } : selfT;
    const argTypes = [selfArgType, ...e.args.map((a) => this.typeOf(a))];
    if (e.args.some((a) => mayEscape(a)) || mayEscape(e.receiver)) return null;
    const recv = this.expr(e.receiver, false);
    const autoref = (e as unknown as { autoref?: boolean[] }).autoref;
    return this.nativeCall(name, [e.receiver, ...e.args], argTypes, this.typeOf(e), e.span, autoref, recv);
  }

  /** `p.area()`, `self.step(dt)`: a statically dispatched user method, called like a function. */
  private userMethodCall(e: Expr & { kind: "MethodCallExpr" }, adjust: { derefs: number; autoref: string }): string | null {
    let selfT = this.typeOf(e.receiver);
    for (let i = 0; i < adjust.derefs; i++) {
      if (this.c.derefStep(selfT) !== null) return null;
      if (selfT.kind === "ref") selfT = selfT.inner;
      else if (selfT.kind === "builtin" && (selfT.name === "Box" || selfT.name === "Gc") && selfT.args[0]) selfT = selfT.args[0];
    }
    // `&mut self` on a scalar receiver needs a place object: the closure compiler's.
    if (adjust.autoref === "refMut" && reprOf(selfT) === SlotKind.Scalar) return null;
    if (mayEscape(e.receiver) || e.args.some((a) => mayEscape(a))) return null;
    const selfArgType: Type =
      adjust.autoref === "ref" ? { kind: "ref", mutable: false, inner: selfT } : adjust.autoref === "refMut" ? { kind: "ref", mutable: true, inner: selfT } : selfT;
    const argTypes = e.args.map((a) => this.typeOf(a));
    const target = this.c.resolveMethodCall(e, this.ctx, selfT, selfArgType, argTypes, this.typeOf(e));
    if (target === null || "dyn" in target) return null;
    const recvValue = adjust.autoref === "none" && adjust.derefs === 0;
    return this.directCall(target, [e.receiver, ...e.args], [selfArgType, ...argTypes], e.span, undefined, recvValue);
  }

  /**
   * A native called with generated arguments (`print(x)`, `v.push(p)`, `m.insert(k, v)`), as the
   * closure compiler calls it: borrowed arguments in operand form, `drop(v)` and the by-value
   * arguments a container keeps moving out of their variable, a panic without a position placed
   * at the call. Null (left to the closure compiler) when a pointer argument is followed by one
   * that may collect.
   */
  private nativeCall(name: string, argExprs: Expr[], argTypes: Type[], retType: Type, span: Span, autoref: boolean[] | undefined, recv: string | null): string | null {
    // Exchanging two variables' contents is the closure compiler's (Compiler.memExchange).
    if (name === "std::mem::swap" || name === "std::mem::replace") return null;
    if (argExprs.some((a) => mayEscape(a))) return null;
    if (argExprs.some((_, i) => reprOf(argTypes[i]) !== SlotKind.Scalar && argExprs.slice(i + 1).some((a) => mayGC(a)))) return null;
    const impl = this.emitting ? this.c.native(name, this.c.nativeSite(name, span, argTypes, retType, this.ctx)) : null;
    const offset = recv === null ? 0 : 1;
    const vals = argExprs.map((a, i) => {
      if (i === 0 && recv !== null) return recv;
      const v = argTypes[i].kind === "ref" ? this.expr(a, false) : this.expr(a, true);
      const moves = (name === "drop" || (STORING_NATIVE.test(name) && argTypes[i].kind !== "ref")) && !autoref?.[i - offset];
      const moved = moves && this.emitting ? this.c.movedSlot(a, this.ctx) : -1;
      if (moved < 0) return v;
      const t = this.tmp();
      return `(${t} = ${v}, ${this.clearSlot(moved)}, ${t})`;
    });
    const call = vals.length <= 3 ? `${this.k(NATIVE_CALLS[vals.length])}(${[this.k(impl), this.k(span), ...vals].join(", ")})` : `${this.k(nativeN)}(${this.k(impl)}, ${this.k(span)}, [${vals.join(", ")}])`;
    return this.allocating(call);
  }
}

/**
 * The `direct` entry of a function whose body needs its frame: build the frame from the
 * arguments, push it and run. (Allocation-free until `run`'s safepoint, so pointer arguments
 * are rooted before anything can move them.)
 */
export function directEntry(cf: CompiledFn, rt: Compiler["rt"]): NonNullable<CompiledFn["direct"]> {
  const params = Array.from({ length: cf.arity }, (_, i) => `p${i}`);
  const src = [
    `return function (${[...params, "callSpan"].join(", ")}) {`,
    `  const f = cf.pool.pop() ?? new Array(cf.frameSize);`,
    `  rt.pushFrame(f, cf.map);`,
    ...params.map((p, i) => `  f[${i}] = ${p};`),
    `  return cf.run(f, callSpan);`,
    `};`,
  ].join("\n");
  return new Function("cf", "rt", src)(cf, rt) as NonNullable<CompiledFn["direct"]>;
}

// Calling a native from generated code: a panic it raises without a position is placed at the call.

type Native = (...args: Value[]) => Value;

function atCall(e: unknown, span: Span): unknown {
  if (e instanceof StarkPanic && !e.span) e.span = span;
  return e;
}

function native0(impl: Native, span: Span): Value {
  try {
    return impl();
  } catch (e) {
    throw atCall(e, span);
  }
}

function native1(impl: Native, span: Span, a: Value): Value {
  try {
    return impl(a);
  } catch (e) {
    throw atCall(e, span);
  }
}

function native2(impl: Native, span: Span, a: Value, b: Value): Value {
  try {
    return impl(a, b);
  } catch (e) {
    throw atCall(e, span);
  }
}

function native3(impl: Native, span: Span, a: Value, b: Value, c: Value): Value {
  try {
    return impl(a, b, c);
  } catch (e) {
    throw atCall(e, span);
  }
}

function nativeN(impl: Native, span: Span, args: Value[]): Value {
  try {
    return impl(...args);
  } catch (e) {
    throw atCall(e, span);
  }
}

const NATIVE_CALLS = [native0, native1, native2, native3];

/** Slot of a struct or tuple field; -1 when `ot` is not a struct or tuple. */
function fieldSlot(e: Expr & { kind: "FieldExpr" | "TupleFieldExpr" }, ot: Type): number {
  if (ot.kind === "tuple") return e.kind === "TupleFieldExpr" ? e.index : Number(e.field.name);
  if (ot.kind === "adt" && ot.decl.kind === "StructDecl") {
    const decl = ot.decl;
    if (e.kind === "TupleFieldExpr") return e.index;
    return e.index !== undefined ? e.index : decl.fields.findIndex((fd) => fd.name.name === e.field.name);
  }
  return -1;
}

/** The tail of a block with no statements (`{ x + 1 }`), or null. */
function simpleBlockValue(b: BlockExpr): Expr | null {
  return b.stmts.length === 0 && b.tail ? b.tail : null;
}

function numberLiteral(n: number | bigint): string {
  if (typeof n === "bigint") return n < 0n ? `(${n}n)` : `${n}n`;
  if (Object.is(n, -0)) return "(-0)";
  if (n !== n) return "NaN";
  return n < 0 ? `(${String(n)})` : String(n);
}

/** `wideTree`'s NaN, as a call (see there). */
function notANumber(): number {
  return NaN;
}

/** The operators `wideTree` computes on numbers first. */
const WIDE_ARITH = new Set(["+", "-", "*", "/", "%"]);

/** The leaves of a tree of `isNode` operations, in evaluation order (left to right). */
function leafOrder(e: Expr, isNode: (x: Expr) => x is Expr & { kind: "BinaryExpr" }): Expr[] {
  e = unwrapParens(e);
  return isNode(e) ? [...leafOrder(e.left, isNode), ...leafOrder(e.right, isNode)] : [e];
}

/** An integer literal's value in its canonical form (a bigint only beyond ±2^53; int64.ts). */
function canonLiteral(v: bigint): number | bigint {
  return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
}

/** Whether values of `t` are 64-bit integers, which may be bigints (int64.ts). */
function isWide(t: Type): boolean {
  const d = derefAll(t);
  return d.kind === "int" && isWideInt(d.name);
}

function wrapParen(s: string): string {
  return `(${s})`;
}

function jsName(name: string): string {
  const s = name.replace(/[^A-Za-z0-9_$]/g, "_");
  return /^[0-9]/.test(s) ? `_${s}` : s || "fn";
}

// Element access with Rust's bounds check. The index comes first: it is evaluated before the
// object's address is read (the index may call, and a call may move the object).

type Heap = Compiler["rt"]["heap"];
type Rt = Compiler["rt"];

function vecGet(heap: Heap, rt: Rt, i: number, o: number, span: Span): Value {
  const len = heap.get(o, VEC_LEN);
  if (!(i >= 0 && i < len)) rt.indexPanic(len, i, span);
  return heap.get(heap.getPtr(o, VEC_DATA), i);
}

function arrayGet(heap: Heap, rt: Rt, i: number, o: number, span: Span): Value {
  const len = heap.length(o);
  if (!(i >= 0 && i < len)) rt.indexPanic(len, i, span);
  return heap.get(o, i);
}

/** The element array of Vec `o` after checking index `i` (the object to store element `i` into). */
function vecSlotOf(heap: Heap, rt: Rt, i: number, o: number, span: Span): number {
  const len = heap.get(o, VEC_LEN);
  if (!(i >= 0 && i < len)) rt.indexPanic(len, i, span);
  return heap.getPtr(o, VEC_DATA);
}

function arraySlotOf(heap: Heap, rt: Rt, i: number, o: number, span: Span): number {
  const len = heap.length(o);
  if (!(i >= 0 && i < len)) rt.indexPanic(len, i, span);
  return o;
}

