// The closure compiler (DESIGN: "each AST node compiled once into a JS closure").
//
// `compileExpr(e)` returns a `(frame) => value` function built once per node (per generic
// instantiation). Locals are frame slots assigned here from the checker's bindings — no name
// lookups at run time. Control flow uses a completion signal on the runtime (`rt.ctl`) instead
// of exceptions. Managed values go through the heap interface only; every frame is registered
// with the runtime together with its pointer map so the collector's roots are exact, and managed
// temporaries that must survive a later operand that may reach a safepoint are spilled into
// hidden frame slots.

import { SlotKind } from "../../heap/api";
import { HeapExhaustedError } from "../../heap/errors";
import type { Type } from "../check/types";
import { StarkPanic } from "../diagnostics";
import type {
  Binding,
  BlockExpr,
  ClosureExpr,
  EnumDecl,
  Expr,
  FnDecl,
  ImplDecl,
  MethodCallExpr,
  MethodRes,
  Pattern,
  Span,
  Stmt,
  StructDecl,
} from "../syntax/ast";
import type { Tensor } from "../tensor/api";
import { bindsByRef, cellBindings, mayEscape, mayGC, findSelfBinding } from "./analyze";
import { formatWithSpec } from "./format";
import { ItemIndex, implSubst, targetName, traitNameOf } from "./items";
import { NativeSite, NATIVES } from "./natives";
import { Frame, Runtime, typeKeyShort, utf8Bytes, Value, VEC_DATA, VEC_ITERATING, VEC_LEN } from "./runtime";
import {
  derefAll,
  EMPTY_SUBST,
  isCopyType,
  isTensorKind,
  needsCopyOnRead,
  reprOf,
  resolveTypeExpr,
  Subst,
  substitute,
  substKey,
  typeKey,
  unify,
  INT_BITS,
  INT_RANGE,
} from "./typeinfo";
import { deepClone, dropTensors, ownsTensors, readPlace, shallowCopy, valueCompare, valueEquals } from "./values";
import { closeIter, DONE, iteratedVec, iterNext, makeIter } from "./iter";
import { binaryOperatorMethod, compoundAssignMethod, negMethod, partialEqMethod } from "./operators";
import { compileRangeIndex } from "./slices";
import { located, locateSlice } from "./sliceview";
import { CodegenUnsupported, codegenEnabled, directEntry, generateFunction } from "./codegen";
import { canon, castInt, floatToWide, fromSlot, isWideInt, MAX_SAFE, rangeOf, succ, toSlot, wideArith, wideBits, wideDivRem, wideNeg, wideNot } from "./int64";

/** Whether values of `t` are 64-bit integers, which may be bigints (int64.ts). */
function isWideType(t: Type): boolean {
  const d = derefAll(t);
  return d.kind === "int" && isWideInt(d.name);
}
import { lineCol } from "../syntax/ast";

export type Code = (f: Frame) => Value;
export type Setter = (f: Frame, v: Value) => void;

/** A place `mem::swap`/`mem::replace` rebinds (Compiler.memExchange): a variable, or a field whose object `obj` first evaluates into frame slot `held`. */
interface ExchangePlace {
  obj: Code | null;
  held: number;
  get: Code;
  set: Setter;
}

/**
 * Run-time tracking for `stark run --unchecked` (src/teach/unchecked.ts), set on a Compiler
 * before anything is compiled. It wraps the code of expressions, of writes to bindings and of
 * function and closure bodies, so that a use of moved or freed data panics. Null everywhere
 * else, and then the compiler builds exactly the closures it builds without it.
 */
export interface UncheckedHooks {
  /** An expression's code; `valueCtx` as in compileExpr / compileOperand. */
  expr(e: Expr, code: Code, valueCtx: boolean): Code;
  /** A write to binding `b` (`let`, pattern binding, assignment): it is initialized again. */
  write(b: Binding, set: Setter): Setter;
  /** A function's or closure's body, run on a fresh activation of its frame. */
  body(code: Code, span: Span): Code;
}

export const CTL_BREAK = 1;
export const CTL_CONTINUE = 2;
export const CTL_RETURN = 3;

/** A compiled function (one instantiation of a FnDecl). Arguments go in slots 0..n-1. */
export interface CompiledFn {
  name: string;
  frameSize: number;
  map: number[];
  arity: number;
  /** Runs the body on a frame that the caller has filled and pushed. */
  run: (f: Frame, callSpan: Span | null) => Value;
  /**
   * Frames of finished calls, reused by the next call (frames never escape: captured variables
   * live in heap cells). A released frame has every slot cleared, so a reused frame never shows
   * the collector a stale pointer.
   */
  pool: Frame[];
  /**
   * The same call with the arguments as JS values and no frame built by the caller:
   * `direct(arg0, ..., argN-1, callSpan)`. Set once the function is compiled.
   */
  direct?: (...argsThenSpan: Value[]) => Value;
  /** The body is generated JavaScript (codegen.ts): `direct` is the body itself, no frame needed. */
  generated?: boolean;
}

/** A callable value's code: closures, fn pointers to named functions, constructors. */
export interface ClosureCode {
  name: string;
  invoke: (clo: number, args: Value[], span: Span | null) => Value;
  /**
   * A closure literal's captures, in slot order: the cell's slot kind where the closure owns
   * the cell (a `move` or copied capture), null where it shares the variable's cell.
   */
  ownedCells?: (SlotKind | null)[];
  /** Per capture: its value is a Copy managed object (a tuple, array, Copy struct) to duplicate. */
  copiedObjects?: boolean[];
}

const UNIT_T: Type = { kind: "tuple", elems: [] };

/** Each variant's discriminant, as the checker computed it (`VariantDecl.value`). */
function enumDiscriminants(decl: EnumDecl): number[] {
  return decl.variants.map((v, i) => v.value ?? i);
}

/** Natives that keep a by-value argument (a container's element, `mem::replace`'s new value): stored, not borrowed. */
export const STORING_NATIVE = /^(Vec|Map|Box|Gc|LRUCache|Iter|map::Entry|std::mem)::/;
const I64: Type = { kind: "int", name: "i64" };

/** Per function (or closure) compilation state. */
export class FnCtx {
  readonly slots = new Map<Binding, number>();
  size: number;
  readonly map: number[] = [];
  /** Closure only: outer bindings captured, and the frame slot holding each one's cell. */
  readonly captures = new Map<Binding, number>();
  readonly captureOrder: Binding[] = [];
  constructor(
    readonly name: string,
    readonly subst: Subst,
    readonly cells: Set<Binding>,
    readonly retType: Type,
    readonly parent: FnCtx | null,
    readonly closure: ClosureExpr | null,
    arity: number,
  ) {
    this.size = arity;
  }
  newSlot(kind: SlotKind): number {
    const s = this.size++;
    if (kind === SlotKind.Pointer) this.map.push(s);
    return s;
  }
}

export function unwrapParens(e: Expr): Expr {
  while (e.kind === "ParenExpr") e = e.expr;
  return e;
}

export function isPlaceExpr(e: Expr): boolean {
  e = unwrapParens(e);
  switch (e.kind) {
    case "PathExpr":
      return e.res?.kind === "local" || e.res?.kind === "global";
    case "FieldExpr":
    case "TupleFieldExpr":
    case "IndexExpr":
    case "DerefExpr":
      return true;
    case "RefExpr":
      return isPlaceExpr(e.operand);
    default:
      return false;
  }
}

/** The managed aggregate behind references, boxes and Gc handles (field access, indexing). */
export function baseType(t: Type): Type {
  for (;;) {
    if (t.kind === "ref") t = t.inner;
    else if (t.kind === "builtin" && (t.name === "Box" || t.name === "Gc") && t.args[0] && reprOf(t.args[0]) !== SlotKind.Scalar) t = t.args[0];
    else return t;
  }
}

export class Compiler {
  private fnCache = new Map<FnDecl, Map<string, CompiledFn>>();
  private cellCache = new Map<object, Set<Binding>>();
  private constCache = new Map<object, { done: boolean; value: Value }>();
  readonly closureCodes: ClosureCode[] = [];
  private dynCache = new Map<string, CompiledFn>();
  /** Methods reached through a boxed scalar trait object: `self` is unboxed first. */
  private scalarDyn = new Set<CompiledFn>();
  globalCtx: FnCtx;
  /** Compile plain function bodies to JavaScript source (codegen.ts); off with STARK_CODEGEN=0. */
  codegen = codegenEnabled();
  /** `--unchecked` tracking (see UncheckedHooks); it needs `codegen` off. */
  unchecked: UncheckedHooks | null = null;

  constructor(
    readonly rt: Runtime,
    readonly items: ItemIndex,
  ) {
    this.globalCtx = new FnCtx("<top level>", EMPTY_SUBST, new Set(), UNIT_T, null, null, 0);
    // Hidden slots of top-level code live in the global frame: one pointer map for both.
    rt.globalMap = this.globalCtx.map;
    (rt as unknown as { closureCodes: ClosureCode[] }).closureCodes = this.closureCodes;
  }

  // ───────────────────────────── functions ─────────────────────────────

  fnName(decl: FnDecl, impl: ImplDecl | null): string {
    if (impl && impl.target.kind === "PathType") {
      const seg = impl.target.segments[impl.target.segments.length - 1];
      return `${seg.name.name}::${decl.name.name}`;
    }
    const tr = this.items.ownerTrait.get(decl);
    if (tr) return `${tr.name.name}::${decl.name.name}`;
    return decl.name.name;
  }

  /** The compiled instantiation of `decl` under `subst` (compiled on first request). */
  getFn(decl: FnDecl, impl: ImplDecl | null, subst: Subst): CompiledFn {
    let byKey = this.fnCache.get(decl);
    if (!byKey) this.fnCache.set(decl, (byKey = new Map()));
    const key = substKey(subst);
    const hit = byKey.get(key);
    if (hit) return hit;
    const arity = decl.params.length + (decl.selfParam ? 1 : 0);
    const cf: CompiledFn = {
      name: this.fnName(decl, impl),
      frameSize: arity,
      map: [],
      arity,
      run: () => {
        throw new Error(`function ${decl.name.name} is not compiled yet`);
      },
      pool: [],
    };
    byKey.set(key, cf);
    this.compileFnBody(cf, decl, subst);
    return cf;
  }

  private cellsOf(root: object): Set<Binding> {
    let c = this.cellCache.get(root);
    if (!c) this.cellCache.set(root, (c = cellBindings(root)));
    return c;
  }

  /** A fresh compilation context for `decl` with its parameters bound (and the prologue that binds cells and patterns). */
  private fnContext(cf: CompiledFn, decl: FnDecl, subst: Subst): { ctx: FnCtx; prologue: ((f: Frame) => void)[] } {
    const retType = decl.ret ? resolveTypeExpr(decl.ret, subst, this.items) : UNIT_T;
    const ctx = new FnCtx(cf.name, subst, this.cellsOf(decl), retType, null, null, cf.arity);
    const prologue: ((f: Frame) => void)[] = [];
    let argIndex = 0;
    if (decl.selfParam) {
      const self = decl.selfBinding ?? findSelfBinding(decl.body!);
      if (self) this.bindParam(ctx, self, 0, prologue);
      argIndex = 1;
    }
    for (const p of decl.params) this.bindParamPattern(ctx, p.pat, argIndex++, prologue);
    return { ctx, prologue };
  }

  private compileFnBody(cf: CompiledFn, decl: FnDecl, subst: Subst): void {
    const rt = this.rt;
    const body = decl.body!;
    let { ctx, prologue } = this.fnContext(cf, decl, subst);
    // Plain parameters: the body may be compiled to JavaScript source (codegen.ts).
    if (prologue.length === 0 && this.codegen) {
      let done = false;
      try {
        done = generateFunction(this, cf, decl, ctx);
      } catch (e) {
        if (!(e instanceof CodegenUnsupported)) throw e;
        ({ ctx, prologue } = this.fnContext(cf, decl, subst));
      }
      if (done) return;
    }
    const code = this.unchecked === null ? this.compileBlock(body, ctx, true) : this.unchecked.body(this.compileBlock(body, ctx, true), body.span);
    // Tensor parameters are owned by the callee: dropped at return unless moved out; so are
    // the tensors inside a by-value parameter that no move takes (as a `let` in compileBlock).
    const tensorParams = this.tensorSlotsOfParams(ctx, decl);
    const ownerParams = this.ownerSlotsOfParams(ctx, decl);
    cf.frameSize = ctx.size;
    cf.map = ctx.map;
    const name = cf.name;
    const heap = rt.heap;
    const pro = prologue.length ? prologue : null;
    const pool = cf.pool;
    cf.run = (f: Frame, callSpan: Span | null): Value => {
      if (++rt.depth > rt.stackCheck && !rt.deeper()) {
        const overflow = this.stackOverflow(callSpan);
        rt.depth--;
        rt.popFrame();
        throw overflow;
      }
      try {
        heap.safepoint();
        if (tensorParams !== null) for (const s of tensorParams) if (f[s]) rt.claimTensor(f[s]);
        if (pro !== null) for (let i = 0; i < pro.length; i++) pro[i](f);
        let v = code(f);
        if (rt.ctl !== 0) {
          v = rt.ctlValue;
          rt.ctl = 0;
          rt.ctlValue = undefined;
        }
        if (tensorParams !== null) for (const s of tensorParams) if (f[s] !== v) rt.freeTensor(f[s]);
        if (ownerParams !== null) for (const o of ownerParams) if (f[o.slot] && f[o.slot] !== v) dropTensors(rt, f[o.slot], o.type);
        return v;
      } catch (e) {
        throw this.addTraceFrame(e, name, callSpan);
      } finally {
        rt.depth--;
        rt.popFrame();
        if (pool.length < 64) {
          // Only pointer slots matter to the collector; scalar leftovers are overwritten
          // before they are read (the checker guarantees initialization).
          const m = cf.map;
          for (let i = 0; i < m.length; i++) f[m[i]] = undefined;
          pool.push(f);
        }
      }
    };
    cf.direct = directEntry(cf, rt);
  }

  private tensorSlotsOfParams(ctx: FnCtx, decl: FnDecl): number[] | null {
    const out: number[] = [];
    for (const p of decl.params) {
      if (p.pat.kind !== "BindPat") continue;
      const b = p.pat.binding;
      const t = b.ty ? substitute(b.ty, ctx.subst) : undefined;
      if (t?.kind === "tensor" && !ctx.cells.has(b)) {
        const s = ctx.slots.get(b);
        if (s !== undefined) out.push(s);
      }
    }
    return out.length ? out : null;
  }

  /** By-value parameters holding values that own tensors, which no move takes (`moveState`). */
  private ownerSlotsOfParams(ctx: FnCtx, decl: FnDecl): { slot: number; type: Type }[] | null {
    const out: { slot: number; type: Type }[] = [];
    for (const p of decl.params) {
      if (p.pat.kind !== "BindPat") continue;
      const b = p.pat.binding;
      const t = b.ty ? substitute(b.ty, ctx.subst) : undefined;
      if (!t || t.kind === "tensor" || b.moveState !== "kept" || ctx.cells.has(b) || isCopyType(t) || !ownsTensors(this.rt, t)) continue;
      const s = ctx.slots.get(b);
      if (s !== undefined) out.push({ slot: s, type: t });
    }
    return out.length ? out : null;
  }

  stackOverflow(span: Span | null): StarkPanic {
    const rt = this.rt;
    const why = rt.depth > rt.maxDepth ? `recursion deeper than ${rt.maxDepth} calls` : `the stack is full after ${rt.depth} nested calls`;
    return new StarkPanic("P0106", `stack overflow: ${why} (is a base case missing?)`, span);
  }

  /**
   * Add one STARK frame to a panic unwinding through a call; turn host stack overflows into P0106
   * and any other host RangeError (an invalid string or array length, say) into an internal
   * panic, like the evaluator's other `internal:` panics.
   */
  addTraceFrame(e: unknown, fnName: string, callSpan: Span | null): unknown {
    let p: StarkPanic;
    if (e instanceof StarkPanic) p = e;
    // The host stack ran out (deep recursion): a plain string comparison, no regex or
    // allocation-heavy work here, the stack is still nearly full.
    else if (e instanceof RangeError && e.message === "Maximum call stack size exceeded") p = new StarkPanic("P0106", "stack overflow: recursion too deep for the host stack", callSpan);
    else if (e instanceof RangeError) p = new StarkPanic("P0105", `internal: ${e.message}`, callSpan);
    else if (e instanceof HeapExhaustedError) p = new StarkPanic("P0201", e.message, callSpan);
    else return e;
    const site = (p as unknown as { site?: Span | null }).site ?? p.span;
    if (p.trace.length < 64 && site) p.trace.push({ function: fnName, span: site });
    (p as unknown as { site?: Span | null }).site = callSpan;
    return p;
  }

  private bindParam(ctx: FnCtx, b: Binding, argSlot: number, prologue: ((f: Frame) => void)[]): void {
    const t = this.bindingType(ctx, b);
    const kind = reprOf(t);
    if (kind === SlotKind.Pointer) ctx.map.push(argSlot);
    if (ctx.cells.has(b)) {
      const cell = ctx.newSlot(SlotKind.Pointer);
      ctx.slots.set(b, cell);
      const rt = this.rt;
      prologue.push((f) => {
        f[cell] = rt.newCell(kind, f[argSlot]);
      });
    } else {
      ctx.slots.set(b, argSlot);
    }
  }

  private bindParamPattern(ctx: FnCtx, pat: Pattern, argSlot: number, prologue: ((f: Frame) => void)[]): void {
    if (pat.kind === "BindPat" && pat.byRef === "none" && !pat.sub) {
      this.bindParam(ctx, pat.binding, argSlot, prologue);
      return;
    }
    const t = pat.ty ? substitute(pat.ty, ctx.subst) : UNIT_T;
    if (reprOf(t) === SlotKind.Pointer) ctx.map.push(argSlot);
    const m = this.compilePattern(pat, ctx, t);
    prologue.push((f) => {
      m(f, f[argSlot], 0, -1);
    });
  }

  bindingType(ctx: FnCtx, b: Binding): Type {
    return b.ty ? substitute(b.ty, ctx.subst) : UNIT_T;
  }

  // ───────────────────────────── top level ─────────────────────────────

  /** Declare global slots for the program's top-level `let`s and compile its statements. */
  compileTopLevel(stmts: Stmt[]): Code {
    const ctx = this.globalCtx;
    for (const b of cellBindings(stmts)) if (b.global || !b.captured) ctx.cells.add(b);
    const codes = stmts.map((s) => this.compileStmt(s, ctx));
    const rt = this.rt;
    return (f) => {
      for (let i = 0; i < codes.length; i++) {
        codes[i](f);
        if (rt.ctl !== 0) {
          rt.ctl = 0;
          return undefined;
        }
      }
      return undefined;
    };
  }

  // ───────────────────────────── variables ─────────────────────────────

  /** Declare a binding in the current function: returns its slot (holding the value or its cell). */
  declare(ctx: FnCtx, b: Binding): number {
    const existing = ctx.slots.get(b);
    if (existing !== undefined) return existing;
    if (ctx === this.globalCtx || b.global) {
      const g = this.globalCtx;
      const s = g.size++;
      g.slots.set(b, s);
      const kind = g.cells.has(b) || b.captured ? SlotKind.Pointer : reprOf(this.bindingType(ctx, b));
      if (kind === SlotKind.Pointer) this.rt.globalMap.push(s);
      return s;
    }
    const kind = ctx.cells.has(b) ? SlotKind.Pointer : reprOf(this.bindingType(ctx, b));
    const s = ctx.newSlot(kind);
    ctx.slots.set(b, s);
    return s;
  }

  private isCelled(ctx: FnCtx, b: Binding): boolean {
    return ctx.cells.has(b) || (ctx === this.globalCtx && !!b.captured);
  }

  /** Reader and writer of a variable from the current function (local, captured or global). */
  varAccess(ctx: FnCtx, b: Binding): { get: Code; set: Setter; cell: Code | null; kind: SlotKind } {
    const rt = this.rt;
    const heap = rt.heap;
    const kind = reprOf(this.bindingType(ctx, b));
    const local = ctx.slots.get(b);
    if (local !== undefined && ctx !== this.globalCtx) {
      if (ctx.cells.has(b)) return this.cellAccess((f) => f[local], kind);
      const get: Code = (f) => f[local];
      LOCAL_SLOT.set(get, local);
      return {
        get,
        set: (f, v) => {
          f[local] = v;
        },
        cell: null,
        kind,
      };
    }
    if (ctx.closure && !b.global && !this.globalCtx.slots.has(b)) {
      let s = ctx.captures.get(b);
      if (s === undefined) {
        s = ctx.newSlot(SlotKind.Pointer);
        ctx.captures.set(b, s);
        ctx.captureOrder.push(b);
      }
      const slot = s;
      return this.cellAccess((f) => f[slot], kind);
    }
    // Global.
    let g = this.globalCtx.slots.get(b);
    if (g === undefined) g = this.declare(this.globalCtx, b);
    const gs = g;
    const globals = rt.globals;
    if (this.globalCtx.cells.has(b) || b.captured) return this.cellAccess(() => globals[gs], kind);
    void heap;
    return {
      get: () => globals[gs],
      set: (_f, v) => {
        globals[gs] = v;
      },
      cell: null,
      kind,
    };
  }

  private cellAccess(cellOf: Code, kind: SlotKind): { get: Code; set: Setter; cell: Code; kind: SlotKind } {
    const rt = this.rt;
    const heap = rt.heap;
    if (kind === SlotKind.Scalar)
      return { get: (f) => fromSlot(heap.get(cellOf(f), 0)), set: (f, v) => rt.store(cellOf(f), 0, kind, v), cell: cellOf, kind };
    if (kind === SlotKind.Pointer)
      return { get: (f) => heap.getPtr(cellOf(f), 0), set: (f, v) => heap.setPtr(cellOf(f), 0, v ?? 0), cell: cellOf, kind };
    return { get: (f) => rt.load(cellOf(f), 0, kind), set: (f, v) => rt.store(cellOf(f), 0, kind, v), cell: cellOf, kind };
  }

  /** Code that initializes a freshly declared binding with a value (creating its cell if needed). */
  initBinding(ctx: FnCtx, b: Binding): Setter {
    const set0 = this.initSetter(ctx, b);
    // A tensor bound to a variable is the variable's: the object it came out of no longer
    // owns it (runtime.ts, "tensors in heap slots").
    const rt = this.rt;
    const set: Setter =
      this.bindingType(ctx, b).kind === "tensor"
        ? (f, v) => {
            if (v) rt.claimTensor(v as Tensor);
            set0(f, v);
          }
        : set0;
    return this.unchecked === null ? set : this.unchecked.write(b, set);
  }

  private initSetter(ctx: FnCtx, b: Binding): Setter {
    const s = this.declare(ctx, b);
    const rt = this.rt;
    if (this.isCelled(ctx, b)) {
      const kind = reprOf(this.bindingType(ctx, b));
      if (ctx === this.globalCtx || b.global) {
        const globals = rt.globals;
        return (_f, v) => {
          globals[s] = rt.newCell(kind, v);
        };
      }
      return (f, v) => {
        f[s] = rt.newCell(kind, v);
      };
    }
    if (ctx === this.globalCtx || b.global) {
      const globals = rt.globals;
      return (_f, v) => {
        globals[s] = v;
      };
    }
    return (f, v) => {
      f[s] = v;
    };
  }

  // ───────────────────────────── statements and blocks ─────────────────────────────

  compileBlock(b: BlockExpr, ctx: FnCtx, fnBody = false): Code {
    const rt = this.rt;
    const codes = b.stmts.map((s) => this.compileStmt(s, ctx));
    const tail = b.tail ? this.compileExpr(b.tail, ctx) : null;
    // Tensors owned by this block's `let`s are dropped at its end, in reverse order: a tensor
    // variable's unless it was moved out (a move empties its slot), and those inside a value
    // (a struct, a Vec, an Option, ...) held by a variable that no move ever takes (the borrow
    // checker's `moveState`; a variable moved on some path is left to the collector).
    const drops: { get: Code; owned: Type | null }[] = [];
    for (const s of b.stmts) {
      if (s.kind !== "LetStmt" || ctx === this.globalCtx) continue;
      for (const bind of collectBindPats(s.pat)) {
        const t = this.bindingType(ctx, bind);
        if (t.kind === "tensor") drops.unshift({ get: this.varAccess(ctx, bind).get, owned: null });
        else if (bind.moveState === "kept" && !isCopyType(t) && ownsTensors(rt, t)) drops.unshift({ get: this.varAccess(ctx, bind).get, owned: t });
      }
    }
    // ... and the slots of its managed ones are emptied (a function's own block needs none: its
    // frame is released on return).
    const cleared = fnBody ? [] : this.scopeSlots(b, ctx);
    const n = codes.length;
    if (drops.length === 0 && cleared.length === 0) {
      if (n === 0) return tail ?? (() => undefined);
      if (n === 1 && !tail) {
        const c0 = codes[0];
        return (f) => {
          c0(f);
          return undefined;
        };
      }
      return (f) => {
        for (let i = 0; i < n; i++) {
          codes[i](f);
          if (rt.ctl !== 0) return undefined;
        }
        return tail === null ? undefined : tail(f);
      };
    }
    const dropAll = (f: Frame, keep: Value) => {
      for (const d of drops) {
        const v = d.get(f);
        if (!v || v === keep) continue;
        if (d.owned === null) rt.freeTensor(v as Tensor);
        else dropTensors(rt, v, d.owned);
      }
      for (let i = 0; i < cleared.length; i++) f[cleared[i]] = undefined;
    };
    return (f) => {
      for (let i = 0; i < n; i++) {
        codes[i](f);
        if (rt.ctl !== 0) {
          dropAll(f, rt.ctlValue);
          return undefined;
        }
      }
      const v = tail === null ? undefined : tail(f);
      dropAll(f, rt.ctl !== 0 ? rt.ctlValue : v);
      return v;
    };
  }

  /**
   * The frame slots of block `b`'s `let` bindings that hold managed objects, emptied when the
   * block ends. Rust drops a binding's value at the end of its block; a slot left holding it
   * would keep it alive as a GC root until the slot is next written (in binary-trees, each
   * loop iteration's dead tree was copied by the young collections of the next one) and show
   * it as live in `gc::stats()`. Not for `--unchecked` (its tracker reads moved and dropped
   * values back from their slots), globals, or bindings kept in cells (closures share those).
   */
  scopeSlots(b: BlockExpr, ctx: FnCtx): number[] {
    if (this.unchecked !== null || ctx === this.globalCtx) return [];
    const out: number[] = [];
    for (const s of b.stmts) {
      if (s.kind !== "LetStmt") continue;
      for (const bind of collectBindPats(s.pat)) {
        if (bind.global || ctx.cells.has(bind)) continue;
        const slot = ctx.slots.get(bind);
        if (slot !== undefined && reprOf(this.bindingType(ctx, bind)) === SlotKind.Pointer) out.push(slot);
      }
    }
    return out;
  }

  compileStmt(s: Stmt, ctx: FnCtx): Code {
    const rt = this.rt;
    switch (s.kind) {
      case "EmptyStmt":
        return () => undefined;
      case "ItemStmt":
        return () => undefined;
      case "ExprStmt": {
        const code = this.compileExpr(s.expr, ctx);
        const t = this.typeOf(s.expr, ctx);
        if (t.kind === "tensor" && !isPlaceExpr(s.expr)) {
          return (f) => {
            const v = code(f);
            if (v && rt.ctl === 0) rt.freeTensor(v);
            return undefined;
          };
        }
        // A discarded value that owns tensors (`v.pop();`, `m.insert(k, t);` giving back the
        // old one) has no other owner: its tensors are freed at the end of the statement.
        if (!isPlaceExpr(s.expr) && ownsTensors(rt, t)) {
          return (f) => {
            const v = code(f);
            if (rt.ctl === 0) dropTensors(rt, v, t);
            return undefined;
          };
        }
        return code;
      }
      case "LetStmt": {
        const pat = s.pat;
        // A pattern that binds by reference reads its parts in place, as `match` does: a Copy
        // aggregate must not be copied first (`let (_, ref mut last) = t; *last = 2;` writes t.1).
        const init = !s.init ? null : bindsByRef(pat) ? this.compileOperand(s.init, ctx) : this.compileExpr(s.init, ctx);
        if (pat.kind === "BindPat" && pat.byRef === "none" && !pat.sub) {
          const set = this.initBinding(ctx, pat.binding);
          if (init && s.init) {
            const coerced = this.coerce(init, this.typeOf(s.init, ctx), this.bindingType(ctx, pat.binding));
            if (coerced !== init)
              return (f) => {
                set(f, coerced(f));
                return undefined;
              };
          }
          if (!init) {
            if (this.isCelled(ctx, pat.binding)) return (f) => set(f, undefined);
            this.declare(ctx, pat.binding);
            return () => undefined;
          }
          const needsCheck = mayEscape(s.init);
          if (needsCheck)
            return (f) => {
              const v = init(f);
              if (rt.ctl === 0) set(f, v);
              return undefined;
            };
          return (f) => {
            set(f, init(f));
            return undefined;
          };
        }
        const t = s.init ? this.typeOf(s.init, ctx) : pat.ty ? substitute(pat.ty, ctx.subst) : UNIT_T;
        const m = this.compilePattern(pat, ctx, t);
        if (!init) return () => undefined;
        const elseCode = s.elseBlock ? this.compileBlock(s.elseBlock, ctx) : null;
        return (f) => {
          const v = init(f);
          if (rt.ctl !== 0) return undefined;
          if (!m(f, v, 0, -1) && elseCode) elseCode(f);
          return undefined;
        };
      }
    }
  }

  // ───────────────────────────── expressions ─────────────────────────────

  typeOf(e: Expr, ctx: FnCtx): Type {
    const t = e.ty;
    if (!t) return UNIT_T;
    return substitute(t, ctx.subst);
  }

  /** Compile in value context: reading a non-Copy variable moves it; a Copy aggregate is copied. */
  compileExpr(e: Expr, ctx: FnCtx): Code {
    const code = this.userIterCoerced(e, this.compileExprInner(e, ctx, true), ctx);
    return this.unchecked === null ? code : this.unchecked.expr(e, code, true);
  }

  /** Compile in borrow context (`&e`, receivers, operands): no move, no copy. */
  compileOperand(e: Expr, ctx: FnCtx): Code {
    const code = this.userIterCoerced(e, this.compileExprInner(e, ctx, false), ctx);
    return this.unchecked === null ? code : this.unchecked.expr(e, code, false);
  }

  /** `code` wrapped into an iterator object where the checker coerced a user iterator to `Iter<T>`. */
  private userIterCoerced(e: Expr, code: Code, ctx: FnCtx): Code {
    if (!e.coercedTo) return code;
    const wrap = this.userIterCoercion(this.typeOf(e, ctx), substitute(e.coercedTo, ctx.subst));
    return wrap ? (f) => wrap(code(f)) : code;
  }

  /** Whether the checker coerced `e` from a user iterator to an `Iter<T>` (codegen leaves it to this compiler). */
  isUserIterCoercion(e: Expr, ctx: FnCtx): boolean {
    return !!e.coercedTo && this.userIterCoercion(this.typeOf(e, ctx), substitute(e.coercedTo, ctx.subst)) !== null;
  }

  private compileExprInner(e: Expr, ctx: FnCtx, valueCtx: boolean): Code {
    const rt = this.rt;
    const heap = rt.heap;
    switch (e.kind) {
      case "IntLit": {
        const n = canon(e.value);
        const c: Code = () => n;
        if (typeof n === "number") CONST_VALUE.set(c, n);
        return c;
      }
      case "FloatLit": {
        const t = this.typeOf(e, ctx);
        const n = t.kind === "float" && t.name === "f32" ? Math.fround(e.value) : e.value;
        const c: Code = () => n;
        CONST_VALUE.set(c, n);
        return c;
      }
      case "BoolLit": {
        const b = e.value;
        return () => b;
      }
      case "CharLit": {
        const c = e.value.codePointAt(0) ?? 0;
        return () => c;
      }
      case "StrLit": {
        const s = e.value;
        return () => rt.newString(s);
      }
      case "FStrLit":
        return this.compileFString(e, ctx);
      case "ParenExpr":
        return this.compileExprInner(e.expr, ctx, valueCtx);
      case "PathExpr":
        return this.compilePath(e, ctx, valueCtx);
      case "UnaryExpr":
        return this.compileUnary(e, ctx);
      case "RefExpr":
        return this.compileRef(e, ctx);
      case "DerefExpr": {
        const inner = this.compileOperand(e.operand, ctx);
        const ot = this.typeOf(e.operand, ctx);
        const read = this.derefStep(ot);
        const t = this.typeOf(e, ctx);
        const base = read ? (f: Frame) => read(inner(f)) : inner;
        if (valueCtx && needsCopyOnRead(t)) return (f) => shallowCopy(rt, base(f));
        return base;
      }
      case "BinaryExpr":
        return this.compileBinary(e, ctx);
      case "AssignExpr":
        return this.compileAssign(e, ctx);
      case "CallExpr":
        return this.compileCall(e, ctx);
      case "MethodCallExpr":
        return this.compileMethodCall(e, ctx);
      case "FieldExpr":
      case "TupleFieldExpr":
      case "IndexExpr": {
        const place = this.compilePlace(e, ctx);
        const t = this.typeOf(e, ctx);
        if (valueCtx && needsCopyOnRead(t)) {
          const g = place.get;
          return (f) => shallowCopy(rt, g(f));
        }
        if (valueCtx && t.kind === "tensor" && e.kind === "IndexExpr") return place.get;
        return place.get;
      }
      case "StructLitExpr":
        return this.compileStructLit(e, ctx);
      case "TupleExpr": {
        if (e.elems.length === 0) return () => undefined;
        const t = this.typeOf(e, ctx) as Type & { kind: "tuple" };
        const layout = rt.tupleLayout(t);
        const kinds = t.elems.map(reprOf);
        return this.buildObject(e.elems, ctx, kinds, (vals) => {
          const p = heap.alloc(layout);
          for (let i = 0; i < vals.length; i++) rt.store(p, i, kinds[i], vals[i]);
          return p;
        });
      }
      case "ArrayExpr": {
        const t = this.typeOf(e, ctx);
        const elem = t.kind === "array" ? t.elem : I64;
        const layout = rt.arrayLayout(elem);
        const kind = reprOf(elem);
        return this.buildObject(e.elems, ctx, e.elems.map(() => kind), (vals) => {
          const p = heap.allocArray(layout, vals.length);
          for (let i = 0; i < vals.length; i++) rt.store(p, i, kind, vals[i]);
          return p;
        });
      }
      case "ArrayRepeatExpr": {
        const t = this.typeOf(e, ctx);
        const elem = t.kind === "array" ? t.elem : I64;
        const layout = rt.arrayLayout(elem);
        const kind = reprOf(elem);
        const value = this.compileExpr(e.value, ctx);
        const count = t.kind === "array" ? t.len : 0;
        const countCode = this.compileExpr(e.count, ctx);
        return (f) => {
          const v = value(f);
          const n = count || countCode(f);
          const p = heap.allocArray(layout, n);
          this.fillRepeated(p, n, kind, v, elem);
          return p;
        };
      }
      case "VecMacroExpr":
        return this.compileVecMacro(e, ctx);
      case "BlockExpr":
        return this.compileBlock(e, ctx);
      case "IfExpr":
        return this.compileIf(e, ctx);
      case "IfLetExpr":
        return this.compileIfLet(e, ctx);
      case "WhileExpr":
        return this.compileWhile(e, ctx);
      case "WhileLetExpr":
        return this.compileWhileLet(e, ctx);
      case "LoopExpr":
        return this.compileLoop(e, ctx);
      case "ForExpr":
        return this.compileFor(e, ctx);
      case "MatchExpr":
        return this.compileMatch(e, ctx);
      case "ClosureExpr":
        return this.compileClosure(e, ctx);
      case "BreakExpr": {
        const label = e.label?.name ?? null;
        const value = e.value ? this.compileExpr(e.value, ctx) : null;
        return (f) => {
          const v = value ? value(f) : undefined;
          if (rt.ctl !== 0) return undefined;
          rt.ctl = CTL_BREAK;
          rt.ctlLabel = label;
          rt.ctlValue = v;
          return undefined;
        };
      }
      case "ContinueExpr": {
        const label = e.label?.name ?? null;
        return () => {
          rt.ctl = CTL_CONTINUE;
          rt.ctlLabel = label;
          return undefined;
        };
      }
      case "ReturnExpr": {
        const value = e.value ? this.compileExpr(e.value, ctx) : null;
        return (f) => {
          const v = value ? value(f) : undefined;
          if (rt.ctl !== 0) return undefined;
          rt.ctl = CTL_RETURN;
          rt.ctlValue = v;
          return undefined;
        };
      }
      case "RangeExpr": {
        const layout = rt.fixed("Range", [SlotKind.Scalar, SlotKind.Scalar, SlotKind.Scalar], this.typeOf(e, ctx));
        const start = e.start ? this.compileExpr(e.start, ctx) : () => 0;
        const end = e.end ? this.compileExpr(e.end, ctx) : () => Number.MAX_SAFE_INTEGER;
        const incl = e.inclusive ? 1 : 0;
        return (f) => {
          const a = start(f);
          const b = end(f);
          const p = heap.alloc(layout);
          heap.set(p, 0, toSlot(a));
          heap.set(p, 1, toSlot(b));
          heap.set(p, 2, incl);
          return p;
        };
      }
      case "CastExpr":
        return this.compileCast(e.expr, this.typeOf(e.expr, ctx), this.typeOf(e, ctx), ctx, e.span);
      case "TryExpr":
        return this.compileTry(e.expr, ctx, e.fromFn ?? null, e.span);
    }
  }

  /** Fill an array with `n` copies of `v` (clones for non-Copy managed values). */
  private fillRepeated(p: number, n: number, kind: SlotKind, v: Value, elem: Type): void {
    const rt = this.rt;
    if (kind !== SlotKind.Pointer || !v) {
      for (let i = 0; i < n; i++) rt.store(p, i, kind, i === 0 || kind !== SlotKind.Tensor ? v : (v as Tensor).clone());
      return;
    }
    rt.heap.setPtr(p, 0, v);
    const base = rt.handles.length;
    rt.handles.push(p);
    for (let i = 1; i < n; i++) {
      const c = deepClone(rt, rt.heap.getPtr(rt.handles[base], 0), elem);
      rt.heap.setPtr(rt.handles[base], i, c);
    }
    rt.handles.length = base;
  }

  /**
   * Evaluate operands in order and build a value from them. When a managed operand is followed
   * by one that may reach a safepoint, every operand is spilled into hidden frame slots.
   */
  buildObject(exprs: Expr[], ctx: FnCtx, kinds: SlotKind[], build: (vals: Value[]) => Value): Code {
    const rt = this.rt;
    const codes = exprs.map((x) => this.compileExpr(x, ctx));
    const escapes = exprs.some((x) => mayEscape(x));
    const spill = this.needsSpill(exprs, kinds);
    const n = codes.length;
    if (!spill) {
      return (f) => {
        const vals = new Array(n);
        for (let i = 0; i < n; i++) {
          vals[i] = codes[i](f);
          if (escapes && rt.ctl !== 0) return undefined;
        }
        return build(vals);
      };
    }
    const slots = kinds.map((k) => ctx.newSlot(k === SlotKind.Pointer ? SlotKind.Pointer : SlotKind.Scalar));
    return (f) => {
      for (let i = 0; i < n; i++) {
        f[slots[i]] = codes[i](f);
        if (escapes && rt.ctl !== 0) return undefined;
      }
      const vals = new Array(n);
      for (let i = 0; i < n; i++) {
        vals[i] = f[slots[i]];
        f[slots[i]] = undefined;
      }
      return build(vals);
    };
  }

  needsSpill(exprs: Expr[], kinds: SlotKind[]): boolean {
    let laterGC = false;
    for (let i = exprs.length - 1; i >= 0; i--) {
      if (laterGC && kinds[i] === SlotKind.Pointer) return true;
      if (mayGC(exprs[i])) laterGC = true;
    }
    return false;
  }

  /**
   * The UTF-8 is assembled in the runtime's scratch buffer, each part appended as it is reached
   * (runtime.ts `fmtBegin` .. `fmtEnd`): no JS string for the common parts.
   */
  private compileFString(e: Expr & { kind: "FStrLit" }, ctx: FnCtx): Code {
    const rt = this.rt;
    const parts: ((f: Frame) => void)[] = [];
    for (const part of e.parts) {
      if (typeof part === "string") {
        const bytes = utf8Bytes(part);
        parts.push(() => rt.fmtBytes(bytes));
        continue;
      }
      const code = this.compileOperand(part.expr, ctx);
      const t = this.typeOf(part.expr, ctx);
      const spec = part.spec;
      const temp = t.kind === "tensor" && !isPlaceExpr(part.expr);
      // Common parts without a spec skip the general formatter.
      const bt = derefAll(t);
      if (!spec && bt.kind === "int" && t.kind === "int") {
        const i64 = t.name === "i64" || t.name === "isize";
        parts.push((f) => {
          const v = code(f);
          if (rt.ctl === 0) {
            if (i64) rt.fmtI64(v);
            else rt.fmtInt(v);
          }
        });
        continue;
      }
      if (!spec && bt.kind === "builtin" && bt.name === "String") {
        parts.push((f) => {
          const p = code(f);
          if (rt.ctl === 0) rt.fmtStr(p);
        });
        continue;
      }
      parts.push((f) => {
        const v = code(f);
        const s = formatWithSpec(rt, v, t, spec);
        if (temp) rt.freeTensor(v);
        rt.fmtText(s);
      });
    }
    return (f) => {
      const mark = rt.fmtBegin();
      // A part that leaves early (`?`, `return`) ends the text; the caller drops it.
      for (let i = 0; i < parts.length && rt.ctl === 0; i++) parts[i](f);
      return rt.fmtEnd(mark);
    };
  }

  // ── paths ──

  private compilePath(e: Expr & { kind: "PathExpr" }, ctx: FnCtx, valueCtx: boolean): Code {
    const rt = this.rt;
    const heap = rt.heap;
    const res = e.res;
    const t = this.typeOf(e, ctx);
    if (!res) {
      const name = e.segments.map((s) => s.name.name).join("::");
      return () => rt.panic("P0105", `internal: unresolved name \`${name}\``, e.span);
    }
    switch (res.kind) {
      case "local":
      case "global": {
        const acc = this.varAccess(ctx, res.binding);
        if (valueCtx && needsCopyOnRead(t)) {
          const g = acc.get;
          return (f) => shallowCopy(rt, g(f));
        }
        if (valueCtx && t.kind === "fn" && this.isCopyClosure(res.binding, ctx)) {
          const g = acc.get;
          return (f) => this.copyClosure(g(f));
        }
        if (valueCtx && t.kind === "tensor" && acc.cell === null) {
          // Moving a tensor out of a variable: the variable no longer owns it.
          const g = acc.get;
          const s = acc.set;
          return (f) => {
            const v = g(f);
            s(f, null);
            return v;
          };
        }
        return acc.get;
      }
      case "const": {
        const decl = res.decl;
        const code = this.compileExpr(decl.value, this.globalCtx);
        const ct = decl.value.ty ?? t;
        if (reprOf(ct) === SlotKind.Scalar) {
          let cache = this.constCache.get(decl);
          if (!cache) this.constCache.set(decl, (cache = { done: false, value: undefined }));
          const c = cache;
          return (f) => {
            if (!c.done) {
              c.value = code(f);
              c.done = true;
            }
            return c.value;
          };
        }
        return code;
      }
      case "variant": {
        if (t.kind === "fn") return this.ctorAsFunction(res.decl, res.index, t);
        const at = derefAll(t) as Type & { kind: "adt" };
        const l = rt.adtLayout(at);
        const idx = res.index;
        return () => {
          const p = heap.alloc(l.layout);
          heap.set(p, 0, idx);
          return p;
        };
      }
      case "structCtor": {
        if (t.kind === "fn") return this.ctorAsFunction(res.decl, -1, t);
        const l = rt.adtLayout(derefAll(t) as Type & { kind: "adt" });
        return () => heap.alloc(l.layout);
      }
      case "fn": {
        const fnType = t.kind === "fn" ? t : null;
        const subst = new Map<string, Type>();
        if (fnType) this.unifyFnSignature(res.decl, res.impl, fnType.params, fnType.ret, subst, ctx);
        const cf = this.getFn(res.decl, res.impl, subst);
        return this.fnPointer(cf);
      }
      case "native": {
        if (t.kind !== "fn") {
          // `i32::MAX`, `f64::EPSILON`: numeric constants.
          const value = numericConstant(res.name);
          if (value === null) return () => rt.panic("P0105", `internal: unknown constant \`${res.name}\``, e.span);
          const c: Code = () => value;
          if (typeof value === "number") CONST_VALUE.set(c, value);
          return c;
        }
        const fnType = t.kind === "fn" ? t : null;
        const site = this.nativeSite(res.name, e.span, fnType ? fnType.params : [], fnType ? fnType.ret : UNIT_T, ctx);
        const impl = this.native(res.name, site);
        const id = this.closureCodes.length;
        this.closureCodes.push({ name: res.name, invoke: (_c, args) => impl(...args) });
        const layout = rt.fixed("fn", [SlotKind.Scalar], null);
        return () => {
          const p = heap.alloc(layout);
          heap.set(p, 0, id);
          return p;
        };
      }
    }
  }

  /** A function value for a named function. */
  private fnPointer(cf: CompiledFn): Code {
    const rt = this.rt;
    const heap = rt.heap;
    const id = this.closureCodes.length;
    this.closureCodes.push({
      name: cf.name,
      invoke: (_clo, args, span) => {
        const nf = (cf.pool.pop() ?? new Array(cf.frameSize));
        rt.pushFrame(nf, cf.map);
        for (let i = 0; i < args.length; i++) nf[i] = args[i];
        return cf.run(nf, span);
      },
    });
    const layout = rt.fixed("fn", [SlotKind.Scalar], null);
    return () => {
      const p = heap.alloc(layout);
      heap.set(p, 0, id);
      return p;
    };
  }

  /** `Some` / `Point` used as a function value (`.map(Some)`). */
  private ctorAsFunction(decl: EnumDecl | StructDecl, variant: number, t: Type & { kind: "fn" }): Code {
    const rt = this.rt;
    const heap = rt.heap;
    const resultType = t.ret as Type & { kind: "adt" };
    const id = this.closureCodes.length;
    this.closureCodes.push({
      name: decl.name.name,
      invoke: (_clo, args) => {
        const l = rt.adtLayout(resultType);
        const p = heap.alloc(l.layout);
        const off = variant >= 0 ? l.offsets[variant] : 0;
        if (variant >= 0) heap.set(p, 0, variant);
        for (let i = 0; i < args.length; i++) rt.store(p, off + i, l.kinds[off + i], args[i]);
        return p;
      },
    });
    const layout = rt.fixed("fn", [SlotKind.Scalar], null);
    return () => {
      const p = heap.alloc(layout);
      heap.set(p, 0, id);
      return p;
    };
  }

  // ── references ──

  private compileRef(e: Expr & { kind: "RefExpr" }, ctx: FnCtx): Code {
    const inner = this.typeOf(e.operand, ctx);
    if (!e.mutable || reprOf(inner) !== SlotKind.Scalar) {
      const code = this.compileOperand(e.operand, ctx);
      return code;
    }
    const place = this.compilePlace(e.operand, ctx);
    if (place.ref) return place.ref;
    // A temporary: box it so the reference has somewhere to point.
    const rt = this.rt;
    const get = place.get;
    return (f) => rt.newPlace(rt.newCell(SlotKind.Scalar, get(f)), 0);
  }

  /** How to read through one level of indirection of type `t` (null: the pointer is the value). */
  derefStep(t: Type): ((v: Value) => Value) | null {
    const rt = this.rt;
    const heap = rt.heap;
    if (t.kind === "ref") {
      if (t.mutable && reprOf(t.inner) === SlotKind.Scalar) return (v) => fromSlot(heap.get(heap.getPtr(v, 0), heap.get(v, 1)));
      return null;
    }
    if (t.kind === "builtin" && (t.name === "Box" || t.name === "Gc")) {
      const inner = t.args[0];
      if (inner && reprOf(inner) !== SlotKind.Pointer) {
        const k = reprOf(inner);
        return (v) => rt.load(v, 0, k);
      }
    }
    return null;
  }

  // ── places ──

  /** get/set of an assignable place; `ref` builds a `&mut` place object when the place holds a scalar. */
  compilePlace(e: Expr, ctx: FnCtx): { get: Code; set: Setter; ref: Code | null; kind: SlotKind } {
    const rt = this.rt;
    const heap = rt.heap;
    e = unwrapParens(e);
    const t = this.typeOf(e, ctx);
    const kind = reprOf(t);
    switch (e.kind) {
      case "PathExpr": {
        if (e.res?.kind === "local" || e.res?.kind === "global") {
          const acc = this.varAccess(ctx, e.res.binding);
          const cell = acc.cell;
          if (this.unchecked !== null) {
            const get = this.unchecked.expr(e, acc.get, false);
            return { get, set: this.unchecked.write(e.res.binding, acc.set), ref: cell ? (f) => (get(f), rt.newPlace(cell(f), 0)) : null, kind };
          }
          return { get: acc.get, set: acc.set, ref: cell ? (f) => rt.newPlace(cell(f), 0) : null, kind };
        }
        const g = this.compileOperand(e, ctx);
        return { get: g, set: () => undefined, ref: null, kind };
      }
      case "FieldExpr":
      case "TupleFieldExpr": {
        const objCode = this.compileOperand(e.object, ctx);
        const ot = baseType(this.typeOf(e.object, ctx));
        let slot = 0;
        if (ot.kind === "tuple") slot = e.kind === "TupleFieldExpr" ? e.index : Number(e.field.name);
        else if (ot.kind === "adt" && ot.decl.kind === "StructDecl") {
          const decl = ot.decl;
          slot =
            e.kind === "TupleFieldExpr"
              ? e.index
              : e.index !== undefined
                ? e.index
                : decl.fields.findIndex((fd) => fd.name.name === e.field.name);
        } else if (ot.kind === "builtin") {
          return this.builtinField(e, ot, objCode, ctx);
        }
        const s = slot;
        const objSlot = LOCAL_SLOT.get(objCode);
        if (kind === SlotKind.Scalar && isWideType(t)) {
          // A 64-bit field: a big value is stored as its code (int64.ts).
          return {
            get: (f) => fromSlot(heap.get(objCode(f), s)),
            set: (f, v) => heap.set(objCode(f), s, toSlot(v ?? 0)),
            ref: (f) => rt.newPlace(objCode(f), s),
            kind,
          };
        }
        if (kind === SlotKind.Scalar) {
          const isBool = t.kind === "bool";
          const vi = VEC_INDEX.get(objCode);
          return {
            get:
              objSlot !== undefined
                ? (f) => heap.get(f[objSlot], s)
                : vi !== undefined
                  ? (f) => {
                      // `v[i].field`: element lookup and field load in one closure.
                      const o = f[vi.vec];
                      const i = f[vi.index];
                      const len = heap.get(o, VEC_LEN);
                      if (!(i >= 0 && i < len)) rt.indexPanic(len, i, vi.span);
                      return heap.get(heap.getPtr(heap.getPtr(o, VEC_DATA), i), s);
                    }
                  : (f) => heap.get(objCode(f), s),
            set: isBool ? (f, v) => heap.set(objCode(f), s, v ? 1 : 0) : (f, v) => heap.set(objCode(f), s, v ?? 0),
            ref: (f) => rt.newPlace(objCode(f), s),
            kind,
          };
        }
        if (kind === SlotKind.Pointer)
          return { get: (f) => heap.getPtr(objCode(f), s), set: (f, v) => heap.setPtr(objCode(f), s, v), ref: null, kind };
        return {
          get: (f) => rt.load(objCode(f), s, kind),
          set: (f, v) => {
            const o = objCode(f);
            const old = rt.load(o, s, kind);
            if (old && old !== v) rt.freeTensor(old);
            rt.store(o, s, kind, v);
          },
          ref: null,
          kind,
        };
      }
      case "IndexExpr":
        return this.compileIndexPlace(e, ctx, t, kind);
      case "DerefExpr": {
        const inner = this.compileOperand(e.operand, ctx);
        const ot = this.typeOf(e.operand, ctx);
        if (ot.kind === "ref" && ot.mutable && kind === SlotKind.Scalar) {
          return {
            get: (f) => readPlace(rt, inner(f)),
            set: (f, v) => {
              const r = inner(f);
              rt.store(heap.getPtr(r, 0), heap.get(r, 1), SlotKind.Scalar, v);
            },
            ref: inner,
            kind,
          };
        }
        const step = this.derefStep(ot);
        if (step) {
          const k = reprOf((ot as Type & { kind: "builtin" }).args[0]);
          return { get: (f) => step(inner(f)), set: (f, v) => rt.store(inner(f), 0, k, v), ref: (f) => rt.newPlace(inner(f), 0), kind };
        }
        // `*r = value` where r points at a managed object: overwrite the object's contents.
        const overwrite = (f: Frame, v: Value) => {
          const dst = inner(f);
          if (kind === SlotKind.Tensor) return; // tensors are objects with identity; handled by set_ ops
          const n = heap.length(dst);
          const kinds = this.slotKinds(t, v);
          for (let i = 0; i < n; i++) rt.store(dst, i, kinds[i] ?? SlotKind.Scalar, rt.load(v, i, kinds[i] ?? SlotKind.Scalar));
        };
        return { get: inner, set: overwrite, ref: null, kind };
      }
      default: {
        const g = this.compileOperand(e, ctx);
        return { get: g, set: () => undefined, ref: null, kind };
      }
    }
  }

  /** Slot kinds of a managed object of static type `t` (for whole-object overwrite). */
  private slotKinds(t: Type, v: Value): SlotKind[] {
    const rt = this.rt;
    t = baseType(t);
    if (t.kind === "adt") return rt.adtLayout(t).kinds;
    if (t.kind === "tuple") return t.elems.map(reprOf);
    if (t.kind === "array") return new Array(rt.heap.length(v)).fill(reprOf(t.elem));
    if (t.kind === "builtin" && t.name === "String") return [SlotKind.Scalar, SlotKind.Pointer];
    if (t.kind === "builtin" && t.name === "Vec") return [SlotKind.Scalar, SlotKind.Pointer, SlotKind.Scalar];
    if (t.kind === "builtin" && t.name === "Map") return [0, 0, 1, 1, 1, 1];
    return new Array(rt.heap.length(v)).fill(SlotKind.Pointer);
  }

  private builtinField(e: Expr & { kind: "FieldExpr" | "TupleFieldExpr" }, _ot: Type, objCode: Code, _ctx: FnCtx) {
    const rt = this.rt;
    return {
      get: (f: Frame) => {
        void objCode(f);
        return rt.panic("P0105", `internal: no field access on this type`, e.span);
      },
      set: () => undefined,
      ref: null,
      kind: SlotKind.Scalar,
    };
  }

  private compileIndexPlace(e: Expr & { kind: "IndexExpr" }, ctx: FnCtx, t: Type, kind: SlotKind) {
    const rt = this.rt;
    const heap = rt.heap;
    const ot = baseType(this.typeOf(e.object, ctx));
    const obj = this.compileOperand(e.object, ctx);
    const span = e.span;
    if (e.index.kind === "RangeExpr" && ot.kind !== "tensor") {
      // `&v[a..b]`, `&s[..]`: a slice view, or a String's bytes (slices.ts).
      const r = e.index;
      const bounds = { start: r.start ? this.compileExpr(r.start, ctx) : null, end: r.end ? this.compileExpr(r.end, ctx) : null, inclusive: r.inclusive };
      const rangeSpill = mayGC(e.index) ? ctx.newSlot(SlotKind.Pointer) : -1;
      return { get: compileRangeIndex(rt, ot, obj, bounds, rangeSpill, span), set: () => undefined, ref: null, kind };
    }
    const idx = this.compileExpr(e.index, ctx);
    const spill = kind !== undefined && mayGC(e.index);
    const spillSlot = spill ? ctx.newSlot(SlotKind.Pointer) : -1;
    if (ot.kind === "tensor") {
      return {
        get: (f: Frame) => {
          const tt = obj(f) as Tensor;
          const i = idx(f);
          try {
            return tt.index(i);
          } catch (err) {
            // The runtime's P0103 knows the dimension, not the source: point it at `t[i]`.
            if (err instanceof StarkPanic && !err.span) err.span = span;
            throw err;
          }
        },
        set: () => undefined,
        ref: null,
        kind,
      };
    }
    if (ot.kind === "builtin" && ot.name === "Map") {
      return {
        get: (f: Frame) => {
          const m = obj(f);
          const key = idx(f);
          const ops = getMapOpsFor(rt, ot);
          const ent = ops.find(m, key);
          if (ent < 0) return rt.panic("P0103", "key not found in map", span);
          return ops.valAt(m, ent);
        },
        set: () => undefined,
        ref: null,
        kind,
      };
    }
    const isVec = ot.kind === "builtin" && ot.name === "Vec";
    const isSlice = ot.kind === "builtin" && ot.name === "Slice";
    const isBool = t.kind === "bool";
    // A 64-bit element: big values are stored as their codes (int64.ts); the general path decodes.
    const wide = isWideType(t);
    const objSlot = LOCAL_SLOT.get(obj);
    const idxSlot = LOCAL_SLOT.get(idx);
    const fastGet: Code | null = spill || isSlice || wide
      ? null
      : isVec && !isTensorKind(kind) && objSlot !== undefined && idxSlot !== undefined
        ? tagVecIndex(
            (f: Frame) => {
              // `v[i]` with both in frame slots: one closure, no nested calls.
              const o = f[objSlot];
              const i = f[idxSlot];
              const len = heap.get(o, VEC_LEN);
              if (!(i >= 0 && i < len)) rt.indexPanic(len, i, span);
              return heap.get(heap.getPtr(o, VEC_DATA), i);
            },
            objSlot,
            idxSlot,
            span,
          )
        : isVec
        ? isTensorKind(kind)
          ? null
          : (f: Frame) => {
              const o = obj(f);
              const i = idx(f);
              const len = heap.get(o, VEC_LEN);
              if (!(i >= 0 && i < len)) rt.indexPanic(len, i, span);
              return heap.get(heap.getPtr(o, VEC_DATA), i);
            }
        : isTensorKind(kind)
          ? null
          : (f: Frame) => {
              const o = obj(f);
              const i = idx(f);
              const len = heap.length(o);
              if (!(i >= 0 && i < len)) rt.indexPanic(len, i, span);
              return heap.get(o, i);
            };
    // data array and checked index
    const locate = (f: Frame): number => {
      let o: number;
      let i: number;
      if (spill) {
        f[spillSlot] = obj(f);
        i = idx(f);
        o = f[spillSlot];
        f[spillSlot] = undefined;
      } else {
        o = obj(f);
        i = idx(f);
      }
      if (isSlice) {
        const d = locateSlice(rt, o);
        if (!(i >= 0 && i < located.len)) rt.indexPanic(located.len, i, span);
        scratchIndex = located.start + i;
        return d;
      }
      const len = isVec ? heap.get(o, VEC_LEN) : heap.length(o);
      if (!(i >= 0 && i < len)) rt.indexPanic(len, i, span);
      scratchIndex = i;
      return isVec ? heap.getPtr(o, VEC_DATA) : o;
    };
    if (kind === SlotKind.Scalar) {
      return {
        get:
          fastGet ??
          ((f: Frame) => {
            const d = locate(f);
            return fromSlot(heap.get(d, scratchIndex));
          }),
        set: (f: Frame, v: Value) => {
          const d = locate(f);
          heap.set(d, scratchIndex, isBool ? (v ? 1 : 0) : toSlot(v));
        },
        ref: (f: Frame) => {
          const d = locate(f);
          return rt.newPlace(d, scratchIndex);
        },
        kind,
      };
    }
    if (kind === SlotKind.Pointer) {
      return {
        get:
          fastGet ??
          ((f: Frame) => {
            const d = locate(f);
            return heap.getPtr(d, scratchIndex);
          }),
        set: (f: Frame, v: Value) => {
          const d = locate(f);
          heap.setPtr(d, scratchIndex, v);
        },
        ref: null,
        kind,
      };
    }
    return {
      get: (f: Frame) => {
        const d = locate(f);
        return rt.load(d, scratchIndex, kind);
      },
      set: (f: Frame, v: Value) => {
        const d = locate(f);
        const old = rt.load(d, scratchIndex, kind);
        if (old && old !== v) rt.freeTensor(old);
        rt.store(d, scratchIndex, kind, v);
      },
      ref: null,
      kind,
    };
  }

  // ── operators ──

  private compileUnary(e: Expr & { kind: "UnaryExpr" }, ctx: FnCtx): Code {
    const rt = this.rt;
    const t = derefAll(this.typeOf(e.operand, ctx));
    const x = this.compileOperand(e.operand, ctx);
    const span = e.span;
    if (e.op === "!") {
      if (t.kind === "int") {
        const [lo, hi] = INT_RANGE[t.name];
        const name = t.name;
        if (isWideInt(name)) return (f) => wideNot(x(f), name);
        if (lo < 0) return (f) => -x(f) - 1;
        return (f) => hi - x(f);
      }
      // A user `impl Not` (recorded by the checker).
      if (e.method) return this.operatorCall(e.method, [e.operand], ctx, e.span);
      return (f) => !x(f);
    }
    if (t.kind === "tensor") {
      const temp = !isPlaceExpr(e.operand);
      return (f) => {
        const a = x(f) as Tensor;
        const r = a.neg();
        if (temp) rt.freeTensor(a);
        return r;
      };
    }
    if (t.kind === "int") {
      const [lo, hi] = INT_RANGE[t.name];
      const name = t.name;
      const wide = isWideInt(name);
      return (f) => {
        const v = x(f);
        if (wide && typeof v !== "number") return wideNeg(rt, v, name, span);
        const r = -v;
        if (r > hi || r < lo) return wide ? wideNeg(rt, v, name, span) : rt.panic("P0101", "attempt to negate with overflow", span);
        return r === 0 ? 0 : r;
      };
    }
    const userOp = (e as { method?: MethodRes }).method ?? (e.op === "-" ? negMethod(this.items, t) : null);
    if (userOp) {
      const call = this.operatorCall(userOp, [e.operand], ctx, e.span);
      return call;
    }
    return (f) => -x(f);
  }

  private operatorCall(method: MethodRes, operands: Expr[], ctx: FnCtx, span: Span): Code {
    if (method.kind !== "fn") {
      const rt = this.rt;
      return () => rt.panic("P0105", "internal: unsupported operator dispatch", span);
    }
    const argTypes = operands.map((o) => this.typeOf(o, ctx));
    const subst = implSubst(method.impl ?? this.items.ownerImpl.get(method.decl)!, derefAll(argTypes[0]), this.items);
    const cf = this.getFn(method.decl, method.impl, subst);
    return this.directCall(cf, operands.map((o) => this.compileExpr(o, ctx)), operands, argTypes.map(reprOf), ctx, span);
  }

  private compileBinary(e: Expr & { kind: "BinaryExpr" }, ctx: FnCtx): Code {
    const rt = this.rt;
    const op = e.op;
    const span = e.span;
    if (e.method && op !== "==" && op !== "!=") return this.operatorCall(e.method, [e.left, e.right], ctx, span);
    const lt = derefAll(this.typeOf(e.left, ctx));
    // A user `PartialEq::eq`: recorded by the checker, or (`a == b` on a generic T) this
    // instantiation's; `!=` is its negation.
    const eq = op === "==" || op === "!=" ? (e.method ?? partialEqMethod(this.items, lt)) : null;
    if (eq) {
      const call = this.operatorCall(eq, [e.left, e.right], ctx, span);
      return op === "==" ? call : (f) => {
        const r = call(f);
        return rt.ctl !== 0 ? r : !r;
      };
    }
    // `a + b` on `T: Add<Output = T>` in an instantiation where T is a user type.
    const generic = binaryOperatorMethod(this.items, lt, op, this.typeOf(e.right, ctx));
    if (generic) return this.operatorCall(generic, [e.left, e.right], ctx, span);
    const rtT = derefAll(this.typeOf(e.right, ctx));
    if (op === "&&" || op === "||") {
      const a = this.compileExpr(e.left, ctx);
      const b = this.compileExpr(e.right, ctx);
      return op === "&&" ? (f) => a(f) && b(f) : (f) => a(f) || b(f);
    }
    if (lt.kind === "tensor" || rtT.kind === "tensor") return this.compileTensorBinary(e, lt, rtT, ctx);
    const a0 = this.compileOperand(e.left, ctx);
    const b0 = this.compileOperand(e.right, ctx);
    // Read through `&mut scalar` operands.
    const la = this.typeOf(e.left, ctx);
    const lb = this.typeOf(e.right, ctx);
    const a = la.kind === "ref" && la.mutable && reprOf(la.inner) === SlotKind.Scalar ? (f: Frame) => readPlace(rt, a0(f)) : a0;
    const b = lb.kind === "ref" && lb.mutable && reprOf(lb.inner) === SlotKind.Scalar ? (f: Frame) => readPlace(rt, b0(f)) : b0;
    const escapes = mayEscape(e.right);
    if (lt.kind === "int" || lt.kind === "float" || lt.kind === "char" || lt.kind === "bool") {
      const fn = this.scalarBinary(op, lt, span);
      if (escapes)
        return (f) => {
          const x = a(f);
          const y = b(f);
          return rt.ctl !== 0 ? undefined : fn(x, y);
        };
      return this.specializeBinary(op, lt, a, b, fn, span);
    }
    // Managed operands.
    const spill = reprOf(lt) === SlotKind.Pointer && mayGC(e.right) ? ctx.newSlot(SlotKind.Pointer) : -1;
    const both = (f: Frame): [Value, Value] => {
      if (spill >= 0) {
        f[spill] = a(f);
        const y = b(f);
        const x = f[spill];
        f[spill] = undefined;
        return [x, y];
      }
      return [a(f), b(f)];
    };
    if (lt.kind === "builtin" && lt.name === "String" && op === "+") {
      return (f) => {
        const [x, y] = both(f);
        rt.strAppend(x, y);
        return x;
      };
    }
    // A slice compared with a Vec or an array: compare both as slices (valueEquals reads either).
    const eqT = rtT.kind === "builtin" && rtT.name === "Slice" ? rtT : lt;
    switch (op) {
      case "==":
        return (f) => {
          const [x, y] = both(f);
          return valueEquals(rt, x, y, eqT);
        };
      case "!=":
        return (f) => {
          const [x, y] = both(f);
          return !valueEquals(rt, x, y, eqT);
        };
      case "<":
        return (f) => {
          const [x, y] = both(f);
          return valueCompare(rt, x, y, lt) < 0;
        };
      case "<=":
        return (f) => {
          const [x, y] = both(f);
          return valueCompare(rt, x, y, lt) <= 0;
        };
      case ">":
        return (f) => {
          const [x, y] = both(f);
          return valueCompare(rt, x, y, lt) > 0;
        };
      case ">=":
        return (f) => {
          const [x, y] = both(f);
          return valueCompare(rt, x, y, lt) >= 0;
        };
    }
    return () => rt.panic("P0105", `internal: operator ${op} is not supported on ${lt.kind}`, span);
  }

  /** Monomorphic closures for the hottest shapes: `x + 1`, `a < b`, `i % 3 == 0`. */
  private specializeBinary(op: string, t: Type, a: Code, b: Code, fn: (x: Value, y: Value) => Value, span: Span): Code {
    const rt = this.rt;
    const shaped = specializeShapes(rt, op, t, a, b, span);
    if (shaped) return shaped;
    if (t.kind === "int" && t.name === "i32") {
      switch (op) {
        case "+":
          return (f) => {
            const r = a(f) + b(f);
            if ((r | 0) !== r) rt.panic("P0101", "attempt to add with overflow", span);
            return r;
          };
        case "-":
          return (f) => {
            const r = a(f) - b(f);
            if ((r | 0) !== r) rt.panic("P0101", "attempt to subtract with overflow", span);
            return r;
          };
        case "*":
          return (f) => {
            const r = a(f) * b(f);
            if ((r | 0) !== r) rt.panic("P0101", "attempt to multiply with overflow", span);
            return r === 0 ? 0 : r;
          };
        case "/":
        case "%":
          break;
      }
      const c = integerComparison(op, a, b);
      if (c) return c;
    }
    if (t.kind === "int" && isWideInt(t.name)) {
      // Numbers on the fast path; a bigint operand, or a result beyond ±2^53, takes the exact
      // slow path (int64.ts). `<` and `===` need no guard: JS compares a number with a bigint,
      // and each value has one form.
      const [lo, hi] = INT_RANGE[t.name];
      const name = t.name;
      switch (op) {
        case "+":
        case "-":
        case "*": {
          const add = op === "+";
          const sub = op === "-";
          return (f) => {
            const x = a(f);
            const y = b(f);
            if (typeof x !== "number" || typeof y !== "number") return wideArith(rt, op, x, y, name, span);
            const r = add ? x + y : sub ? x - y : x * y;
            if (r > hi || r < lo) return wideArith(rt, op, x, y, name, span);
            return r === 0 ? 0 : r;
          };
        }
      }
      const c = integerComparison(op, a, b);
      if (c) return c;
    }
    if (t.kind === "float" && t.name === "f64") {
      switch (op) {
        case "+":
          return (f) => a(f) + b(f);
        case "-":
          return (f) => a(f) - b(f);
        case "*":
          return (f) => a(f) * b(f);
        case "/":
          return (f) => a(f) / b(f);
        case "<":
          return (f) => a(f) < b(f);
        case ">":
          return (f) => a(f) > b(f);
      }
    }
    return (f) => fn(a(f), b(f));
  }

  /** The operation of a binary operator on scalars of type `t`, with Rust's checks. */
  scalarBinary(op: string, t: Type, span: Span): (x: Value, y: Value) => Value {
    const rt = this.rt;
    if (t.kind === "bool") {
      switch (op) {
        case "==":
          return (x, y) => !x === !y;
        case "!=":
          return (x, y) => !x !== !y;
        case "&":
          return (x, y) => !!x && !!y;
        case "|":
          return (x, y) => !!x || !!y;
        case "^":
          return (x, y) => !x !== !y;
        case "<":
          return (x, y) => !x && !!y;
        case ">":
          return (x, y) => !!x && !y;
        case "<=":
          return (x, y) => !x || !!y;
        case ">=":
          return (x, y) => !!x || !y;
      }
    }
    if (t.kind === "float" && t.name === "f64") {
      switch (op) {
        case "+":
          return (x, y) => x + y;
        case "-":
          return (x, y) => x - y;
        case "*":
          return (x, y) => x * y;
        case "/":
          return (x, y) => x / y;
        case "%":
          return (x, y) => x % y;
      }
    }
    if (t.kind === "float") {
      const f32 = t.name === "f32";
      const r = f32 ? Math.fround : (v: number) => v;
      switch (op) {
        case "+":
          return (x, y) => r(x + y);
        case "-":
          return (x, y) => r(x - y);
        case "*":
          return (x, y) => r(x * y);
        case "/":
          return (x, y) => r(x / y);
        case "%":
          return (x, y) => r(x % y);
      }
    }
    switch (op) {
      case "==":
        return (x, y) => x === y;
      case "!=":
        return (x, y) => x !== y;
      case "<":
        return (x, y) => x < y;
      case "<=":
        return (x, y) => x <= y;
      case ">":
        return (x, y) => x > y;
      case ">=":
        return (x, y) => x >= y;
    }
    if (t.kind !== "int") return () => rt.panic("P0105", `internal: operator ${op} on ${t.kind}`, span);
    const [lo, hi] = INT_RANGE[t.name];
    const name = t.name;
    const bits = INT_BITS[name];
    const signed = lo < 0;
    if (bits === 64) return this.wideBinary(op, name, span);
    const check = (r: number, what: string) => {
      if (r > hi || r < lo || r !== r) rt.panic("P0101", `attempt to ${what} with overflow`, span);
      return r;
    };
    switch (op) {
      case "+":
        return (x, y) => {
          const r = x + y;
          return r > hi || r < lo ? check(r, "add") : r;
        };
      case "-":
        return (x, y) => {
          const r = x - y;
          return r > hi || r < lo ? check(r, "subtract") : r;
        };
      case "*":
        return (x, y) => {
          const r = x * y;
          if (r > hi || r < lo) return check(r, "multiply");
          return r === 0 ? 0 : r;
        };
      case "/":
        return (x, y) => {
          if (y === 0) rt.panic("P0102", "attempt to divide by zero", span);
          const q = Math.trunc(x / y);
          if (q > hi) rt.panic("P0101", "attempt to divide with overflow", span);
          return q === 0 ? 0 : q;
        };
      case "%":
        return (x, y) => {
          if (y === 0) rt.panic("P0102", "attempt to calculate the remainder with a divisor of zero", span);
          if (signed && y === -1 && x === lo) rt.panic("P0101", "attempt to calculate the remainder with overflow", span);
          const r = x % y;
          return r === 0 ? 0 : r;
        };
      case "&":
      case "|":
      case "^":
        return (x, y) => {
          if (signed) return op === "&" ? x & y : op === "|" ? x | y : x ^ y;
          return (op === "&" ? x & y : op === "|" ? x | y : x ^ y) >>> 0;
        };
      case "<<":
        return (x, y) => {
          if (y < 0 || y >= bits) rt.panic("P0101", "attempt to shift left with overflow", span);
          // Bits shifted out are dropped, as in Rust.
          const r = BigInt.asIntN(bits, BigInt(x) << BigInt(y));
          return Number(signed ? r : BigInt.asUintN(bits, r));
        };
      case ">>":
        return (x, y) => {
          if (y < 0 || y >= bits) rt.panic("P0101", "attempt to shift right with overflow", span);
          return Math.floor(x / 2 ** y);
        };
    }
    return () => rt.panic("P0105", `internal: operator ${op}`, span);
  }

  /**
   * An operator of a 64-bit type: the number fast path where both operands are numbers and the
   * result is a safe integer, the exact one of int64.ts otherwise.
   */
  private wideBinary(op: string, name: string, span: Span): (x: Value, y: Value) => Value {
    const rt = this.rt;
    const [lo, hi] = INT_RANGE[name];
    switch (op) {
      case "+":
      case "-":
      case "*":
        return (x, y) => {
          if (typeof x !== "number" || typeof y !== "number") return wideArith(rt, op, x, y, name, span);
          const r = op === "+" ? x + y : op === "-" ? x - y : x * y;
          if (r > hi || r < lo) return wideArith(rt, op, x, y, name, span);
          return r === 0 ? 0 : r;
        };
      case "/":
        return (x, y) => {
          if (typeof x !== "number" || typeof y !== "number") return wideDivRem(rt, op, x, y, name, span);
          if (y === 0) rt.panic("P0102", "attempt to divide by zero", span);
          // Exact: the double quotient of safe integers is within 2^-53 of the true one, less
          // than its distance to the next integer (1/|y|), so truncation never rounds across.
          const q = Math.trunc(x / y);
          return q === 0 ? 0 : q;
        };
      case "%":
        return (x, y) => {
          if (typeof x !== "number" || typeof y !== "number") return wideDivRem(rt, op, x, y, name, span);
          if (y === 0) rt.panic("P0102", "attempt to calculate the remainder with a divisor of zero", span);
          const r = x % y;
          return r === 0 ? 0 : r;
        };
      case "&":
      case "|":
      case "^":
        return (x, y) => {
          if (typeof x === "number" && typeof y === "number" && x >= 0 && y >= 0 && x <= 0x7fffffff && y <= 0x7fffffff) return op === "&" ? x & y : op === "|" ? x | y : x ^ y;
          return wideBits(op, x, y, name);
        };
      case "<<":
      case ">>":
        return (x, y) => {
          const n = Number(y);
          if (n < 0 || n >= 64) rt.panic("P0101", `attempt to shift ${op === "<<" ? "left" : "right"} with overflow`, span);
          return wideBits(op, x, n, name);
        };
    }
    return () => rt.panic("P0105", `internal: operator ${op}`, span);
  }

  private compileTensorBinary(e: Expr & { kind: "BinaryExpr" }, lt: Type, rT: Type, ctx: FnCtx): Code {
    const rt = this.rt;
    const a = this.compileOperand(e.left, ctx);
    const b = this.compileOperand(e.right, ctx);
    const tempA = lt.kind === "tensor" && !isPlaceExpr(e.left);
    const tempB = rT.kind === "tensor" && !isPlaceExpr(e.right);
    const op = e.op;
    const span = e.span;
    const apply = (x: Value, y: Value): Value => {
      const xt = typeof x === "object" && x !== null;
      const yt = typeof y === "object" && y !== null;
      switch (op) {
        case "+":
          return xt ? (x as Tensor).add(y) : (y as Tensor).add(x);
        case "-":
          return xt ? (x as Tensor).sub(y) : (y as Tensor).rsub(x);
        case "*":
          return xt ? (x as Tensor).mul(y) : (y as Tensor).mul(x);
        case "/":
          return xt ? (x as Tensor).div(y) : (y as Tensor).rdiv(x);
        case "@":
          return (x as Tensor).matmul(y);
        case "==":
          return x === y;
        case "!=":
          return x !== y;
      }
      void yt;
      return rt.panic("P0401", `operator ${op} is not supported on tensors`, span);
    };
    return (f) => {
      const x = a(f);
      const y = b(f);
      let r: Value;
      try {
        const viaGraph = rt.tensorOperatorHook === null ? undefined : rt.tensorOperatorHook(op, x, y);
        r = viaGraph !== undefined ? viaGraph : apply(x, y);
      } catch (err) {
        if (err instanceof StarkPanic && !err.span) err.span = span;
        throw err;
      }
      if (tempA && x !== r) rt.freeTensor(x);
      if (tempB && y !== r) rt.freeTensor(y);
      return r;
    };
  }

  private compileAssign(e: Expr & { kind: "AssignExpr" }, ctx: FnCtx): Code {
    const rt = this.rt;
    const place = this.compilePlace(e.target, ctx);
    const value = this.compileExpr(e.value, ctx);
    const tt = this.typeOf(e.target, ctx);
    const escapes = mayEscape(e.value);
    if (e.op === "=") {
      const set = place.set;
      if (tt.kind === "tensor" && unwrapParens(e.target).kind === "PathExpr") {
        const get = place.get;
        return (f) => {
          const v = value(f);
          if (escapes && rt.ctl !== 0) return undefined;
          const old = get(f);
          if (old && old !== v) rt.freeTensor(old);
          set(f, v);
          return undefined;
        };
      }
      if (escapes)
        return (f) => {
          const v = value(f);
          if (rt.ctl === 0) set(f, v);
          return undefined;
        };
      return (f) => {
        set(f, value(f));
        return undefined;
      };
    }
    const op = e.op.slice(0, -1);
    const bt = derefAll(tt);
    const vt = derefAll(this.typeOf(e.value, ctx));
    const userOp = e.method ? { method: e.method, inPlace: true } : compoundAssignMethod(this.items, bt, e.op, vt);
    if (userOp) {
      // `a += b` through `impl AddAssign` (called with `&mut a`) or `impl Add` (`a = a + b`).
      const target: Expr = userOp.inPlace ? { kind: "RefExpr", span: e.target.span, mutable: true, operand: e.target, ty: { kind: "ref", mutable: true, inner: tt } } : e.target;
      const call = this.operatorCall(userOp.method, [target, e.value], ctx, e.span);
      if (userOp.inPlace) return call;
      const set = place.set;
      return (f) => {
        const v = call(f);
        if (rt.ctl === 0) set(f, v);
        return undefined;
      };
    }
    if (bt.kind === "tensor") {
      const get = place.get;
      return (f) => {
        const t = get(f) as Tensor;
        const v = value(f);
        if (op === "+") t.add_(v);
        else if (op === "*") t.mul_(v);
        else {
          const r = op === "-" ? t.sub(v) : t.div(v);
          place.set(f, r);
          rt.freeTensor(t);
        }
        if (typeof v === "object" && !isPlaceExpr(e.value)) rt.freeTensor(v);
        return undefined;
      };
    }
    if (bt.kind === "builtin" && bt.name === "String" && op === "+") {
      const get = place.get;
      // `s += &label(3)`: the call may collect and move `s`, so the String waits in a root.
      const spill = mayGC(e.value) ? ctx.newSlot(SlotKind.Pointer) : -1;
      if (spill >= 0) {
        return (f) => {
          f[spill] = get(f);
          const v = value(f);
          const s = f[spill];
          f[spill] = undefined;
          rt.strAppend(s, v);
          return undefined;
        };
      }
      return (f) => {
        const s = get(f);
        const v = value(f);
        rt.strAppend(s, v);
        return undefined;
      };
    }
    const fn = this.scalarBinary(op, bt.kind === "tuple" ? vt : bt, e.span);
    const get = place.get;
    const set = place.set;
    const target = unwrapParens(e.target);
    if ((target.kind === "FieldExpr" || target.kind === "TupleFieldExpr") && place.kind === SlotKind.Scalar && !mayGC(e.value) && !escapes) {
      // `obj.field op= v`: evaluate the object once.
      const ot = baseType(this.typeOf(target.object, ctx));
      const slotIdx =
        target.kind === "TupleFieldExpr"
          ? target.index
          : ot.kind === "adt" && ot.decl.kind === "StructDecl"
            ? (target.index ?? ot.decl.fields.findIndex((fd) => fd.name.name === target.field.name))
            : -1;
      if (slotIdx >= 0 && (ot.kind === "adt" || ot.kind === "tuple")) {
        const obj = this.compileOperand(target.object, ctx);
        const heap = rt.heap;
        return (f) => {
          const o = obj(f);
          heap.set(o, slotIdx, toSlot(fn(fromSlot(heap.get(o, slotIdx)), value(f))));
          return undefined;
        };
      }
    }
    const local = LOCAL_SLOT.get(get);
    if (local !== undefined && !escapes) {
      const shaped = specializeShapes(rt, op, bt, get, value, e.span);
      if (shaped)
        return (f) => {
          f[local] = shaped(f);
          return undefined;
        };
      return (f) => {
        f[local] = fn(f[local], value(f));
        return undefined;
      };
    }
    if (target.kind === "DerefExpr" && place.kind === SlotKind.Scalar && place.ref && isMutRefScalar(this.typeOf(target.operand, ctx))) {
      // `*m.entry(k).or_insert(0) += 1`: the reference is computed once (after the right side,
      // as Rust evaluates primitive compound assignments), then read and written through.
      const ref = place.ref;
      const heap = rt.heap;
      return (f) => {
        const v = value(f);
        if (escapes && rt.ctl !== 0) return undefined;
        const r = ref(f);
        rt.store(heap.getPtr(r, 0), heap.get(r, 1), SlotKind.Scalar, fn(readPlace(rt, r), v));
        return undefined;
      };
    }
    // Local scalar fast path: `x += 1`.
    return (f) => {
      const v = value(f);
      if (escapes && rt.ctl !== 0) return undefined;
      set(f, fn(get(f), v));
      return undefined;
    };
  }

  private compileCast(inner: Expr, from: Type, to: Type, ctx: FnCtx, span: Span): Code {
    const rt = this.rt;
    let x = this.compileExpr(inner, ctx);
    from = derefAll(from);
    if (from.kind === "adt" && from.decl.kind === "EnumDecl") {
      // A fieldless enum value holds its variant index in slot 0; `as` casts its discriminant.
      const discs = enumDiscriminants(from.decl);
      const heap = rt.heap;
      const ptr = x;
      x = (f) => discs[heap.get(ptr(f), 0) as number];
      from = { kind: "int", name: "isize" };
    }
    if (to.kind === "float") {
      // A 64-bit integer may be a bigint (int64.ts), which `+v` would reject.
      if (from.kind === "int" && isWideInt(from.name)) {
        if (to.name === "f32") return (f) => Math.fround(Number(x(f)));
        return (f) => {
          const v = x(f);
          return typeof v === "number" ? v : Number(v);
        };
      }
      if (to.name === "f32") return (f) => Math.fround(+x(f));
      return (f) => +x(f);
    }
    if (to.kind === "char") return (f) => x(f);
    if (to.kind === "bool") return (f) => !!x(f);
    if (to.kind !== "int") return x;
    const name = to.name;
    const [lo, hi] = INT_RANGE[name];
    if (from.kind === "float") {
      // Rust truncates and saturates at the type's real bounds (a NaN is 0).
      if (isWideInt(name)) return (f) => floatToWide(x(f), name);
      return (f) => {
        const v = x(f);
        if (v !== v) return 0;
        const tr = Math.trunc(v);
        if (tr < lo) return lo;
        if (tr > hi) return hi;
        return tr === 0 ? 0 : tr;
      };
    }
    if (from.kind === "bool") return (f) => (x(f) ? 1 : 0);
    if (from.kind === "int" && rangeOf(from.name)[0] >= rangeOf(name)[0] && rangeOf(from.name)[1] <= rangeOf(name)[1]) return x;
    const wrap = (v: number): number => {
      switch (name) {
        case "i8":
          return (v << 24) >> 24;
        case "u8":
          return v & 0xff;
        case "i16":
          return (v << 16) >> 16;
        case "u16":
          return v & 0xffff;
        case "i32":
          return v | 0;
        case "u32":
          return v >>> 0;
      }
      return v;
    };
    return (f) => {
      const v = x(f);
      if (v >= lo && v <= hi && typeof v === "number") return v;
      // A bigint, or a wrap-around of a 64-bit type: exact (int64.ts). A char code or a safe
      // integer into a narrower type: the bit operations.
      if (typeof v !== "number" || isWideInt(name)) return castInt(v, name);
      return wrap(v);
    };
  }

  private compileTry(inner: Expr, ctx: FnCtx, fromFn: { decl: FnDecl; impl: ImplDecl } | null = null, span: Span | null = null): Code {
    const rt = this.rt;
    const heap = rt.heap;
    const x = this.compileExpr(inner, ctx);
    const t = derefAll(this.typeOf(inner, ctx)) as Type & { kind: "adt" };
    const isOption = t.kind === "adt" && t.decl.name.name === "Option";
    const l = rt.adtLayout(t);
    const retType = ctx.retType;
    if (isOption) {
      // Option: Some is variant 1 (None, Some) in the prelude.
      const someIdx = (t.decl as EnumDecl).variants.findIndex((v) => v.name.name === "Some");
      const noneIdx = 1 - someIdx;
      const off = l.offsets[someIdx];
      const k = l.kinds[off];
      return (f) => {
        const v = x(f);
        if (rt.ctl !== 0) return undefined;
        if (heap.get(v, 0) === someIdx) return rt.load(v, off, k);
        const rl = rt.adtLayout((derefAll(retType).kind === "adt" ? derefAll(retType) : t) as Type & { kind: "adt" });
        const none = heap.alloc(rl.layout);
        heap.set(none, 0, noneIdx);
        rt.ctl = CTL_RETURN;
        rt.ctlValue = none;
        return undefined;
      };
    }
    const okIdx = t.kind === "adt" && t.decl.kind === "EnumDecl" ? t.decl.variants.findIndex((v) => v.name.name === "Ok") : 0;
    const errIdx = 1 - okIdx;
    const okOff = l.offsets[okIdx];
    const errOff = l.offsets[errIdx];
    const okK = l.kinds[okOff];
    const errK = l.kinds[errOff];
    // `impl From<E> for F`: the Err value goes through `F::from` (held in a frame slot, a root,
    // while the call runs).
    let convert: ((f: Frame, e: Value) => Value) | null = null;
    if (fromFn) {
      const cf = this.getFn(fromFn.decl, fromFn.impl, new Map());
      const slot = ctx.newSlot(errK === SlotKind.Pointer ? SlotKind.Pointer : SlotKind.Scalar);
      const call = this.directCall(cf, [(f) => f[slot]], [inner], [errK], ctx, span ?? inner.span);
      convert = (f, e) => {
        f[slot] = e;
        const r = call(f);
        f[slot] = undefined;
        return r;
      };
    }
    return (f) => {
      const v = x(f);
      if (rt.ctl !== 0) return undefined;
      if (heap.get(v, 0) === okIdx) return rt.load(v, okOff, okK);
      let errVal = rt.load(v, errOff, errK);
      if (convert) {
        errVal = convert(f, errVal);
        if (rt.ctl !== 0) return undefined;
      }
      const rtType = derefAll(retType);
      const rl = rt.adtLayout((rtType.kind === "adt" ? rtType : t) as Type & { kind: "adt" });
      const out = heap.alloc(rl.layout);
      heap.set(out, 0, errIdx);
      rt.store(out, rl.offsets[errIdx], rl.kinds[rl.offsets[errIdx]], errVal);
      rt.ctl = CTL_RETURN;
      rt.ctlValue = out;
      return undefined;
    };
  }

  // ── struct literals, vec! ──

  private compileStructLit(e: Expr & { kind: "StructLitExpr" }, ctx: FnCtx): Code {
    const rt = this.rt;
    const heap = rt.heap;
    const t = derefAll(this.typeOf(e, ctx)) as Type & { kind: "adt" };
    const l = rt.adtLayout(t);
    const target = e.target ?? (t.decl.kind === "StructDecl" ? { kind: "struct" as const, decl: t.decl } : null);
    const variant = target && target.kind === "variant" ? target.index : -1;
    const fields = variant >= 0 ? (t.decl as EnumDecl).variants[variant].fields : (t.decl as StructDecl).fields;
    const off = variant >= 0 ? l.offsets[variant] : 0;
    // Values in written order, stored by declaration index.
    const written = e.fields.map((fl) => ({ index: fields.findIndex((fd) => fd.name.name === fl.name.name), expr: fl.value }));
    const missing = fields.map((fd, i) => ({ fd, i })).filter(({ i }) => !written.some((w) => w.index === i));
    const exprs: Expr[] = written.map((w) => w.expr);
    const defaults = e.base ? [] : missing.filter((m) => m.fd.default);
    for (const d of defaults) exprs.push(d.fd.default!);
    const kinds = exprs.map((x) => reprOf(this.typeOf(x, ctx)));
    const indices = [...written.map((w) => w.index), ...defaults.map((d) => d.i)];
    const base = e.base ? this.compileExpr(e.base, ctx) : null;
    const baseSlot = base ? ctx.newSlot(SlotKind.Pointer) : -1;
    const build = this.buildObject(exprs, ctx, kinds, (vals) => {
      const p = heap.alloc(l.layout);
      if (variant >= 0) heap.set(p, 0, variant);
      for (let i = 0; i < vals.length; i++) {
        const s = off + indices[i];
        rt.store(p, s, l.kinds[s], vals[i]);
      }
      return p;
    });
    if (!base) return build;
    const missingIdx = missing.map((m) => off + m.i);
    return (f) => {
      f[baseSlot] = base(f);
      const p = build(f);
      const b = f[baseSlot];
      f[baseSlot] = undefined;
      for (const s of missingIdx) rt.store(p, s, l.kinds[s], rt.load(b, s, l.kinds[s]));
      return p;
    };
  }

  private compileVecMacro(e: Expr & { kind: "VecMacroExpr" }, ctx: FnCtx): Code {
    const rt = this.rt;
    const heap = rt.heap;
    const t = this.typeOf(e, ctx);
    const elem = t.kind === "builtin" && t.args[0] ? t.args[0] : I64;
    const kind = reprOf(elem);
    const boxers = (e.elems ?? []).map((x) => this.dynBoxer(this.typeOf(x, ctx), elem));
    if (e.elems) {
      const n = e.elems.length;
      return this.buildObject(e.elems, ctx, e.elems.map(() => kind), (vals) => {
        for (let i = 0; i < n; i++) vals[i] = boxers[i] ? boxers[i]!(vals[i]) : vals[i];
        const v = rt.newVec(t, elem, n);
        const data = heap.getPtr(v, VEC_DATA);
        for (let i = 0; i < n; i++) rt.store(data, i, kind, vals[i]);
        heap.set(v, VEC_LEN, n);
        return v;
      });
    }
    const value = this.compileExpr(e.repeat!.value, ctx);
    const count = this.compileExpr(e.repeat!.count, ctx);
    const spill = kind === SlotKind.Pointer ? ctx.newSlot(SlotKind.Pointer) : -1;
    return (f) => {
      let v = value(f);
      if (spill >= 0) f[spill] = v;
      const n = count(f);
      if (spill >= 0) {
        v = f[spill];
        f[spill] = undefined;
      }
      rt.handles.push(kind === SlotKind.Pointer ? v : 0);
      const vec = rt.newVec(t, elem, n);
      const held = rt.handles.pop();
      if (kind === SlotKind.Pointer) v = held;
      this.fillRepeated(heap.getPtr(vec, VEC_DATA), n, kind, v, elem);
      heap.set(vec, VEC_LEN, n);
      return vec;
    };
  }

  // ── control flow ──

  private compileIf(e: Expr & { kind: "IfExpr" }, ctx: FnCtx): Code {
    const cond = this.compileExpr(e.cond, ctx);
    const then = this.compileBlock(e.then, ctx);
    const els = e.else ? this.compileExpr(e.else, ctx) : null;
    if (els === null)
      return (f) => {
        if (cond(f)) then(f);
        return undefined;
      };
    return (f) => (cond(f) ? then(f) : els(f));
  }

  private compileIfLet(e: Expr & { kind: "IfLetExpr" }, ctx: FnCtx): Code {
    const rt = this.rt;
    const scrut = this.compileOperand(e.scrutinee, ctx);
    const m = this.compilePattern(e.pat, ctx, this.typeOf(e.scrutinee, ctx));
    const then = this.compileBlock(e.then, ctx);
    const els = e.else ? this.compileExpr(e.else, ctx) : null;
    return (f) => {
      const v = scrut(f);
      if (rt.ctl !== 0) return undefined;
      if (m(f, v, 0, -1)) return then(f);
      return els ? els(f) : undefined;
    };
  }

  /** Handle the control signal after a loop body: 0 = keep looping, 1 = exit loop. */
  private loopSignal(label: string | null): () => number {
    const rt = this.rt;
    return () => {
      const c = rt.ctl;
      if (c === CTL_RETURN) return 1;
      if (rt.ctlLabel !== null && rt.ctlLabel !== label) return 1;
      rt.ctl = 0;
      rt.ctlLabel = null;
      return c === CTL_BREAK ? 1 : 0;
    };
  }

  private compileWhile(e: Expr & { kind: "WhileExpr" }, ctx: FnCtx): Code {
    const span = e.span;
    const rt = this.rt;
    const heap = rt.heap;
    const cond = this.compileExpr(e.cond, ctx);
    const body = this.compileBlock(e.body, ctx);
    const signal = this.loopSignal(e.label?.name ?? null);
    return (f) => {
      while (cond(f)) {
        body(f);
        if (rt.ctl !== 0 && signal() === 1) break;
        backEdge(heap, span);
      }
      if (rt.ctl === CTL_BREAK && rt.ctlLabel === null) rt.ctl = 0;
      return undefined;
    };
  }

  private compileWhileLet(e: Expr & { kind: "WhileLetExpr" }, ctx: FnCtx): Code {
    const span = e.span;
    const rt = this.rt;
    const heap = rt.heap;
    const scrut = this.compileOperand(e.scrutinee, ctx);
    const m = this.compilePattern(e.pat, ctx, this.typeOf(e.scrutinee, ctx));
    const body = this.compileBlock(e.body, ctx);
    const signal = this.loopSignal(e.label?.name ?? null);
    return (f) => {
      for (;;) {
        const v = scrut(f);
        if (rt.ctl !== 0) break;
        if (!m(f, v, 0, -1)) break;
        body(f);
        if (rt.ctl !== 0 && signal() === 1) break;
        backEdge(heap, span);
      }
      return undefined;
    };
  }

  private compileLoop(e: Expr & { kind: "LoopExpr" }, ctx: FnCtx): Code {
    const span = e.span;
    const rt = this.rt;
    const heap = rt.heap;
    const body = this.compileBlock(e.body, ctx);
    const label = e.label?.name ?? null;
    return (f) => {
      for (;;) {
        body(f);
        if (rt.ctl !== 0) {
          const c = rt.ctl;
          if (c === CTL_RETURN) return undefined;
          if (rt.ctlLabel !== null && rt.ctlLabel !== label) return undefined;
          rt.ctl = 0;
          rt.ctlLabel = null;
          if (c === CTL_BREAK) {
            const v = rt.ctlValue;
            rt.ctlValue = undefined;
            return v;
          }
        }
        backEdge(heap, span);
      }
    };
  }

  private compileFor(e: Expr & { kind: "ForExpr" }, ctx: FnCtx): Code {
    const span = e.span;
    const rt = this.rt;
    const heap = rt.heap;
    const label = e.label?.name ?? null;
    const signal = this.loopSignal(label);
    const iterExpr = unwrapParens(e.iter);
    const itType = this.typeOf(e.iter, ctx);
    // Fast path: `for i in a..b` with a plain binding.
    if (iterExpr.kind === "RangeExpr" && iterExpr.start && iterExpr.end) {
      const start = this.compileExpr(iterExpr.start, ctx);
      const end = this.compileExpr(iterExpr.end, ctx);
      const incl = iterExpr.inclusive;
      const pat = e.pat;
      let set: Setter;
      if (pat.kind === "BindPat" && !pat.sub) set = this.initBinding(ctx, pat.binding);
      else {
        const m = this.compilePattern(pat, ctx, I64);
        set = (f, v) => m(f, v, 0, -1);
      }
      const body = this.compileBlock(e.body, ctx);
      const boundsEscape = mayEscape(iterExpr);
      const wide = isWideType(this.typeOf(iterExpr.start, ctx));
      return (f) => {
        const a = start(f);
        const b = end(f);
        if (boundsEscape && rt.ctl !== 0) return undefined;
        if (wide && (typeof a !== "number" || typeof b !== "number" || b >= MAX_SAFE)) {
          // A 64-bit range reaching past 2^53: the exact successor (int64.ts).
          for (let i = a, stop = incl ? succ(b) : b; i < stop; i = succ(i)) {
            set(f, i);
            body(f);
            if (rt.ctl !== 0 && signal() === 1) break;
            backEdge(heap, span);
          }
          return undefined;
        }
        const stop = incl ? b + 1 : b;
        for (let i = a; i < stop; i++) {
          set(f, i);
          body(f);
          if (rt.ctl !== 0 && signal() === 1) break;
          backEdge(heap, span);
        }
        return undefined;
      };
    }
    // Everything else goes through an iterator held in a hidden (rooted) slot.
    const elemType = this.forItemType(e, ctx);
    const m = this.compilePattern(e.pat, ctx, elemType);
    const body = this.compileBlock(e.body, ctx);
    const src = this.compileOperand(e.iter, ctx);
    const slot = ctx.newSlot(SlotKind.Pointer);
    const mode = e.iterKind ?? "iterator";
    const make = makeIter(rt, itType, mode, e.span);
    // The Vec being iterated is marked for the loop's duration (see VEC_ITERATING).
    const vecSlot = ctx.newSlot(SlotKind.Pointer);
    const line = lineCol(e.span.file, e.span.start).line;
    // `for x in v` consumes v: once the iterator (rooted in its slot) holds it, v is no root.
    const moved = mode === "intoIter" ? this.movedSlot(iterExpr, ctx) : -1;
    // The loop variable's slots are emptied when the loop ends, as a block's `let`s are (scopeSlots):
    // the last item (`for f in &closures`) is no GC root after the loop.
    const itemSlots =
      this.unchecked !== null || ctx === this.globalCtx
        ? []
        : collectBindPats(e.pat)
            .filter((b) => !b.global && !ctx.cells.has(b) && reprOf(this.bindingType(ctx, b)) === SlotKind.Pointer)
            .map((b) => ctx.slots.get(b))
            .filter((x): x is number => x !== undefined);
    // `for x in parse(s)?.iter()`: a `?`/`return`/`break` in the iterator expression leaves
    // before the loop starts.
    const iterEscapes = mayEscape(e.iter);
    return (f) => {
      const source = src(f);
      if (iterEscapes && rt.ctl !== 0) return undefined;
      f[slot] = make(source);
      if (moved >= 0) f[moved] = undefined;
      const vec = iteratedVec(rt, f[slot]);
      let prev = 0;
      if (vec !== 0) {
        prev = heap.get(vec, VEC_ITERATING);
        heap.set(vec, VEC_ITERATING, prev || line);
        f[vecSlot] = vec;
      }
      try {
        for (;;) {
          const x = iterNext(rt, f, slot);
          if (x === DONE) break;
          m(f, x, 0, -1);
          body(f);
          if (rt.ctl !== 0 && signal() === 1) break;
          backEdge(heap, span);
        }
      } finally {
        if (vec !== 0) {
          heap.set(f[vecSlot], VEC_ITERATING, prev);
          f[vecSlot] = undefined;
        }
        closeIter(rt, f[slot]); // a dataset's batches close their file on break, return, ? or panic
        f[slot] = undefined;
        for (let i = 0; i < itemSlots.length; i++) f[itemSlots[i]] = undefined;
      }
      return undefined;
    };
  }

  private forItemType(e: Expr & { kind: "ForExpr" }, ctx: FnCtx): Type {
    if (e.pat.ty) return substitute(e.pat.ty, ctx.subst);
    const t = this.typeOf(e.iter, ctx);
    const b = baseType(t);
    if (b.kind === "builtin" && b.args[0]) return b.args[0];
    if (b.kind === "array") return b.elem;
    return I64;
  }

  private compileMatch(e: Expr & { kind: "MatchExpr" }, ctx: FnCtx): Code {
    const rt = this.rt;
    const scrut = this.compileOperand(e.scrutinee, ctx);
    const st = this.typeOf(e.scrutinee, ctx);
    const arms = e.arms.map((a) => ({
      m: this.compilePattern(a.pat, ctx, st),
      guard: a.guard ? this.compileExpr(a.guard, ctx) : null,
      body: this.compileExpr(a.body, ctx),
    }));
    const guardsGC = e.arms.some((a) => a.guard && mayGC(a.guard)) && reprOf(st) === SlotKind.Pointer;
    const slot = guardsGC ? ctx.newSlot(SlotKind.Pointer) : -1;
    const n = arms.length;
    const span = e.span;
    return (f) => {
      let v = scrut(f);
      if (rt.ctl !== 0) return undefined;
      if (slot >= 0) f[slot] = v;
      for (let i = 0; i < n; i++) {
        const arm = arms[i];
        if (slot >= 0) v = f[slot];
        if (arm.m(f, v, 0, -1) && (arm.guard === null || arm.guard(f))) {
          if (slot >= 0) f[slot] = undefined;
          return arm.body(f);
        }
      }
      return rt.panic("P0105", "internal: no match arm matched", span);
    };
  }

  // ── closures ──

  private compileClosure(e: ClosureExpr, ctx: FnCtx): Code {
    const rt = this.rt;
    const heap = rt.heap;
    const t = this.typeOf(e, ctx);
    const retType = t.kind === "fn" ? t.ret : UNIT_T;
    const cctx = new FnCtx("<closure>", ctx.subst, ctx.cells, retType, ctx, e, e.params.length);
    const prologue: ((f: Frame) => void)[] = [];
    e.params.forEach((p, i) => this.bindParamPattern(cctx, p.pat, i, prologue));
    const body = this.unchecked === null ? this.compileExpr(e.body, cctx) : this.unchecked.body(this.compileExpr(e.body, cctx), e.body.span);
    // Captured cells, from the enclosing frame, in capture order.
    const ownedCells: (SlotKind | null)[] = [];
    const copiedObjects: boolean[] = [];
    const getters = cctx.captureOrder.map((b) => {
      const acc = this.varAccess(ctx, b);
      const mode = e.captures?.find((c) => c.binding === b)?.mode ?? (e.isMove ? "move" : "ref");
      const copyIn = mode === "move" || mode === "copy";
      const kind = reprOf(this.bindingType(ctx, b));
      ownedCells.push(copyIn || !acc.cell ? kind : null);
      copiedObjects.push(needsCopyOnRead(this.bindingType(ctx, b)));
      // A Copy tuple/array/struct moved in is the closure's own copy (writes inside stay inside).
      if (copyIn && needsCopyOnRead(this.bindingType(ctx, b))) return (f: Frame) => rt.newCell(kind, shallowCopy(rt, acc.get(f)));
      // A tensor moved in belongs to the closure now: its variable (slot or cell) is emptied, so the
      // end of the variable's block does not free what the closure holds (`move |x| x * &w` returned).
      // (Also under --unchecked: its tracker marks the variable moved when the closure is made,
      // and reports a later use from that mark before reading the slot.)
      if (mode === "move" && kind === SlotKind.Tensor && !b.global)
        return (f: Frame) => {
          const v = acc.get(f);
          acc.set(f, undefined);
          return rt.newCell(kind, v);
        };
      if (copyIn) return (f: Frame) => rt.newCell(kind, acc.get(f));
      return acc.cell ?? ((f: Frame) => rt.newCell(kind, acc.get(f)));
    });
    const capSlots = cctx.captureOrder.map((b) => cctx.captures.get(b)!);
    const n = getters.length;
    const layout = rt.fixed("closure", [SlotKind.Scalar, ...getters.map(() => SlotKind.Pointer)], null);
    const id = this.closureCodes.length;
    const pro = prologue;
    // Frames of finished calls, reused as a function's are (CompiledFn.pool): released with
    // every pointer slot cleared.
    const pool: Frame[] = [];
    const map = cctx.map;
    this.closureCodes.push({
      name: "<closure>",
      ownedCells,
      copiedObjects,
      invoke: (clo, args, span) => {
        const fr = pool.length !== 0 ? pool.pop()! : new Array(cctx.size);
        rt.pushFrame(fr, map);
        for (let i = 0; i < args.length; i++) fr[i] = args[i];
        for (let i = 0; i < n; i++) fr[capSlots[i]] = heap.getPtr(clo, 1 + i);
        if (++rt.depth > rt.stackCheck && !rt.deeper()) {
          const overflow = this.stackOverflow(span);
          rt.depth--;
          rt.popFrame();
          throw overflow;
        }
        try {
          heap.safepoint();
          for (let i = 0; i < pro.length; i++) pro[i](fr);
          let v = body(fr);
          if (rt.ctl !== 0) {
            v = rt.ctlValue;
            rt.ctl = 0;
            rt.ctlValue = undefined;
          }
          return v;
        } catch (err) {
          throw this.addTraceFrame(err, "<closure>", span);
        } finally {
          rt.depth--;
          rt.popFrame();
          if (pool.length < 64) {
            for (let i = 0; i < map.length; i++) fr[map[i]] = undefined;
            pool.push(fr);
          }
        }
      },
    });
    if (n === 0) {
      return () => {
        const p = heap.alloc(layout);
        heap.set(p, 0, id);
        return p;
      };
    }
    return (f) => {
      // Cells first (they may allocate), rooted in the handle scope, then the closure object.
      const base = rt.handles.length;
      for (let i = 0; i < n; i++) rt.handles.push(getters[i](f));
      const p = heap.alloc(layout);
      heap.set(p, 0, id);
      for (let i = 0; i < n; i++) heap.setPtr(p, 1 + i, rt.handles[base + i]);
      rt.handles.length = base;
      return p;
    };
  }

  /**
   * Whether `b` holds a Copy closure: a closure literal that captures only shared references and
   * Copy values (the borrow checker's rule, as Rust's). Reading it by value copies it.
   */
  isCopyClosure(b: Binding, ctx: FnCtx | null): boolean {
    const c = b.closureInit;
    if (!c || !c.captures || c.captures.length === 0) return false;
    return c.captures.every((cap) => cap.mode === "ref" || ((cap.mode === "move" || cap.mode === "copy") && isCopyType(ctx ? this.bindingType(ctx, cap.binding) : (cap.binding.ty ?? UNIT_T))));
  }

  /** A copy of a Copy closure: the same code, its own cells for the state it owns. */
  copyClosure(clo: number): number {
    const rt = this.rt;
    const h = rt.heap;
    const code = this.closureCodes[h.get(clo, 0)];
    const owned = code.ownedCells;
    if (!owned) return clo;
    const base = rt.handles.length;
    rt.handles.push(clo);
    for (let i = 0; i < owned.length; i++) {
      const k = owned[i];
      if (k === null) {
        rt.handles.push(h.getPtr(rt.handles[base], 1 + i));
        continue;
      }
      let v = rt.load(h.getPtr(rt.handles[base], 1 + i), 0, k);
      if (code.copiedObjects?.[i]) v = shallowCopy(rt, v);
      rt.handles.push(k === SlotKind.Pointer ? v : 0);
      const cell = rt.newCell(k, k === SlotKind.Pointer ? rt.handles[rt.handles.length - 1] : v);
      rt.handles[rt.handles.length - 1] = cell;
    }
    const p = h.alloc(h.layoutOf(rt.handles[base]));
    h.set(p, 0, h.get(rt.handles[base], 0));
    for (let i = 0; i < owned.length; i++) h.setPtr(p, 1 + i, rt.handles[base + 1 + i]);
    rt.handles.length = base;
    return p;
  }

  /** Call a callable value (closure, fn pointer, constructor) with evaluated arguments. */
  callValue(clo: number, args: Value[], span: Span | null): Value {
    const code = this.closureCodes[this.rt.heap.get(clo, 0)];
    return code.invoke(clo, args, span);
  }

  // ───────────────────────────── calls ─────────────────────────────

  /** Bind the generic parameters of `decl` from the types at a call site. */
  unifyFnSignature(decl: FnDecl, impl: ImplDecl | null, argTypes: Type[], retType: Type | null, out: Map<string, Type>, _ctx: FnCtx, selfType?: Type): void {
    if (selfType && impl) for (const [k, v] of implSubst(impl, selfType, this.items)) out.set(k, v);
    if (selfType && !impl) out.set("Self", derefAll(selfType));
    decl.params.forEach((p, i) => {
      const pt = p.pat.ty ?? (p.pat.kind === "BindPat" ? p.pat.binding.ty : undefined);
      if (pt && argTypes[i]) unify(pt, argTypes[i], out);
    });
    if (decl.body && decl.selfParam && selfType) {
      const sb = decl.selfBinding ?? findSelfBinding(decl.body);
      if (sb?.ty) unify(sb.ty, selfType, out);
    }
    if (retType && decl.ret) {
      const env = new Map<string, Type>();
      for (const g of [...decl.generics, ...(impl?.generics ?? [])]) env.set(g.name, { kind: "param", name: g.name });
      const declared = resolveTypeExpr(decl.ret, env, this.items);
      unify(declared, retType, out);
    }
  }

  /** Call a compiled function: push its frame, evaluate arguments into slots 0..n-1, run. */
  directCall(cf: CompiledFn, args: Code[], argExprs: Expr[], kinds: SlotKind[], ctx: FnCtx, span: Span): Code {
    const rt = this.rt;
    const n = args.length;
    const escapes = argExprs.some((a) => mayEscape(a));
    void kinds;
    void ctx;
    // A generated callee (codegen.ts) takes its arguments as values through `direct`, with no
    // frame built here — unless an argument after the first may reach a safepoint: an earlier
    // one (a pointer, or a scalar boxed for `dyn`) would wait unrooted.
    const laterMayGC = argExprs.slice(1).some((a) => mayGC(a));
    const framed = this.framedCall(cf, args, escapes, span);
    if (!escapes && !laterMayGC) {
      if (n === 0) return (f) => (cf.generated ? cf.direct!(span) : framed(f));
      if (n === 1) {
        const a0 = args[0];
        return (f) => (cf.generated ? cf.direct!(a0(f), span) : framed(f));
      }
      if (n === 2) {
        const a0 = args[0];
        const a1 = args[1];
        return (f) => (cf.generated ? cf.direct!(a0(f), a1(f), span) : framed(f));
      }
      return (f) => {
        if (!cf.generated) return framed(f);
        const vals: Value[] = [];
        for (let i = 0; i < n; i++) vals.push(args[i](f));
        vals.push(span);
        return cf.direct!(...vals);
      };
    }
    return framed;
  }

  /** A call that builds the callee's frame, pushed (a root) before the arguments are evaluated into it. */
  private framedCall(cf: CompiledFn, args: Code[], escapes: boolean, span: Span): Code {
    const rt = this.rt;
    const n = args.length;
    if (!escapes) {
      if (n === 0)
        return () => {
          const nf = (cf.pool.pop() ?? new Array(cf.frameSize));
          rt.pushFrame(nf, cf.map);
          return cf.run(nf, span);
        };
      if (n === 1) {
        const a0 = args[0];
        return (f) => {
          const nf = (cf.pool.pop() ?? new Array(cf.frameSize));
          rt.pushFrame(nf, cf.map);
          nf[0] = a0(f);
          return cf.run(nf, span);
        };
      }
      if (n === 2) {
        const a0 = args[0];
        const a1 = args[1];
        return (f) => {
          const nf = (cf.pool.pop() ?? new Array(cf.frameSize));
          rt.pushFrame(nf, cf.map);
          nf[0] = a0(f);
          nf[1] = a1(f);
          return cf.run(nf, span);
        };
      }
      return (f) => {
        const nf = (cf.pool.pop() ?? new Array(cf.frameSize));
        rt.pushFrame(nf, cf.map);
        for (let i = 0; i < n; i++) nf[i] = args[i](f);
        return cf.run(nf, span);
      };
    }
    return (f) => {
      const nf = (cf.pool.pop() ?? new Array(cf.frameSize));
      rt.pushFrame(nf, cf.map);
      for (let i = 0; i < n; i++) {
        nf[i] = args[i](f);
        if (rt.ctl !== 0) {
          rt.popFrame();
          return undefined;
        }
      }
      return cf.run(nf, span);
    };
  }

  /**
   * The frame slot a by-value argument `e` moves out of: a plain local (not in a cell) holding a
   * managed value that is not Copy. The caller clears the slot once the value is taken, so the
   * moved-from variable stops being a GC root (`drop(v)` then makes v's objects garbage at the
   * next collection instead of when the function returns). -1 when `e` is anything else.
   */
  movedSlot(e: Expr, ctx: FnCtx): number {
    e = unwrapParens(e);
    // --unchecked keeps the value in the slot and the read in the (wrapped) code, so that the
    // tracker sees the move and can report a later use.
    if (this.unchecked !== null) return -1;
    if (e.kind !== "PathExpr" || e.res?.kind !== "local" || ctx === this.globalCtx) return -1;
    const b = e.res.binding;
    if (b.global || ctx.cells.has(b)) return -1;
    const t = this.bindingType(ctx, b);
    if (!(t.kind === "adt" || t.kind === "builtin" || t.kind === "tuple" || t.kind === "array") || isCopyType(t)) return -1;
    if (reprOf(t) !== SlotKind.Pointer) return -1;
    const slot = ctx.slots.get(b);
    return slot === undefined ? -1 : slot;
  }

  /** `code` for a by-value argument, clearing the moved-from slot (see movedSlot). */
  private moveArg(e: Expr, ctx: FnCtx, code: Code): Code {
    const s = this.movedSlot(e, ctx);
    if (s < 0) return code;
    return (f) => {
      const v = f[s];
      f[s] = undefined;
      return v;
    };
  }

  /**
   * The compiled target of a call to a named function (`f(x)`, `T::create()`, `Shape::area(&c)`):
   * trait methods called by path are resolved to their impl, generics instantiated from the
   * argument and result types. Null when the function has no body.
   */
  resolveFnCall(
    e: Expr & { kind: "CallExpr" },
    ctx: FnCtx,
    argTypes: Type[],
    retType: Type,
  ): { cf: CompiledFn; paramTypes: (Type | null)[]; offset: number } | null {
    const callee = unwrapParens(e.callee) as Expr & { kind: "PathExpr" };
    const res = callee.res as { kind: "fn"; decl: FnDecl; impl: ImplDecl | null; selfTy?: Type };
    let decl = res.decl;
    let impl = res.impl;
    const subst = new Map<string, Type>();
    // A trait method called by path (`T::create()`, `Shape::area(&c)`): find the impl.
    // For `T::f()` on a generic parameter the checker names T (`selfTy`); this
    // instantiation's substitution says which type T is.
    const tr = res.selfTy ? this.items.ownerTrait.get(decl) : undefined;
    if (res.selfTy && tr) {
      let selfT = derefAll(substitute(res.selfTy, ctx.subst));
      // `Describe::describe(&d)`: the receiver argument names the type when `Self` was left open.
      if ((selfT.kind === "var" || selfT.kind === "dyn") && decl.selfParam && argTypes[0]) selfT = derefAll(argTypes[0]);
      const found = this.items.findMethod(selfT, decl.name.name, tr.name.name);
      if (found) {
        decl = found.decl;
        impl = found.impl;
        for (const [k, v] of found.subst) subst.set(k, v);
        if (!subst.has("Self")) subst.set("Self", selfT);
      }
    } else if (!decl.body) {
      const tr = this.items.ownerTrait.get(decl);
      const selfT = argTypes[0] ?? retType;
      const found = tr ? this.items.findMethod(derefAll(selfT), decl.name.name, tr.name.name) : null;
      if (found) {
        decl = found.decl;
        impl = found.impl;
        for (const [k, v] of found.subst) subst.set(k, v);
      }
    } else if (impl && ctx.subst.has("Self") && !impl.trait) {
      // `Self::helper()` in a generic impl: the caller's instantiation applies.
      for (const [k, v] of ctx.subst) subst.set(k, v);
    }
    if (!decl.body) return null;
    // A turbofish names the generic arguments: `unit_area::<Sq>()`.
    const turbofish = callee.segments[callee.segments.length - 1].args;
    if (turbofish && turbofish.length === decl.generics.length) {
      decl.generics.forEach((g, i) => subst.set(g.name, resolveTypeExpr(turbofish[i], ctx.subst, this.items)));
    }
    const params = decl.selfParam ? argTypes.slice(1) : argTypes;
    this.unifyFnSignature(decl, impl, params, retType, subst, ctx, decl.selfParam ? argTypes[0] : undefined);
    if (!decl.selfParam && impl) {
      // Associated function of a generic impl: bind impl generics from the result type.
      const implT = derefAll(retType);
      for (const [k, v] of implSubst(impl, implT, this.items)) if (!subst.has(k) && k !== "Self") subst.set(k, v);
      if (!subst.has("Self")) subst.set("Self", implT);
    }
    const cf = this.getFn(decl, impl, subst);
    const paramTypes = decl.params.map((p) => (p.pat.ty ? substitute(p.pat.ty, subst) : null));
    const offset = decl.selfParam ? 1 : 0;
    return { cf, paramTypes, offset };
  }

  private compileCall(e: Expr & { kind: "CallExpr" }, ctx: FnCtx): Code {
    const rt = this.rt;
    const heap = rt.heap;
    const callee = unwrapParens(e.callee);
    const retType = this.typeOf(e, ctx);
    const argTypes = e.args.map((a) => this.typeOf(a, ctx));
    if (callee.kind === "PathExpr" && callee.res) {
      const res = callee.res;
      switch (res.kind) {
        case "fn": {
          const target = this.resolveFnCall(e, ctx, argTypes, retType);
          if (!target) {
            // `T::default()` where T is a type without a user impl: the standard trait's native.
            const tr = this.items.ownerTrait.get(res.decl);
            const native = tr ? `${tr.name.name}::${res.decl.name.name}` : "";
            if (NATIVES[native]) return this.nativeCall(native, e.args, argTypes, retType, ctx, e.span, e as unknown as { autoref?: boolean[] });
            return () => rt.panic("P0105", `internal: \`${res.decl.name.name}\` has no body`, e.span);
          }
          const { cf, paramTypes, offset } = target;
          const args = e.args.map((a, i) => {
            const code = this.coerce(this.argCode(a, ctx, argTypes[i]), argTypes[i], paramTypes[i - offset] ?? null);
            return e.autoref?.[i] ? code : this.moveArg(a, ctx, code);
          });
          return this.spillArgs(cf, args, e.args, argTypes.map(reprOf), ctx, e.span);
        }
        case "native":
          return this.nativeCall(res.name, e.args, argTypes, retType, ctx, e.span, e as unknown as { autoref?: boolean[] });
        case "variant": {
          const t = derefAll(retType) as Type & { kind: "adt" };
          const l = rt.adtLayout(t);
          const idx = res.index;
          const off = l.offsets[idx];
          return this.buildObject(e.args, ctx, argTypes.map(reprOf), (vals) => {
            const p = heap.alloc(l.layout);
            heap.set(p, 0, idx);
            for (let i = 0; i < vals.length; i++) rt.store(p, off + i, l.kinds[off + i], vals[i]);
            return p;
          });
        }
        case "structCtor": {
          const t = derefAll(retType) as Type & { kind: "adt" };
          const l = rt.adtLayout(t);
          return this.buildObject(e.args, ctx, argTypes.map(reprOf), (vals) => {
            const p = heap.alloc(l.layout);
            for (let i = 0; i < vals.length; i++) rt.store(p, i, l.kinds[i], vals[i]);
            return p;
          });
        }
        default:
          break;
      }
    }
    // Calling a value: a closure, fn pointer, `Box<dyn Fn>`.
    const fnCode = this.compileOperand(e.callee, ctx);
    const args = e.args.map((a, i) => this.argCode(a, ctx, argTypes[i]));
    const slot = ctx.newSlot(SlotKind.Pointer);
    const escapes = e.args.some((a) => mayEscape(a));
    const span = e.span;
    const n = args.length;
    const argSpill = this.needsSpill(e.args, argTypes.map(reprOf)) ? argTypes.map(() => ctx.newSlot(SlotKind.Pointer)) : null;
    return (f) => {
      f[slot] = fnCode(f);
      const vals = new Array(n);
      for (let i = 0; i < n; i++) {
        vals[i] = args[i](f);
        if (argSpill) f[argSpill[i]] = vals[i];
        if (escapes && rt.ctl !== 0) return undefined;
      }
      if (argSpill) for (let i = 0; i < n; i++) vals[i] = f[argSpill[i]];
      const clo = f[slot];
      f[slot] = undefined;
      return this.callValue(clo, vals, span);
    };
  }

  /**
   * A user iterator where an `Iter<T>` is expected (`impl Iterator<Item = T>`, `I: Iterator`),
   * also boxed (`Box<dyn Iterator<Item = T>>`): wrapped into an iterator object (user_iter.ts).
   */
  private userIterCoercion(from: Type, to: Type): ((v: Value) => Value) | null {
    const rt = this.rt;
    const isIter = (t: Type) => t.kind === "builtin" && t.name === "Iter";
    if (isIter(to) && from.kind === "adt") return makeIter(rt, from, "intoIter", null);
    const boxed = (t: Type) => (t.kind === "builtin" && t.name === "Box" ? t.args[0] : null);
    const fi = boxed(from);
    const ti = boxed(to);
    if (!fi || !ti || !isIter(ti) || fi.kind !== "adt") return null;
    // A Box of a managed value is the value's own pointer (values.ts reads it so).
    return makeIter(rt, fi, "intoIter", null);
  }

  /** An argument in value context (moves), except `&`-typed arguments which borrow. */
  /**
   * Unsizing to a trait object where the value is a scalar (`&7` as `&dyn Describe`): box it in
   * a one-slot object whose layout records the concrete type, so `dyn` dispatch can find the
   * impl. Managed values need nothing: their layout already identifies their type.
   */
  coerce(code: Code, from: Type | undefined, to: Type | null): Code {
    if (!to || !from) return code;
    const target = stripIndirection(to);
    const source = stripIndirection(from);
    if (target.kind !== "dyn" || reprOf(source) !== SlotKind.Scalar || source.kind === "tuple") return code;
    const rt = this.rt;
    const layout = rt.fixed(`dyn ${target.trait.name.name} <- ${typeKeyShort(source)}`, [SlotKind.Scalar], source);
    const heap = rt.heap;
    return (f) => {
      const v = code(f);
      const p = heap.alloc(layout);
      heap.set(p, 0, typeof v === "boolean" ? (v ? 1 : 0) : toSlot(v));
      return p;
    };
  }

  /** The value-level form of `coerce`, for operands already evaluated. */
  dynBoxer(from: Type, to: Type): ((v: Value) => Value) | null {
    const probe = (f: Frame) => f[0];
    const c = this.coerce(probe, from, to);
    if (c === probe) return null;
    return (v) => c([v]);
  }

  private argCode(a: Expr, ctx: FnCtx, t: Type): Code {
    if (t.kind === "ref") return this.compileOperand(a, ctx);
    return this.compileExpr(a, ctx);
  }

  /** Direct call; when a managed argument is followed by one that may collect, arguments go through the callee frame (already rooted). */
  private spillArgs(cf: CompiledFn, args: Code[], argExprs: Expr[], kinds: SlotKind[], ctx: FnCtx, span: Span): Code {
    // The callee's frame is pushed before its arguments are evaluated, so values stored in it
    // are rooted (its pointer map covers the parameter slots).
    return this.directCall(cf, args, argExprs, kinds, ctx, span);
  }

  // ── method calls ──

  private compileMethodCall(e: MethodCallExpr, ctx: FnCtx): Code {
    const rt = this.rt;
    const res = e.res;
    const retType = this.typeOf(e, ctx);
    const recvT = this.typeOf(e.receiver, ctx);
    const adjust = e.recvAdjust ?? { derefs: 0, autoref: "none" as const };
    const argTypes = e.args.map((a) => this.typeOf(a, ctx));
    // The receiver after auto-deref (the type the method is looked up on).
    let selfT = recvT;
    const steps: ((v: Value) => Value)[] = [];
    for (let i = 0; i < adjust.derefs; i++) {
      const st = this.derefStep(selfT);
      if (st) steps.push(st);
      if (selfT.kind === "ref") selfT = selfT.inner;
      else if (selfT.kind === "builtin" && (selfT.name === "Box" || selfT.name === "Gc") && selfT.args[0]) selfT = selfT.args[0];
    }
    if (adjust.userIter) {
      // `counter.zip(..)`: the user iterator taken as an `Iter<Item>` (user_iter.ts).
      steps.push(makeIter(rt, selfT, "iterator", e.span));
      selfT = adjust.userIter;
    }
    const recv0 = adjust.autoref === "none" && adjust.derefs === 0 && !(res && res.kind === "native") ? this.compileExpr(e.receiver, ctx) : this.compileOperand(e.receiver, ctx);
    const recv = steps.length === 0 ? recv0 : (f: Frame) => {
      let v = recv0(f);
      for (const s of steps) v = s(v);
      return v;
    };
    const receiverTemp = derefAll(recvT).kind === "tensor" && !isPlaceExpr(e.receiver) && adjust.autoref !== "none";
    if (!res) return () => rt.panic("P0105", `internal: unresolved method \`${e.method.name}\``, e.span);
    const selfArgType: Type =
      adjust.autoref === "ref" ? { kind: "ref", mutable: false, inner: selfT } : adjust.autoref === "refMut" ? { kind: "ref", mutable: true, inner: selfT } : selfT;
    if (e.intoFrom) {
      // `x.into()` through a user `impl From<X> for Y`: `Y::from(x)`, x moved in.
      const cf = this.getFn(e.intoFrom.decl, e.intoFrom.impl, new Map());
      const value = this.moveArg(e.receiver, ctx, this.compileExpr(e.receiver, ctx));
      return this.directCall(cf, [value], [e.receiver], [reprOf(recvT)], ctx, e.span);
    }
    if (res.kind === "native" && res.name === "Into::into") {
      const conv = this.genericInto(derefAll(selfT), derefAll(retType));
      if (conv) {
        const value = this.moveArg(e.receiver, ctx, this.compileExpr(e.receiver, ctx));
        return this.directCall(conv, [value], [e.receiver], [reprOf(recvT)], ctx, e.span);
      }
    }
    if (res.kind === "native") {
      const allArgs = [e.receiver, ...e.args];
      const code = this.nativeCall(res.name, allArgs, [selfArgType, ...argTypes], retType, ctx, e.span, e as unknown as { autoref?: boolean[] }, recv);
      if (!receiverTemp) return code;
      return this.freeReceiverAfter(code, recv, ctx);
    }
    const target = this.resolveMethodCall(e, ctx, selfT, selfArgType, argTypes, retType);
    if (target === null) {
      // `x.clone()` on a `T: Clone` that is a number or a builtin here: the standard trait's native.
      const native = res.kind === "dyn" ? `${res.trait.name.name}::${res.method}` : "";
      if (NATIVES[native]) return this.nativeCall(native, [e.receiver, ...e.args], [selfArgType, ...argTypes], retType, ctx, e.span, e as unknown as { autoref?: boolean[] }, recv);
      return () => rt.panic("P0105", `internal: no implementation of \`${e.method.name}\` for this type`, e.span);
    }
    if ("dyn" in target) return this.dynCall(e, target.dyn, target.trait, recv, argTypes, ctx);
    const cf = target;
    const selfCode = this.receiverForUserMethod(recv, selfT, adjust.autoref);
    const args = [selfCode, ...e.args.map((a, i) => this.argCode(a, ctx, argTypes[i]))];
    return this.directCall(cf, args, [e.receiver, ...e.args], [reprOf(selfArgType), ...argTypes.map(reprOf)], ctx, e.span);
  }

  /**
   * What a call of a user (non-native) method resolves to in this instantiation: the compiled
   * method, `{ dyn, trait }` when the receiver is a trait object (dispatched at run time), or
   * null when the type has no implementation with a body.
   */
  resolveMethodCall(
    e: MethodCallExpr,
    ctx: FnCtx,
    selfT: Type,
    selfArgType: Type,
    argTypes: Type[],
    retType: Type,
  ): CompiledFn | { dyn: string; trait: string } | null {
    const res = e.res as Exclude<MethodRes, { kind: "native" }>;
    const concrete = baseType(selfT);
    let decl: FnDecl;
    let impl: ImplDecl | null;
    let ownerTrait: { name: { name: string } } | undefined;
    if (res.kind === "dyn") {
      // A trait-bounded generic receiver is concrete in this instantiation: dispatch statically.
      if (concrete.kind === "dyn" || concrete.kind === "param") return { dyn: res.method, trait: res.trait.name.name };
      const found = this.items.findMethod(concrete, res.method, res.trait.name.name);
      if (!found) return null;
      decl = found.decl;
      impl = found.impl;
      ownerTrait = undefined;
    } else {
      decl = res.decl;
      impl = res.impl ?? this.items.ownerImpl.get(decl) ?? null;
      ownerTrait = this.items.ownerTrait.get(decl);
    }
    const subst = new Map<string, Type>();
    if (res.kind === "dyn" && impl) for (const [k, v] of implSubst(impl, concrete, this.items)) subst.set(k, v);
    if (res.kind !== "dyn" && (ownerTrait || !decl.body)) {
      // Static dispatch of a trait method on a concrete (or generic, now instantiated) receiver.
      if (concrete.kind === "dyn") return { dyn: decl.name.name, trait: concrete.trait.name.name };
      const found = this.items.findMethod(concrete, decl.name.name, ownerTrait?.name.name ?? null);
      if (found) {
        decl = found.decl;
        impl = found.impl;
        for (const [k, v] of found.subst) subst.set(k, v);
      }
    }
    if (!decl.body) return null;
    if (e.typeArgs && e.typeArgs.length === decl.generics.length) {
      decl.generics.forEach((g, i) => subst.set(g.name, resolveTypeExpr(e.typeArgs![i], ctx.subst, this.items)));
    }
    this.unifyFnSignature(decl, impl, argTypes, retType, subst, ctx, selfArgType);
    if (impl && !subst.has("Self")) subst.set("Self", derefAll(selfT));
    return this.getFn(decl, impl, subst);
  }

  /**
   * `x.into()` on a generic `T: Into<Y>` in an instantiation where T is a type with a user
   * `impl From<T> for Y`: that impl's `from` (null when T is Y or a number widening).
   */
  private genericInto(from: Type, to: Type): CompiledFn | null {
    if (typeKey(from) === typeKey(to) || to.kind !== "adt") return null;
    for (const impl of this.items.impls) {
      if (traitNameOf(impl) !== "From" || targetName(impl.target) !== to.decl.name.name) continue;
      const decl = impl.methods.find((m) => m.name.name === "from");
      const param = decl?.params[0];
      if (!decl || !param) continue;
      const subst = implSubst(impl, to, this.items);
      if (typeKey(resolveTypeExpr(param.ty, subst, this.items)) === typeKey(from)) return this.getFn(decl, impl, subst);
    }
    return null;
  }

  /** `&mut self` on a scalar receiver needs a place; everything else passes the value. */
  private receiverForUserMethod(recv: Code, selfT: Type, autoref: string): Code {
    if (autoref === "refMut" && reprOf(selfT) === SlotKind.Scalar) {
      const rt = this.rt;
      return (f) => rt.newPlace(rt.newCell(SlotKind.Scalar, recv(f)), 0);
    }
    return recv;
  }

  private freeReceiverAfter(code: Code, _recv: Code, _ctx: FnCtx): Code {
    // The receiver temporary was produced inside `code`; natives for tensor temporaries free it
    // themselves via the site's `tempReceiver` flag.
    return code;
  }

  /** `x.method()` where x is `dyn Trait`: find the impl for the receiver's concrete type at run time. */
  private dynCall(e: MethodCallExpr, method: string, traitName: string, recv: Code, argTypes: Type[], ctx: FnCtx): Code {
    const rt = this.rt;
    const heap = rt.heap;
    const args = e.args.map((a, i) => this.argCode(a, ctx, argTypes[i]));
    const n = args.length;
    const span = e.span;
    const slots = [ctx.newSlot(SlotKind.Pointer), ...argTypes.map((t) => ctx.newSlot(reprOf(t) === SlotKind.Pointer ? SlotKind.Pointer : SlotKind.Scalar))];
    return (f) => {
      f[slots[0]] = recv(f);
      for (let i = 0; i < n; i++) f[slots[i + 1]] = args[i](f);
      const self = f[slots[0]];
      const layout = heap.layoutOf(self);
      const key = `${layout}:${traitName}:${method}`;
      let cf = this.dynCache.get(key);
      if (!cf) {
        const concrete = rt.layoutTypes[layout];
        const found = concrete ? this.items.findMethod(concrete, method, traitName) ?? this.items.findMethod(concrete, method, null) : null;
        if (!found || !found.decl.body) return rt.panic("P0105", `internal: no \`${method}\` for this trait object`, span);
        cf = this.getFn(found.decl, found.impl, found.subst);
        this.dynCache.set(key, cf);
        if (concrete && reprOf(concrete) === SlotKind.Scalar) this.scalarDyn.add(cf);
      }
      const nf = (cf.pool.pop() ?? new Array(cf.frameSize));
      rt.pushFrame(nf, cf.map);
      for (let i = 0; i <= n; i++) {
        nf[i] = f[slots[i]];
        f[slots[i]] = undefined;
      }
      if (this.scalarDyn.has(cf)) nf[0] = heap.get(nf[0], 0);
      return cf.run(nf, span);
    };
  }

  // ── natives ──

  nativeSite(name: string, span: Span, argTypes: Type[], retType: Type, ctx: FnCtx): NativeSite {
    return {
      rt: this.rt,
      name,
      span,
      argTypes,
      retType,
      call: (clo, args) => this.callValue(clo, args, span),
      compiler: this,
      ctxSubst: ctx.subst,
    };
  }

  native(name: string, site: NativeSite): (...args: Value[]) => Value {
    const factory = NATIVES[name];
    const rt = this.rt;
    if (!factory) return () => rt.panic("P0105", `internal: native \`${name}\` is not implemented`, site.span);
    return factory(site);
  }

  /**
   * `std::mem::swap(&mut a, &mut b)` / `std::mem::replace(&mut a, v)` on variables and struct or
   * tuple fields: exchange what they hold. The natives receive the values, not the places: for a
   * managed value they exchange the objects' contents, which cannot stand for a `Gc` handle, a
   * reference or a tensor (objects others share); a place can be rebound whatever its type.
   * Null otherwise (elements, reference parameters: the natives).
   */
  private memExchange(name: string, argExprs: Expr[], argTypes: Type[], ctx: FnCtx): Code | null {
    if (name !== "std::mem::swap" && name !== "std::mem::replace") return null;
    const variable = (e: Expr): ExchangePlace | null => {
      e = unwrapParens(e);
      if (e.kind !== "RefExpr" || !e.mutable) return null;
      const p = unwrapParens(e.operand);
      if (p.kind === "PathExpr" && (p.res?.kind === "local" || p.res?.kind === "global")) {
        const place = this.compilePlace(p, ctx);
        return { obj: null, held: -1, get: place.get, set: place.set };
      }
      return p.kind === "FieldExpr" || p.kind === "TupleFieldExpr" ? this.fieldSlot(p, ctx) : null;
    };
    const a = variable(argExprs[0]);
    if (!a) return null;
    // A field's object is evaluated once, in argument order (`&mut v[next()].x` calls next once),
    // and waits in its frame slot (a root) while the other argument is evaluated.
    const aObj = a.obj;
    const aHeld = a.held;
    if (name === "std::mem::swap") {
      const b = variable(argExprs[1]);
      if (!b) return null;
      const bObj = b.obj;
      const bHeld = b.held;
      return (f) => {
        if (aObj) f[aHeld] = aObj(f);
        if (bObj) f[bHeld] = bObj(f);
        const x = a.get(f);
        a.set(f, b.get(f));
        b.set(f, x);
        if (aObj) f[aHeld] = undefined;
        if (bObj) f[bHeld] = undefined;
        return undefined;
      };
    }
    const src = this.moveArg(argExprs[1], ctx, this.nativeArgCode(argExprs[1], ctx, argTypes[1]));
    return (f) => {
      if (aObj) f[aHeld] = aObj(f);
      const v = src(f);
      const old = a.get(f);
      a.set(f, v);
      if (aObj) f[aHeld] = undefined;
      return old;
    };
  }

  /**
   * A struct or tuple field of a place (`self.front`, `pair.0`) read and written as a raw slot:
   * storing a tensor here does not free the one it replaces (the exchange keeps both). The
   * object, once `obj` has put it in frame slot `held`, is read from there. Null for anything else.
   */
  private fieldSlot(e: Expr & { kind: "FieldExpr" | "TupleFieldExpr" }, ctx: FnCtx): ExchangePlace | null {
    if (!isPlaceExpr(e.object)) return null;
    const ot = baseType(this.typeOf(e.object, ctx));
    let slot: number;
    if (ot.kind === "tuple") slot = e.kind === "TupleFieldExpr" ? e.index : Number(e.field.name);
    else if (ot.kind === "adt" && ot.decl.kind === "StructDecl") {
      const decl = ot.decl;
      slot = e.kind === "TupleFieldExpr" ? e.index : (e.index ?? decl.fields.findIndex((fd) => fd.name.name === e.field.name));
    } else return null;
    const rt = this.rt;
    const kind = reprOf(this.typeOf(e, ctx));
    const obj = this.compileOperand(e.object, ctx);
    const held = ctx.newSlot(SlotKind.Pointer);
    return { obj, held, get: (f) => rt.load(f[held], slot, kind), set: (f, v) => rt.store(f[held], slot, kind, v) };
  }

  private nativeCall(
    name: string,
    argExprs: Expr[],
    argTypes: Type[],
    retType: Type,
    ctx: FnCtx,
    span: Span,
    _node: { autoref?: boolean[] },
    recvCode?: Code,
  ): Code {
    const exchange = this.memExchange(name, argExprs, argTypes, ctx);
    if (exchange) return exchange;
    const rt = this.rt;
    const site = this.nativeSite(name, span, argTypes, retType, ctx);
    const impl = this.native(name, site);
    // Tensor temporaries passed to a borrowing native are freed after the call — but not those
    // a container native takes by value to keep (`v.push(Tensor::ones(..))`, `Box::new(t)`).
    const keeps = (i: number) => argTypes[i] !== undefined && argTypes[i].kind !== "ref" && STORING_NATIVE.test(name);
    // A tensor reached through a reference a call returned (`v.get_mut(0).unwrap().add_(1.0)`) is
    // not a temporary: it belongs to its container (`&f(x)` of an owned result still is one).
    const viaReference = (a: Expr): boolean => {
      a = unwrapParens(a);
      while (a.kind === "RefExpr") a = unwrapParens(a.operand);
      return this.typeOf(a, ctx).kind === "ref";
    };
    const temps = argExprs.map((a, i) => derefAll(argTypes[i] ?? UNIT_T).kind === "tensor" && !isPlaceExpr(a) && !viaReference(a) && name !== "drop" && !(name === "Tensor::concat") && !keeps(i));
    const codes = argExprs.map((a, i) =>
      i === 0 && recvCode
        ? recvCode
        : // A tensor variable a container keeps (`v.push(t)`) is moved: its slot no longer owns
          // it, so the end of its block does not free what the container now holds.
          (keeps(i) && argTypes[i].kind === "tensor") || name === "drop" || (argTypes[i] && argTypes[i].kind !== "ref" && !isCopyType(argTypes[i]) && reprOf(argTypes[i]) === SlotKind.Tensor && name === "Tensor::concat")
          ? this.compileExpr(a, ctx)
          : argTypes[i] && argTypes[i].kind === "ref"
            ? this.compileOperand(a, ctx)
            : this.nativeArgCode(a, ctx, argTypes[i]),
    );
    // `drop(v)` and by-value arguments a container keeps (`v.push(p)`) move out of their variable.
    const autoref = _node.autoref;
    for (let i = recvCode ? 1 : 0; i < codes.length; i++) {
      if ((name === "drop" || keeps(i)) && !autoref?.[recvCode ? i - 1 : i]) codes[i] = this.moveArg(argExprs[i], ctx, codes[i]);
    }
    const anyTemp = temps.some((x) => x);
    const n = codes.length;
    const escapes = argExprs.some((a) => mayEscape(a));
    const spill = this.needsSpill(argExprs, argTypes.map((t) => reprOf(t ?? UNIT_T)));
    const slots = spill ? argTypes.map((t) => ctx.newSlot(reprOf(t ?? UNIT_T) === SlotKind.Pointer ? SlotKind.Pointer : SlotKind.Scalar)) : null;
    const wrapErr = (err: unknown): unknown => {
      if (err instanceof StarkPanic && !err.span) err.span = span;
      return err;
    };
    if (!spill && !escapes && !anyTemp) {
      if (n === 0)
        return () => {
          try {
            return impl();
          } catch (err) {
            throw wrapErr(err);
          }
        };
      if (n === 1) {
        const a0 = codes[0];
        return (f) => {
          const x = a0(f);
          try {
            return impl(x);
          } catch (err) {
            throw wrapErr(err);
          }
        };
      }
      if (n === 2) {
        const a0 = codes[0];
        const a1 = codes[1];
        return (f) => {
          const x = a0(f);
          const y = a1(f);
          try {
            return impl(x, y);
          } catch (err) {
            throw wrapErr(err);
          }
        };
      }
    }
    return (f) => {
      const vals = new Array(n);
      for (let i = 0; i < n; i++) {
        vals[i] = codes[i](f);
        if (slots) f[slots[i]] = vals[i];
        if (escapes && rt.ctl !== 0) return undefined;
      }
      if (slots)
        for (let i = 0; i < n; i++) {
          vals[i] = f[slots[i]];
          f[slots[i]] = undefined;
        }
      let r: Value;
      try {
        r = impl(...vals);
      } catch (err) {
        throw wrapErr(err);
      }
      if (anyTemp) for (let i = 0; i < n; i++) if (temps[i] && vals[i] !== r) rt.freeTensor(vals[i]);
      return r;
    };
  }

  /** Natives take by-value managed arguments without moving tensor variables (they borrow). */
  private nativeArgCode(a: Expr, ctx: FnCtx, t: Type | undefined): Code {
    if (t && t.kind === "tensor") return this.compileOperand(a, ctx);
    return this.compileExpr(a, ctx);
  }

  // ───────────────────────────── patterns ─────────────────────────────

  /**
   * A matcher tests a value against a pattern and binds its variables. `holder`/`index` say
   * where the value lives (for `ref mut` bindings of scalars); index -1 means "not in a slot".
   */
  compilePattern(p: Pattern, ctx: FnCtx, t: Type): (f: Frame, v: Value, holder: number, index: number) => boolean {
    const rt = this.rt;
    const heap = rt.heap;
    const pt = p.ty ? substitute(p.ty, ctx.subst) : t;
    switch (p.kind) {
      case "WildcardPat":
      case "RestPat":
        return () => true;
      case "BindPat": {
        const set = this.initBinding(ctx, p.binding);
        const bt = this.bindingType(ctx, p.binding);
        const sub = p.sub ? this.compilePattern(p.sub, ctx, pt) : null;
        const valueT = derefAll(pt);
        // A `&mut scalar` binding to a scalar that lives in a slot: make a place.
        const needPlace = bt.kind === "ref" && bt.mutable && reprOf(bt.inner) === SlotKind.Scalar && !(pt.kind === "ref" && pt.mutable);
        const copy = p.byRef === "none" && needsCopyOnRead(bt) && pt.kind !== "ref";
        void valueT;
        return (f, v, holder, index) => {
          if (sub && !sub(f, v, holder, index)) return false;
          if (needPlace && index >= 0) set(f, rt.newPlace(holder, index));
          else set(f, copy ? shallowCopy(rt, v) : v);
          return true;
        };
      }
      case "LitPat": {
        const lit = p.value;
        let want: Value;
        if (lit.kind === "IntLit") want = canon(p.negative ? -lit.value : lit.value);
        else if (lit.kind === "FloatLit") want = lit.value * (p.negative ? -1 : 1);
        else if (lit.kind === "CharLit") want = lit.value.codePointAt(0);
        else if (lit.kind === "BoolLit") want = lit.value;
        else want = lit.value;
        const base = derefAll(pt);
        const mutRef = this.placeReader(pt);
        if (lit.kind === "StrLit") return (_f, v) => rt.str(mutRef(v)) === want;
        if (lit.kind === "BoolLit") return (_f, v) => !mutRef(v) === !want;
        void base;
        return (_f, v) => mutRef(v) === want;
      }
      case "RangePat": {
        const val = (l: typeof p.start) => {
          if (!l) return null;
          const x = l.value;
          if (x.kind === "IntLit") return canon(l.negative ? -x.value : x.value);
          const n = x.kind === "FloatLit" ? x.value : x.kind === "CharLit" ? x.value.codePointAt(0)! : 0;
          return l.negative ? -n : n;
        };
        const lo = val(p.start);
        const hi = val(p.end);
        const incl = p.inclusive;
        const read = this.placeReader(pt);
        return (_f, v0) => {
          const v = read(v0);
          if (lo !== null && v < lo) return false;
          if (hi !== null && (incl ? v > hi : v >= hi)) return false;
          return true;
        };
      }
      case "TuplePat": {
        const tt = baseType(pt);
        const elems = tt.kind === "tuple" ? tt.elems : [];
        return this.sequencePattern(p.elems, ctx, elems, (i) => i, elems.map(reprOf), pt);
      }
      case "TupleStructPat": {
        const res = p.path.res;
        const at = baseType(pt) as Type & { kind: "adt" };
        if (at.kind !== "adt") return () => false;
        const l = rt.adtLayout(at);
        if (res?.kind === "variant") {
          const idx = res.index;
          const off = l.offsets[idx];
          const types = l.fieldTypes[idx];
          const inner = this.sequencePattern(p.elems, ctx, types, (i) => off + i, types.map(reprOf), pt);
          return (f, v, h, i) => heap.get(v, 0) === idx && inner(f, v, h, i);
        }
        const types = l.fieldTypes[0];
        return this.sequencePattern(p.elems, ctx, types, (i) => i, types.map(reprOf), pt);
      }
      case "StructPat": {
        const res = p.path.res;
        const at = baseType(pt) as Type & { kind: "adt" };
        if (at.kind !== "adt") return () => false;
        const l = rt.adtLayout(at);
        let idx = -1;
        let fields = at.decl.kind === "StructDecl" ? at.decl.fields : [];
        if (res?.kind === "variant" || at.decl.kind === "EnumDecl") {
          idx = res?.kind === "variant" ? res.index : (at.decl as EnumDecl).variants.findIndex((v) => v.name.name === p.path.segments[p.path.segments.length - 1].name.name);
          fields = (at.decl as EnumDecl).variants[idx].fields;
        }
        const off = idx >= 0 ? l.offsets[idx] : 0;
        const types = l.fieldTypes[idx >= 0 ? idx : 0];
        const subs = p.fields.map((fp) => {
          const fi = fields.findIndex((fd) => fd.name.name === fp.name.name);
          const ft = this.fieldView(types[fi] ?? UNIT_T, pt);
          return { slot: off + fi, kind: l.kinds[off + fi], m: this.compilePattern(fp.pat, ctx, ft) };
        });
        const tag = idx;
        return (f, v, _h, _i) => {
          if (tag >= 0 && heap.get(v, 0) !== tag) return false;
          for (const s of subs) if (!s.m(f, rt.load(v, s.slot, s.kind), v, s.kind === SlotKind.Scalar ? s.slot : -1)) return false;
          return true;
        };
      }
      case "PathPat": {
        const res = p.path.res;
        if (res?.kind === "variant") {
          const idx = res.index;
          return (_f, v) => heap.get(v, 0) === idx;
        }
        if (res?.kind === "const") {
          const c = this.compileExpr(p.path, ctx);
          const bt = derefAll(pt);
          return (f, v) => valueEquals(rt, v, c(f), bt);
        }
        return () => true;
      }
      case "RefPat": {
        const innerT = pt.kind === "ref" ? pt.inner : pt;
        const m = this.compilePattern(p.pat, ctx, innerT);
        const read = this.placeReader(pt);
        return (f, v, h, i) => m(f, read(v), h, i);
      }
      case "OrPat": {
        const alts = p.alts.map((a) => this.compilePattern(a, ctx, pt));
        return (f, v, h, i) => {
          for (const a of alts) if (a(f, v, h, i)) return true;
          return false;
        };
      }
    }
  }

  /** Reads a scalar through a `&mut` place if the matched type is one. */
  private placeReader(t: Type): (v: Value) => Value {
    const rt = this.rt;
    if (t.kind === "ref" && t.mutable && reprOf(t.inner) === SlotKind.Scalar) return (v) => readPlace(rt, v);
    return (v) => v;
  }

  /** Default binding modes: matching through `&`/`&mut` makes field bindings references. */
  private fieldView(ft: Type, outer: Type): Type {
    if (outer.kind === "ref") return { kind: "ref", mutable: outer.mutable, inner: ft };
    return ft;
  }

  private sequencePattern(
    pats: Pattern[],
    ctx: FnCtx,
    types: Type[],
    slotOf: (i: number) => number,
    kinds: SlotKind[],
    outer: Type,
  ): (f: Frame, v: Value, holder: number, index: number) => boolean {
    const rt = this.rt;
    const heap = rt.heap;
    const rest = pats.findIndex((x) => x.kind === "RestPat");
    const isArray = baseType(outer).kind === "array";
    const subs: { pos: number; fromEnd: boolean; m: ReturnType<Compiler["compilePattern"]>; kind: SlotKind }[] = [];
    pats.forEach((sp, i) => {
      if (sp.kind === "RestPat") return;
      const fromEnd = rest >= 0 && i > rest;
      const pos = fromEnd ? pats.length - i : i;
      const ti = fromEnd ? types.length - pos : pos;
      const et = isArray ? (baseType(outer) as Type & { kind: "array" }).elem : types[ti] ?? UNIT_T;
      const k = isArray ? reprOf(et) : kinds[ti] ?? SlotKind.Scalar;
      subs.push({ pos, fromEnd, m: this.compilePattern(sp, ctx, this.fieldView(et, outer)), kind: k });
    });
    return (f, v) => {
      const n = isArray ? heap.length(v) : types.length;
      for (const s of subs) {
        const i = s.fromEnd ? n - s.pos : s.pos;
        const slot = isArray ? i : slotOf(i);
        if (!s.m(f, rt.load(v, slot, s.kind), v, s.kind === SlotKind.Scalar ? slot : -1)) return false;
      }
      return true;
    };
  }
}

function stripIndirection(t: Type): Type {
  for (;;) {
    if (t.kind === "ref") t = t.inner;
    else if (t.kind === "builtin" && (t.name === "Box" || t.name === "Gc") && t.args[0]) t = t.args[0];
    else return t;
  }
}

/**
 * The safepoint at a loop's back-edge. A collection there can find the heap over its limit:
 * that is panic P0201 at the loop.
 */
export function backEdge(heap: { safepoint(): void }, span: Span): void {
  try {
    heap.safepoint();
  } catch (e) {
    if (e instanceof HeapExhaustedError) throw new StarkPanic("P0201", e.message, span);
    throw e;
  }
}

/** `i32::MAX`, `u8::MIN`, `f64::EPSILON`, `f32::MAX`, `f64::NAN`, ... */
export function numericConstant(name: string): number | bigint | null {
  const [ty, what] = name.split("::");
  if (ty in INT_RANGE) {
    const [lo, hi] = rangeOf(ty);
    if (what === "MAX") return canon(hi);
    if (what === "MIN") return canon(lo);
    if (what === "BITS") return INT_BITS[ty];
    return null;
  }
  const f32 = ty === "f32";
  switch (what) {
    case "MAX":
      return f32 ? 3.4028234663852886e38 : Number.MAX_VALUE;
    case "MIN":
      return f32 ? -3.4028234663852886e38 : -Number.MAX_VALUE;
    case "EPSILON":
      return f32 ? 1.1920929e-7 : Number.EPSILON;
    case "MIN_POSITIVE":
      return f32 ? 1.17549435e-38 : 2.2250738585072014e-308;
    case "INFINITY":
      return Infinity;
    case "NEG_INFINITY":
      return -Infinity;
    case "NAN":
      return NaN;
  }
  return null;
}

/** `v[i]` codes whose Vec and index are frame slots (a field access on them fuses the lookup). */
const VEC_INDEX = new WeakMap<Code, { vec: number; index: number; span: Span }>();
function tagVecIndex(code: Code, vec: number, index: number, span: Span): Code {
  VEC_INDEX.set(code, { vec, index, span });
  return code;
}

/** Codes that only read a frame slot / return a constant: operators specialize on them. */
const LOCAL_SLOT = new WeakMap<Code, number>();
const CONST_VALUE = new WeakMap<Code, number>();

/**
 * The hottest operator shapes as single closures reading frame slots and constants directly
 * (`i + 1`, `x * y`, `n < limit`): no nested closure calls on the hot path.
 */
function specializeShapes(rt: Runtime, op: string, t: Type, a: Code, b: Code, span: Span): Code | null {
  const sa = LOCAL_SLOT.get(a);
  const sb = LOCAL_SLOT.get(b);
  const cb = CONST_VALUE.get(b);
  const isF64 = t.kind === "float" && t.name === "f64";
  const isI32 = t.kind === "int" && t.name === "i32";
  const isWide = t.kind === "int" && (t.name === "i64" || t.name === "usize" || t.name === "isize" || t.name === "u64");
  if (!isF64 && !isI32 && !isWide) return null;
  if (sa === undefined) return null;
  const lo = isWide ? (t.kind === "int" && t.name[0] === "u" ? 0 : -Number.MAX_SAFE_INTEGER) : -2147483648;
  const hi = isWide ? Number.MAX_SAFE_INTEGER : 2147483647;
  const name = t.kind === "int" ? t.name : "f64";
  if (cb !== undefined) {
    const k = cb;
    switch (op) {
      case "+":
        if (isF64) return (f) => f[sa] + k;
        if (isWide)
          return (f) => {
            const x = f[sa];
            if (typeof x !== "number") return wideArith(rt, "+", x, k, name, span);
            const r = x + k;
            return r > hi || r < lo ? wideArith(rt, "+", x, k, name, span) : r;
          };
        return (f) => {
          const r = f[sa] + k;
          if (r > hi || r < lo) rt.panic("P0101", "attempt to add with overflow", span);
          return r;
        };
      case "-":
        if (isF64) return (f) => f[sa] - k;
        if (isWide)
          return (f) => {
            const x = f[sa];
            if (typeof x !== "number") return wideArith(rt, "-", x, k, name, span);
            const r = x - k;
            return r > hi || r < lo ? wideArith(rt, "-", x, k, name, span) : r;
          };
        return (f) => {
          const r = f[sa] - k;
          if (r > hi || r < lo) rt.panic("P0101", "attempt to subtract with overflow", span);
          return r;
        };
      case "*":
        if (isF64) return (f) => f[sa] * k;
        return null;
      case "<":
        return (f) => f[sa] < k;
      case "<=":
        return (f) => f[sa] <= k;
      case ">":
        return (f) => f[sa] > k;
      case ">=":
        return (f) => f[sa] >= k;
      case "==":
        return (f) => f[sa] === k;
      case "!=":
        return (f) => f[sa] !== k;
      case "%":
        if (isF64 || k === 0) return null;
        if (isWide)
          return (f) => {
            const x = f[sa];
            if (typeof x !== "number") return wideDivRem(rt, "%", x, k, name, span);
            const r = x % k;
            return r === 0 ? 0 : r;
          };
        return (f) => {
          const r = f[sa] % k;
          return r === 0 ? 0 : r;
        };
    }
    return null;
  }
  if (sb !== undefined) {
    switch (op) {
      case "+":
        if (isF64) return (f) => f[sa] + f[sb];
        if (isWide)
          return (f) => {
            const x = f[sa];
            const y = f[sb];
            if (typeof x !== "number" || typeof y !== "number") return wideArith(rt, "+", x, y, name, span);
            const r = x + y;
            return r > hi || r < lo ? wideArith(rt, "+", x, y, name, span) : r;
          };
        return (f) => {
          const r = f[sa] + f[sb];
          if (r > hi || r < lo) rt.panic("P0101", "attempt to add with overflow", span);
          return r;
        };
      case "-":
        if (isF64) return (f) => f[sa] - f[sb];
        if (isWide)
          return (f) => {
            const x = f[sa];
            const y = f[sb];
            if (typeof x !== "number" || typeof y !== "number") return wideArith(rt, "-", x, y, name, span);
            const r = x - y;
            return r > hi || r < lo ? wideArith(rt, "-", x, y, name, span) : r;
          };
        return (f) => {
          const r = f[sa] - f[sb];
          if (r > hi || r < lo) rt.panic("P0101", "attempt to subtract with overflow", span);
          return r;
        };
      case "*":
        if (isF64) return (f) => f[sa] * f[sb];
        return null;
      case "/":
        if (isF64) return (f) => f[sa] / f[sb];
        return null;
      case "<":
        return (f) => f[sa] < f[sb];
      case "<=":
        return (f) => f[sa] <= f[sb];
      case ">":
        return (f) => f[sa] > f[sb];
      case ">=":
        return (f) => f[sa] >= f[sb];
    }
    return null;
  }
  // local (op) expression
  if (isF64) {
    switch (op) {
      case "+":
        return (f) => f[sa] + b(f);
      case "-":
        return (f) => f[sa] - b(f);
      case "*":
        return (f) => f[sa] * b(f);
      case "/":
        return (f) => f[sa] / b(f);
    }
  }
  return null;
}

/**
 * `a < b` and the other comparisons of two integers, whatever their width: JS compares a number
 * with a bigint, and each 64-bit value has one form (int64.ts), so `===` is equality.
 */
function integerComparison(op: string, a: Code, b: Code): Code | null {
  switch (op) {
    case "<":
      return (f) => a(f) < b(f);
    case "<=":
      return (f) => a(f) <= b(f);
    case ">":
      return (f) => a(f) > b(f);
    case ">=":
      return (f) => a(f) >= b(f);
    case "==":
      return (f) => a(f) === b(f);
    case "!=":
      return (f) => a(f) !== b(f);
  }
  return null;
}

/** Index of the element located by the last bounds check (avoids allocating a pair). */
let scratchIndex = 0;

function collectBindPats(p: Pattern): Binding[] {
  const out: Binding[] = [];
  const visit = (q: Pattern): void => {
    switch (q.kind) {
      case "BindPat":
        out.push(q.binding);
        if (q.sub) visit(q.sub);
        break;
      case "TuplePat":
      case "TupleStructPat":
        q.elems.forEach(visit);
        break;
      case "StructPat":
        q.fields.forEach((fp) => visit(fp.pat));
        break;
      case "RefPat":
        visit(q.pat);
        break;
      case "OrPat":
        if (q.alts[0]) visit(q.alts[0]);
        break;
    }
  };
  visit(p);
  return out;
}

import { getMapOps as getMapOpsFor } from "./format";
export { traitNameOf };

/** `&mut` to a scalar: a place object `[target, index]`. */
function isMutRefScalar(t: Type): boolean {
  return t.kind === "ref" && t.mutable && reprOf(t.inner) === SlotKind.Scalar;
}
