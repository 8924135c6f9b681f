// The type checker's entry points.
//
//   checkProgram(program)  → diagnostics, the bodies the borrow checker analyses, a Copy query.
//   new CheckSession()     → the same, one input at a time against a persistent environment
//                            (the REPL: items and top-level `let`s accumulate across inputs).
//
// Checking annotates the AST in place (every `checker:` field of src/syntax/ast.ts). The prelude
// (stdlib/prelude.stark) is parsed once per process and shared by every program; its function
// bodies are checked on first use (LazyBodies).

import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { error, type Diagnostic } from "../diagnostics";
import type { ClosureExpr, FnDecl, ImplDecl, Item, Program, Stmt, StructDecl, EnumDecl, VariantDecl } from "../syntax/ast";
import { makeSourceFile } from "../syntax/ast";
import { parsePrelude } from "./prelude-cache";
import { BodyChecker, type BodyCx } from "./body";
import { Env } from "./env";
import { finalize, markOf } from "./finalize";
import { Frame, Locals } from "./frames";
import { Infer } from "./infer";
import { ModuleScope } from "./scope";
import type { Type } from "./types";

/** A body the borrow checker analyses: user functions and methods, closures, and the top level. */
export type CheckedBody =
  | { kind: "fn"; decl: FnDecl; impl: ImplDecl | null }
  | { kind: "closure"; expr: ClosureExpr }
  /** The program's top-level statements, run in order in the global frame. */
  | { kind: "toplevel"; stmts: Stmt[] };

export interface CheckResult {
  diagnostics: Diagnostic[];
  bodies: CheckedBody[];
  /** Copy or Move for a resolved type (LANGUAGE.md §3, with `#[derive(Copy)]`). */
  isCopy: (t: Type) => boolean;
  /** The field types of a struct instance `decl<args>`, in declaration order (the borrow checker's `..base`). */
  structFieldTypes: (decl: StructDecl, args: Type[]) => Type[];
}

export interface CheckOptions {
  /** Reuse a session (the REPL); by default each program gets a fresh one. */
  session?: CheckSession;
}

export function checkProgram(program: Program, options: CheckOptions = {}): CheckResult {
  const session = options.session ?? new CheckSession();
  return session.check(program);
}

// ───────────── the prelude ─────────────

interface Prelude {
  program: Program;
  env: Env;
  scope: ModuleScope;
  diagnostics: Diagnostic[];
  lazy: LazyBodies;
  checker: BodyChecker;
  /** The parts of the prelude loaded after the first (`loadPreludePart`). */
  parts: Set<string>;
}

/**
 * The prelude's later parts: a file of stdlib/ and the names that make a program need it. They
 * are not in the start-up snapshot, so a program that names none of them starts without reading,
 * holding or walking them (the collections are a third of the prelude).
 */
const PRELUDE_PARTS: { file: string; names: RegExp }[] = [{ file: "collections.stark", names: /\b(HashSet|BTreeMap|BTreeSet|VecDeque|BinaryHeap|Reverse)\b/ }];

let preludeCache: Prelude | null = null;

function findPreludeFile(name = "prelude.stark"): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const p = join(dir, "stdlib", name);
    if (existsSync(p)) return p;
    dir = dirname(dir);
  }
  throw new Error(`stdlib/${name} not found`);
}

/** Parses and checks the prelude once; its diagnostics (a bug in the prelude) are kept. */
export function loadPrelude(): Prelude {
  if (preludeCache) return preludeCache;
  const file = makeSourceFile("<prelude>", readFileSync(findPreludeFile(), "utf8"));
  const parsed = parsePrelude(file);
  const program = parsed.program ?? { kind: "Program", span: { file, start: 0, end: 0 }, body: [] };
  const env = new Env(new Infer(), null, true);
  const scope = new ModuleScope("", null);
  env.collect(items(program), scope);
  // `None`, `Some`, `Ok`, `Err` are in scope unqualified, as in Rust.
  for (const [enumName, variants] of [["Option", ["None", "Some"]], ["Result", ["Ok", "Err"]]] as const) {
    const e = scope.items.get(enumName);
    if (e && e.kind === "enum") for (const v of variants) scope.items.set(v, { kind: "variant", decl: e.decl, index: e.decl.variants.findIndex((x) => x.name.name === v) });
  }
  const ck = new BodyChecker(env);
  const mark = markOf(ck);
  // Signatures are lowered lazily (the prelude's have no inference variables to share), and each
  // function body is checked when the function is first used (LazyBodies).
  const lazy = new LazyBodies(ck);
  forEachFn(program.body, (decl) => lazy.defer(decl));
  checkDefaults(ck, program.body, scope);
  finalize(ck, mark);
  preludeCache = { program, env, scope, diagnostics: [...parsed.diagnostics, ...env.diagnostics], lazy, checker: ck, parts: new Set() };
  return preludeCache;
}

/**
 * Adds the later prelude parts that `source` (a program's text) names, once per process: their
 * items join the prelude's scope, environment and program (sessions made before see them through
 * their parent scope; the evaluator's item index picks up the new items), and their bodies are
 * checked on first use like the first part's.
 */
export function loadPreludePart(source: string, all = false): void {
  const p = loadPrelude();
  for (const part of PRELUDE_PARTS) {
    if (p.parts.has(part.file) || !(all || part.names.test(source))) continue;
    p.parts.add(part.file);
    const file = makeSourceFile("<prelude>", readFileSync(findPreludeFile(part.file), "utf8"));
    const parsed = parsePrelude(file);
    if (!parsed.program) {
      p.diagnostics.push(...parsed.diagnostics);
      continue;
    }
    const before = p.env.diagnostics.length;
    p.env.collect(items(parsed.program), p.scope);
    const mark = markOf(p.checker);
    forEachFn(parsed.program.body, (decl) => p.lazy.defer(decl));
    checkDefaults(p.checker, parsed.program.body, p.scope);
    finalize(p.checker, mark);
    p.program.body.push(...parsed.program.body);
    p.diagnostics.push(...parsed.diagnostics, ...p.env.diagnostics.slice(before));
  }
}

/**
 * Checks every prelude body not checked yet and returns the prelude's diagnostics (a bug in the
 * prelude; none are expected) and how many bodies were checked before. Programs never need this.
 */
export function checkAllPreludeBodies(): { diagnostics: Diagnostic[]; checkedBefore: number; total: number } {
  loadPreludePart("", true);
  const p = loadPrelude();
  const before = p.env.diagnostics.length;
  const checkedBefore = p.lazy.checked;
  p.lazy.checkAll();
  return { diagnostics: [...p.diagnostics, ...p.env.diagnostics.slice(before)], checkedBefore, total: p.lazy.total };
}

/**
 * Prelude function bodies, type-checked on first use rather than all at every start. A use of a
 * function always reads its parameter list first — the checker lowering its signature at a call,
 * the evaluator sizing its frame before compiling the body — while walks that only look for
 * items (the evaluator's item index reads every body) do not. So `decl.params` of a deferred
 * function is a getter that checks the body (annotating it in place, exactly as the eager check
 * did) and then turns back into a plain field. Params read while another prelude body is being
 * checked queue that body for right after, so BodyChecker never re-enters itself.
 */
class LazyBodies {
  total = 0;
  checked = 0;
  /** Deferred functions and their parameter lists. */
  private readonly pending = new Map<FnDecl, FnDecl["params"]>();
  private readonly queue: FnDecl[] = [];
  private busy = false;

  constructor(private readonly ck: BodyChecker) {}

  defer(decl: FnDecl): void {
    if (!decl.body) return;
    const params = decl.params;
    this.total++;
    this.pending.set(decl, params);
    Object.defineProperty(decl, "params", {
      configurable: true,
      enumerable: true,
      get: () => {
        this.check(decl);
        return params;
      },
      set: (v: FnDecl["params"]) => {
        this.pending.delete(decl);
        plainParams(decl, v);
      },
    });
  }

  checkAll(): void {
    for (const decl of [...this.pending.keys()]) this.check(decl);
  }

  private check(decl: FnDecl): void {
    const params = this.pending.get(decl);
    if (!params) return;
    this.pending.delete(decl);
    plainParams(decl, params);
    this.queue.push(decl);
    if (this.busy) return;
    this.busy = true;
    try {
      const mark = markOf(this.ck);
      while (this.queue.length) {
        this.ck.checkFn(this.queue.shift()!, null);
        this.checked++;
      }
      finalize(this.ck, mark);
    } finally {
      this.busy = false;
    }
  }
}

function plainParams(decl: FnDecl, params: FnDecl["params"]): void {
  Object.defineProperty(decl, "params", { configurable: true, enumerable: true, writable: true, value: params });
}

function items(p: Program): Item[] {
  return p.body.filter((x): x is Item => isItem(x));
}

function isItem(x: Item | Stmt): x is Item {
  return ["FnDecl", "StructDecl", "EnumDecl", "ImplDecl", "TraitDecl", "UseDecl", "ConstDecl", "ModDecl"].includes(x.kind);
}

/** Every function with a body among these items (impl methods, trait defaults, `mod`s). */
function forEachFn(list: (Item | Stmt)[], f: (decl: FnDecl, impl: ImplDecl | null) => void): void {
  for (const it of list) {
    switch (it.kind) {
      case "FnDecl":
        f(it, null);
        break;
      case "ImplDecl":
        for (const m of it.methods) f(m, it);
        break;
      case "TraitDecl":
        for (const m of it.methods) f(m, null);
        break;
      case "ModDecl":
        forEachFn(it.items, f);
        break;
    }
  }
}

/**
 * Each variant's discriminant, recorded on it for the evaluator: an explicit one (`A = 1`,
 * `B = BASE * 2`) is an integer constant expression, the others one more than the previous
 * (Rust's rule). Two variants with one value are rustc's E0081.
 */
function enumDiscriminants(ck: BodyChecker, decl: EnumDecl, cx: BodyCx, scope: ModuleScope): void {
  const first = new Map<number, VariantDecl>();
  let next = 0;
  for (const v of decl.variants) {
    let value = next;
    if (v.discriminant) {
      ck.expect(v.discriminant, { kind: "int", name: "isize" }, cx);
      const c = ck.env.constValue(v.discriminant, scope);
      if (c === null) {
        const d = error("E0435", "a discriminant must be a constant", v.discriminant.span, "not known before the program runs");
        d.notes.push("a discriminant is an integer literal, a `const` item or arithmetic on them");
        ck.err(d);
      } else value = c;
    }
    v.value = value;
    next = value + 1;
    const earlier = first.get(value);
    if (!earlier) {
      first.set(value, v);
      continue;
    }
    const d = error("E0081", `discriminant value \`${value}\` assigned more than once`, decl.name.span, "");
    d.labels.push({ span: earlier.discriminant?.span ?? earlier.name.span, message: `\`${value}\` assigned here` });
    d.labels.push({ span: v.discriminant?.span ?? v.name.span, message: `\`${value}\` assigned here` });
    ck.err(d);
  }
}

/** Struct field defaults and consts: checked as standalone expressions. */
function checkDefaults(ck: BodyChecker, list: (Item | Stmt)[], scope: ModuleScope): void {
  const cxFor = (s: ModuleScope): BodyCx => {
    const frame = new Frame(false, null);
    return { frame, locals: new Locals(null, frame), retTy: { kind: "tuple", elems: [] }, retOrigin: null, selfTy: null, bounds: new Map(), lower: { scope: s, generics: new Map(), selfTy: null }, loops: [] };
  };
  for (const it of list) {
    if (it.kind === "StructDecl") {
      const fields = ck.env.fields(it)[0];
      it.fields.forEach((f, i) => {
        if (f.default) ck.expect(f.default, fields[i], cxFor(scope), { span: f.ty.span, label: "expected due to this" });
      });
    } else if (it.kind === "EnumDecl") {
      enumDiscriminants(ck, it, cxFor(scope), scope);
    } else if (it.kind === "ConstDecl") {
      const cx = cxFor(scope);
      const t = it.ty ? ck.env.lower(it.ty, cx.lower) : null;
      ck.expect(it.value, t, cx, it.ty ? { span: it.ty.span, label: "expected due to this" } : null);
    } else if (it.kind === "ImplDecl" && it.consts.length) {
      const info = ck.env.implInfo.get(it);
      if (!info) continue;
      for (const c of it.consts) {
        const cx = cxFor(scope);
        cx.lower = ck.env.implLowerCx(info);
        cx.selfTy = info.target;
        const t = c.ty ? ck.env.lower(c.ty, cx.lower) : null;
        ck.expect(c.value, t, cx, c.ty ? { span: c.ty.span, label: "expected due to this" } : null);
      }
    } else if (it.kind === "ModDecl") {
      const e = ck.env.lookup(scope, it.name.name);
      checkDefaults(ck, it.items, e && e.kind === "mod" ? e.scope : scope);
    }
  }
}

// ───────────── sessions ─────────────

export class CheckSession {
  readonly prelude = loadPrelude();
  readonly env = new Env(new Infer(), this.prelude.env, false);
  readonly scope = new ModuleScope("", this.prelude.scope);
  readonly globalFrame = new Frame(true, null);
  readonly globals = new Locals(null, this.globalFrame);
  readonly checker = new BodyChecker(this.env);

  constructor() {
    this.checker.globals = this.globals;
  }

  /** Checks one program (or one REPL input) against everything checked before in this session. */
  check(program: Program): CheckResult {
    loadPreludePart(program.span.file.text);
    const ck = this.checker;
    const firstDiag = this.env.diagnostics.length;
    const mark = markOf(ck);
    const firstClosure = ck.closures.length;
    const its = items(program);
    this.env.collect(its, this.scope);
    checkDefaults(ck, its, this.scope);

    const bodies: CheckedBody[] = [];
    const stmts = program.body.filter((x): x is Stmt => !isItem(x));
    const cx: BodyCx = {
      frame: this.globalFrame,
      locals: this.globals,
      retTy: { kind: "tuple", elems: [] },
      retOrigin: null,
      selfTy: null,
      bounds: new Map(),
      lower: { scope: this.scope, generics: new Map(), selfTy: null },
      loops: [],
    };
    for (const s of stmts) ck.stmt(s, cx);
    program.globalFrameSize = this.globalFrame.size;
    bodies.push({ kind: "toplevel", stmts });

    forEachFn(its, (decl, impl) => {
      if (!decl.body) return;
      ck.checkFn(decl, this.globals);
      bodies.push({ kind: "fn", decl, impl });
    });
    for (const nested of ck.nestedFns.splice(0)) bodies.push(nested);
    finalize(ck, mark);
    for (let i = firstClosure; i < ck.closures.length; i++) bodies.push({ kind: "closure", expr: ck.closures[i] });

    const diagnostics = [...(this.prelude.diagnostics.length ? this.prelude.diagnostics : []), ...this.env.diagnostics.slice(firstDiag)];
    const structFieldTypes = (decl: StructDecl, args: Type[]): Type[] => this.env.instantiatedFields(decl, args, 0);
    return { diagnostics, bodies, isCopy: this.env.isCopy, structFieldTypes };
  }

  /**
   * An undo point (for the REPL): the returned function restores the session to this moment —
   * item names, `use`s, top-level variables, the global frame's size, impls — so that an input
   * with an error can be forgotten without re-checking everything before it.
   */
  snapshot(): () => void {
    const items = new Map(this.scope.items);
    const uses = new Map(this.scope.uses);
    const globs = this.scope.globs.length;
    const vars = new Map(this.globals.vars);
    const size = this.globalFrame.size;
    const env = this.env.snapshot();
    return () => {
      this.scope.items.clear();
      for (const [k, v] of items) this.scope.items.set(k, v);
      this.scope.uses.clear();
      for (const [k, v] of uses) this.scope.uses.set(k, v);
      this.scope.globs.length = globs;
      this.globals.vars.clear();
      for (const [k, v] of vars) this.globals.vars.set(k, v);
      this.globalFrame.size = size;
      env();
    };
  }

  /** Copy query for declarations (for the borrow checker's own use). */
  isCopyAdt(decl: StructDecl | EnumDecl, args: Type[]): boolean {
    return this.env.isCopy({ kind: "adt", decl, args });
  }
}
