// AST-building helpers shared by the two parsers (the Ohm semantics in semantics.ts and the
// fast path in fastParser.ts), so that both build exactly the same nodes.

import type {
  PathSegment,
  PathType,
  BinaryOp, BlockExpr, Binding, Expr, FieldDecl, FloatSuffix, GenericParam, Ident, IntSuffix, PathExpr, Pattern, Span, Stmt, TypeExpr,
} from "./ast";

/** A syntax error found while building the AST (chained comparisons, a bad f-string). */
export class SyntaxErrorAt extends Error {
  constructor(
    message: string,
    readonly span: Span,
    readonly label = "",
    readonly help: string[] = [],
  ) {
    super(message);
  }
}

export function join(a: Span, b: Span): Span {
  return { file: a.file, start: a.start, end: b.end };
}

export function newBinding(name: Ident, mutable: boolean): Binding {
  return { name: name.name, mutable, span: name.span };
}

const INT_SUFFIX = /(i8|i16|i32|i64|isize|u8|u16|u32|u64|usize|f32|f64)$/;
const HEX_INT_SUFFIX = /(i8|i16|i32|i64|isize|u8|u16|u32|u64|usize)$/;

export function decodeEscapes(raw: string): string {
  return raw.replace(/\\(u\{([0-9a-fA-F]+)\}|\n[ \t\r\n]*|.)/gs, (_m, esc: string, hex?: string) => {
    if (hex !== undefined) return String.fromCodePoint(parseInt(hex, 16));
    switch (esc[0]) {
      case "n": return "\n";
      case "t": return "\t";
      case "r": return "\r";
      case "0": return "\0";
      case "\n": return "";
      default: return esc; // \\ \" \'
    }
  });
}


/** An integer literal from its source text (`1_000`, `0xFF`, `7u8`, `1f32`). */
export function intLitFrom(source: string, span: Span): Expr {
  // Most literals are plain digits: skip the regular expressions.
  if (source.length < 16 && /^[0-9]+$/.test(source)) return { kind: "IntLit", span, value: BigInt(source), suffix: null };
  let text = source.replace(/_/g, "");
  const isHex = /^0x/i.test(text);
  const m = (isHex ? HEX_INT_SUFFIX : INT_SUFFIX).exec(text);
  let suffix: IntSuffix | FloatSuffix | null = null;
  if (m && !(text.length === m[0].length)) {
    suffix = m[1] as IntSuffix | FloatSuffix;
    text = text.slice(0, -m[1].length);
  }
  return { kind: "IntLit", span, value: BigInt(text), suffix };
}

/** Rust's byte literal `b'a'` from its source text: an integer literal of type `u8`. */
export function byteLitFrom(source: string, span: Span): Expr {
  const ch = decodeEscapes(source.slice(2, -1));
  const code = ch.codePointAt(0)!;
  if (code > 0x7f) throw new SyntaxErrorAt("non-ASCII character in byte literal", span, "must be ASCII", [`write \`'${ch}'\` for a char, or its UTF-8 bytes with \`"${ch}".bytes()\``]);
  return { kind: "IntLit", span, value: BigInt(code), suffix: "u8" };
}

/** A float literal from its source text (`1.0`, `1e-3`, `2.5f32`, `1.`). */
export function floatLitFrom(source: string, span: Span): Expr {
  let text = source.replace(/_/g, "");
  let suffix: FloatSuffix | null = null;
  const m = /(f32|f64)$/.exec(text);
  if (m) {
    suffix = m[1] as FloatSuffix;
    text = text.slice(0, -3);
  }
  return { kind: "FloatLit", span, value: Number(text), suffix };
}

// ───────────── binary operators ─────────────

const PREC: Record<string, number> = {
  "*": 10, "/": 10, "%": 10, "@": 10,
  "+": 9, "-": 9,
  "<<": 8, ">>": 8,
  "&": 7,
  "^": 6,
  "|": 5,
  "==": 4, "!=": 4, "<": 4, "<=": 4, ">": 4, ">=": 4,
  "&&": 3,
  "||": 2,
};
const COMPARISON = 4;

export interface OpTail {
  op: string;
  opSpan: Span;
  rhs?: Expr;
  cast?: TypeExpr;
}

/** Arrange `a op b op c ...` by Rust's precedence (all left-associative; comparisons do not chain). */
export function climb(first: Expr, tails: OpTail[]): Expr {
  // `as` binds tighter than every binary operator: fold casts into their operand first.
  const operands: Expr[] = [first];
  const ops: { op: string; span: Span }[] = [];
  for (const t of tails) {
    if (t.cast) {
      const left = operands.pop()!;
      operands.push({ kind: "CastExpr", span: join(left.span, t.cast.span), expr: left, target: t.cast });
    } else {
      ops.push({ op: t.op, span: t.opSpan });
      operands.push(t.rhs!);
    }
  }
  // Precedence climbing: `operands[i]` is the operand before `ops[i]`.
  let i = 0;
  const parse = (minPrec: number): Expr => {
    let left = operands[i];
    while (i < ops.length && PREC[ops[i].op] >= minPrec) {
      const op = ops[i].op;
      const prec = PREC[op];
      i++;
      const right = parse(prec + 1);
      left = { kind: "BinaryExpr", span: join(left.span, right.span), op: op as BinaryOp, left, right };
      if (prec === COMPARISON && i < ops.length && PREC[ops[i].op] === COMPARISON) {
        throw new SyntaxErrorAt("comparison operators cannot be chained", ops[i].span, "", [
          `split the comparison into two, joined by \`&&\`: \`a ${op} b && b ${ops[i].op} c\``,
        ]);
      }
    }
    return left;
  };
  return parse(0);
}

const BLOCK_LIKE = new Set(["BlockExpr", "IfExpr", "IfLetExpr", "MatchExpr", "LoopExpr", "WhileExpr", "WhileLetExpr", "ForExpr"]);

export function isBlockLike(e: Expr): boolean {
  return BLOCK_LIKE.has(e.kind);
}

/** `{ ...; if c { a } else { b } }`: a trailing block-like expression statement is the block's value. */
export function promoteTail(stmts: Stmt[], tail: Expr | null): Expr | null {
  if (!tail && stmts.length) {
    const last = stmts[stmts.length - 1];
    if (last.kind === "ExprStmt" && !last.semi && isBlockLike(last.expr)) {
      stmts.pop();
      return last.expr;
    }
  }
  return tail;
}

/** Fold `where T: Bound` predicates into the item's generic parameters. */
export function applyWherePreds(generics: GenericParam[], preds: { ty: TypeExpr; bounds: TypeExpr[]; span: Span }[]): GenericParam[] {
  for (const p of preds) {
    const name = p.ty.kind === "PathType" && p.ty.segments.length === 1 ? p.ty.segments[0].name.name : null;
    // `where Self: Sized` on a trait method (it keeps the trait usable as `dyn`): see selfSized.
    if (name === "Self" && isSizedOnly(p.bounds)) continue;
    // A bound on an associated type (`where S::Item: Display`): the standard traits hold for
    // every type in STARK, so it constrains nothing the checker needs.
    if (p.ty.kind === "PathType" && p.ty.segments.length === 2 && generics.some((x) => x.name === (p.ty as PathType).segments[0].name.name)) continue;
    const g = name ? generics.find((x) => x.name === name) : undefined;
    if (g) g.bounds.push(...p.bounds);
    else throw new SyntaxErrorAt("a `where` clause can only bound the item's own type parameters", p.span);
  }
  return generics;
}

function isSizedOnly(bounds: TypeExpr[]): boolean {
  return bounds.length > 0 && bounds.every((b) => b.kind === "PathType" && b.segments.length === 1 && b.segments[0].name.name === "Sized");
}

/** Whether a `where` clause says `Self: Sized` (FnDecl.selfSized). */
export function selfSized(preds: { ty: TypeExpr; bounds: TypeExpr[] }[]): boolean {
  return preds.some((p) => p.ty.kind === "PathType" && p.ty.segments.length === 1 && p.ty.segments[0].name.name === "Self" && isSizedOnly(p.bounds));
}

export function pathPat(path: PathExpr): Pattern {
  return { kind: "PathPat", span: path.span, path };
}

export function numberFields(fields: FieldDecl[]): FieldDecl[] {
  fields.forEach((f, i) => (f.name = { name: String(i), span: f.name.span }));
  return fields;
}

export function makeBindPat(whole: Span, hasRef: boolean, hasMut: boolean, name: Ident, sub: Pattern | null): Pattern {
  const byRef = hasRef ? (hasMut ? "refMut" : "ref") : "none";
  // `ref mut x` makes a mutable reference, not a mutable binding.
  const bindingMutable = byRef === "none" ? hasMut : false;
  return { kind: "BindPat", span: whole, name, mutable: bindingMutable, byRef, sub, binding: newBinding(name, bindingMutable) };
}

/** A lone capitalised name in a pattern is a unit variant, unit struct or constant (`None`, `MAX`). */
export function isPathLikeName(name: string): boolean {
  return /^[A-Z]/.test(name);
}

export function blockExpr(span: Span, stmts: Stmt[], tail: Expr | null, closeSpan: Span): BlockExpr {
  return { kind: "BlockExpr", span, stmts, tail: promoteTail(stmts, tail), closeSpan };
}

/**
 * `<Dog as Animal>::baby_name`: a path through the trait (`Animal::baby_name`) whose `Self` is
 * the type before `as` (PathExpr.qself); the trait must be a path.
 */
export function qualifiedPath(span: Span, qself: TypeExpr, trait: TypeExpr, rest: PathSegment[]): PathExpr {
  if (trait.kind !== "PathType") throw new SyntaxErrorAt("expected a trait after `as`", trait.span);
  const segments: PathSegment[] = [...trait.segments.map((g) => ({ name: g.name, args: g.args })), ...rest];
  return { kind: "PathExpr", span, segments, qself };
}
