// Ohm semantics: the parse tree of stark.ohm → the AST of ast.ts.
//
// One operation, `ast`, builds every node. Rules that produce several items (a `use` with a
// `{..}` group) return arrays, flattened by their parents. Spans are [start, end) offsets into
// the whole source file: `ctx.base` is added to Ohm's offsets so that the expressions inside
// f-strings, which are parsed by a second match on the text between the braces, get spans in the
// file rather than in that snippet.

import type * as ohm from "ohm-js";
import type {
  BlockExpr, ConstDecl, EnumDecl, Expr, FieldDecl, FnDecl, FormatSpec, GenericParam, Ident, IfExpr,
  IfLetExpr, Item, Label, LitPat, Param, PathExpr, PathSegment, PathType, Pattern, SelfMode, SourceFile, Span, Stmt,
  StructDecl, TypeExpr, TypeSegment, UseDecl, AssignOp, ExprStmt, TraitDecl, ImplDecl, AssocTypeDecl,
} from "./ast";
import { splitInterpolation, parseFormatSpec } from "./fstring";
import {
  SyntaxErrorAt, byteLitFrom, decodeEscapes, intLitFrom, floatLitFrom, climb, OpTail, blockExpr, applyWherePreds, qualifiedPath, selfSized, makeBindPat, pathPat,
  numberFields, isPathLikeName,
} from "./astBuild";

export { SyntaxErrorAt, isBlockLike } from "./astBuild";

/** `Output = T` inside generic arguments, before TypeSeg_generic moves it to the segment's bindings. */
interface AssocBinding {
  kind: "AssocBinding";
  name: Ident;
  ty: TypeExpr;
}

interface Ctx {
  file: SourceFile;
  base: number;
  grammar: ohm.Grammar;
  semantics: ohm.Semantics;
}

// The semantics object is built once per grammar; the context of the current parse is swapped in.
let ctx: Ctx;

type N = ohm.Node;

function span(n: N): Span {
  return { file: ctx.file, start: ctx.base + n.source.startIdx, end: ctx.base + n.source.endIdx };
}
function join(a: Span, b: Span): Span {
  return { file: a.file, start: a.start, end: b.end };
}
function opt<T>(n: N): T | null {
  return n.numChildren ? (n.child(0).ast() as T) : null;
}
function list<T>(listOf: N): T[] {
  return listOf.asIteration().children.map((c: N) => c.ast() as T);
}
function many<T>(iter: N): T[] {
  const out: T[] = [];
  for (const c of iter.children) {
    const v = c.ast();
    if (Array.isArray(v)) out.push(...v);
    else out.push(v);
  }
  return out;
}

// ───────────── literals ─────────────

/** `{expr:spec}` inside an f-string: parse the expression with the same grammar (start rule ExprInput). */
function interpolation(n: N): { expr: Expr; spec: FormatSpec | null } {
  const whole = span(n);
  const inner = n.sourceString.slice(1, -1);
  const innerStart = whole.start + 1;
  const { exprText, specText } = splitInterpolation(inner);
  if (exprText.trim() === "") {
    const spec = specText === null ? "" : ":" + specText;
    throw new SyntaxErrorAt(
      "expected an expression inside `{}` in this format string",
      whole,
      `write the value to show here, as in \`{x${spec}}\``,
      followedByArguments(whole.end)
        ? [`f-strings name each value inside its braces: write \`f"{x${spec}}"\`, not Rust's \`"{${spec}}", x\``]
        : ["to print a literal brace, double it: `{{` or `}}`"],
    );
  }
  const m = ctx.grammar.match(exprText, "ExprInput");
  if (m.failed()) {
    const pos = m.getRightmostFailurePosition();
    const at = innerStart + pos;
    const found = pos >= exprText.length ? "`}`" : "`" + exprText.slice(pos).trim().split(/\s/)[0] + "`";
    throw new SyntaxErrorAt(
      `expected an expression inside this format string, found ${found}`,
      { file: ctx.file, start: at, end: Math.min(at + 1, whole.end) },
      "the text between `{` and `}` must be an expression",
      ["to print a literal brace, double it: `{{` or `}}`"],
    );
  }
  const saved = ctx.base;
  ctx.base = innerStart;
  let expr: Expr;
  try {
    expr = ctx.semantics(m).ast() as Expr;
  } finally {
    ctx.base = saved;
  }
  return { expr, spec: specText === null ? null : parseFormatSpec(specText) };
}

/** Whether the f-string holding the interpolation that ends at `from` is followed by `, ...`. */
function followedByArguments(from: number): boolean {
  const text = ctx.file.text;
  let i = from;
  while (i < text.length && text[i] !== '"' && text[i] !== "\n") i += text[i] === "\\" ? 2 : 1;
  return text[i] === '"' && /^\s*,/.test(text.slice(i + 1, i + 40));
}

// ───────────── blocks and statements ─────────────

function makeBlock(n: N, stmtsNode: N, tailNode: N, rb: N): BlockExpr {
  return blockExpr(span(n), many<Stmt>(stmtsNode), opt<Expr>(tailNode), span(rb));
}

function withLabel<T extends { label: Label | null; span: Span }>(e: T, label: Label, whole: Span): T {
  e.label = label;
  e.span = whole;
  return e;
}

/** Attach `#[..]` and `pub` to an item, when its kind has room for them. */
function decorate(node: Item, attrsNode: N, pubNode: N, whole: Span): Item {
  const attrs = many<{ name: string; args: string[]; span: Span }>(attrsNode);
  const isPub = pubNode.numChildren > 0;
  if ("attrs" in node) node.attrs = attrs;
  if ("isPub" in node) (node as { isPub: boolean }).isPub = isPub;
  node.span = whole;
  return node;
}

function applyWhere(generics: GenericParam[], whereNode: N): GenericParam[] {
  return applyWherePreds(generics, opt<{ ty: TypeExpr; bounds: TypeExpr[]; span: Span }[]>(whereNode) ?? []);
}

function bindPat(whole: Span, ref: N, mut: N, name: Ident, sub: Pattern | null): Pattern {
  return makeBindPat(whole, ref.numChildren > 0, mut.numChildren > 0, name, sub);
}

// ───────────── the semantics ─────────────

export function makeSemantics(grammar: ohm.Grammar): ohm.Semantics {
  const semantics = grammar.createSemantics();
  semantics.addOperation("ast", {
    Program(items, _end) {
      return { kind: "Program", span: span(this), body: many(items) };
    },
    ReplInput(items, tail, _end) {
      return { body: many(items), tail: opt(tail), span: span(this) };
    },
    ExprInput(e, _end) {
      return e.ast();
    },
    StmtsInput(stmts, tail, _end) {
      return { stmts: many(stmts), tail: opt(tail) };
    },

    // ── items
    Item(attrs, pub, body) {
      const v = body.ast();
      if (Array.isArray(v)) return v; // `use`: attributes and `pub` are not recorded
      return decorate(v, attrs, pub, span(this));
    },
    Attr(_hash, _lb, name, args, _rb) {
      return { name: name.sourceString, args: opt<string[]>(args) ?? [], span: span(this) };
    },
    AttrArgs(_lp, l, _c, _rp) {
      return l.asIteration().children.map((c: N) => c.sourceString.replace(/\s+/g, ""));
    },
    FnItem(_fn, name, generics, _lp, params, _rp, ret, where, body) {
      const p = params.ast() as { self: { mode: SelfMode; span: Span } | null; params: Param[] };
      const fn: FnDecl = {
        kind: "FnDecl",
        span: span(this),
        name: name.ast(),
        attrs: [],
        isPub: false,
        generics: applyWhere(opt<GenericParam[]>(generics) ?? [], where),
        selfParam: p.self,
        params: p.params,
        ret: opt(ret),
        body: body.ast(),
      };
      if (selfSized(opt<{ ty: TypeExpr; bounds: TypeExpr[]; span: Span }[]>(where) ?? [])) fn.selfSized = true;
      return fn;
    },
    FnBody_block(b) {
      return b.ast();
    },
    FnBody_semi(_s) {
      return null;
    },
    FnParams_withSelf(self, _c, l, _c2) {
      return { self: self.ast(), params: list(l) };
    },
    FnParams_onlySelf(self) {
      return { self: self.ast(), params: [] };
    },
    FnParams_plain(l, _c) {
      return { self: null, params: list(l) };
    },
    SelfParam_refMut(_a, _m, _s) {
      return { mode: "refMut", span: span(this) };
    },
    SelfParam_ref(_a, _s) {
      return { mode: "ref", span: span(this) };
    },
    SelfParam_mutValue(_m, _s) {
      return { mode: "mutValue", span: span(this) };
    },
    SelfParam_value(_s) {
      return { mode: "value", span: span(this) };
    },
    Param(pat, _colon, ty) {
      return { pat: pat.ast(), ty: ty.ast(), span: span(this) };
    },
    RetType(_arrow, ty) {
      return ty.ast();
    },
    GenericParams(_lt, l, _c, _gt) {
      return list(l);
    },
    GenericParam(name, _colon, bounds) {
      return { name: name.sourceString, bounds: opt<TypeExpr[]>(bounds) ?? [], span: span(this) };
    },
    Bounds(l) {
      return list(l);
    },
    WhereClause(_w, l, _c) {
      return list(l);
    },
    WherePred(ty, _colon, bounds) {
      return { ty: ty.ast(), bounds: bounds.ast(), span: span(this) };
    },
    StructItem(_kw, name, generics, where, body) {
      const b = body.ast() as { shape: StructDecl["shape"]; fields: FieldDecl[] };
      const s: StructDecl = {
        kind: "StructDecl",
        span: span(this),
        name: name.ast(),
        attrs: [],
        isPub: false,
        generics: applyWhere(opt<GenericParam[]>(generics) ?? [], where),
        shape: b.shape,
        fields: b.fields,
      };
      return s;
    },
    StructBody_named(_lb, l, _c, _rb) {
      return { shape: "named", fields: list(l) };
    },
    StructBody_tuple(_lp, l, _c, _rp, _semi) {
      return { shape: "tuple", fields: numberFields(list(l)) };
    },
    StructBody_unit(_semi) {
      return { shape: "unit", fields: [] };
    },
    FieldDecl(_attrs, pub, name, _colon, ty, _eq, def) {
      return { name: name.ast(), ty: ty.ast(), default: opt(def), isPub: pub.numChildren > 0, span: span(this) };
    },
    TupleField(_attrs, pub, ty) {
      const t = ty.ast() as TypeExpr;
      return { name: { name: "", span: t.span }, ty: t, default: null, isPub: pub.numChildren > 0, span: span(this) };
    },
    EnumItem(_kw, name, generics, where, _lb, l, _c, _rb) {
      const e: EnumDecl = {
        kind: "EnumDecl",
        span: span(this),
        name: name.ast(),
        attrs: [],
        isPub: false,
        generics: applyWhere(opt<GenericParam[]>(generics) ?? [], where),
        variants: list(l),
      };
      return e;
    },
    Variant(_attrs, name, body, _eq, disc) {
      const b = opt<{ shape: "tuple" | "named"; fields: FieldDecl[] }>(body);
      return {
        name: name.ast(),
        shape: b ? b.shape : "unit",
        fields: b ? b.fields : [],
        discriminant: opt(disc),
        span: span(this),
      };
    },
    VariantBody_tuple(_lp, l, _c, _rp) {
      return { shape: "tuple", fields: numberFields(list(l)) };
    },
    VariantBody_named(_lb, l, _c, _rb) {
      return { shape: "named", fields: list(l) };
    },
    ImplItem(_kw, generics, ty, _for, ty2, where, _lb, members, _rb) {
      const first = ty.ast() as TypeExpr;
      const second = opt<TypeExpr>(ty2);
      const all = many<FnDecl | ConstDecl | AssocTypeDecl>(members);
      const impl: ImplDecl = {
        kind: "ImplDecl",
        span: span(this),
        generics: applyWhere(opt<GenericParam[]>(generics) ?? [], where),
        trait: second ? first : null,
        target: second ?? first,
        methods: all.filter((m): m is FnDecl => m.kind === "FnDecl"),
        consts: all.filter((m): m is ConstDecl => m.kind === "ConstDecl"),
      };
      const assoc = all.filter((m): m is AssocTypeDecl => m.kind === "AssocTypeDecl");
      if (assoc.length) impl.assocTypes = assoc;
      return impl;
    },
    ImplMember(attrs, pub, item) {
      return decorate(item.ast(), attrs, pub, span(this));
    },
    TraitItem(_kw, name, generics, _colon, bounds, where, _lb, members, _rb) {
      const all = many<FnDecl | AssocTypeDecl>(members);
      const t: TraitDecl = {
        kind: "TraitDecl",
        span: span(this),
        name: name.ast(),
        isPub: false,
        generics: applyWhere(opt<GenericParam[]>(generics) ?? [], where),
        supertraits: opt<TypeExpr[]>(bounds) ?? [],
        methods: all.filter((m): m is FnDecl => m.kind === "FnDecl"),
      };
      const assoc = all.filter((m): m is AssocTypeDecl => m.kind === "AssocTypeDecl");
      if (assoc.length) t.assocTypes = assoc;
      return t;
    },
    TraitMember(attrs, pub, item) {
      return decorate(item.ast(), attrs, pub, span(this));
    },
    AssocTypeItem(_kw, name, _colon, _bounds, _eq, ty, _semi) {
      const d: AssocTypeDecl = { kind: "AssocTypeDecl", span: span(this), name: name.ast(), ty: opt<TypeExpr>(ty) };
      return d;
    },
    UseItem(_kw, tree, _semi) {
      const whole = span(this);
      const decls = tree.ast() as UseDecl[];
      if (decls.length === 1) decls[0].span = whole;
      return decls;
    },
    UseTree_group(path, _cc, _lb, l, _c, _rb) {
      const prefix = path.ast() as Ident[];
      const out: UseDecl[] = [];
      for (const sub of l.asIteration().children) {
        for (const d of sub.ast() as UseDecl[]) {
          let p = [...prefix, ...d.path];
          // `use a::{self, b}` imports `a` itself.
          if (p.length > 1 && p[p.length - 1].name === "self") p = p.slice(0, -1);
          out.push({ ...d, path: p });
        }
      }
      return out;
    },
    UseTree_glob(path, _cc, _star) {
      return [{ kind: "UseDecl", span: span(this), path: path.ast(), alias: null, glob: true }];
    },
    UseTree_simple(path, _as, alias) {
      return [{ kind: "UseDecl", span: span(this), path: path.ast(), alias: opt(alias), glob: false }];
    },
    UsePath(l) {
      return list(l);
    },
    ConstItem(_kw, name, _colon, ty, _eq, value, _semi) {
      const c: ConstDecl = { kind: "ConstDecl", span: span(this), name: name.ast(), isPub: false, ty: opt(ty), value: value.ast() };
      return c;
    },
    ModItem(_kw, name, _lb, items, _rb) {
      return { kind: "ModDecl", span: span(this), name: name.ast(), isPub: false, items: many(items) };
    },

    // ── statements
    Stmt_item(item) {
      const v = item.ast();
      const items: Item[] = Array.isArray(v) ? v : [v];
      return items.map((it) => ({ kind: "ItemStmt", span: it.span, item: it }));
    },
    Stmt_blockLike(e, semi) {
      const s: ExprStmt = { kind: "ExprStmt", span: span(this), expr: e.ast(), semi: semi.numChildren > 0 };
      return s;
    },
    Stmt_expr(e, _semi) {
      const s: ExprStmt = { kind: "ExprStmt", span: span(this), expr: e.ast(), semi: true };
      return s;
    },
    Stmt_empty(_semi) {
      return { kind: "EmptyStmt", span: span(this) };
    },
    LetStmt(_let, pat, _colon, ty, init, _semi) {
      const i = opt<{ init: Expr; elseBlock: BlockExpr | null }>(init);
      return {
        kind: "LetStmt",
        span: span(this),
        pat: pat.ast(),
        ty: opt(ty),
        init: i ? i.init : null,
        elseBlock: i ? i.elseBlock : null,
      };
    },
    LetInit(_eq, e, _else, block) {
      return { init: e.ast(), elseBlock: opt(block) };
    },
    Block(_lb, stmts, tail, rb) {
      return makeBlock(this, stmts, tail, rb);
    },

    // ── expressions
    Assign_assign(target, op, value) {
      return { kind: "AssignExpr", span: span(this), op: op.sourceString as AssignOp, target: target.ast(), value: value.ast() };
    },
    RangeE_from(start, op, end) {
      return { kind: "RangeExpr", span: span(this), start: start.ast(), end: opt(end), inclusive: op.sourceString === "..=" };
    },
    RangeE_to(op, end) {
      return { kind: "RangeExpr", span: span(this), start: null, end: opt(end), inclusive: op.sourceString === "..=" };
    },
    OpExpr(first, tails) {
      const f = first.ast() as Expr;
      if (!tails.numChildren) return f;
      return climb(f, tails.children.map((t: N) => t.ast() as OpTail));
    },
    OpTail_cast(kw, ty) {
      return { op: "as", opSpan: span(kw), cast: ty.ast() };
    },
    OpTail_bin(op, rhs) {
      return { op: op.sourceString, opSpan: span(op), rhs: rhs.ast() };
    },
    Unary_neg(_op, e) {
      return { kind: "UnaryExpr", span: span(this), op: "-", operand: e.ast() };
    },
    Unary_not(_op, e) {
      return { kind: "UnaryExpr", span: span(this), op: "!", operand: e.ast() };
    },
    Unary_refRef(op, mut, e) {
      const whole = span(this);
      const inner: Expr = { kind: "RefExpr", span: { ...whole, start: whole.start + 1 }, mutable: mut.numChildren > 0, operand: e.ast() };
      void op;
      return { kind: "RefExpr", span: whole, mutable: false, operand: inner };
    },
    Unary_refMut(_amp, _mut, e) {
      return { kind: "RefExpr", span: span(this), mutable: true, operand: e.ast() };
    },
    Unary_ref(_amp, e) {
      return { kind: "RefExpr", span: span(this), mutable: false, operand: e.ast() };
    },
    Unary_deref(_star, e) {
      return { kind: "DerefExpr", span: span(this), operand: e.ast() };
    },
    Postfix(primary, ops) {
      let e = primary.ast() as Expr;
      for (const op of ops.children) {
        const build = op.ast() as (recv: Expr) => Expr;
        e = build(e);
      }
      return e;
    },
    PostOp_try(q) {
      const end = span(q);
      return (recv: Expr): Expr => ({ kind: "TryExpr", span: join(recv.span, end), expr: recv });
    },
    PostOp_method(_dot, name, turbofish, _lp, args, rp) {
      const end = span(rp);
      const method = name.ast() as Ident;
      const typeArgs = opt<TypeExpr[]>(turbofish);
      const a = args.ast() as Expr[];
      return (recv: Expr): Expr => ({ kind: "MethodCallExpr", span: join(recv.span, end), receiver: recv, method, typeArgs, args: a });
    },
    PostOp_tupleField(_dot, idx) {
      const end = span(idx);
      const index = Number(idx.sourceString);
      return (recv: Expr): Expr => ({ kind: "TupleFieldExpr", span: join(recv.span, end), object: recv, index });
    },
    PostOp_field(_dot, name) {
      const field = name.ast() as Ident;
      return (recv: Expr): Expr => ({ kind: "FieldExpr", span: join(recv.span, field.span), object: recv, field });
    },
    PostOp_call(_lp, args, rp) {
      const end = span(rp);
      const a = args.ast() as Expr[];
      return (recv: Expr): Expr => ({ kind: "CallExpr", span: join(recv.span, end), callee: recv, args: a });
    },
    PostOp_index(_lb, idx, rb) {
      const end = span(rb);
      const index = idx.ast() as Expr;
      return (recv: Expr): Expr => ({ kind: "IndexExpr", span: join(recv.span, end), object: recv, index });
    },
    Args(l, _c) {
      return list(l);
    },
    Primary_unit(_lp, _rp) {
      return { kind: "TupleExpr", span: span(this), elems: [] };
    },
    Primary_tuple(_lp, first, _c, rest, _c2, _rp) {
      return { kind: "TupleExpr", span: span(this), elems: [first.ast(), ...list<Expr>(rest)] };
    },
    Primary_paren(_lp, e, _rp) {
      return { kind: "ParenExpr", span: span(this), expr: e.ast() };
    },
    Primary_repeat(_lb, value, _semi, count, _rb) {
      return { kind: "ArrayRepeatExpr", span: span(this), value: value.ast(), count: count.ast() };
    },
    Primary_array(_lb, l, _c, _rb) {
      return { kind: "ArrayExpr", span: span(this), elems: list(l) };
    },
    Primary_break(_kw, label, value) {
      return { kind: "BreakExpr", span: span(this), label: opt(label), value: opt(value) };
    },
    Primary_continue(_kw, label) {
      return { kind: "ContinueExpr", span: span(this), label: opt(label) };
    },
    Primary_return(_kw, value) {
      return { kind: "ReturnExpr", span: span(this), value: opt(value) };
    },
    VecMacro_repeat(_kw, _bang, _lb, value, _semi, count, _rb) {
      return { kind: "VecMacroExpr", span: span(this), elems: null, repeat: { value: value.ast(), count: count.ast() } };
    },
    VecMacro_list(_kw, _bang, _lb, l, _c, _rb) {
      return { kind: "VecMacroExpr", span: span(this), elems: list(l), repeat: null };
    },
    StructLit(path, _lb, l, _c, base, _rb) {
      return { kind: "StructLitExpr", span: span(this), path: path.ast(), fields: list(l), base: opt(base) };
    },
    FieldInit_full(name, _colon, value) {
      return { name: name.ast(), value: value.ast(), span: span(this) };
    },
    FieldInit_short(name) {
      const id = name.ast() as Ident;
      const value: PathExpr = { kind: "PathExpr", span: id.span, segments: [{ name: id, args: null }] };
      return { name: id, value, span: id.span };
    },
    StructBase(_dots, e) {
      return e.ast();
    },
    PathExpr(l) {
      return { kind: "PathExpr", span: span(this), segments: list<PathSegment>(l) };
    },
    QualifiedPath(_lt, self, _as, trait, _gt, _cc, l) {
      return qualifiedPath(span(this), self.ast(), trait.ast(), list<PathSegment>(l));
    },
    PathSeg(name, turbofish) {
      return { name: name.ast(), args: opt(turbofish) };
    },
    Turbofish(_cc, args) {
      return args.ast();
    },
    BlockLikeExpr_labeled(label, _colon, loop) {
      return withLabel(loop.ast(), label.ast(), span(this));
    },
    IfExpr_let(_if, _let, pat, _eq, scrutinee, then, els) {
      const e: IfLetExpr = { kind: "IfLetExpr", span: span(this), pat: pat.ast(), scrutinee: scrutinee.ast(), then: then.ast(), else: opt(els) };
      return e;
    },
    IfExpr_plain(_if, cond, then, els) {
      const e: IfExpr = { kind: "IfExpr", span: span(this), cond: cond.ast(), then: then.ast(), else: opt(els) };
      return e;
    },
    ElseTail(_else, e) {
      return e.ast();
    },
    LoopExpr_loop(_kw, body) {
      return { kind: "LoopExpr", span: span(this), label: null, body: body.ast() };
    },
    LoopExpr_whileLet(_kw, _let, pat, _eq, scrutinee, body) {
      return { kind: "WhileLetExpr", span: span(this), label: null, pat: pat.ast(), scrutinee: scrutinee.ast(), body: body.ast() };
    },
    LoopExpr_while(_kw, cond, body) {
      return { kind: "WhileExpr", span: span(this), label: null, cond: cond.ast(), body: body.ast() };
    },
    LoopExpr_for(_kw, pat, _in, iter, body) {
      return { kind: "ForExpr", span: span(this), label: null, pat: pat.ast(), iter: iter.ast(), body: body.ast() };
    },
    MatchExpr(_kw, scrutinee, _lb, arms, _rb) {
      return { kind: "MatchExpr", span: span(this), scrutinee: scrutinee.ast(), arms: many(arms) };
    },
    MatchArm(pat, guard, _arrow, body) {
      return { pat: pat.ast(), guard: opt(guard), body: body.ast(), span: span(this) };
    },
    MatchGuard(_if, e) {
      return e.ast();
    },
    ArmBody_block(e, _comma) {
      return e.ast();
    },
    ArmBody_comma(e, _comma) {
      return e.ast();
    },
    ArmBody_last(e, _rb) {
      return e.ast();
    },
    Closure_typed(mv, params, _arrow, ret, body) {
      return { kind: "ClosureExpr", span: span(this), isMove: mv.numChildren > 0, params: params.ast(), ret: ret.ast(), body: body.ast() };
    },
    Closure_plain(mv, params, body) {
      return { kind: "ClosureExpr", span: span(this), isMove: mv.numChildren > 0, params: params.ast(), ret: null, body: body.ast() };
    },
    ClosureParams_none(_bars) {
      return [];
    },
    ClosureParams_some(_lb, l, _c, _rb) {
      return list(l);
    },
    ClosureParam(pat, _colon, ty) {
      return { pat: pat.ast(), ty: opt(ty), span: span(this) };
    },

    // ── literals
    intLit(_c) {
      return intLitFrom(this.sourceString, span(this));
    },
    floatLit(_c) {
      return floatLitFrom(this.sourceString, span(this));
    },
    stringLit(_q, _chars, _q2) {
      return { kind: "StrLit", span: span(this), value: decodeEscapes(this.sourceString.slice(1, -1)) };
    },
    byteLit(_q, _c, _q2) {
      return byteLitFrom(this.sourceString, span(this));
    },
    charLit(_q, _c, _q2) {
      return { kind: "CharLit", span: span(this), value: decodeEscapes(this.sourceString.slice(1, -1)) };
    },
    kwTrue(_t) {
      return { kind: "BoolLit", span: span(this), value: true };
    },
    kwFalse(_f) {
      return { kind: "BoolLit", span: span(this), value: false };
    },
    fstring(_open, parts, _close) {
      const out: (string | { expr: Expr; spec: FormatSpec | null })[] = [];
      for (const p of parts.children) {
        const v = p.ast() as string | { expr: Expr; spec: FormatSpec | null };
        if (typeof v === "string" && typeof out[out.length - 1] === "string") out[out.length - 1] += v;
        else out.push(v);
      }
      return { kind: "FStrLit", span: span(this), parts: out };
    },
    fPart_lbrace(_b) {
      return "{";
    },
    fPart_rbrace(_b) {
      return "}";
    },
    fPart_interp(_lb, _inner, _rb) {
      return interpolation(this);
    },
    fPart_esc(e) {
      return decodeEscapes(e.sourceString);
    },
    fPart_char(c) {
      return c.sourceString;
    },

    // ── names
    ident(_s, _p) {
      return { name: this.sourceString, span: span(this) };
    },
    kwSelf(_s) {
      return { name: "self", span: span(this) };
    },
    kwSelfType(_s) {
      return { name: "Self", span: span(this) };
    },
    label(_q, name) {
      return { name: name.sourceString, span: span(this) };
    },

    // ── patterns
    PatternTop(_bar, l) {
      const alts = list<Pattern>(l);
      if (alts.length === 1) return alts[0];
      return { kind: "OrPat", span: span(this), alts };
    },
    RangePat_inclusive(a, _op, b) {
      return { kind: "RangePat", span: span(this), start: a.ast(), end: b.ast(), inclusive: true };
    },
    RangePat_dots(a, _op, b) {
      return { kind: "RangePat", span: span(this), start: a.ast(), end: b.ast(), inclusive: true };
    },
    RangePat_exclusive(a, _op, b) {
      return { kind: "RangePat", span: span(this), start: a.ast(), end: b.ast(), inclusive: false };
    },
    RangePat_from(a, _op) {
      return { kind: "RangePat", span: span(this), start: a.ast(), end: null, inclusive: false };
    },
    RangePat_to(_op, b) {
      return { kind: "RangePat", span: span(this), start: null, end: b.ast(), inclusive: true };
    },
    PatternAtom_wild(_w) {
      return { kind: "WildcardPat", span: span(this) };
    },
    PatternAtom_rest(_d) {
      return { kind: "RestPat", span: span(this) };
    },
    PatternAtom_refRef(_op, mut, p) {
      const whole = span(this);
      const inner: Pattern = { kind: "RefPat", span: { ...whole, start: whole.start + 1 }, mutable: mut.numChildren > 0, pat: p.ast() };
      return { kind: "RefPat", span: whole, mutable: false, pat: inner };
    },
    PatternAtom_ref(_amp, mut, p) {
      return { kind: "RefPat", span: span(this), mutable: mut.numChildren > 0, pat: p.ast() };
    },
    PatternAtom_unit(_l, _r) {
      return { kind: "TuplePat", span: span(this), elems: [] };
    },
    PatternAtom_tuple(_l, first, _c, rest, _c2, _r) {
      return { kind: "TuplePat", span: span(this), elems: [first.ast(), ...list<Pattern>(rest)] };
    },
    PatternAtom_paren(_l, p, _r) {
      return p.ast();
    },
    PatternAtom_tupleStruct(path, _l, l, _c, _r) {
      return { kind: "TupleStructPat", span: span(this), path: path.ast(), elems: list(l) };
    },
    PatternAtom_struct(path, _lb, l, _c, rest, _rb) {
      return { kind: "StructPat", span: span(this), path: path.ast(), fields: list(l), rest: rest.numChildren > 0 };
    },
    PatternAtom_bindAt(ref, mut, name, _at, sub) {
      return bindPat(span(this), ref, mut, name.ast(), sub.ast());
    },
    PatternAtom_bind(ref, mut, name) {
      const id = name.ast() as Ident;
      // A lone capitalised name is a unit variant, unit struct or constant (`None`, `MAX`), as
      // Rust's style makes it; anything else binds a new variable.
      if (!ref.numChildren && !mut.numChildren && isPathLikeName(id.name)) {
        return pathPat({ kind: "PathExpr", span: id.span, segments: [{ name: id, args: null }] });
      }
      return bindPat(span(this), ref, mut, id, null);
    },
    PatternAtom_path(path) {
      return pathPat(path.ast());
    },
    StructPatRest(_d) {
      return true;
    },
    FieldPat_full(name, _colon, pat) {
      return { name: name.ast(), pat: pat.ast(), span: span(this) };
    },
    FieldPat_short(ref, mut, name) {
      const id = name.ast() as Ident;
      return { name: id, pat: bindPat(span(this), ref, mut, id, null), span: span(this) };
    },
    LitPat(child) {
      const v = child.ast() as LitPat | Expr;
      if (v.kind === "LitPat") return v;
      return { kind: "LitPat", span: v.span, value: v, negative: false };
    },
    LitPat_neg(_minus, lit) {
      return { kind: "LitPat", span: span(this), value: lit.ast(), negative: true };
    },

    // ── types
    Type_refRef(_op, mut, t) {
      const whole = span(this);
      const inner: TypeExpr = { kind: "RefType", span: { ...whole, start: whole.start + 1 }, mutable: mut.numChildren > 0, inner: t.ast() };
      return { kind: "RefType", span: whole, mutable: false, inner };
    },
    Type_ref(_amp, mut, t) {
      return { kind: "RefType", span: span(this), mutable: mut.numChildren > 0, inner: t.ast() };
    },
    Type_unit(_l, _r) {
      return { kind: "TupleType", span: span(this), elems: [] };
    },
    Type_tuple(_l, first, _c, rest, _c2, _r) {
      return { kind: "TupleType", span: span(this), elems: [first.ast(), ...list<TypeExpr>(rest)] };
    },
    Type_paren(_l, t, _r) {
      return t.ast();
    },
    Type_array(_lb, elem, _semi, len, _rb) {
      return { kind: "ArrayType", span: span(this), elem: elem.ast(), len: len.ast() };
    },
    Type_slice(_lb, elem, _rb) {
      return { kind: "SliceType", span: span(this), elem: elem.ast() };
    },
    Type_fnPtr(_fn, _l, params, _c, _r, ret) {
      return { kind: "FnPtrType", span: span(this), params: list(params), ret: opt(ret) };
    },
    Type_impl(_kw, bounds) {
      return { kind: "ImplTraitType", span: span(this), bounds: list(bounds) };
    },
    Type_dyn(_kw, bounds) {
      return { kind: "DynTraitType", span: span(this), bounds: list(bounds) };
    },
    Type_infer(_w) {
      return { kind: "InferType", span: span(this) };
    },
    Type_never(_b) {
      return { kind: "NeverType", span: span(this) };
    },
    TypePath(l) {
      const p: PathType = { kind: "PathType", span: span(this), segments: list<TypeSegment>(l) };
      return p;
    },
    TypeSeg_generic(name, _cc, args) {
      const all = args.ast() as (TypeExpr | AssocBinding)[];
      const seg: TypeSegment = { name: name.ast(), args: all.filter((a): a is TypeExpr => a.kind !== "AssocBinding"), fnSugar: null };
      const bindings = all.filter((a): a is AssocBinding => a.kind === "AssocBinding");
      if (bindings.length) seg.bindings = bindings.map((b) => ({ name: b.name, ty: b.ty }));
      return seg;
    },
    AssocBinding(name, _eq, ty) {
      const b: AssocBinding = { kind: "AssocBinding", name: name.ast(), ty: ty.ast() };
      return b;
    },
    TypeSeg_fnSugar(name, _l, params, _c, _r, ret) {
      return { name: name.ast(), args: null, fnSugar: { params: list(params), ret: opt(ret) } };
    },
    TypeSeg_plain(name) {
      return { name: name.ast(), args: null, fnSugar: null };
    },
    GenericArgs(_lt, l, _c, _gt) {
      return list(l);
    },
    ShapeType(_lb, l, _c, _rb) {
      const dims = l.asIteration().children.map((d: N) =>
        /^[0-9]/.test(d.sourceString) ? Number(d.sourceString.replace(/_/g, "")) : d.sourceString,
      );
      return { kind: "ShapeType", span: span(this), dims };
    },
  });
  return semantics;
}

/** Point the semantics at a new parse (file and offset base). */
export function setContext(c: Ctx): void {
  ctx = c;
}
export function getContext(): Ctx {
  return ctx;
}
