// Lowering of one body of the annotated AST to its control-flow graph (cfg.ts).
//
// Expressions are walked in evaluation order; each place access becomes an action on a node:
// a read, a move, a borrow (a loan), an assignment. Values remember which loans they carry
// (`Carried`), so that `let r = &x` makes `r` a holder of the loan on `x`, `let it = v.iter()`
// makes `it` one, and a returned value can be checked for borrows of locals.

import type * as A from "../../syntax/ast";
import type { Binding, Expr, Span } from "../../syntax/ast";
import type { Type } from "../types";
import type { Action, Carried, Cfg, CfgNode, Loan } from "./cfg";
import { hasDeref, isPrefix, localPlace, overlaps, project, type Place } from "./places";
import { boxedClosureBound, builtinName, closureBoundOf, holdsTensors, isTensor, mentionsDyn, mentionsRef, mentionsTypeParam, TENSOR_VIEW_METHODS, nativeClosureBound, nativeParamByValue, nativeResultBorrowsReceiver, stripRefs, type ClosureBound, type TypeInfo } from "./typeinfo";

const EMPTY: Carried = { loans: [], vars: [] };

/** `&mut self` methods Rust defines on slices, which a Vec or an array reaches through a deref. */
const SLICE_MUT_METHODS = new Set(["swap", "sort", "sort_by", "sort_by_key", "sort_unstable", "reverse", "iter_mut", "get_mut", "first_mut", "last_mut", "fill", "rotate_left", "rotate_right"]);

function isSliceMutMethod(container: string | null, method: string): boolean {
  return (container === "Vec" || container === "Array") && SLICE_MUT_METHODS.has(method);
}

/** Does the pattern bind a variable (and so read or move part of what it matches)? */
function bindsSomething(p: A.Pattern): boolean {
  switch (p.kind) {
    case "BindPat":
      return true;
    case "TuplePat":
    case "TupleStructPat":
      return p.elems.some(bindsSomething);
    case "StructPat":
      return p.fields.some((f) => bindsSomething(f.pat));
    case "OrPat":
      return p.alts.some(bindsSomething);
    case "RefPat":
      return bindsSomething(p.pat);
    default:
      return false;
  }
}

/** A place without its variant-field projections (`opt.Some.0` → `opt`): what a move out of a variant moves. */
function wholeVariant(p: Place): Place {
  const i = p.proj.findIndex((x) => x.kind === "field" && x.name.includes("."));
  return i < 0 ? p : { base: p.base, proj: p.proj.slice(0, i) };
}

/**
 * The index of a Vec or Map (`Index::index`, not an array's built-in indexing) nearest the root of
 * this place expression (`v[i]`, `v[i].qty`, `grid[i][j]` → `grid[i]`), or null if it has none.
 */
function overloadedIndex(e: Expr, ty: (e: Expr) => Type | undefined): A.IndexExpr | null {
  let found: A.IndexExpr | null = null;
  for (let x: Expr = e; ; ) {
    if (x.kind === "ParenExpr") x = x.expr;
    else if (x.kind === "FieldExpr" || x.kind === "TupleFieldExpr") x = x.object;
    else if (x.kind === "IndexExpr") {
      const n = builtinName(ty(x.object));
      if (n === "Vec" || n === "Map") found = x;
      x = x.object;
    } else return found;
  }
}

/** `Option<&T>` (the receiver of `copied`/`cloned` that drops a reference). */
function isOptionOfRef(t: Type | undefined): boolean {
  return t?.kind === "adt" && t.decl.name.name === "Option" && t.args.length === 1 && t.args[0].kind === "ref";
}

/** Is `x op= y` on this type a call of an operator trait (a String, a user type, a generic `T`)? Numbers and tensors are built in. */
function overloadedOperand(t: Type | undefined): boolean {
  if (!t) return false;
  if (t.kind === "adt" || t.kind === "param") return true;
  return t.kind === "builtin" && t.name === "String";
}

/**
 * Does the function's written result own a trait object and no reference (`-> Box<dyn Fn()>`,
 * `-> Vec<Box<dyn Shape>>`)? Such an object is `'static` in a signature: the result borrows none
 * of the arguments.
 */
function ownsStaticObject(decl: A.FnDecl | null): boolean {
  return !!decl?.ret && mentionsDyn(decl.ret) && !mentionsRef(decl.ret);
}

/** How many references a type is behind (`&&String`: 2). */
function refDepth(t: Type | undefined): number {
  let n = 0;
  while (t?.kind === "ref") {
    n++;
    t = t.inner;
  }
  return n;
}

/** A closure expression (through parentheses). */
function isClosure(e: Expr): boolean {
  while (e.kind === "ParenExpr") e = e.expr;
  return e.kind === "ClosureExpr";
}

/** Does this method take `&self` or `&mut self`? */
function refSelf(decl: A.FnDecl | null): boolean {
  return !!decl?.selfParam && (decl.selfParam.mode === "ref" || decl.selfParam.mode === "refMut");
}

/** `Iter` methods whose closure only tests or compares items (returns a `bool`, an `Ordering`, a key): what it borrows never reaches the items. */
const ITER_PREDICATE_METHODS = new Set([
  "filter", "take_while", "skip_while", "inspect", "for_each", "any", "all", "find", "position", "rposition",
  "max_by_key", "min_by_key", "max_by", "min_by", "partition",
]);

/**
 * May argument i of this `&mut self` method call end up inside the receiver? Natives: yes
 * (`v.push(&x)`). A user method: only through a parameter whose type names a type parameter of
 * its `impl` (`push(&mut self, x: T)` on a `Stack<T>`); any other reference parameter has a
 * lifetime of its own in Rust's signature and cannot be stored (the body is checked for that).
 */
function argMayBeStored(res: A.MethodRes | undefined | null, i: number): boolean {
  if (!res || res.kind !== "fn" || !res.decl.body || !res.impl) return true;
  const p = res.decl.params[i];
  return !p || mentionsTypeParam(p.ty, new Set(["Self", ...res.impl.generics.map((g) => g.name)]));
}

function union(...cs: Carried[]): Carried {
  if (cs.length === 1) return cs[0];
  const loans: number[] = [];
  const vars: Binding[] = [];
  for (const c of cs) {
    for (const l of c.loans) if (!loans.includes(l)) loans.push(l);
    for (const v of c.vars) if (!vars.includes(v)) vars.push(v);
  }
  return { loans, vars };
}

/** A closure body found while lowering, lowered as its own body (checked after the enclosing one). */
export interface PendingClosure {
  expr: A.ClosureExpr;
  lowerer: Lowerer;
  cfg: Cfg;
}

/** How a closure uses its captures, as Rust infers its Fn trait: gives one away, mutates one, or only reads. */
export type ClosureKind = "Fn" | "FnMut" | "FnOnce";

function closureKind(cfg: Cfg, moveCaptured: Set<Binding>): ClosureKind {
  let kind: ClosureKind = "Fn";
  for (const n of cfg.nodes) {
    const a = n.action;
    if (a.kind === "move" && a.place.proj.length === 0 && moveCaptured.has(a.place.base)) return "FnOnce";
    if (a.kind === "assign" && cfg.captured.has(a.place.base)) kind = "FnMut";
    if (a.kind === "borrow" && cfg.loans[a.loan].mutable && cfg.captured.has(cfg.loans[a.loan].place.base)) kind = "FnMut";
  }
  return kind;
}

interface LoopCtx {
  label: string | null;
  head: number;
  exit: number;
  scopeDepth: number;
  firstLoan: number;
  breakCarried: Carried[];
}

interface Scope {
  bindings: Binding[];
}

/** How an operand is consumed. */
type Mode =
  /** By value: moves a non-Copy place. */
  | "move"
  /** By value as a call argument: like move, but a `&mut` is reborrowed instead of moved. */
  | "arg"
  /** Borrowed automatically (print, f-strings, `#[autoref]` parameters) — a shared borrow even of a Copy value. */
  | "autoref"
  /** Borrowed if not Copy (tensor operands, comparisons): a Copy value is just read. */
  | "borrow";

export class Lowerer {
  readonly nodes: CfgNode[] = [];
  readonly loans: Loan[] = [];
  readonly bindings: Binding[] = [];
  readonly bindingIndex = new Map<Binding, number>();
  readonly loanHolders = new Map<number, Set<Binding>>();
  readonly varFlows = new Map<Binding, Set<Binding>>();
  /** Tensor view calls (`a.t()`): their value carries the borrow of the base although a Tensor holds no reference. */
  private readonly tensorViews = new Set<Expr>();
  readonly uses = new Map<Binding, Span[]>();
  readonly scopeEndSpan = new Map<Binding, Span>();
  readonly closures: PendingClosure[] = [];
  /** Fn-kind of closures stored directly in a variable (`let f = || ...`). */
  private readonly closureKinds = new Map<Binding, ClosureKind>();
  private lastClosureKind: ClosureKind | null = null;
  /** The `Fn`/`FnMut` bound of the parameter the closure being lowered is passed to (set just for that argument). */
  private argClosureBound: { kind: ClosureBound; param: Span | null } | null = null;
  /** Set while lowering a value whose written type is `Box<dyn Fn(..)>`: the trait of a closure boxed there. */
  private expectedBoxBound: { kind: ClosureBound; param: Span } | null = null;
  private lastClosureCopy = false;
  /** Variables holding a Copy closure (see closure()): passing one copies it. */
  private readonly copyClosures = new Set<Binding>();
  /** In a closure body: the variables it captured. */
  readonly captured = new Set<Binding>();
  /** The temporaries of the statement being lowered (null outside any statement). */
  private stmtTemps: Binding[] | null = null;
  private selfOnlyResult: Binding[] | undefined = undefined;
  /** The part of an iterator value's borrows that its items carry (see iterCarried); absent: all of them. */
  private readonly iterItems = new WeakMap<Carried, Carried>();
  /** `Box::new(..)` calls typed as a trait object, and what they boxed (see call). */
  private readonly boxedDyn = new WeakMap<Expr, Carried>();
  /** In a `&mut self` method: what is stored into `*self` (Cfg.storesIntoSelf). */
  private selfStores: { self: Binding; stores: { vars: Binding[]; span: Span }[] } | null = null;
  private unstorableParams: Binding[] | undefined = undefined;
  private readonly returnSites: { span: Span; loans: number[]; vars: Binding[] }[] = [];
  private readonly sharedRefParams = new Map<Binding, { span: Span; fix: string }>();
  private returnsStatic = false;
  private readonly dropUsers = new Set<Binding>();
  /** The function body's closing `}`: where its locals are dropped. */
  private bodyClose: Span | null = null;
  /** Holds what was stored into a `'static` trait object (see intoStatic); created on first use. */
  private staticHolder: Binding | null = null;
  /** The `&EXPR` initializer of the `let` being lowered: its temporary lives as long as the binding. */
  private extendedRef: Expr | null = null;
  /** In a function returning a reference: the hidden holder of every returned borrow (see lowerFn). */
  private returned: Binding | null = null;
  /** Node after which each statement is complete (for per-statement facts). */
  readonly stmtNodes = new Map<A.Stmt, number>();

  private cur: number | null;
  private readonly exitNode: number;
  private readonly loops: LoopCtx[] = [];
  private readonly scopes: Scope[] = [];
  private stmt = 0;
  private stmtCounter = 0;
  private loopDepth = 0;

  constructor(
    private readonly name: string,
    private readonly types: TypeInfo,
    private readonly external: Set<Binding>,
    private readonly isClosureBody: boolean,
  ) {
    this.cur = this.newNode({ kind: "nop" });
    this.exitNode = this.newNode({ kind: "nop" });
  }

  // ───────────── graph building ─────────────

  private newNode(action: Action): number {
    const id = this.nodes.length;
    // NO_EDGES is shared: addEdge replaces it with a list of its own at the first edge.
    this.nodes.push({ id, action, succ: NO_EDGES, pred: NO_EDGES, loopDepth: this.loopDepth, stmt: this.stmt });
    return id;
  }

  private link(from: number | null, to: number): void {
    if (from === null) return;
    const f = this.nodes[from];
    if (f.succ.includes(to)) return;
    addEdge(f, "succ", to);
    addEdge(this.nodes[to], "pred", from);
  }

  private emit(action: Action): number {
    // What the evaluator needs to free a variable's tensors at its scope's end (ast.ts `moveState`).
    if (action.kind === "move") action.place.base.moveState = "moved";
    const id = this.newNode(action);
    this.link(this.cur, id);
    this.cur = id;
    return id;
  }

  private tracked(b: Binding): boolean {
    return this.bindingIndex.has(b) && !this.external.has(b);
  }

  private addUse(b: Binding, span: Span): void {
    const l = this.uses.get(b);
    // `[span]`, not a push onto `[]`: most bindings have a use or two, and the list lives as long as the body's facts.
    if (!l) this.uses.set(b, [span]);
    else l.push(span);
  }

  private newLoan(place: Place, mutable: boolean, span: Span, origin: Loan["origin"], closureSpan?: Span): number {
    const id = this.loans.length;
    this.loans.push({ id, place, mutable, span, stmt: this.stmt, origin, closureSpan });
    return id;
  }

  private borrow(place: Place, mutable: boolean, span: Span, origin: Loan["origin"]): Carried {
    const l = this.newLoan(place, mutable, span, origin);
    this.addUse(place.base, span);
    this.emit({ kind: "borrow", loan: l, span });
    return { loans: [l], vars: hasDeref(place) ? [place.base] : [] };
  }

  /** Record that the loans carried by `c` now (also) live in variable `to`. */
  private flowInto(c: Carried, to: Binding): void {
    for (const l of c.loans) {
      let s = this.loanHolders.get(l);
      if (!s) this.loanHolders.set(l, (s = new Set()));
      s.add(to);
    }
    for (const v of c.vars) {
      if (v === to) continue;
      let s = this.varFlows.get(v);
      if (!s) this.varFlows.set(v, (s = new Set()));
      s.add(to);
    }
  }

  private declare(b: Binding, init: boolean, span: Span): void {
    if (!this.bindingIndex.has(b)) {
      this.bindingIndex.set(b, this.bindings.length);
      this.bindings.push(b);
    }
    if (b.moveState === undefined) b.moveState = "kept";
    this.scopes[this.scopes.length - 1]?.bindings.push(b);
    this.emit({ kind: "declare", binding: b, init, span });
  }

  private openScope(): void {
    this.scopes.push({ bindings: [] });
  }

  private closeScope(span: Span, reportDangling: boolean): void {
    const s = this.scopes.pop()!;
    if (s.bindings.length === 0) return;
    for (const b of s.bindings) this.scopeEndSpan.set(b, span);
    if (s.bindings.some((b) => this.dropUsers.has(b))) this.dropInOrder(s.bindings, span, reportDangling);
    else this.emit({ kind: "scopeEnd", bindings: compact(s.bindings), span, reportDangling });
  }

  /**
   * A scope holding a trait object that may hold borrows (`dropUsers`) drops its bindings one by
   * one, in reverse declaration order, the object's drop using what it holds: a local declared
   * after it is gone first, so a borrow of that local the object holds is E0597 there (rustc's
   * "borrow might be used here, when `printers` is dropped").
   */
  private dropInOrder(bindings: Binding[], span: Span, reportDangling: boolean): void {
    let pending: Binding[] = [];
    const flush = () => {
      if (pending.length) this.emit({ kind: "scopeEnd", bindings: compact(pending), span, reportDangling });
      pending = [];
    };
    for (let i = bindings.length - 1; i >= 0; i--) {
      const b = bindings[i];
      if (this.dropUsers.has(b)) {
        flush();
        this.touchForDrop(b, span);
      }
      pending.push(b);
    }
    flush();
  }

  private endTempsSince(firstLoan: number, keep: Carried = EMPTY): void {
    if (this.loans.length <= firstLoan) return;
    const ended: number[] = [];
    for (let l = firstLoan; l < this.loans.length; l++) if (!keep.loans.includes(l)) ended.push(l);
    if (ended.length) this.emit({ kind: "endTemps", loans: compact(ended) });
  }

  private ty(e: Expr): Type | undefined {
    return e.ty;
  }

  // ───────────── bodies ─────────────

  /** `outerGenerics`: the type parameters of the `impl` (or trait) the method is in. */
  lowerFn(fn: A.FnDecl, selfBinding: Binding | null, outerGenerics: readonly A.GenericParam[] = []): Cfg {
    this.openScope();
    if (selfBinding) this.declare(selfBinding, true, fn.selfParam ? fn.selfParam.span : fn.name.span);
    for (const p of fn.params) this.bindPattern(p.pat, null, EMPTY, true);
    // For the E0594/E0596 help "consider changing this to be a mutable reference".
    if (selfBinding && fn.selfParam?.mode === "ref") this.sharedRefParams.set(selfBinding, { span: fn.selfParam.span, fix: "&mut self" });
    for (const p of fn.params)
      if (p.pat.kind === "BindPat" && p.ty.kind === "RefType" && !p.ty.mutable)
        this.sharedRefParams.set(p.pat.binding, { span: p.ty.span, fix: `&mut ${p.ty.inner.span.file.text.slice(p.ty.inner.span.start, p.ty.inner.span.end)}` });
    if (refSelf(fn)) {
      this.selfOnlyResult = [];
      for (const p of fn.params) if (p.pat.kind === "BindPat" && this.types.carriesLoans(p.pat.binding.ty ?? p.pat.ty)) this.selfOnlyResult.push(p.pat.binding);
      if (fn.selfParam?.mode === "refMut" && selfBinding) {
        // `Self` counts as a type parameter: `other: &Self` shares `self`'s lifetimes in Rust.
        const implParams = new Set(["Self", ...outerGenerics.map((g) => g.name)]);
        this.selfStores = { self: selfBinding, stores: [] };
        this.unstorableParams = fn.params.filter((p) => p.pat.kind === "BindPat" && !mentionsTypeParam(p.ty, implParams) && this.selfOnlyResult!.includes(p.pat.binding)).map((p) => (p.pat as A.BindPat).binding);
      }
    }
    this.returnsStatic = !!fn.ret && mentionsDyn(fn.ret);
    this.bodyClose = fn.body?.closeSpan ?? null;
    if (fn.body && fn.ret && mentionsRef(fn.ret)) {
      // The caller's borrow: whatever flows into the returned reference lives until the function
      // returns, on every path from where it was created — NLL's "problem case #3" (a reference
      // returned on one path keeps its place borrowed on the others).
      this.returned = { name: "<returned>", mutable: false, span: fn.ret.span };
      this.declare(this.returned, true, fn.ret.span);
    }
    if (fn.body) {
      const c = this.blockInner(fn.body);
      this.ret(c, fn.body.tail ? fn.body.tail.span : fn.body.closeSpan);
      // The function's own locals die at its closing brace (no node: the body has returned).
      for (const b of this.scopes[0]?.bindings ?? []) if (!this.scopeEndSpan.has(b)) this.scopeEndSpan.set(b, fn.body.closeSpan);
    }
    return this.finish();
  }

  lowerClosure(cl: A.ClosureExpr): Cfg {
    this.openScope();
    // Captured variables are places of the closure's environment: tracked inside the body (two
    // borrows of a captured vector conflict there too), initialized, and not locals of the body.
    for (const cap of cl.captures ?? []) {
      this.external.delete(cap.binding);
      this.captured.add(cap.binding);
      this.declare(cap.binding, true, cap.span);
    }
    for (const p of cl.params) this.bindPattern(p.pat, null, EMPTY, true);
    const c = this.value(cl.body, "move");
    this.ret(c, cl.body.span);
    return this.finish();
  }

  lowerTopLevel(stmts: A.Stmt[], endSpan: Span): Cfg {
    this.openScope();
    for (const s of stmts) this.statement(s);
    this.touchStatic(endSpan);
    this.closeScope(endSpan, false);
    this.link(this.cur, this.exitNode);
    this.cur = null;
    return this.finish();
  }

  /** Is `e` a struct field whose declared type has a `dyn` in it (`f: Box<dyn Fn()>`, `hs: Vec<Box<dyn Fn()>>`)? */
  private isDynField(e: Expr): boolean {
    while (e.kind === "ParenExpr") e = e.expr;
    if (e.kind !== "FieldExpr" || e.index === undefined) return false;
    const owner = stripRefs(this.ty(e.object));
    return owner?.kind === "adt" && owner.decl.kind === "StructDecl" && mentionsDyn(owner.decl.fields[e.index]?.ty);
  }

  /** The value goes into a `'static` trait object: checked like a return, and it carries nothing further. */
  /** `behindRef`: the trait objects are inside what a reference argument points to (`&mut Vec<Box<dyn Fn()>>`): that reference's own borrow need not be `'static`. */
  private intoStatic(c: Carried, span: Span, behindRef = false): Carried {
    if (behindRef) c = { loans: c.loans.filter((l) => this.loans[l].origin === "capture"), vars: c.vars };
    if (!c.loans.length && !c.vars.length) return EMPTY;
    this.emit({ kind: "return", carried: c, span, isClosureBody: this.isClosureBody, intoStatic: true });
    // What the trait object captured stays borrowed to the end of the body (`'static`), so later
    // uses of it conflict too; the borrow that passes the container (`&mut handlers`) does not.
    if (!this.staticHolder) {
      this.staticHolder = { name: "<'static>", mutable: false, span };
      this.bindingIndex.set(this.staticHolder, this.bindings.length);
      this.bindings.push(this.staticHolder);
      this.scopes[0]?.bindings.push(this.staticHolder);
      this.emit({ kind: "declare", binding: this.staticHolder, init: true, span });
    }
    this.flowInto(c, this.staticHolder);
    return EMPTY;
  }

  /** Keeps what went into a `'static` trait object borrowed: a use of the hidden holder at every exit. */
  private touchStatic(span: Span): void {
    if (!this.staticHolder || this.cur === null) return;
    this.addUse(this.staticHolder, span);
    this.emit({ kind: "touch", binding: this.staticHolder, span });
  }

  /** A trait object's destructor may use what it borrows: its drop is a use of the variable. */
  private touchForDrop(b: Binding, span: Span): void {
    if (this.cur === null) return;
    this.addUse(b, span);
    this.emit({ kind: "touch", binding: b, span });
  }

  private ret(c: Carried, span: Span): void {
    this.touchStatic(span);
    if (this.cur === null) return;
    // Leaving the function drops every local still in scope: a trait object's drop uses what it
    // holds (after the return is checked, in drop order).
    const dropping = this.scopes.some((sc) => sc.bindings.some((b) => this.dropUsers.has(b)));
    if (this.returned) {
      this.returnSites.push({ span, loans: c.loans, vars: c.vars });
      this.flowInto(c, this.returned);
      this.addUse(this.returned, span);
      this.emit({ kind: "touch", binding: this.returned, span });
    }
    this.emit({ kind: "return", carried: c, span, isClosureBody: this.isClosureBody });
    if (dropping) for (let i = this.scopes.length - 1; i >= 0; i--) this.dropInOrder(this.scopes[i].bindings, this.bodyClose ?? span, true);
    this.link(this.cur, this.exitNode);
    this.cur = null;
  }

  private finish(): Cfg {
    if (this.cur !== null) this.link(this.cur, this.exitNode);
    return {
      name: this.name,
      nodes: this.nodes,
      entry: 0,
      exit: this.exitNode,
      loans: this.loans,
      bindings: this.bindings,
      bindingIndex: this.bindingIndex,
      external: this.external,
      captured: this.captured,
      loanHolders: this.loanHolders,
      varFlows: this.varFlows,
      returnSites: this.returnSites.length ? this.returnSites : undefined,
      sharedRefParams: this.sharedRefParams.size ? this.sharedRefParams : undefined,
      returnsStatic: this.returnsStatic || undefined,
      dropUsers: this.dropUsers.size ? this.dropUsers : undefined,
      uses: this.uses,
      scopeEndSpan: this.scopeEndSpan,
      selfOnlyResult: this.selfOnlyResult,
      storesIntoSelf: this.selfStores?.stores,
      unstorableParams: this.unstorableParams,
    };
  }

  // ───────────── statements and blocks ─────────────

  private statement(s: A.Stmt): void {
    const outer = this.stmt;
    const outerTemps = this.stmtTemps;
    this.stmtTemps = [];
    this.stmt = ++this.stmtCounter;
    const firstLoan = this.loans.length;
    switch (s.kind) {
      case "LetStmt":
        this.letStmt(s);
        break;
      case "ExprStmt":
        this.value(s.expr, "move");
        break;
      case "ItemStmt":
      case "EmptyStmt":
        break;
    }
    this.endTempsSince(firstLoan);
    if (this.stmtTemps.length) {
      // The statement's temporaries are freed at its end (its last character, the `;`).
      const end = { file: s.span.file, start: Math.max(s.span.start, s.span.end - 1), end: s.span.end };
      this.emit({ kind: "scopeEnd", bindings: compact(this.stmtTemps), span: end, reportDangling: true, temporaries: true });
    }
    this.stmtTemps = outerTemps;
    if (this.cur !== null) this.stmtNodes.set(s, this.cur);
    this.stmt = outer;
  }

  /**
   * A method receiver that is a fresh value (`make().get(0)`) is borrowed as a temporary of the
   * statement: a binding of its own, freed at the statement's end, so that a borrow of it kept
   * in a variable is E0716 as in Rust. Null when not inside a statement or not such a value.
   */
  private borrowTemporary(e: Expr, mutable: boolean): Carried | null {
    if (this.stmtTemps === null) return null;
    const inner = e.kind === "ParenExpr" ? e.expr : e;
    if (!["CallExpr", "MethodCallExpr", "VecMacroExpr", "StructLitExpr"].includes(inner.kind)) return null;
    const t = this.ty(e);
    // An iterator's `next()` yields items that borrow what the iterator borrows, not the iterator.
    if (!t || t.kind === "ref" || this.types.isCopy(t) || builtinName(t) === "Gc" || builtinName(t) === "Iter") return null;
    const c = this.value(e, "move");
    const temp: Binding = { name: "<temporary>", mutable: true, span: e.span, ty: t };
    this.declareStatementTemp(temp, e.span);
    this.flowInto(c, temp);
    return this.borrow(localPlace(temp), mutable, e.span, "autoref");
  }

  /** Declares a temporary of the statement being lowered: out of scope at the statement's end, not its block's. */
  private declareStatementTemp(temp: Binding, span: Span): void {
    this.bindingIndex.set(temp, this.bindings.length);
    this.bindings.push(temp);
    this.emit({ kind: "declare", binding: temp, init: true, span });
    this.stmtTemps!.push(temp);
  }

  private letStmt(s: A.LetStmt): void {
    if (!s.init) {
      this.bindPattern(s.pat, null, EMPTY, false);
      return;
    }
    const simple = s.pat.kind === "BindPat" && s.pat.byRef === "none" && !s.pat.sub;
    let src: Place | null = null;
    let carried = EMPTY;
    // `let r: &mut T = other;` is a coercion site: the `&mut` is reborrowed, not moved (as in Rust).
    const reborrow = s.ty?.kind === "RefType" && s.ty.mutable;
    const initInner = s.init.kind === "ParenExpr" ? s.init.expr : s.init;
    this.extendedRef = initInner.kind === "RefExpr" ? initInner : null;
    const initLoans = this.loans.length;
    const boxBound = boxedClosureBound(s.ty);
    this.expectedBoxBound = boxBound && s.ty ? { kind: boxBound, param: s.ty.span } : null;
    if (simple) carried = this.value(s.init, reborrow ? "arg" : "move");
    else {
      src = this.place(s.init);
      if (src) this.readScrutinee(src, s.init.span, [s.pat], !s.elseBlock);
      else carried = this.value(s.init, "move");
    }
    this.expectedBoxBound = null;
    if (s.elseBlock) {
      const fork = this.cur;
      // The pattern did not match: nothing is bound, and the initializer's borrows are over
      // (`let Some(v) = m.get_mut(&k) else { m.insert(k, 1); return; };` is fine).
      if (this.loans.length > initLoans) this.emit({ kind: "endTemps", loans: Array.from({ length: this.loans.length - initLoans }, (_, i) => initLoans + i) });
      this.block(s.elseBlock);
      // The else block must diverge; whatever flows out of it is unreachable for the bindings.
      this.cur = fork;
    }
    if (simple) {
      const bp = s.pat as A.BindPat;
      if (s.ty && mentionsDyn(s.ty) && this.types.carriesLoans(bp.binding.ty ?? bp.ty)) this.dropUsers.add(bp.binding);
      if (s.init.kind === "ClosureExpr" && this.lastClosureKind) this.closureKinds.set(bp.binding, this.lastClosureKind);
      if (s.init.kind === "ClosureExpr" && this.lastClosureCopy) this.copyClosures.add(bp.binding);
      this.declare(bp.binding, true, bp.span);
      this.flowInto(carried, bp.binding);
    } else this.bindPatternFrom(s.pat, src, carried, s.init.span);
  }

  /** A block as an expression: its own scope, dropped at its `}`. */
  private block(b: A.BlockExpr): Carried {
    this.openScope();
    const c = this.blockInner(b);
    if ((c.loans.length || c.vars.length) && this.stmtTemps !== null && this.cur !== null && this.scopes[this.scopes.length - 1].bindings.length) {
      // The block's value outlives the block's locals (`let r = { let s = ..; &s };`): a temporary
      // of the enclosing statement holds it past the `}`, so a borrow of a local in it is E0597.
      const holder: Binding = { name: "<block value>", mutable: false, span: b.tail?.span ?? b.closeSpan, ty: this.ty(b) };
      this.declareStatementTemp(holder, holder.span);
      this.flowInto(c, holder);
      this.closeScope(b.closeSpan, true);
      this.addUse(holder, holder.span);
      this.emit({ kind: "touch", binding: holder, span: holder.span });
      return { loans: [], vars: [holder] };
    }
    this.closeScope(b.closeSpan, true);
    return c;
  }

  private blockInner(b: A.BlockExpr): Carried {
    const stmts = b.stmts;
    for (let i = 0; i < stmts.length; i++) this.statement(stmts[i]);
    return b.tail ? this.value(b.tail, "move") : EMPTY;
  }

  // ───────────── places ─────────────

  /** Auto-deref a place along its type: references add deref projections, Box is transparent, Gc untracks. */
  private autoDeref(p: Place, t: Type | undefined, max = Infinity): { place: Place | null; ty: Type | undefined } {
    let n = 0;
    while (t && n < max) {
      if (t.kind === "ref") {
        p = project(p, { kind: "deref", mutable: t.mutable });
        t = t.inner;
      } else if (t.kind === "builtin" && t.name === "Box" && t.args.length) {
        t = t.args[0];
      } else if (t.kind === "builtin" && t.name === "Gc") {
        return { place: null, ty: t.args[0] };
      } else break;
      n++;
    }
    return { place: p, ty: t };
  }

  /**
   * The place an expression denotes, or null for a value expression. Emits the evaluation of
   * index operands (only once the base is known to be a place).
   */
  private place(e: Expr): Place | null {
    switch (e.kind) {
      case "ParenExpr":
        return this.place(e.expr);
      case "PathExpr": {
        const r = e.res;
        if (r && (r.kind === "local" || r.kind === "global") && this.tracked(r.binding)) return localPlace(r.binding);
        return null;
      }
      case "FieldExpr":
      case "TupleFieldExpr": {
        const base = this.place(e.object);
        if (!base) return null;
        const d = this.autoDeref(base, this.ty(e.object));
        if (!d.place) return null;
        const name = e.kind === "FieldExpr" ? e.field.name : String(e.index);
        return project(d.place, { kind: "field", name });
      }
      case "IndexExpr": {
        const base = this.place(e.object);
        if (!base) return null;
        const d = this.autoDeref(base, this.ty(e.object));
        if (!d.place) return null;
        this.value(e.index, "move");
        return project(d.place, { kind: "index" });
      }
      case "DerefExpr": {
        const base = this.place(e.operand);
        if (!base) return null;
        return this.autoDeref(base, this.ty(e.operand), 1).place;
      }
      default:
        return null;
    }
  }

  private read(p: Place, span: Span, forLiveness = true): void {
    if (forLiveness) this.addUse(p.base, span);
    this.emit({ kind: "read", place: p, span });
  }

  /**
   * The read of a place matched against patterns. When they bind parts of it, rustc reports a use
   * after a move at the first binding (a more precise use of the same moved value), not here.
   */
  private readScrutinee(p: Place, span: Span, pats: A.Pattern[], shallow = false): void {
    this.addUse(p.base, span);
    this.emit({ kind: "read", place: p, span, matched: pats.some(bindsSomething) || undefined, shallow: shallow || undefined });
  }

  /** Use the value in a place according to `mode`; returns what the value carries. */
  private usePlace(p: Place, e: Expr, mode: Mode): Carried {
    const t = this.ty(e);
    const carries = this.types.carriesLoans(t);
    const vars = carries ? [p.base] : [];
    if (mode === "autoref" || (mode === "borrow" && !this.types.isCopy(t))) {
      const c = this.borrow(p, false, e.span, "autoref");
      return { loans: c.loans, vars: union(c, { loans: [], vars }).vars };
    }
    if (mode === "arg" && t?.kind === "ref" && t.mutable) {
      // An `&mut` argument is reborrowed (`&mut *r`), not moved: `r` stays usable after the call.
      const c = this.borrow(project(p, { kind: "deref", mutable: true }), true, e.span, "reborrow");
      return { loans: c.loans, vars: [p.base] };
    }
    if (this.types.isCopy(t) || (p.proj.length === 0 && this.copyClosures.has(p.base))) {
      const i = p.proj.findIndex((x) => x.kind === "index");
      if (i >= 0 && overloadedIndex(e, this.ty.bind(this)) !== null) {
        // `v[i]` on a Vec is `*Index::index(&v, i)`: a shared borrow of `v` (E0502 while `v` is
        // mutably borrowed, where a plain read of an array element is E0503).
        const l = this.borrow({ base: p.base, proj: p.proj.slice(0, i) }, false, e.span, "autoref").loans[0];
        this.emit({ kind: "endTemps", loans: [l] }); // the element is copied out at once
        return { loans: [], vars };
      }
      this.read(p, e.span);
      return { loans: [], vars };
    }
    // `t[i]` of a tensor is a view of row i (LANGUAGE.md §6), not a move out of `t`: it borrows
    // `t` as the view methods do (`let row = m[0];` then `m.fill_(..)` is E0502).
    const ti = isTensor(t) ? p.proj.findIndex((x) => x.kind === "index") : -1;
    if (ti >= 0 && e.kind === "IndexExpr" && isTensor(this.ty(e.object))) {
      const c = this.borrow({ base: p.base, proj: p.proj.slice(0, ti) }, false, e.span, "view");
      this.tensorViews.add(e);
      return { loans: c.loans, vars: union(c, { loans: [], vars: [p.base] }).vars };
    }
    this.addUse(p.base, e.span);
    this.emit({ kind: "move", place: p, span: e.span, ty: t! });
    // A moved tensor takes along the view borrows its variable holds (`let v = t.view(..); w.push(v)`).
    if (isTensor(t) && p.proj.length === 0) {
      this.tensorViews.add(e);
      return { loans: [], vars: [p.base] };
    }
    return { loans: [], vars };
  }

  /**
   * `S { a: x, ..base }` with `base` a place: every field not given is copied or moved out of
   * `base` one by one (a partial move of the non-Copy ones, as rustc does); `base` stays usable
   * through the fields it keeps.
   */
  private structUpdateBase(e: A.StructLitExpr, bp: Place): Carried {
    const t = this.ty(e.base!);
    const decl = t?.kind === "adt" && t.decl.kind === "StructDecl" ? t.decl : null;
    const fieldTypes = decl && t?.kind === "adt" ? this.types.structFieldTypes?.(decl, t.args) : undefined;
    if (!decl || !fieldTypes) {
      this.read(bp, e.base!.span);
      return EMPTY;
    }
    const given = new Set(e.fields.map((f) => f.name.name));
    let carried: Carried = EMPTY;
    decl.fields.forEach((f, i) => {
      if (given.has(f.name.name)) return;
      const ft = fieldTypes[i];
      const fp = project(bp, { kind: "field", name: f.name.name });
      if (this.types.carriesLoans(ft)) carried = union(carried, { loans: [], vars: [bp.base] });
      if (this.types.isCopy(ft)) {
        this.read(fp, e.base!.span);
        return;
      }
      this.addUse(bp.base, e.base!.span);
      this.emit({ kind: "move", place: fp, span: e.span, ty: ft, structUpdate: true });
    });
    return carried;
  }

  // ───────────── expressions ─────────────

  value(e: Expr, mode: Mode): Carried {
    const c = this.valueInner(e, mode);
    // A value whose type cannot hold a reference carries no borrow (`*v.get(0).unwrap()` is an i32).
    if ((c.loans.length || c.vars.length) && e.ty && !this.types.carriesLoans(e.ty) && !this.tensorViews.has(e)) return EMPTY;
    return c;
  }

  private valueInner(e: Expr, mode: Mode): Carried {
    const p = this.place(e);
    if (p) return this.usePlace(p, e, mode);
    switch (e.kind) {
      case "IntLit":
      case "FloatLit":
      case "StrLit":
      case "CharLit":
      case "BoolLit":
      case "PathExpr":
        return EMPTY;
      case "FStrLit":
        for (const part of e.parts) if (typeof part !== "string") this.value(part.expr, "autoref");
        return EMPTY;
      case "ParenExpr":
        return this.value(e.expr, mode);
      case "UnaryExpr":
        this.value(e.operand, isTensor(this.ty(e.operand)) ? "borrow" : "move");
        return EMPTY;
      case "RefExpr":
        return this.refExpr(e);
      case "DerefExpr":
        return this.value(e.operand, "move");
      case "BinaryExpr":
        return this.binary(e);
      case "AssignExpr":
        this.assign(e);
        return EMPTY;
      case "CallExpr":
        return this.call(e);
      case "MethodCallExpr":
        return this.methodCall(e);
      case "FieldExpr":
      case "TupleFieldExpr": {
        const c = this.value(e.object, "move");
        return this.types.carriesLoans(this.ty(e)) ? c : EMPTY;
      }
      case "IndexExpr": {
        const c = this.value(e.object, "borrow");
        this.value(e.index, "move");
        return this.types.carriesLoans(this.ty(e)) ? c : EMPTY;
      }
      case "StructLitExpr": {
        const fieldDecls = e.target?.kind === "struct" ? e.target.decl.fields : null;
        const cs = e.fields.map((f) => {
          const fty = fieldDecls?.find((fd) => fd.name.name === f.name.name)?.ty;
          // A closure boxed into a field written `Box<dyn Fn(..)>` has that trait.
          const fb = boxedClosureBound(fty);
          if (fb) this.expectedBoxBound = { kind: fb, param: fty!.span };
          const c = this.value(f.value, "move");
          this.expectedBoxBound = null;
          return fieldDecls && mentionsDyn(fty) ? this.intoStatic(union(c, this.boxedBorrows(f.value)), f.value.span) : c;
        });
        if (e.base) {
          const bp = this.place(e.base);
          if (bp) cs.push(this.structUpdateBase(e, bp));
          else cs.push(this.value(e.base, "move"));
        }
        return this.keepIfCarries(e, union(EMPTY, ...cs));
      }
      case "TupleExpr":
      case "ArrayExpr":
        return this.keepIfCarries(e, union(EMPTY, ...e.elems.map((x) => this.value(x, "move"))));
      case "ArrayRepeatExpr":
        this.value(e.count, "move");
        return this.keepIfCarries(e, this.value(e.value, "move"));
      case "VecMacroExpr": {
        if (e.elems) return this.keepIfCarries(e, union(EMPTY, ...e.elems.map((x) => this.value(x, "move"))));
        if (e.repeat) {
          const c = this.value(e.repeat.value, "move");
          this.value(e.repeat.count, "move");
          return this.keepIfCarries(e, c);
        }
        return EMPTY;
      }
      case "BlockExpr":
        return this.block(e);
      case "IfExpr":
        return this.ifExpr(e);
      case "IfLetExpr":
        return this.ifLet(e);
      case "WhileExpr":
      case "WhileLetExpr":
      case "LoopExpr":
      case "ForExpr":
        return this.loop(e);
      case "MatchExpr":
        return this.match(e);
      case "ClosureExpr":
        return this.closure(e);
      case "BreakExpr":
        this.breakOrContinue(e.label, e.value, true, e.span);
        return EMPTY;
      case "ContinueExpr":
        this.breakOrContinue(e.label, null, false, e.span);
        return EMPTY;
      case "ReturnExpr": {
        const c = e.value ? this.value(e.value, "move") : EMPTY;
        this.ret(c, e.value ? e.value.span : e.span);
        return EMPTY;
      }
      case "RangeExpr":
        if (e.start) this.value(e.start, "move");
        if (e.end) this.value(e.end, "move");
        return EMPTY;
      case "CastExpr":
        this.value(e.expr, "move");
        return EMPTY;
      case "TryExpr": {
        const c = this.value(e.expr, "move");
        const fork = this.cur;
        // The early-return path: the error leaves the function.
        if (fork !== null) this.link(fork, this.exitNode);
        return c;
      }
    }
    return EMPTY;
  }

  private keepIfCarries(e: Expr, c: Carried): Carried {
    return this.types.carriesLoans(this.ty(e)) ? c : EMPTY;
  }

  private refExpr(e: A.RefExpr): Carried {
    let p = this.place(e.operand);
    // `&y` with `y: &String` where a `&String` is expected: deref coercion makes it `&*y`, a
    // reborrow of what `y` points to (returning it is no E0515).
    const opTy = this.ty(e.operand);
    if (p && e.coercedTo && opTy?.kind === "ref" && refDepth(e.coercedTo) < refDepth(e.ty)) p = project(p, { kind: "deref", mutable: opTy.mutable });
    if (p) {
      const c = this.borrow(p, e.mutable, e.span, "ref");
      // A reference to a reference-holding place (`&r`) also carries what `r` holds.
      if (this.types.carriesLoans(this.ty(e.operand)) && !c.vars.includes(p.base)) c.vars.push(p.base);
      return c;
    }
    // `&make()` outside a `let` initializer: the temporary is freed at the end of the statement,
    // so a reference to it still held there is E0716 (`r = &String::from("x");`, `v.push(&make())`).
    if (e !== this.extendedRef) {
      const temp = this.borrowTemporary(e.operand, e.mutable);
      if (temp) return temp;
    }
    // `&make().n`, `&(a + f(b))`: a value computed by a call is never promoted to a constant, so
    // the reference borrows a temporary of this function, which returning it cannot outlive
    // (E0515 as in rustc). Operands that hold references keep the path below, which passes on
    // what they carry.
    if (computedByCall(e.operand, (x) => this.ty(x)) && !this.types.carriesLoans(this.ty(e.operand))) {
      return this.borrowComputedValue(e.operand, e.mutable, e !== this.extendedRef);
    }
    // `&temp`: the temporary lives as long as the reference; it carries what the operand carries.
    return this.value(e.operand, "move");
  }

  /**
   * Borrows a value computed in place as a binding of its own: freed at the end of the statement
   * (E0716 if a borrow of it is kept), or, for a `let` initializer's `&` and outside any statement
   * (a body's tail), at the end of the enclosing block, as Rust extends its life.
   */
  private borrowComputedValue(e: Expr, mutable: boolean, statementTemporary: boolean): Carried {
    this.value(e, "move");
    const temp: Binding = { name: "<temporary>", mutable: true, span: e.span, ty: this.ty(e) };
    if (statementTemporary && this.stmtTemps !== null) this.declareStatementTemp(temp, e.span);
    else this.declare(temp, true, e.span);
    return this.borrow(localPlace(temp), mutable, e.span, "ref");
  }

  private binary(e: A.BinaryExpr): Carried {
    if (e.op === "&&" || e.op === "||") {
      this.value(e.left, "move");
      const fork = this.cur;
      this.value(e.right, "move");
      const join = this.newNode({ kind: "nop" });
      this.link(fork, join);
      this.link(this.cur, join);
      this.cur = join;
      return EMPTY;
    }
    const comparison = ["==", "!=", "<", "<=", ">", ">="].includes(e.op);
    const tensor = isTensor(this.ty(e.left)) || isTensor(this.ty(e.right));
    const mode: Mode = comparison || (tensor && !e.method) ? "borrow" : "move";
    const first = this.loans.length;
    this.value(e.left, mode);
    this.value(e.right, mode);
    this.endTempsSince(first);
    return EMPTY;
  }

  private assign(e: A.AssignExpr): void {
    const compound = e.op !== "=";
    const target = e.target;
    // Vec/Map `v[i] = x` goes through IndexMut: a mutable borrow of the collection.
    const tgtInner = target.kind === "ParenExpr" ? target.expr : target;
    if (compound && overloadedOperand(this.ty(target))) {
      const p = this.place(target);
      if (p) {
        // `x += y` on a String or a user type calls `add_assign(&mut x, y)` with a two-phase
        // borrow: `x` is reserved (may be read, not moved) while `y` is evaluated, then borrowed
        // mutably — so `x += x` moves a borrowed value (E0505), and an immutable `x` is E0596.
        const first = this.loans.length;
        this.borrow(p, false, target.span, "autoref");
        const firstNode = this.nodes.length;
        this.value(e.value, "move");
        // Activation (the reservation ends, `y`'s borrows are still there: `s += &s` conflicts);
        // when `y` moved `x` the move is the error already (rustc's borrow came first).
        this.emit({ kind: "endTemps", loans: [first] });
        const movedTarget = this.nodes.slice(firstNode).some((n) => n.action.kind === "move" && overlaps(n.action.place, p));
        if (!movedTarget) this.borrow(p, true, target.span, "autoref");
        else this.loans[first].needsMut = true;
        this.endTempsSince(first);
        return;
      }
    }
    const valueMode: Mode = compound && isTensor(this.ty(e.value)) ? "borrow" : "move";
    let c = this.value(e.value, valueMode);
    // `m.f = Box::new(..)` into a field written with `dyn` stores a `'static` value.
    if (this.isDynField(tgtInner)) c = this.intoStatic(union(c, this.boxedBorrows(e.value)), e.value.span);
    // The Vec/Map index nearest the root of the target (`v[i] = x`, also `v[i].qty += 1`).
    // Writing through a `&mut` kept in a Vec (`*v[0] += 1`) needs unique access to it: IndexMut too.
    const opTy = tgtInner.kind === "DerefExpr" ? this.ty(tgtInner.operand) : undefined;
    const throughMutElem = tgtInner.kind === "DerefExpr" && opTy?.kind === "ref" && opTy.mutable;
    const indexed = overloadedIndex(throughMutElem ? tgtInner.operand : tgtInner, this.ty.bind(this));
    if (indexed) {
      const base = this.place(indexed.object);
      if (base) {
        // `IndexMut::index_mut(&mut v, i)`: the Vec is borrowed before the index is evaluated (no
        // two-phase borrow here), so `v[v.len() - 1] = x` conflicts, as in Rust; a write to a
        // field of an element borrows the whole Vec too (E0502, not E0506, while `&v[0]` lives).
        const d = this.autoDeref(base, this.ty(indexed.object));
        const first = this.loans.length;
        if (d.place) this.borrow(d.place, true, target.span, "autoref");
        this.value(indexed.index, "move");
        this.endTempsSince(first);
        return;
      }
    }
    const p = this.place(target);
    if (!p) {
      const refTy = tgtInner.kind === "DerefExpr" ? this.ty(tgtInner.operand) : undefined;
      if (tgtInner.kind === "DerefExpr" && refTy?.kind === "ref") {
        // `*m.get(k).unwrap() += 1`: writing through a reference that is a value, not a place; a
        // hidden binding holds it so the write is checked like `*r = v` (E0594 through a `&`).
        // (It holds no loans: the reference's own borrows end with the statement, as temporaries.)
        this.value(tgtInner.operand, "move");
        const referent: Binding = { name: "<reference>", mutable: false, span: tgtInner.operand.span, ty: refTy };
        this.declare(referent, true, tgtInner.operand.span);
        this.emit({ kind: "assign", place: project(localPlace(referent), { kind: "deref", mutable: refTy.mutable }), span: e.span, isLet: false, compound });
        return;
      }
      this.value(target, "move");
      return;
    }
    if (compound) this.addUse(p.base, target.span);
    const throughBox = tgtInner.kind === "DerefExpr" && builtinName(this.ty(tgtInner.operand)) === "Box";
    const dropsOld = !compound && this.types.needsDrop(p.proj.length === 0 ? p.base.ty : this.ty(target));
    this.emit({ kind: "assign", place: p, span: e.span, isLet: false, compound, throughBox, dropsOld: dropsOld || undefined });
    if (this.selfStores && p.base === this.selfStores.self && c.vars.length) this.selfStores.stores.push({ vars: c.vars, span: e.span });
    if (!hasDeref(p)) this.flowInto(c, p.base);
    else {
      // Storing a reference through a deref (`*slot = &x`): the loans flow where the reference points.
      this.flowInto(c, p.base);
    }
  }

  /** Does parameter i of a user/prelude fn take a reference (so a by-value argument is auto-borrowed)? */
  private paramIsRef(decl: A.FnDecl | null, i: number): boolean {
    if (!decl) return false;
    const p = decl.params[i];
    return !!p && p.ty.kind === "RefType";
  }

  /** Is parameter i declared by value (`x: T`), so an `&mut` argument moves into it instead of being reborrowed? */
  private paramByValue(decl: A.FnDecl | null, nativeName: string | null, i: number): boolean {
    if (decl) return i < decl.params.length && !this.paramIsRef(decl, i);
    return nativeName !== null && nativeParamByValue(nativeName, i);
  }

  /** An `&mut` argument is reborrowed where the parameter is a reference, and moved into a generic `T`, as in Rust. */
  private argMode(arg: Expr, autoref: boolean, byValue = false): Mode {
    if (autoref && this.ty(arg)?.kind !== "ref") return "autoref";
    return byValue ? "move" : "arg";
  }

  /** The closure trait parameter i asks for (and, in a user function, where it says so), when argument `arg` is a closure written there. */
  private closureBoundAt(arg: Expr, decl: A.FnDecl | null, nativeName: string | null, i: number): { kind: ClosureBound; param: Span | null } | null {
    while (arg.kind === "ParenExpr" || (arg.kind === "RefExpr" && arg.operand.kind === "ClosureExpr")) arg = arg.kind === "ParenExpr" ? arg.expr : arg.operand;
    if (arg.kind !== "ClosureExpr" || i < 0) return null;
    const kind = decl ? closureBoundOf(decl, i) : nativeName ? nativeClosureBound(nativeName, i) : null;
    if (!kind) return null;
    return { kind, param: decl?.body ? decl.params[i].ty.span : null };
  }

  private call(e: A.CallExpr): Carried {
    const first = this.loans.length;
    const callee = e.callee.kind === "ParenExpr" ? e.callee.expr : e.callee;
    let decl: A.FnDecl | null = null;
    let nativeName: string | null = null;
    const autorefs = (e as unknown as { autoref?: boolean[] }).autoref;
    let calleeCarried = EMPTY;
    if (callee.kind === "PathExpr" && callee.res && (callee.res.kind === "fn" || callee.res.kind === "native")) {
      if (callee.res.kind === "fn") decl = callee.res.decl;
      else nativeName = callee.res.name;
    } else {
      const cp = this.place(callee);
      // A closure's result may be a reference into what it captured (`|i| &rows[i]`): it carries
      // the closure's borrows.
      if (cp && this.types.carriesLoans(this.ty(callee))) calleeCarried = { loans: [], vars: [cp.base] };
      if (cp) {
        let t = stripRefs(this.ty(callee));
        // A boxed closure (`Box<dyn FnMut()>`) is called through the Box like the closure itself.
        if (t?.kind === "builtin" && t.name === "Box" && t.args.length) t = t.args[0];
        const direct = this.ty(callee)?.kind !== "ref";
        const known = cp.proj.length === 0 ? this.closureKinds.get(cp.base) : undefined;
        const kind = known === "FnOnce" || (t && t.kind === "fn" && t.callKind === "FnOnce") ? "FnOnce" : known === "FnMut" || (t && t.kind === "fn" && t.callKind === "FnMut") ? "FnMut" : "Fn";
        if (kind === "FnMut" && direct) this.borrow(cp, true, callee.span, "autoref");
        else if (kind === "FnOnce" && direct) {
          this.addUse(cp.base, callee.span);
          this.emit({ kind: "move", place: cp, span: callee.span, ty: this.ty(callee) ?? { kind: "fn", callKind: "FnOnce", params: [], ret: { kind: "tuple", elems: [] } } });
        } else this.read(cp, callee.span);
      } else this.value(callee, "move");
    }
    const isDrop = nativeName === "drop" || (decl !== null && decl.name.name === "drop" && !decl.body);
    const cs: Carried[] = [];
    e.args.forEach((a, i) => {
      let auto = (autorefs && autorefs[i]) || this.paramIsRef(decl, i);
      if (nativeName && !isDrop && (nativeName === "print" || nativeName === "eprint" || isTensor(this.ty(a)))) auto = true;
      if (decl && !decl.body && !isDrop && isTensor(this.ty(a))) auto = true;
      const pi = decl?.selfParam ? i - 1 : i;
      this.argClosureBound = this.closureBoundAt(a, decl, nativeName, pi);
      const boxed = nativeName === "Box::new" ? this.expectedBoxBound : null;
      if (boxed && !this.argClosureBound && this.closureBoundAt(a, null, null, 0) === null && isClosure(a)) this.argClosureBound = boxed;
      this.expectedBoxBound = null;
      // An argument written where a user function expects `Box<dyn Fn(..)>` (`register(Box::new(|| ..))`).
      const pty0 = decl?.body && pi >= 0 ? decl.params[pi]?.ty : undefined;
      const pb = boxedClosureBound(pty0);
      if (pb) this.expectedBoxBound = { kind: pb, param: pty0!.span };
      const c = this.value(a, this.argMode(a, auto, !decl?.selfParam && this.paramByValue(decl, nativeName, i)));
      this.expectedBoxBound = null;
      this.argClosureBound = null;
      // A parameter that owns a trait object (`run: Box<dyn Fn(i32) -> i32>`) takes only `'static` values.
      const pty = decl?.body && pi >= 0 ? decl.params[pi]?.ty : undefined;
      cs.push(mentionsDyn(pty) ? this.intoStatic(union(c, this.boxedBorrows(a)), a.span, pty!.kind === "RefType") : c);
    });
    // `Type::method(&x, &y)` with a `&self` method: the result borrows the receiver argument only.
    const result = ownsStaticObject(decl) ? EMPTY : this.keepIfCarries(e, refSelf(decl) && cs.length ? cs[0] : union(calleeCarried, ...cs));
    // `Box::new(Poly { pts: &v })` typed `Box<dyn Shape>` carries nothing by its type; what it
    // boxed is kept aside for the `'static` check where such a box is stored (boxedBorrows).
    if (nativeName === "Box::new" && result === EMPTY && cs.length && (cs[0].loans.length || cs[0].vars.length)) this.boxedDyn.set(e, cs[0]);
    this.endTempsSince(first, result);
    return result;
  }

  /** What the `Box::new(..)` calls in `e` boxed into trait objects (`vec![Box::new(a), Box::new(b)]`). */
  private boxedBorrows(e: Expr): Carried {
    while (e.kind === "ParenExpr") e = e.expr;
    if (e.kind === "CallExpr") return this.boxedDyn.get(e) ?? EMPTY;
    if (e.kind === "VecMacroExpr" && e.elems) return union(EMPTY, ...e.elems.map((x) => this.boxedBorrows(x)));
    if (e.kind === "ArrayExpr") return union(EMPTY, ...e.elems.map((x) => this.boxedBorrows(x)));
    return EMPTY;
  }

  private methodCall(e: A.MethodCallExpr): Carried {
    const first = this.loans.length;
    const res = e.res;
    const selfMode = res ? res.selfMode : null;
    let adj = e.recvAdjust;
    const recvTy = this.ty(e.receiver);
    if (!adj) {
      const derefs = recvTy?.kind === "ref" && (selfMode === "ref" || selfMode === "refMut") ? 1 : 0;
      adj = { derefs, autoref: selfMode === "ref" ? "ref" : selfMode === "refMut" ? "refMut" : "none" };
    }
    const recvPlace0 = this.place(e.receiver);
    let recvCarried: Carried = EMPTY;
    let pendingMut: Place | null = null;
    let earlyMut: Carried | null = null;
    let reservation = -1;
    let recvInner = recvTy;
    const viewNative = !res || res.kind === "native" || (res.kind === "fn" && !res.decl.body);
    const tensorView = viewNative && selfMode === "ref" && isTensor(stripRefs(recvTy)) && TENSOR_VIEW_METHODS.has(e.method.name);
    if (recvPlace0) {
      const d = this.autoDeref(recvPlace0, recvTy, adj.derefs);
      recvInner = d.ty;
      if (!d.place) {
        this.read(recvPlace0, e.receiver.span);
      } else if (adj.autoref === "ref") {
        recvCarried = this.borrow(d.place, false, e.receiver.span, tensorView ? "view" : "autoref");
        // A view of a view also holds what the first view borrows.
        if (tensorView || this.types.carriesLoans(recvInner)) recvCarried = union(recvCarried, { loans: [], vars: [d.place.base] });
      } else if (adj.autoref === "refMut") {
        pendingMut = d.place; // two-phase borrow: reserved now (reads allowed), activated after the arguments
        // Except for a slice method reached through a Vec's or array's deref (`v.swap(0, v.len() - 1)`):
        // Rust has no two-phase borrow through that adjustment, so the arguments see `v` borrowed.
        // So is a receiver reached through `IndexMut` (`grid[0].push(grid[1][0])`).
        const viaIndexMut = d.place.proj.some((x) => x.kind === "index");
        if (viaIndexMut || isSliceMutMethod(d.ty?.kind === "array" ? "Array" : builtinName(d.ty), e.method.name)) earlyMut = this.borrow(d.place, true, e.receiver.span, "autoref");
        else reservation = this.borrow(d.place, false, e.receiver.span, "reservation").loans[0];
      } else {
        const t = recvInner;
        if (this.types.isCopy(t) || t?.kind === "ref") {
          this.read(d.place, e.receiver.span);
          recvCarried = this.types.carriesLoans(t) ? { loans: [], vars: [d.place.base] } : EMPTY;
        } else {
          this.addUse(d.place.base, e.receiver.span);
          this.emit({ kind: "move", place: d.place, span: e.receiver.span, ty: t! });
          recvCarried = this.types.carriesLoans(t) ? { loans: [], vars: [d.place.base] } : EMPTY;
        }
      }
    } else {
      // A view of a fresh tensor (`Tensor::arange(6).reshape([2, 3])`) takes over its storage.
      const temp = adj.autoref !== "none" && !tensorView ? this.borrowTemporary(e.receiver, adj.autoref === "refMut") : null;
      recvCarried = temp ?? this.value(e.receiver, "move");
      // `p.join(..).len()` with `len(self)` on the `&mut Path` a call returned: the method takes the
      // value out of a reference that is a value, not a place; a hidden binding holds it (E0507).
      if ((selfMode === "value" || selfMode === "mutValue") && recvTy?.kind === "ref" && !this.types.isCopy(recvTy.inner) && res?.kind === "fn" && res.impl !== null && res.impl.target.kind !== "RefType") {
        const referent: Binding = { name: "<reference>", mutable: false, span: e.receiver.span, ty: recvTy };
        this.declare(referent, true, e.receiver.span);
        this.addUse(referent, e.receiver.span);
        this.emit({ kind: "move", place: project(localPlace(referent), { kind: "deref", mutable: recvTy.mutable }), span: e.receiver.span, ty: recvTy.inner });
      }
    }
    const decl = res && res.kind === "fn" ? res.decl : null;
    const native = !res || res.kind === "native" || (decl !== null && !decl.body);
    const recvTensor = isTensor(recvInner);
    const bn = builtinName(recvInner);
    const keyBorrow = (bn === "Map" || bn === "LRUCache") && ["get", "get_mut", "contains_key", "remove"].includes(e.method.name);
    const autorefs = (e as unknown as { autoref?: boolean[] }).autoref;
    const cs: Carried[] = [];
    e.args.forEach((a, i) => {
      let auto = (autorefs && autorefs[i]) || this.paramIsRef(decl, i) || keyBorrow;
      // A tensor argument of a native is borrowed (`a.matmul(b)`, `model.forward(x)`), except one stored
      // into a container of tensors (`w.push(v)` moves `v`).
      if (native && isTensor(this.ty(a)) && !holdsTensors(recvInner)) auto = true;
      this.argClosureBound = this.closureBoundAt(a, decl, res?.kind === "native" ? res.name : null, i);
      // An argument written where the method expects `Box<dyn Fn(..)>` (`cmds.add(Box::new(|x| ..))`).
      const pb = decl?.body ? boxedClosureBound(decl.params[i]?.ty) : null;
      if (pb) this.expectedBoxBound = { kind: pb, param: decl!.params[i].ty.span };
      const c = this.value(a, this.argMode(a, auto, this.paramByValue(decl, res?.kind === "native" ? res.name : null, i)));
      this.expectedBoxBound = null;
      this.argClosureBound = null;
      const pty = decl?.body ? decl.params[i]?.ty : undefined;
      cs.push(mentionsDyn(pty) ? this.intoStatic(union(c, this.boxedBorrows(a)), a.span, pty!.kind === "RefType") : c);
    });
    if (pendingMut) {
      if (reservation >= 0) this.emit({ kind: "endTemps", loans: [reservation] });
      let lc = earlyMut;
      if (!lc) {
        lc = this.borrow(pendingMut, true, e.receiver.span, "autoref");
        this.loans[lc.loans[0]].activation = true;
      }
      // The call uses its arguments after the activation: a borrow one of them holds is live there
      // (`self.record(v)` with `v` from `self.map.get(..)` conflicts, as in Rust).
      for (const c of cs) for (const v of c.vars) {
        this.addUse(v, e.span);
        this.emit({ kind: "touch", binding: v, span: e.span });
      }
      recvCarried = this.types.carriesLoans(recvInner) ? union(lc, { loans: [], vars: [pendingMut.base] }) : lc;
      // `v.push(&x)` into a `Vec<&T>`: the argument's borrows now live in `v`. Into a field
      // written with `dyn` (`self.handlers.push(Box::new(..))`) they must be `'static`.
      if (this.isDynField(e.receiver)) cs.forEach((c, i) => this.intoStatic(union(c, this.boxedBorrows(e.args[i])), e.span));
      else if (this.types.carriesLoans(recvInner) || holdsTensors(recvInner))
        cs.forEach((c, i) => {
          if (!argMayBeStored(res, i)) return;
          if (this.selfStores && pendingMut!.base === this.selfStores.self && c.vars.length) this.selfStores.stores.push({ vars: c.vars, span: e.args[i].span });
          this.flowInto(c, pendingMut!.base);
        });
    }
    if (tensorView) {
      // The view carries the borrow of its base, whatever its type says (a Tensor holds no reference).
      this.tensorViews.add(e);
      this.endTempsSince(first, recvCarried);
      return recvCarried;
    }
    // A method taking `&self`/`&mut self` returns a borrow of its receiver only: Rust's elision rule,
    // which native signatures spell out (`get(&self, k: &K) -> Option<&V>`) and user methods' bodies
    // are checked against (E0621). Any other function borrows from every reference argument (LANGUAGE.md §4.2).
    const receiverOnly = (native && adj.autoref !== "none") || refSelf(decl);
    // A native result whose type names no reference (`Iter::next(&mut self) -> Option<T>`, `pop`,
    // `take`) does not borrow the receiver; it carries only what the receiver holds.
    const borrowsReceiver = res?.kind === "native" ? nativeResultBorrowsReceiver(res.name) : !decl?.ret || mentionsRef(decl.ret);
    if (native && adj.autoref !== "none" && !borrowsReceiver) {
      // Drop only the receiver's own autoref loan: a temporary receiver (`v.iter().find(..)`) still
      // carries what it borrows.
      const loans = this.loans;
      const own = (id: number) => id >= first && loans[id].origin === "autoref" && loans[id].span === e.receiver.span;
      if (recvCarried.loans.some(own)) recvCarried = { loans: recvCarried.loans.filter((l) => !own(l)), vars: recvCarried.vars };
    }
    let carried = res?.kind === "native" && res.name.startsWith("Iter::") ? this.iterCarried(res.name.slice(6), e, recvCarried, cs) : receiverOnly ? recvCarried : union(recvCarried, ...cs);
    // `it.peek().copied()`, `v.first().cloned()` on an `Option<&T>`: the copy leaves the reference
    // behind, so the borrow of the receiver it came from (`it`, `v`) ends; what T holds stays.
    if ((e.method.name === "copied" || e.method.name === "cloned") && isOptionOfRef(recvTy) && carried.loans.length) {
      const held = new Set(carried.vars);
      const loans = this.loans;
      carried = { loans: carried.loans.filter((l) => !held.has(loans[l].place.base) || loans[l].origin !== "autoref"), vars: carried.vars };
    }
    const result = ownsStaticObject(decl) ? EMPTY : this.keepIfCarries(e, carried);
    this.endTempsSince(first, result);
    return result;
  }

  /**
   * What an iterator method's result carries. An iterator carries the borrows of its items and
   * those of its machinery (the closures of `filter`, `max_by_key`, ...); a result made of items
   * (`collect`, `next`, `max_by_key`) carries only the first: `words.iter().filter(|w|
   * w.starts_with(&prefix)).collect()` borrows `words`, not `prefix` — as in Rust, where the
   * predicate returns a `bool` and is gone with the iterator.
   */
  private iterCarried(method: string, e: A.MethodCallExpr, recv: Carried, cs: Carried[]): Carried {
    const machinery = ITER_PREDICATE_METHODS.has(method);
    const toItems = cs.filter((_, i) => !(machinery && this.ty(e.args[i])?.kind === "fn"));
    const items = union(this.iterItems.get(recv) ?? recv, ...toItems);
    if (builtinName(this.ty(e)) !== "Iter") return items;
    const all = union(recv, ...cs);
    if (all !== items) this.iterItems.set(all, items);
    return all;
  }

  // ───────────── control flow ─────────────

  private join(ends: (number | null)[]): void {
    const live = ends.filter((x): x is number => x !== null);
    if (live.length === 0) {
      this.cur = null;
      return;
    }
    const j = this.newNode({ kind: "nop" });
    for (const x of live) this.link(x, j);
    this.cur = j;
  }

  private ifExpr(e: A.IfExpr): Carried {
    const first = this.loans.length;
    this.value(e.cond, "move");
    this.endTempsSince(first);
    const fork = this.cur;
    const a = this.block(e.then);
    const endA = this.cur;
    this.cur = fork;
    let b = EMPTY;
    if (e.else) b = this.value(e.else, "move");
    const endB = this.cur;
    this.join([endA, endB]);
    return union(a, b);
  }

  private ifLet(e: A.IfLetExpr): Carried {
    const first = this.loans.length;
    const src = this.place(e.scrutinee);
    let carried = EMPTY;
    if (src) this.readScrutinee(src, e.scrutinee.span, [e.pat]);
    else carried = this.value(e.scrutinee, "move");
    const fork = this.cur;
    this.openScope();
    this.bindPatternFrom(e.pat, src, carried, e.scrutinee.span);
    // The scrutinee's borrows now live in the bindings; as temporaries they end here.
    this.endTempsSince(first);
    const a = this.block(e.then);
    this.closeScope(e.then.closeSpan, false);
    const endA = this.cur;
    this.cur = fork;
    // The `else` branch does not use the scrutinee: its borrows end there too (no destructor runs).
    this.endTempsSince(first);
    let b = EMPTY;
    if (e.else) b = this.value(e.else, "move");
    const endB = this.cur;
    this.join([endA, endB]);
    return union(a, b);
  }

  private loop(e: A.WhileExpr | A.WhileLetExpr | A.LoopExpr | A.ForExpr): Carried {
    let hidden: Binding | null = null;
    this.openScope();
    if (e.kind === "ForExpr") {
      const first = this.loans.length;
      const c = this.value(e.iter, "move");
      hidden = { name: "<iterator>", mutable: true, span: e.iter.span };
      this.declare(hidden, true, e.iter.span);
      this.flowInto(c, hidden);
      this.endTempsSince(first);
    }
    const head = this.newNode({ kind: "nop" });
    this.link(this.cur, head);
    this.cur = head;
    const exit = this.newNode({ kind: "nop" });
    this.loopDepth++;
    const ctx: LoopCtx = {
      label: e.label ? e.label.name : null,
      head,
      exit,
      scopeDepth: this.scopes.length,
      firstLoan: this.loans.length,
      breakCarried: [],
    };
    this.loops.push(ctx);
    this.openScope();
    if (e.kind === "WhileExpr") {
      const first = this.loans.length;
      this.value(e.cond, "move");
      this.endTempsSince(first);
      this.link(this.cur, exit);
    } else if (e.kind === "WhileLetExpr") {
      const first = this.loans.length;
      const src = this.place(e.scrutinee);
      let carried = EMPTY;
      if (src) this.readScrutinee(src, e.scrutinee.span, [e.pat]);
      else carried = this.value(e.scrutinee, "move");
      this.endTempsSince(first, carried);
      this.link(this.cur, exit);
      this.bindPatternFrom(e.pat, src, carried, e.scrutinee.span);
      this.endTempsSince(first);
    } else if (e.kind === "ForExpr") {
      this.addUse(hidden!, e.iter.span);
      this.emit({ kind: "touch", binding: hidden!, span: e.iter.span });
      this.link(this.cur, exit);
      const elem: Carried = this.types.carriesLoans(e.pat.ty) ? { loans: [], vars: [hidden!] } : EMPTY;
      this.bindPattern(e.pat, null, elem, true);
    }
    this.block(e.body);
    // The pattern's bindings die at the end of each iteration: a borrow of one kept longer is E0597.
    this.closeScope(e.body.closeSpan, true);
    this.link(this.cur, head);
    this.loops.pop();
    this.loopDepth--;
    this.cur = this.nodes[exit].pred.length ? exit : null;
    this.closeScope(e.body.closeSpan, false);
    return union(EMPTY, ...ctx.breakCarried);
  }

  private breakOrContinue(label: A.Label | null, value: Expr | null, isBreak: boolean, span: Span): void {
    const c = value ? this.value(value, "move") : EMPTY;
    const ctx = label ? [...this.loops].reverse().find((l) => l.label === label.name) : this.loops[this.loops.length - 1];
    if (!ctx) {
      this.cur = null;
      return;
    }
    if (isBreak) ctx.breakCarried.push(c);
    // Leaving scopes: their bindings die (no dangling report: the jump is not where they are dropped in the source).
    const dying: Binding[] = [];
    for (let i = this.scopes.length - 1; i >= ctx.scopeDepth; i--) dying.push(...this.scopes[i].bindings);
    if (dying.length) this.emit({ kind: "scopeEnd", bindings: dying, span, reportDangling: false });
    this.endTempsSince(ctx.firstLoan);
    this.link(this.cur, isBreak ? ctx.exit : ctx.head);
    this.cur = null;
  }

  private match(e: A.MatchExpr): Carried {
    const first = this.loans.length;
    const src = this.place(e.scrutinee);
    let carried = EMPTY;
    if (src) this.readScrutinee(src, e.scrutinee.span, e.arms.map((a) => a.pat));
    else carried = this.value(e.scrutinee, "move");
    // A value scrutinee's borrows live on in the arms' bindings; as temporaries they end here.
    this.endTempsSince(first);
    const fork = this.cur;
    const ends: (number | null)[] = [];
    const results: Carried[] = [];
    let prevGuard: number | null = null;
    for (const arm of e.arms) {
      const start = this.newNode({ kind: "nop" });
      this.link(fork, start);
      this.link(prevGuard, start);
      this.cur = start;
      this.openScope();
      // In a guarded arm the bindings are references while the guard runs (as in Rust); they move after it.
      this.patternMoves = arm.guard ? "deferred" : "normal";
      const armFirst = this.loans.length;
      this.bindPatternFrom(arm.pat, src, carried, e.scrutinee.span);
      this.patternMoves = "normal";
      // The arm's `ref` bindings hold their borrows from here; as temporaries they end now.
      if (!arm.guard) this.endTempsSince(armFirst);
      prevGuard = null;
      if (arm.guard) {
        this.value(arm.guard, "move");
        prevGuard = this.cur;
        // When the guard fails, the arm's bindings go out of scope on the way to the next arm
        // (without this, the borrows they hold stayed live on that path under the lexical model).
        const bound = this.scopes[this.scopes.length - 1].bindings;
        if (bound.length) {
          prevGuard = this.newNode({ kind: "scopeEnd", bindings: [...bound], span: arm.guard.span, reportDangling: false });
          this.link(this.cur, prevGuard);
        }
        this.patternMoves = "movesOnly";
        this.bindPatternFrom(arm.pat, src, carried, e.scrutinee.span);
        this.patternMoves = "normal";
      }
      results.push(this.value(arm.body, "move"));
      this.closeScope(arm.body.span, false);
      ends.push(this.cur);
    }
    if (e.arms.length === 0) ends.push(fork);
    this.join(ends);
    return union(EMPTY, ...results);
  }

  private closure(e: A.ClosureExpr): Carried {
    const bound = this.argClosureBound;
    this.argClosureBound = null; // a closure nested in this one's body is not the argument
    const caps = e.captures ?? this.inferCaptures(e);
    // The closure body tracks only what it declares (its parameters, locals and captures): the
    // enclosing body's other variables are not in its binding index, so they need no listing here.
    const external = new Set<Binding>();
    // Lowered now, so that calls of this closure know whether it is FnOnce/FnMut (the checker's type may say Fn).
    const sub = new Lowerer("<closure>", this.types, external, true);
    const cfg = sub.lowerClosure(e);
    if (bound && bound.kind !== "FnOnce") {
      // rustc points at the closure's `|params|`, not its body.
      let head = e.body.span.start;
      while (head > e.span.start && /\s/.test(e.span.file.text[head - 1])) head--;
      cfg.closureBound = { kind: bound.kind, closureSpan: { ...e.span, end: head }, paramSpan: bound.param };
    }
    this.closures.push({ expr: e, lowerer: sub, cfg });
    const moveCaptured = new Set(caps.filter((c) => c.mode === "move").map((c) => c.binding));
    this.lastClosureKind = closureKind(cfg, moveCaptured);
    // As in Rust, a closure is Copy when everything it captures is: shared borrows and copied values.
    this.lastClosureCopy = this.lastClosureKind !== "FnOnce" && caps.every((c) => c.mode === "ref" || ((c.mode === "move" || c.mode === "copy") && this.types.isCopy(c.binding.ty)));
    const out: Carried[] = [];
    for (const cap of caps) {
      const b = cap.binding;
      if (!this.tracked(b)) continue;
      // A `move` closure takes a reference variable whole (Rust truncates its capture at the deref).
      const paths = cap.mode === "move" && b.ty?.kind === "ref" ? null : capturedFieldPaths(e.body, b);
      if (paths) {
        // Edition 2021: a closure that uses only fields of a struct captures those fields, also
        // through a reference (`|x| self.total += x` captures `(*self).total`), each by `&mut`
        // where the body writes it.
        const written = writtenPlaces(cfg, b);
        for (const fp of paths) {
          const mode = b.ty?.kind === "ref" && written.some((w) => overlaps(w, fp.place)) ? "refMut" : cap.mode;
          out.push(this.capturePlace(fp.place, fp.ty, fp.span, mode, e.span));
        }
        continue;
      }
      const carries = this.types.carriesLoans(b.ty);
      // Mutating through a `&mut` variable captures what it points to (`*r`), not `r` itself.
      const p = cap.mode === "refMut" && b.ty?.kind === "ref" && b.ty.mutable ? project(localPlace(b), { kind: "deref", mutable: true }) : localPlace(b);
      if (cap.mode === "ref" && b.ty?.kind === "ref" && !b.ty.mutable) {
        // Reading through a `&T` variable (`|m| people.get(m)`): Rust 2021 captures `*people`, a
        // shared reborrow as long-lived as the reference itself, so the closure holds what the
        // reference holds and no borrow of the variable (returning its result is no E0373/E0515).
        this.read(p, cap.span);
        out.push({ loans: [], vars: [b] });
      } else if (cap.mode === "ref" || cap.mode === "refMut") {
        const l = this.newLoan(p, cap.mode === "refMut", cap.span, "capture", e.span);
        this.addUse(b, cap.span);
        this.emit({ kind: "borrow", loan: l, span: cap.span });
        out.push({ loans: [l], vars: carries ? [b] : [] });
      } else if (cap.mode === "copy" || this.types.isCopy(b.ty)) {
        this.read(p, cap.span);
        out.push({ loans: [], vars: carries ? [b] : [] });
      } else {
        this.addUse(b, cap.span);
        this.emit({ kind: "move", place: p, span: cap.span, ty: b.ty! });
        out.push({ loans: [], vars: carries ? [b] : [] });
      }
    }
    return union(EMPTY, ...out);
  }

  /** Captures one field path of a variable (by reference, copy or move, as the variable's capture mode says). */
  private capturePlace(p: Place, ty: Type | undefined, span: Span, mode: "ref" | "refMut" | "move" | "copy", closureSpan: Span): Carried {
    const b = p.base;
    const vars = this.types.carriesLoans(ty) ? [b] : [];
    this.addUse(b, span);
    if (mode === "ref" || mode === "refMut") {
      const l = this.newLoan(p, mode === "refMut", span, "capture", closureSpan);
      this.emit({ kind: "borrow", loan: l, span });
      return { loans: [l], vars };
    }
    if (mode === "copy" || this.types.isCopy(ty)) {
      this.emit({ kind: "read", place: p, span });
      return { loans: [], vars };
    }
    this.emit({ kind: "move", place: p, span, ty: ty! });
    return { loans: [], vars };
  }

  /** Fallback when the checker did not record captures: free variables of the body, by reference unless `move`. */
  private inferCaptures(e: A.ClosureExpr): NonNullable<A.ClosureExpr["captures"]> {
    const seen = new Map<Binding, Span>();
    const visit = (x: unknown): void => {
      if (!x || typeof x !== "object") return;
      if (Array.isArray(x)) {
        for (const y of x) visit(y);
        return;
      }
      const o = x as { kind?: string; res?: A.Resolution; span?: Span };
      if (o.kind === "PathExpr" && o.res && (o.res.kind === "local" || o.res.kind === "global")) {
        if (this.bindingIndex.has(o.res.binding) && !seen.has(o.res.binding)) seen.set(o.res.binding, o.span!);
        return;
      }
      for (const k of Object.keys(o)) {
        if (k === "ty" || k === "span" || k === "res" || k === "binding" || k === "closeSpan" || k === "file") continue;
        visit((o as Record<string, unknown>)[k]);
      }
    };
    visit(e.body);
    return [...seen].map(([binding, span]) => ({
      binding,
      span,
      mode: e.isMove ? (this.types.isCopy(binding.ty) ? "copy" : "move") : "ref",
    }));
  }

  // ───────────── patterns ─────────────

  /**
   * Bind the variables of a pattern matched against the value in `src` (a place) or a value
   * carrying `carried`. By-value bindings of non-Copy parts move them out of `src`; `ref`
   * bindings and bindings under a reference (default binding modes) borrow.
   */
  /** How by-value pattern bindings move: at once, not yet (a guard is evaluated first), or only the moves. */
  private patternMoves: "normal" | "deferred" | "movesOnly" = "normal";

  /** While binding a `let`/`match`/`if let`/`while let` pattern: the expression its moves come out of. */
  private patternSource: Span | undefined = undefined;

  /** The whole values the pattern being bound has moved out of a variant so far (see bindPattern). */
  private patternWholeMoves: Place[] | null = null;

  private bindPatternFrom(pat: A.Pattern, src: Place | null, carried: Carried, source: Span): void {
    const outer = this.patternSource;
    const outerMoves = this.patternWholeMoves;
    this.patternSource = source;
    this.patternWholeMoves = [];
    this.bindPattern(pat, src, carried, true);
    this.patternSource = outer;
    this.patternWholeMoves = outerMoves;
  }

  /**
   * A move out of a variant moves the whole value (`wholeVariant`); the pattern's other bindings
   * (`M(a, b)`: `b` after `a`) come out of that same value at the same time, as in Rust, and are
   * not uses of it after a move.
   */
  private movedByThisPattern(whole: Place, moving: boolean): boolean {
    const moves = this.patternWholeMoves;
    if (!moves) return false;
    if (moves.some((m) => isPrefix(m, whole))) return true;
    if (moving) moves.push(whole);
    return false;
  }

  private bindPattern(pat: A.Pattern, src: Place | null, carried: Carried, init: boolean, byRefMode: "none" | "ref" | "refMut" = "none"): void {
    switch (pat.kind) {
      case "BindPat": {
        const b = pat.binding;
        if (this.patternMoves === "movesOnly") {
          // Second pass over a guarded arm's pattern: the by-value moves happen once the guard passed.
          const t = b.ty ?? pat.ty;
          if (src && init && pat.byRef === "none" && byRefMode === "none" && !this.types.isCopy(t)) {
            const whole = wholeVariant(src);
            if (!(whole !== src && this.movedByThisPattern(whole, true))) {
              src = whole;
              this.addUse(src.base, pat.span);
              this.emit({ kind: "move", place: src, span: pat.span, ty: t!, from: this.patternSource });
            } else src = whole;
          }
          if (pat.sub) this.bindPattern(pat.sub, src, carried, init, byRefMode);
          break;
        }
        // A binding of a type that holds no references (`Some(&d)` copying a char out of
        // `it.peek()`) keeps none of the scrutinee's borrows.
        const holdsLoans = pat.byRef !== "none" || byRefMode !== "none" || this.types.carriesLoans(b.ty ?? pat.ty);
        if (!src || !init) {
          this.declare(b, init, pat.span);
          if (init && holdsLoans) this.flowInto(carried, b);
          break;
        }
        const mode = pat.byRef !== "none" ? pat.byRef : byRefMode;
        let c: Carried;
        if (mode !== "none") {
          c = this.borrow(src, mode === "refMut", pat.span, "pattern");
        } else {
          const whole = wholeVariant(src);
          const t = b.ty ?? pat.ty;
          const carries = this.types.carriesLoans(t);
          const moving = !this.types.isCopy(t) && this.patternMoves !== "deferred";
          const fromVariant = whole !== src;
          const field = src;
          src = whole;
          if (fromVariant && this.movedByThisPattern(whole, moving)) {
            // already moved out whole by this pattern
          } else if (!moving) this.read(field, pat.span);
          else {
            this.addUse(src.base, pat.span);
            this.emit({ kind: "move", place: src, span: pat.span, ty: t!, from: this.patternSource });
          }
          c = { loans: [], vars: carries ? [src.base] : [] };
        }
        this.declare(b, true, pat.span);
        this.flowInto(holdsLoans ? union(c, carried) : c, b);
        if (pat.sub) this.bindPattern(pat.sub, src, carried, init, byRefMode);
        break;
      }
      case "WildcardPat":
      case "LitPat":
      case "RangePat":
      case "PathPat":
      case "RestPat":
        break;
      case "TuplePat":
      case "TupleStructPat":
      case "StructPat": {
        let s = src;
        let mode = byRefMode;
        if (s && pat.ty && pat.ty.kind === "ref") {
          mode = pat.ty.mutable ? "refMut" : "ref";
          s = this.autoDeref(s, pat.ty).place;
        }
        const isVariant = pat.kind === "TupleStructPat" || pat.kind === "StructPat" ? pat.path.res?.kind === "variant" || pat.path.res === undefined : false;
        // A variant's fields are places of their own for borrows (`Y(ref mut a, _)` and `Y(_, ref mut b)`
        // do not overlap), named `Variant.i`; moves out of a variant stay moves of the whole value.
        const variant = isVariant && (pat.kind === "TupleStructPat" || pat.kind === "StructPat") ? pat.path.segments[pat.path.segments.length - 1].name.name : "";
        const sub = (name: string): Place | null => (s ? (isVariant ? project(s, { kind: "field", name: `${variant}.${name}` }) : project(s, { kind: "field", name })) : null);
        const parts: [A.Pattern, string][] = [];
        if (pat.kind === "TuplePat" || pat.kind === "TupleStructPat") {
          let idx = 0;
          for (const el of pat.elems) {
            if (el.kind === "RestPat") continue;
            parts.push([el, String(idx)]);
            idx++;
          }
        } else {
          for (const f of pat.fields) parts.push([f.pat, f.name.name]);
        }
        for (const [el, name] of parts) this.bindPattern(el, sub(name), carried, init, mode);
        break;
      }
      case "RefPat": {
        let s = src ? this.autoDeref(src, pat.ty, 1).place : null;
        if (!s && init && pat.ty?.kind === "ref" && this.patternMoves !== "movesOnly") {
          // `|&s|`, `for &s in &v`, `let &s = &x`: the reference is a value, not a place; a hidden
          // binding stands for it, so a by-value binding inside moves out of a borrow (E0507).
          const referent: Binding = { name: "<reference>", mutable: false, span: pat.span, ty: pat.ty };
          this.declare(referent, true, pat.span);
          s = project(localPlace(referent), { kind: "deref", mutable: pat.ty.mutable });
        }
        this.bindPattern(pat.pat, s, carried, init, "none");
        break;
      }
      case "OrPat": {
        pat.alts.forEach((alt, i) => this.bindPattern(alt, i === 0 ? src : null, carried, init, byRefMode));
        break;
      }
    }
  }
}

/** The places rooted at `b` that a closure body assigns or borrows mutably. */
function writtenPlaces(cfg: Cfg, b: Binding): Place[] {
  const out: Place[] = [];
  for (const n of cfg.nodes) {
    const a = n.action;
    if (a.kind === "assign" && a.place.base === b) out.push(a.place);
    if (a.kind === "borrow" && cfg.loans[a.loan].mutable && cfg.loans[a.loan].place.base === b) out.push(cfg.loans[a.loan].place);
  }
  return out;
}

/**
 * The field paths of `b` a closure body uses, when it uses `b` only through fields of a struct or
 * tuple it owns (`p.y`, `s.items.len()`): Rust 2021 captures those paths, not the whole variable.
 * Null when the body uses `b` itself, or `b` is not an owned struct or tuple. A path stops at the
 * first field whose container is not an owned struct/tuple; paths under another one are merged.
 */
function capturedFieldPaths(body: Expr, b: Binding): { place: Place; ty: Type | undefined; span: Span }[] | null {
  const owned = (t: Type | undefined) => !!t && ((t.kind === "adt" && t.decl.kind === "StructDecl") || t.kind === "tuple");
  // A reference to a struct or tuple (`self` in a `&self`/`&mut self` method) is followed through its deref.
  const viaRef = b.ty?.kind === "ref" && owned(b.ty.inner);
  if (!owned(b.ty) && !viaRef) return null;
  const found: { place: Place; ty: Type | undefined; span: Span }[] = [];
  let whole = false;
  // The path of a field chain rooted at `b`, or null when the chain is rooted elsewhere; `stopped`
  // once a container on the way is not owned (a reference, a Box): the path goes no further.
  type Chain = { place: Place; ty: Type | undefined; stopped: boolean };
  const chain = (e: Expr): Chain | null => {
    if (e.kind === "ParenExpr") return chain(e.expr);
    if (e.kind === "PathExpr") {
      if (!e.res || (e.res.kind !== "local" && e.res.kind !== "global") || e.res.binding !== b) return null;
      const t = b.ty;
      return viaRef && t?.kind === "ref" ? { place: project(localPlace(b), { kind: "deref", mutable: t.mutable }), ty: t.inner, stopped: false } : { place: localPlace(b), ty: t, stopped: false };
    }
    if (e.kind !== "FieldExpr" && e.kind !== "TupleFieldExpr") return null;
    const inner = chain(e.object);
    if (!inner) return null;
    if (inner.stopped || !owned(inner.ty)) return { ...inner, stopped: true };
    const name = e.kind === "FieldExpr" ? e.field.name : String(e.index);
    return { place: project(inner.place, { kind: "field", name }), ty: e.ty, stopped: false };
  };
  const visit = (x: unknown): void => {
    if (whole || !x || typeof x !== "object") return;
    if (Array.isArray(x)) {
      for (const y of x) visit(y);
      return;
    }
    const o = x as Expr;
    if (o.kind === "FieldExpr" || o.kind === "TupleFieldExpr") {
      const c = chain(o);
      if (c) {
        if (c.place.proj.length === (viaRef ? 1 : 0)) whole = true;
        else found.push({ place: c.place, ty: c.ty, span: o.span });
        return;
      }
    }
    if (o.kind === "PathExpr") {
      if (chain(o)) whole = true;
      return;
    }
    // Declarations reached through checker annotations (a struct literal's target, a method's
    // impl) are not part of the body.
    if (typeof o.kind === "string" && o.kind.endsWith("Decl")) return;
    for (const k of Object.keys(o)) {
      if (k === "ty" || k === "span" || k === "res" || k === "binding" || k === "closeSpan" || k === "file" || k === "captures") continue;
      visit((o as unknown as Record<string, unknown>)[k]);
    }
  };
  visit(body);
  if (whole || !found.length) return null;
  // Keep the shortest of paths that are prefixes of one another (Rust captures the ancestor).
  const key = (p: Place) => p.proj.map((x) => (x.kind === "field" ? x.name : "?")).join(".");
  const out: typeof found = [];
  for (const f of found.sort((a, c) => a.place.proj.length - c.place.proj.length)) {
    const k = key(f.place);
    if (out.some((g) => k === key(g.place) || k.startsWith(key(g.place) + "."))) continue;
    out.push(f);
  }
  return out;
}

/**
 * An expression whose value is computed by a call somewhere inside it: not a place, and never a
 * promoted constant. A field of a call's result counts only when that result is owned (`make().n`);
 * through a reference or a `Gc` handle (`get(&s).n`) it is a place elsewhere.
 */
function computedByCall(e: Expr, ty: (e: Expr) => Type | undefined): boolean {
  switch (e.kind) {
    case "CallExpr":
    case "MethodCallExpr":
    case "VecMacroExpr":
      return true;
    case "ParenExpr":
      return computedByCall(e.expr, ty);
    case "FieldExpr": {
      const t = ty(e.object);
      return !!t && t.kind !== "ref" && builtinName(t) !== "Gc" && computedByCall(e.object, ty);
    }
    case "BinaryExpr":
      return computedByCall(e.left, ty) || computedByCall(e.right, ty);
    case "UnaryExpr":
      return computedByCall(e.operand, ty);
    default:
      return false;
  }
}

/** A node's edges before it has any (never pushed onto: see addEdge). */
const NO_EDGES: number[] = [];

/**
 * Adds an edge to a node's list. Most nodes have one successor and one predecessor: a list made
 * as `[x]` holds one slot, where pushing onto `[]` reserves 17 (V8's first growth), and the
 * nodes of a long body live until its check ends, so that is most of the graph's memory.
 */
function addEdge(node: CfgNode, side: "succ" | "pred", x: number): void {
  const list = node[side];
  if (list.length === 0) node[side] = [x];
  else list.push(x);
}

/**
 * A list grown by pushes, copied to its exact length where an action keeps it: the first push
 * onto `[]` reserves 17 slots, and actions live as long as the body's facts.
 */
function compact<T>(list: T[]): T[] {
  return list.length === 1 ? [list[0]] : list.slice();
}
