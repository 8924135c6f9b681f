// The fast path of the parser: a tokenizer and recursive-descent parser for exactly the language
// of stark.ohm, building the same AST (same nodes, same spans) through the helpers of astBuild.ts.
//
// Why two parsers: Ohm is a fine grammar engine, but it memoizes every rule application, so it
// needs ~1 ms and ~150 KB per line of STARK and ~150 ms of JIT warm-up even for a ten-line file.
// That breaks two requirements — `stark run hello.stark` within 2× `node -e 0`, and a 10,000-line
// file in well under a second. This parser does both in a few milliseconds.
//
// The grammar stays the definition of the language. This parser never reports errors itself:
// whenever the input is not what it expects it gives up (`Bail`), and parser.ts re-parses with
// Ohm, which either builds the AST or produces the E0001 diagnostic. So a program it cannot
// handle is still parsed correctly, only slower; and a test parses every corpus file with both
// parsers and requires identical ASTs.

import type {
  AssignOp, Attribute, BinaryOp, BlockExpr, ConstDecl, EnumDecl, Expr, FieldDecl, FnDecl, FormatSpec, GenericParam, Ident,
  AssocTypeDecl, ImplDecl, Item, Label, LitPat, ModDecl, Param, PathExpr, PathSegment, PathType, Pattern, Program, SelfMode, SourceFile,
  Span, Stmt, StructDecl, TraitDecl, TypeExpr, TypeSegment, UseDecl, VariantDecl, ClosureParam, MatchArm,
} from "./ast";
import {
  applyWherePreds, qualifiedPath, selfSized, blockExpr, byteLitFrom, climb, decodeEscapes, floatLitFrom, intLitFrom, isPathLikeName, join, makeBindPat, numberFields,
  OpTail, pathPat, SyntaxErrorAt,
} from "./astBuild";
import { parseFormatSpec, splitInterpolation } from "./fstring";

/** Thrown when the input leaves the fast path; the caller falls back to the Ohm parser. */
export class Bail extends Error {}

const bail = (): never => {
  throw new Bail();
};

// ───────────────────────────── tokens ─────────────────────────────

type Kind = "id" | "kw" | "int" | "byte" | "float" | "str" | "fstr" | "char" | "label" | "p" | "eof";

interface Tok {
  k: Kind;
  /** Source text of the token (for punctuation: the operator). */
  v: string;
  s: number;
  e: number;
}

const KEYWORDS = new Set(
  ("as break const continue dyn else enum false fn for if impl in let loop match mod move mut pub return self Self " +
    "struct trait true type use where while").split(" "),
);

const PUNCT3 = new Set(["..=", "...", "<<=", ">>="]);
const PUNCT2 = new Set(["::", "->", "=>", "==", "!=", "<=", ">=", "&&", "||", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<", ">>", ".."]);
const PUNCT1 = new Set("+-*/%^!&|=<>@.,;:#?()[]{}");

/** The longest operator or delimiter at `i` (the grammar's terminals), or bail. */
function punctAt(text: string, i: number, to: number): string {
  const c = text[i];
  const next = i + 1 < to ? text[i + 1] : "";
  if (next !== "" && "=.<>:-&|+*/%^!".includes(next)) {
    if (i + 2 < to) {
      const three = c + next + text[i + 2];
      if (PUNCT3.has(three)) return three;
    }
    const two = c + next;
    if (PUNCT2.has(two)) return two;
  }
  if (PUNCT1.has(c)) return c;
  return bail();
}

const isIdStart = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
const isDigit = (c: number) => c >= 48 && c <= 57;
const isIdPart = (c: number) => isIdStart(c) || isDigit(c);
const INT_SUFFIXES = ["isize", "usize", "i16", "i32", "i64", "u16", "u32", "u64", "f32", "f64", "i8", "u8"];

/** Tokenize `text[from, to)`. Offsets are into the whole text, so spans need no adjustment. */
export function tokenize(text: string, from: number, to: number): Tok[] {
  const toks: Tok[] = [];
  let i = from;
  const at = (j: number) => (j < to ? text.charCodeAt(j) : -1);
  while (i < to) {
    const c = text.charCodeAt(i);
    if (c <= 32 || c === 0xfeff) {
      i++;
      continue;
    }
    if (c === 47 /* / */ && at(i + 1) === 47) {
      while (i < to && text.charCodeAt(i) !== 10) i++;
      continue;
    }
    if (c === 47 && at(i + 1) === 42 /* * */) {
      let depth = 0;
      do {
        if (at(i) === 47 && at(i + 1) === 42) {
          depth++;
          i += 2;
        } else if (at(i) === 42 && at(i + 1) === 47) {
          depth--;
          i += 2;
        } else if (i >= to) bail();
        else i++;
      } while (depth > 0);
      continue;
    }
    const start = i;
    if (isIdStart(c)) {
      if (c === 98 /* b */ && at(i + 1) === 39) {
        // `b'a'`, a u8 literal; anything unusual (not ASCII, unterminated) is Ohm's to report.
        const ch = scanChar(text, i + 1, to);
        if (ch <= 0 || decodeEscapes(text.slice(i + 2, ch - 1)).codePointAt(0)! > 0x7f) bail();
        toks.push({ k: "byte", v: text.slice(start, ch), s: start, e: ch });
        i = ch;
        continue;
      }
      if (c === 102 /* f */ && at(i + 1) === 34) {
        i = scanFString(text, i + 2, to);
        toks.push({ k: "fstr", v: text.slice(start, i), s: start, e: i });
        continue;
      }
      while (isIdPart(at(i))) i++;
      const v = text.slice(start, i);
      toks.push({ k: KEYWORDS.has(v) ? "kw" : "id", v, s: start, e: i });
      continue;
    }
    if (isDigit(c)) {
      const prev = toks[toks.length - 1];
      if (prev && prev.k === "p" && prev.v === ".") {
        // A tuple index: `t.0.1` is two accesses, not `t` `.` `0.1`.
        while (isDigit(at(i))) i++;
        toks.push({ k: "int", v: text.slice(start, i), s: start, e: i });
        continue;
      }
      i = scanNumber(text, i, to, toks);
      continue;
    }
    if (c === 34 /* " */) {
      i = scanString(text, i + 1, to);
      toks.push({ k: "str", v: text.slice(start, i), s: start, e: i });
      continue;
    }
    if (c === 39 /* ' */) {
      const ch = scanChar(text, i, to);
      if (ch > 0) {
        toks.push({ k: "char", v: text.slice(start, ch), s: start, e: ch });
        i = ch;
        continue;
      }
      if (!isIdStart(at(i + 1))) bail();
      i++;
      while (isIdPart(at(i))) i++;
      if (at(i) === 39) bail();
      toks.push({ k: "label", v: text.slice(start, i), s: start, e: i });
      continue;
    }
    const p = punctAt(text, i, to);
    toks.push({ k: "p", v: p, s: i, e: i + p.length });
    i += p.length;
  }
  toks.push({ k: "eof", v: "", s: to, e: to });
  return toks;
}

function scanNumber(text: string, i: number, to: number, toks: Tok[]): number {
  const start = i;
  const at = (j: number) => (j < to ? text.charCodeAt(j) : -1);
  const digits = (j: number, ok: (c: number) => boolean) => {
    while (ok(at(j)) || at(j) === 95) j++;
    return j;
  };
  let kind: Kind = "int";
  const c1 = at(i + 1);
  if (at(i) === 48 && (c1 === 120 || c1 === 98 || c1 === 111) /* x b o */) {
    const ok =
      c1 === 120 ? (c: number) => isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70) : c1 === 98 ? (c: number) => c === 48 || c === 49 : (c: number) => c >= 48 && c <= 55;
    const j = digits(i + 2, ok);
    if (j === i + 2) bail();
    i = j;
  } else {
    i = digits(i, isDigit);
    if (at(i) === 46 /* . */ && isDigit(at(i + 1))) {
      kind = "float";
      i = digits(i + 1, isDigit);
      i = exponent(i);
    } else if ((at(i) === 101 || at(i) === 69) && expLen(i) > 0) {
      kind = "float";
      i = exponent(i);
    } else if (at(i) === 46 && at(i + 1) !== 46 && !isIdStart(at(i + 1))) {
      // `1.` is a float; `1..2` is a range and `1.max(2)` a method call.
      toks.push({ k: "float", v: text.slice(start, i + 1), s: start, e: i + 1 });
      return i + 1;
    }
  }
  function expLen(j: number): number {
    let k = j + 1;
    if (at(k) === 43 || at(k) === 45) k++;
    if (!isDigit(at(k))) return 0;
    return digits(k, isDigit) - j;
  }
  function exponent(j: number): number {
    if (at(j) !== 101 && at(j) !== 69) return j;
    const n = expLen(j);
    return n ? j + n : j;
  }
  const isHex = text[start + 1] === "x" || text[start + 1] === "X";
  for (const suf of INT_SUFFIXES) {
    if (kind === "float" && suf[0] !== "f") continue;
    if (isHex && suf[0] === "f") continue;
    if (text.startsWith(suf, i) && !isIdPart(at(i + suf.length))) {
      i += suf.length;
      break;
    }
  }
  if (isIdPart(at(i))) bail();
  toks.push({ k: kind, v: text.slice(start, i), s: start, e: i });
  return i;
}

/** Index after the escape sequence at `i` (a backslash), or bail if it is not one STARK knows. */
function scanEscape(text: string, i: number, to: number): number {
  const c = text[i + 1];
  if (c === "u" && text[i + 2] === "{") {
    let j = i + 3;
    while (j < to && /[0-9a-fA-F]/.test(text[j])) j++;
    if (j === i + 3 || text[j] !== "}") bail();
    return j + 1;
  }
  if (c !== undefined && "ntr\\\"'0".includes(c)) return i + 2;
  if (c === "\n") {
    let j = i + 2;
    while (j < to && " \t\n\r".includes(text[j])) j++;
    return j;
  }
  return bail();
}

function scanString(text: string, i: number, to: number): number {
  while (i < to) {
    const c = text[i];
    if (c === '"') return i + 1;
    i = c === "\\" ? scanEscape(text, i, to) : i + 1;
  }
  return bail();
}

/** End of a char literal starting at `i`, or 0 if `'` starts a label here. */
function scanChar(text: string, i: number, to: number): number {
  let j = i + 1;
  if (j >= to) return 0;
  const c = text[j];
  if (c === "\\") j = scanEscape(text, j, to);
  else if (c === "'" || c === "\n") return 0;
  else j += (text.codePointAt(j)! > 0xffff ? 2 : 1);
  return text[j] === "'" ? j + 1 : 0;
}

/** Scan the body of an f-string (after `f"`), following the grammar's fPart / fInner rules. */
function scanFString(text: string, i: number, to: number): number {
  while (i < to) {
    const c = text[i];
    if (c === '"') return i + 1;
    if (c === "\\") i = scanEscape(text, i, to);
    else if (c === "{" && text[i + 1] === "{") i += 2;
    else if (c === "}" && text[i + 1] === "}") i += 2;
    else if (c === "{") i = scanInterpolation(text, i + 1, to) + 1;
    else if (c === "}") bail();
    else i++;
  }
  return bail();
}

/** From after a `{` to its matching `}` (index of the `}`): nested braces and strings (fInner). */
function scanInterpolation(text: string, i: number, to: number): number {
  while (i < to) {
    const c = text[i];
    if (c === "}") return i;
    if (c === '"') i = scanString(text, i + 1, to);
    else if (c === "{") i = scanInterpolation(text, i + 1, to) + 1;
    else i++;
  }
  return bail();
}

// ───────────────────────────── the parser ─────────────────────────────

const BLOCK_START_KW = new Set(["if", "match", "loop", "while", "for"]);
const ITEM_KW = new Set(["fn", "struct", "enum", "impl", "trait", "use", "const", "mod", "pub"]);
const BIN_OPS = new Set(["&&", "||", "<<", ">>", "==", "!=", "<=", ">=", "<", ">", "+", "-", "*", "/", "%", "@", "&", "|", "^"]);
const ASSIGN_OPS = new Set(["=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>="]);

class Parser {
  private i = 0;

  constructor(
    private readonly file: SourceFile,
    private readonly toks: Tok[],
  ) {}

  // ── token helpers

  private get t(): Tok {
    return this.toks[this.i];
  }
  private peek(n = 1): Tok {
    return this.toks[Math.min(this.i + n, this.toks.length - 1)];
  }
  private is(v: string): boolean {
    const t = this.toks[this.i];
    return (t.k === "p" || t.k === "kw") && t.v === v;
  }
  private isAt(n: number, v: string): boolean {
    const t = this.peek(n);
    return (t.k === "p" || t.k === "kw") && t.v === v;
  }
  private eat(v: string): Tok | null {
    if (this.is(v)) return this.toks[this.i++];
    return null;
  }
  private expect(v: string): Tok {
    if (this.is(v)) return this.toks[this.i++];
    return bail();
  }
  private span(s: number, e: number): Span {
    return { file: this.file, start: s, end: e };
  }
  private tokSpan(t: Tok): Span {
    return { file: this.file, start: t.s, end: t.e };
  }
  /** End offset of the last consumed token. */
  private get end(): number {
    return this.toks[this.i - 1].e;
  }
  /**
   * Consume a `>` closing generic arguments. `>>`, `>=` and `>>=` are split first, as the
   * scannerless grammar sees them (`Vec<Vec<i32>>`); the split is recorded so that a failed
   * attempt (`x as i32 >> 2`) can undo it.
   */
  private expectGt(): void {
    const t = this.t;
    if (t.k !== "p" || t.v[0] !== ">") return bail();
    if (t.v !== ">") {
      this.toks.splice(this.i, 1, { k: "p", v: ">", s: t.s, e: t.s + 1 }, { k: "p", v: t.v.slice(1), s: t.s + 1, e: t.e });
      this.splits.push({ index: this.i, tok: t });
    }
    this.i++;
  }

  /** `>>` tokens split by expectGt inside an attempt that failed: join them again. */
  private splits: { index: number; tok: Tok }[] = [];
  private undoSplits(from: number): void {
    for (let k = this.splits.length - 1; k >= 0 && this.splits[k].index >= from; k--) {
      this.toks.splice(this.splits[k].index, 2, this.splits[k].tok);
      this.splits.pop();
    }
  }

  private ident(): Ident {
    const t = this.t;
    if (t.k !== "id" || t.v === "_") return bail();
    this.i++;
    return { name: t.v, span: this.tokSpan(t) };
  }
  private isIdent(n = 0): boolean {
    const t = this.peek(n);
    return t.k === "id" && t.v === "_" ? false : t.k === "id";
  }
  /** PathIdent: an identifier, `self` or `Self`. */
  private pathIdent(): Ident {
    const t = this.t;
    if (t.k === "kw" && (t.v === "self" || t.v === "Self")) {
      this.i++;
      return { name: t.v, span: this.tokSpan(t) };
    }
    return this.ident();
  }
  private isPathIdent(n = 0): boolean {
    const t = this.peek(n);
    return this.isIdent(n) || (t.k === "kw" && (t.v === "self" || t.v === "Self"));
  }

  /** Comma-separated list up to (not including) `close`, trailing comma allowed. */
  private commaList<T>(close: string, item: () => T): T[] {
    const out: T[] = [];
    while (!this.is(close)) {
      out.push(item());
      if (!this.eat(",")) break;
    }
    return out;
  }

  // ── program and items

  program(): Program {
    const body: (Item | Stmt)[] = [];
    const start = this.t.s;
    while (this.t.k !== "eof") {
      if (this.startsItem()) body.push(...this.item());
      else body.push(...this.stmt());
    }
    return { kind: "Program", span: this.span(start, this.file.text.length), body };
  }

  /** Offset of the current token. */
  position(): number {
    return this.t.s;
  }

  /** ReplInput: items and statements, then optionally one expression without `;`. */
  replInput(): { body: (Item | Stmt)[]; tail: Expr | null } {
    const body: (Item | Stmt)[] = [];
    while (this.t.k !== "eof") {
      const t = this.t;
      if (this.startsItem()) {
        body.push(...this.item());
        continue;
      }
      if ((t.k === "kw" && t.v === "let") || (t.k === "p" && t.v === ";")) {
        body.push(...this.stmt());
        continue;
      }
      const save = this.i;
      if (this.startsBlockLike()) {
        body.push(...this.stmt());
        continue;
      }
      const e = this.expr(true);
      if (this.eat(";")) {
        body.push({ kind: "ExprStmt", span: this.span(t.s, this.end), expr: e, semi: true });
        continue;
      }
      if (this.atEof()) return { body, tail: e };
      this.i = save;
      return bail();
    }
    return { body, tail: null };
  }

  /** StmtsInput: the statements of a block without its braces. */
  stmtsInput(): void {
    while (!this.atEof()) {
      const t = this.t;
      if ((t.k === "kw" && t.v === "let") || this.startsItem() || (t.k === "p" && t.v === ";")) {
        this.stmt();
        continue;
      }
      if (this.startsBlockLike()) {
        const save = this.i;
        this.blockLike();
        const n = this.t;
        if (!(n.k === "p" && (n.v[0] === "." || n.v === "?"))) {
          this.eat(";");
          continue;
        }
        this.i = save;
      }
      this.expr(true);
      if (!this.eat(";") && !this.atEof()) bail();
    }
  }

  private atEof(): boolean {
    return this.t.k === "eof";
  }

  /** ExprInput: exactly one expression. */
  exprInput(): Expr {
    const e = this.expr(true);
    if (this.t.k !== "eof") bail();
    return e;
  }

  private startsItem(): boolean {
    const t = this.t;
    if (t.k === "p" && t.v === "#") return true;
    return t.k === "kw" && ITEM_KW.has(t.v);
  }

  private attrs(): Attribute[] {
    const out: Attribute[] = [];
    while (this.is("#")) {
      const s = this.t.s;
      this.i++;
      this.expect("[");
      const name = this.ident().name;
      let args: string[] = [];
      if (this.eat("(")) {
        args = this.commaList(")", () => {
          const parts = [this.ident().name];
          while (this.eat("::")) parts.push(this.ident().name);
          return parts.join("::");
        });
        this.expect(")");
      }
      this.expect("]");
      out.push({ name, args, span: this.span(s, this.end) });
    }
    return out;
  }

  /** Item = Attr* pub? ItemBody. Returns several items for a `use` group. */
  private item(): Item[] {
    const s = this.t.s;
    const attrs = this.attrs();
    const isPub = !!this.eat("pub");
    const t = this.t;
    if (t.k !== "kw") return bail();
    let node: Item;
    switch (t.v) {
      case "fn": node = this.fnItem(); break;
      case "struct": node = this.structItem(); break;
      case "enum": node = this.enumItem(); break;
      case "impl": node = this.implItem(); break;
      case "trait": node = this.traitItem(); break;
      case "use": return this.useItem();
      case "const": node = this.constItem(); break;
      case "mod": node = this.modItem(); break;
      default: return bail();
    }
    if ("attrs" in node) node.attrs = attrs;
    if ("isPub" in node) (node as { isPub: boolean }).isPub = isPub;
    node.span = this.span(s, node.span.end);
    return [node];
  }

  private fnItem(): FnDecl {
    const s = this.expect("fn").s;
    const name = this.ident();
    const generics = this.genericParams();
    this.expect("(");
    let selfParam: FnDecl["selfParam"] = null;
    const params: Param[] = [];
    const sp = this.selfParam();
    if (sp) {
      selfParam = sp;
      if (this.eat(",")) params.push(...this.commaList(")", () => this.param()));
    } else params.push(...this.commaList(")", () => this.param()));
    this.expect(")");
    const ret = this.eat("->") ? this.type() : null;
    const preds = this.whereClause();
    let body: BlockExpr | null = null;
    if (!this.eat(";")) body = this.block();
    return {
      kind: "FnDecl", span: this.span(s, this.end), name, attrs: [], isPub: false, generics: applyWherePreds(generics, preds),
      selfParam, params, ret, body, ...(selfSized(preds) ? { selfSized: true as const } : {}),
    };
  }

  private selfParam(): { mode: SelfMode; span: Span } | null {
    const s = this.t.s;
    let mode: SelfMode | null = null;
    if (this.is("&") && this.isAt(1, "mut") && this.isAt(2, "self")) {
      this.i += 3;
      mode = "refMut";
    } else if (this.is("&") && this.isAt(1, "self")) {
      this.i += 2;
      mode = "ref";
    } else if (this.is("mut") && this.isAt(1, "self")) {
      this.i += 2;
      mode = "mutValue";
    } else if (this.is("self")) {
      this.i += 1;
      mode = "value";
    }
    if (!mode) return null;
    if (!this.is(",") && !this.is(")")) bail();
    return { mode, span: this.span(s, this.end) };
  }

  private param(): Param {
    const s = this.t.s;
    const pat = this.patternNoTop();
    this.expect(":");
    const ty = this.type();
    return { pat, ty, span: this.span(s, this.end) };
  }

  private genericParams(): GenericParam[] {
    if (!this.is("<")) return [];
    this.i++;
    const out: GenericParam[] = [];
    while (!(this.t.k === "p" && this.t.v[0] === ">")) {
      const s = this.t.s;
      const name = this.ident().name;
      const bounds = this.eat(":") ? this.bounds() : [];
      out.push({ name, bounds, span: this.span(s, this.end) });
      if (!this.eat(",")) break;
    }
    this.expectGt();
    return out;
  }

  private bounds(): TypeExpr[] {
    const out = [this.type()];
    while (this.eat("+")) out.push(this.type());
    return out;
  }

  private whereClause(): { ty: TypeExpr; bounds: TypeExpr[]; span: Span }[] {
    if (!this.eat("where")) return [];
    const out: { ty: TypeExpr; bounds: TypeExpr[]; span: Span }[] = [];
    // ListOf<WherePred, ","> ","? — stops where no predicate starts (the body's `{` or `;`).
    while (!this.is("{") && !this.is(";")) {
      const s = this.t.s;
      const ty = this.type();
      this.expect(":");
      const bounds = this.bounds();
      out.push({ ty, bounds, span: this.span(s, this.end) });
      if (!this.eat(",")) break;
    }
    return out;
  }

  private structItem(): StructDecl {
    const s = this.expect("struct").s;
    const name = this.ident();
    const generics = this.genericParams();
    const preds = this.whereClause();
    let shape: StructDecl["shape"];
    let fields: FieldDecl[];
    if (this.eat("{")) {
      shape = "named";
      fields = this.commaList("}", () => this.fieldDecl());
      this.expect("}");
    } else if (this.eat("(")) {
      shape = "tuple";
      fields = numberFields(this.commaList(")", () => this.tupleField()));
      this.expect(")");
      this.expect(";");
    } else {
      this.expect(";");
      shape = "unit";
      fields = [];
    }
    return { kind: "StructDecl", span: this.span(s, this.end), name, attrs: [], isPub: false, generics: applyWherePreds(generics, preds), shape, fields };
  }

  private fieldDecl(): FieldDecl {
    const s = this.t.s;
    this.attrs();
    const isPub = !!this.eat("pub");
    const name = this.ident();
    this.expect(":");
    const ty = this.type();
    const def = this.eat("=") ? this.expr(true) : null;
    return { name, ty, default: def, isPub, span: this.span(s, this.end) };
  }

  private tupleField(): FieldDecl {
    const s = this.t.s;
    this.attrs();
    const isPub = !!this.eat("pub");
    const ty = this.type();
    return { name: { name: "", span: ty.span }, ty, default: null, isPub, span: this.span(s, this.end) };
  }

  private enumItem(): EnumDecl {
    const s = this.expect("enum").s;
    const name = this.ident();
    const generics = this.genericParams();
    const preds = this.whereClause();
    this.expect("{");
    const variants = this.commaList("}", (): VariantDecl => {
      const vs = this.t.s;
      this.attrs();
      const vname = this.ident();
      let shape: VariantDecl["shape"] = "unit";
      let fields: FieldDecl[] = [];
      if (this.eat("(")) {
        shape = "tuple";
        fields = numberFields(this.commaList(")", () => this.tupleField()));
        this.expect(")");
      } else if (this.eat("{")) {
        shape = "named";
        fields = this.commaList("}", () => this.fieldDecl());
        this.expect("}");
      }
      const discriminant = this.eat("=") ? this.expr(true) : null;
      return { name: vname, shape, fields, discriminant, span: this.span(vs, this.end) };
    });
    this.expect("}");
    return { kind: "EnumDecl", span: this.span(s, this.end), name, attrs: [], isPub: false, generics: applyWherePreds(generics, preds), variants };
  }

  /** AssocTypeItem: `type Output = Vec2;` / `type Output;` / `type Item: Bound;`. */
  private assocTypeItem(): AssocTypeDecl {
    const s = this.expect("type").s;
    const name = this.ident();
    if (this.eat(":")) this.bounds();
    const ty = this.eat("=") ? this.type() : null;
    this.expect(";");
    return { kind: "AssocTypeDecl", span: this.span(s, this.end), name, ty };
  }

  /** ImplMember / TraitMember: Attr* pub? (FnItem | ConstItem | AssocTypeItem). */
  private member(allowConst: boolean): FnDecl | ConstDecl | AssocTypeDecl {
    const s = this.t.s;
    const attrs = this.attrs();
    const isPub = !!this.eat("pub");
    let node: FnDecl | ConstDecl | AssocTypeDecl;
    if (this.is("fn")) {
      node = this.fnItem();
      node.attrs = attrs;
    } else if (allowConst && this.is("const")) node = this.constItem();
    else if (this.is("type")) node = this.assocTypeItem();
    else return bail();
    if (node.kind === "AssocTypeDecl") {
      node.span = this.span(s, node.span.end);
      return node;
    }
    node.isPub = isPub;
    node.span = this.span(s, node.span.end);
    return node;
  }

  private implItem(): ImplDecl {
    const s = this.expect("impl").s;
    const generics = this.genericParams();
    const first = this.type();
    const second = this.eat("for") ? this.type() : null;
    const preds = this.whereClause();
    this.expect("{");
    const methods: FnDecl[] = [];
    const consts: ConstDecl[] = [];
    const assocTypes: AssocTypeDecl[] = [];
    while (!this.is("}")) {
      const m = this.member(true);
      if (m.kind === "FnDecl") methods.push(m);
      else if (m.kind === "AssocTypeDecl") assocTypes.push(m);
      else consts.push(m);
    }
    this.expect("}");
    const impl: ImplDecl = {
      kind: "ImplDecl", span: this.span(s, this.end), generics: applyWherePreds(generics, preds), trait: second ? first : null,
      target: second ?? first, methods, consts,
    };
    if (assocTypes.length) impl.assocTypes = assocTypes;
    return impl;
  }

  private traitItem(): TraitDecl {
    const s = this.expect("trait").s;
    const name = this.ident();
    const generics = this.genericParams();
    const supertraits = this.eat(":") ? this.bounds() : [];
    const preds = this.whereClause();
    this.expect("{");
    const methods: FnDecl[] = [];
    const assocTypes: AssocTypeDecl[] = [];
    while (!this.is("}")) {
      const m = this.member(false);
      if (m.kind === "AssocTypeDecl") assocTypes.push(m);
      else methods.push(m as FnDecl);
    }
    this.expect("}");
    const trait: TraitDecl = { kind: "TraitDecl", span: this.span(s, this.end), name, isPub: false, generics: applyWherePreds(generics, preds), supertraits, methods };
    if (assocTypes.length) trait.assocTypes = assocTypes;
    return trait;
  }

  private useItem(): UseDecl[] {
    const s = this.expect("use").s;
    const decls = this.useTree();
    this.expect(";");
    if (decls.length === 1) decls[0].span = this.span(s, this.end);
    return decls;
  }

  private useTree(): UseDecl[] {
    const s = this.t.s;
    const path: Ident[] = [this.useSeg()];
    while (this.is("::") && (this.isIdent(1) || this.isAt(1, "self"))) {
      this.i++;
      path.push(this.useSeg());
    }
    if (this.is("::") && this.isAt(1, "{")) {
      this.i += 2;
      const out: UseDecl[] = [];
      for (const sub of this.commaList("}", () => this.useTree())) {
        for (const d of sub) {
          let p = [...path, ...d.path];
          if (p.length > 1 && p[p.length - 1].name === "self") p = p.slice(0, -1);
          out.push({ ...d, path: p });
        }
      }
      this.expect("}");
      return out;
    }
    if (this.is("::") && this.isAt(1, "*")) {
      this.i += 2;
      return [{ kind: "UseDecl", span: this.span(s, this.end), path, alias: null, glob: true }];
    }
    const alias = this.eat("as") ? this.ident() : null;
    return [{ kind: "UseDecl", span: this.span(s, this.end), path, alias, glob: false }];
  }

  private useSeg(): Ident {
    if (this.is("self")) {
      const t = this.toks[this.i++];
      return { name: "self", span: this.tokSpan(t) };
    }
    return this.ident();
  }

  private constItem(): ConstDecl {
    const s = this.expect("const").s;
    const name = this.ident();
    const ty = this.eat(":") ? this.type() : null;
    this.expect("=");
    const value = this.expr(true);
    this.expect(";");
    return { kind: "ConstDecl", span: this.span(s, this.end), name, isPub: false, ty, value };
  }

  private modItem(): ModDecl {
    const s = this.expect("mod").s;
    const name = this.ident();
    this.expect("{");
    const items: Item[] = [];
    while (!this.is("}")) items.push(...this.item());
    this.expect("}");
    return { kind: "ModDecl", span: this.span(s, this.end), name, isPub: false, items };
  }

  // ── statements and blocks

  /** One statement (several ItemStmts for a `use` group). Top-level and block statements alike. */
  private stmt(): Stmt[] {
    const t = this.t;
    const s = t.s;
    if (t.k === "kw" && t.v === "let") return [this.letStmt()];
    if (this.startsItem()) return this.item().map((it) => ({ kind: "ItemStmt", span: it.span, item: it }));
    if (this.eat(";")) return [{ kind: "EmptyStmt", span: this.span(s, this.end) }];
    if (this.startsBlockLike()) {
      const save = this.i;
      const e = this.blockLike();
      const n = this.t;
      if (!(n.k === "p" && (n.v[0] === "." || n.v === "?"))) {
        const semi = !!this.eat(";");
        return [{ kind: "ExprStmt", span: this.span(s, this.end), expr: e, semi }];
      }
      this.i = save;
    }
    const e = this.expr(true);
    this.expect(";");
    return [{ kind: "ExprStmt", span: this.span(s, this.end), expr: e, semi: true }];
  }

  private letStmt(): Stmt {
    const s = this.expect("let").s;
    const pat = this.patternTop();
    const ty = this.eat(":") ? this.type() : null;
    let init: Expr | null = null;
    let elseBlock: BlockExpr | null = null;
    if (this.eat("=")) {
      init = this.expr(true);
      if (this.eat("else")) elseBlock = this.block();
    }
    this.expect(";");
    return { kind: "LetStmt", span: this.span(s, this.end), pat, ty, init, elseBlock };
  }

  private block(): BlockExpr {
    const s = this.expect("{").s;
    const stmts: Stmt[] = [];
    let tail: Expr | null = null;
    while (!this.is("}")) {
      const t = this.t;
      if (t.k === "eof") bail();
      if ((t.k === "kw" && t.v === "let") || this.startsItem() || (t.k === "p" && t.v === ";")) {
        stmts.push(...this.stmt());
        continue;
      }
      const start = t.s;
      if (this.startsBlockLike()) {
        const save = this.i;
        const e = this.blockLike();
        const n = this.t;
        if (!(n.k === "p" && (n.v[0] === "." || n.v === "?"))) {
          const semi = !!this.eat(";");
          stmts.push({ kind: "ExprStmt", span: this.span(start, this.end), expr: e, semi });
          continue;
        }
        this.i = save;
      }
      const e = this.expr(true);
      if (this.eat(";")) stmts.push({ kind: "ExprStmt", span: this.span(start, this.end), expr: e, semi: true });
      else if (this.is("}")) tail = e;
      else bail();
    }
    const close = this.expect("}");
    return blockExpr(this.span(s, close.e), stmts, tail, this.tokSpan(close));
  }

  private startsBlockLike(): boolean {
    const t = this.t;
    if (t.k === "kw") return BLOCK_START_KW.has(t.v);
    if (t.k === "label") return this.isAt(1, ":");
    return t.k === "p" && t.v === "{";
  }

  private blockLike(): Expr {
    const t = this.t;
    if (t.k === "label") {
      this.i++;
      this.expect(":");
      const label: Label = { name: t.v.slice(1), span: this.tokSpan(t) };
      const loop = this.loopExpr() as Expr & { label: Label | null };
      loop.label = label;
      loop.span = this.span(t.s, loop.span.end);
      return loop;
    }
    if (t.k === "p") return this.block();
    switch (t.v) {
      case "if": return this.ifExpr();
      case "match": return this.matchExpr();
      default: return this.loopExpr();
    }
  }

  private ifExpr(): Expr {
    const s = this.expect("if").s;
    if (this.eat("let")) {
      const pat = this.patternTop();
      this.expect("=");
      const scrutinee = this.expr(false);
      const then = this.block();
      const els = this.elseTail();
      return { kind: "IfLetExpr", span: this.span(s, this.end), pat, scrutinee, then, else: els };
    }
    const cond = this.expr(false);
    const then = this.block();
    const els = this.elseTail();
    return { kind: "IfExpr", span: this.span(s, this.end), cond, then, else: els };
  }

  private elseTail(): BlockExpr | Extract<Expr, { kind: "IfExpr" | "IfLetExpr" }> | null {
    if (!this.eat("else")) return null;
    if (this.is("if")) return this.ifExpr() as Extract<Expr, { kind: "IfExpr" | "IfLetExpr" }>;
    return this.block();
  }

  private loopExpr(): Expr {
    const t = this.t;
    const s = t.s;
    this.i++;
    switch (t.v) {
      case "loop": {
        const body = this.block();
        return { kind: "LoopExpr", span: this.span(s, this.end), label: null, body };
      }
      case "while": {
        if (this.eat("let")) {
          const pat = this.patternTop();
          this.expect("=");
          const scrutinee = this.expr(false);
          const body = this.block();
          return { kind: "WhileLetExpr", span: this.span(s, this.end), label: null, pat, scrutinee, body };
        }
        const cond = this.expr(false);
        const body = this.block();
        return { kind: "WhileExpr", span: this.span(s, this.end), label: null, cond, body };
      }
      case "for": {
        const pat = this.patternTop();
        this.expect("in");
        const iter = this.expr(false);
        const body = this.block();
        return { kind: "ForExpr", span: this.span(s, this.end), label: null, pat, iter, body };
      }
      default:
        return bail();
    }
  }

  private matchExpr(): Expr {
    const s = this.expect("match").s;
    const scrutinee = this.expr(false);
    this.expect("{");
    const arms: MatchArm[] = [];
    while (!this.is("}")) {
      const as = this.t.s;
      const pat = this.patternTop();
      const guard = this.eat("if") ? this.expr(true) : null;
      this.expect("=>");
      let body: Expr | null = null;
      if (this.startsBlockLike()) {
        const save = this.i;
        const e = this.blockLike();
        const n = this.t;
        if (!(n.k === "p" && (n.v[0] === "." || n.v === "?"))) {
          this.eat(",");
          body = e;
        } else this.i = save;
      }
      if (!body) {
        body = this.expr(true);
        if (!this.eat(",") && !this.is("}")) bail();
      }
      arms.push({ pat, guard, body, span: this.span(as, this.end) });
    }
    this.expect("}");
    return { kind: "MatchExpr", span: this.span(s, this.end), scrutinee, arms };
  }

  // ── expressions. `sl`: whether a struct literal may appear (false in if/while/match/for heads).

  expr(sl: boolean): Expr {
    const target = this.range(sl);
    const t = this.t;
    if (t.k === "p" && ASSIGN_OPS.has(t.v)) {
      this.i++;
      const value = this.expr(sl);
      return { kind: "AssignExpr", span: join(target.span, value.span), op: t.v as AssignOp, target, value };
    }
    return target;
  }

  private range(sl: boolean): Expr {
    const s = this.t.s;
    let start: Expr | null = null;
    if (!(this.is("..") || this.is("..="))) {
      start = this.opExpr(sl);
      if (!(this.is("..") || this.is("..="))) return start;
    }
    const inclusive = this.toks[this.i++].v === "..=";
    let end: Expr | null = null;
    if (!this.is("{") && this.startsExpr()) end = this.opExpr(sl);
    return { kind: "RangeExpr", span: this.span(s, this.end), start, end, inclusive };
  }

  private opExpr(sl: boolean): Expr {
    const first = this.unary(sl);
    const tails: OpTail[] = [];
    for (;;) {
      const t = this.t;
      if (t.k === "kw" && t.v === "as") {
        this.i++;
        tails.push({ op: "as", opSpan: this.tokSpan(t), cast: this.type() });
      } else if (t.k === "p" && BIN_OPS.has(t.v)) {
        this.i++;
        tails.push({ op: t.v as BinaryOp, opSpan: this.tokSpan(t), rhs: this.unary(sl) });
      } else break;
    }
    return tails.length ? climb(first, tails) : first;
  }

  private unary(sl: boolean): Expr {
    const t = this.t;
    if (t.k === "p") {
      const s = t.s;
      switch (t.v) {
        case "-":
        case "!": {
          this.i++;
          const operand = this.unary(sl);
          return { kind: "UnaryExpr", span: this.span(s, this.end), op: t.v, operand };
        }
        case "*": {
          this.i++;
          const operand = this.unary(sl);
          return { kind: "DerefExpr", span: this.span(s, this.end), operand };
        }
        case "&": {
          this.i++;
          const mutable = !!this.eat("mut");
          const operand = this.unary(sl);
          return { kind: "RefExpr", span: this.span(s, this.end), mutable, operand };
        }
        case "&&": {
          this.i++;
          const mutable = !!this.eat("mut");
          const operand = this.unary(sl);
          const inner: Expr = { kind: "RefExpr", span: this.span(s + 1, this.end), mutable, operand };
          return { kind: "RefExpr", span: this.span(s, this.end), mutable: false, operand: inner };
        }
      }
    }
    return this.postfix(sl);
  }

  private postfix(sl: boolean): Expr {
    let e = this.primary(sl);
    for (;;) {
      const t = this.t;
      if (t.k !== "p") break;
      if (t.v === "?") {
        this.i++;
        e = { kind: "TryExpr", span: join(e.span, this.tokSpan(t)), expr: e };
      } else if (t.v === ".") {
        const n = this.peek();
        if (n.k === "int") {
          this.i += 2;
          e = { kind: "TupleFieldExpr", span: join(e.span, this.tokSpan(n)), object: e, index: Number(n.v) };
        } else if (n.k === "id" && n.v !== "_") {
          this.i += 2;
          const name: Ident = { name: n.v, span: this.tokSpan(n) };
          let typeArgs: TypeExpr[] | null = null;
          if (this.is("::") && this.isAt(1, "<")) {
            this.i++;
            typeArgs = this.genericArgs();
          }
          if (this.is("(")) {
            this.i++;
            const args = this.args(")");
            e = { kind: "MethodCallExpr", span: this.span(e.span.start, this.end), receiver: e, method: name, typeArgs, args };
          } else {
            if (typeArgs) bail();
            e = { kind: "FieldExpr", span: join(e.span, name.span), object: e, field: name };
          }
        } else break;
      } else if (t.v === "(") {
        this.i++;
        const args = this.args(")");
        e = { kind: "CallExpr", span: this.span(e.span.start, this.end), callee: e, args };
      } else if (t.v === "[") {
        this.i++;
        const index = this.expr(true);
        this.expect("]");
        e = { kind: "IndexExpr", span: this.span(e.span.start, this.end), object: e, index };
      } else break;
    }
    return e;
  }

  /** Arguments up to and including `close`. */
  private args(close: string): Expr[] {
    const out = this.commaList(close, () => this.expr(true));
    this.expect(close);
    return out;
  }

  /** Whether the current token can start an expression (for optional `break`/`return` values and range ends). */
  private startsExpr(): boolean {
    const t = this.t;
    switch (t.k) {
      case "id": return t.v !== "_";
      case "int": case "byte": case "float": case "str": case "fstr": case "char": return true;
      case "label": return this.isAt(1, ":");
      case "kw": return ["true", "false", "self", "Self", "if", "match", "loop", "while", "for", "move", "break", "continue", "return"].includes(t.v);
      case "p": return ["(", "[", "{", "-", "!", "&", "&&", "*", "|", "||", "..", "..=", "<"].includes(t.v);
      default: return false;
    }
  }

  private primary(sl: boolean): Expr {
    const t = this.t;
    const s = t.s;
    switch (t.k) {
      case "int": this.i++; return intLitFrom(t.v, this.tokSpan(t));
      case "byte": this.i++; return byteLitFrom(t.v, this.tokSpan(t));
      case "float": this.i++; return floatLitFrom(t.v, this.tokSpan(t));
      case "str": this.i++; return { kind: "StrLit", span: this.tokSpan(t), value: decodeEscapes(t.v.slice(1, -1)) };
      case "char": this.i++; return { kind: "CharLit", span: this.tokSpan(t), value: decodeEscapes(t.v.slice(1, -1)) };
      case "fstr": this.i++; return this.fstring(t);
      case "label": return this.blockLike();
      case "id":
        if (t.v === "vec" && this.isAt(1, "!") && this.isAt(2, "[")) return this.vecMacro();
        return this.pathOrStruct(sl);
      case "kw":
        switch (t.v) {
          case "true": case "false":
            this.i++;
            return { kind: "BoolLit", span: this.tokSpan(t), value: t.v === "true" };
          case "self": case "Self": return this.pathOrStruct(sl);
          case "if": case "match": case "loop": case "while": case "for": return this.blockLike();
          case "move": return this.closure(sl);
          case "break": {
            this.i++;
            const label = this.optLabel();
            const value = this.startsExpr() ? this.expr(sl) : null;
            return { kind: "BreakExpr", span: this.span(s, this.end), label, value };
          }
          case "continue": {
            this.i++;
            const label = this.optLabel();
            return { kind: "ContinueExpr", span: this.span(s, this.end), label };
          }
          case "return": {
            this.i++;
            const value = this.startsExpr() ? this.expr(sl) : null;
            return { kind: "ReturnExpr", span: this.span(s, this.end), value };
          }
        }
        return bail();
      case "p":
        switch (t.v) {
          case "(": {
            this.i++;
            if (this.eat(")")) return { kind: "TupleExpr", span: this.span(s, this.end), elems: [] };
            const first = this.expr(true);
            if (this.eat(")")) return { kind: "ParenExpr", span: this.span(s, this.end), expr: first };
            this.expect(",");
            const rest = this.commaList(")", () => this.expr(true));
            this.expect(")");
            return { kind: "TupleExpr", span: this.span(s, this.end), elems: [first, ...rest] };
          }
          case "[": {
            this.i++;
            if (this.eat("]")) return { kind: "ArrayExpr", span: this.span(s, this.end), elems: [] };
            const first = this.expr(true);
            if (this.eat(";")) {
              const count = this.expr(true);
              this.expect("]");
              return { kind: "ArrayRepeatExpr", span: this.span(s, this.end), value: first, count };
            }
            const elems = [first];
            if (this.eat(",")) elems.push(...this.commaList("]", () => this.expr(true)));
            this.expect("]");
            return { kind: "ArrayExpr", span: this.span(s, this.end), elems };
          }
          case "{": return this.block();
          case "|": case "||": return this.closure(sl);
          case "<": {
            // `<Dog as Animal>::baby_name` (QualifiedPath)
            this.i++;
            const qself = this.type();
            if (!(this.t.k === "kw" && this.t.v === "as")) return bail();
            this.i++;
            const trait = this.type();
            this.expectGt();
            this.expect("::");
            if (!this.isPathIdent(0)) return bail();
            const rest = this.pathExpr();
            return qualifiedPath(this.span(s, this.end), qself, trait, rest.segments);
          }
        }
        return bail();
      default:
        return bail();
    }
  }

  private optLabel(): Label | null {
    const t = this.t;
    if (t.k !== "label") return null;
    this.i++;
    return { name: t.v.slice(1), span: this.tokSpan(t) };
  }

  private vecMacro(): Expr {
    const s = this.t.s;
    this.i += 3; // vec ! [
    if (this.eat("]")) return { kind: "VecMacroExpr", span: this.span(s, this.end), elems: [], repeat: null };
    const first = this.expr(true);
    if (this.eat(";")) {
      const count = this.expr(true);
      this.expect("]");
      return { kind: "VecMacroExpr", span: this.span(s, this.end), elems: null, repeat: { value: first, count } };
    }
    const elems = [first];
    if (this.eat(",")) elems.push(...this.commaList("]", () => this.expr(true)));
    this.expect("]");
    return { kind: "VecMacroExpr", span: this.span(s, this.end), elems, repeat: null };
  }

  private pathExpr(): PathExpr {
    const s = this.t.s;
    const segments: PathSegment[] = [];
    for (;;) {
      const name = this.pathIdent();
      let args: TypeExpr[] | null = null;
      if (this.is("::") && this.isAt(1, "<")) {
        this.i++;
        args = this.genericArgs();
      }
      segments.push({ name, args });
      if (this.is("::") && this.isPathIdent(1)) this.i++;
      else break;
    }
    return { kind: "PathExpr", span: this.span(s, this.end), segments };
  }

  /** A path, or a struct literal `Path { .. }` where one is allowed (PEG: try it, else the path). */
  private pathOrStruct(sl: boolean): Expr {
    const path = this.pathExpr();
    if (!sl || !this.is("{")) return path;
    const save = this.i;
    try {
      return this.structLitBody(path);
    } catch (e) {
      if (!(e instanceof Bail)) throw e;
      this.undoSplits(save);
      this.i = save;
      return path;
    }
  }

  private structLitBody(path: PathExpr): Expr {
    this.expect("{");
    const fields: { name: Ident; value: Expr; span: Span }[] = [];
    while (this.isIdent()) {
      const name = this.ident();
      if (this.eat(":")) {
        const value = this.expr(true);
        fields.push({ name, value, span: join(name.span, value.span) });
      } else {
        const value: PathExpr = { kind: "PathExpr", span: name.span, segments: [{ name, args: null }] };
        fields.push({ name, value, span: name.span });
      }
      if (!this.eat(",")) break;
    }
    let base: Expr | null = null;
    if (this.eat("..")) base = this.expr(true);
    this.expect("}");
    return { kind: "StructLitExpr", span: this.span(path.span.start, this.end), path, fields, base };
  }

  private closure(sl: boolean): Expr {
    const s = this.t.s;
    const isMove = !!this.eat("move");
    let params: ClosureParam[] = [];
    if (!this.eat("||")) {
      this.expect("|");
      params = this.commaList("|", () => {
        const ps = this.t.s;
        const pat = this.patternNoTop();
        const ty = this.eat(":") ? this.type() : null;
        return { pat, ty, span: this.span(ps, this.end) };
      });
      this.expect("|");
    }
    if (this.eat("->")) {
      const ret = this.type();
      const body = this.block();
      return { kind: "ClosureExpr", span: this.span(s, this.end), isMove, params, ret, body };
    }
    const body = this.expr(sl);
    return { kind: "ClosureExpr", span: this.span(s, this.end), isMove, params, ret: null, body };
  }

  private fstring(t: Tok): Expr {
    const text = this.file.text;
    const parts: (string | { expr: Expr; spec: FormatSpec | null })[] = [];
    const push = (p: string) => {
      if (typeof parts[parts.length - 1] === "string") parts[parts.length - 1] += p;
      else parts.push(p);
    };
    let i = t.s + 2;
    const end = t.e - 1;
    while (i < end) {
      const c = text[i];
      if (c === "\\") {
        const j = scanEscape(text, i, end);
        push(decodeEscapes(text.slice(i, j)));
        i = j;
      } else if (c === "{" && text[i + 1] === "{") {
        push("{");
        i += 2;
      } else if (c === "}" && text[i + 1] === "}") {
        push("}");
        i += 2;
      } else if (c === "{") {
        const close = scanInterpolation(text, i + 1, end);
        const inner = text.slice(i + 1, close);
        const { exprText, specText } = splitInterpolation(inner);
        if (exprText.trim() === "") bail();
        const sub = new Parser(this.file, tokenize(text, i + 1, i + 1 + exprText.length));
        const expr = sub.expr(true);
        if (sub.t.k !== "eof") bail();
        parts.push({ expr, spec: specText === null ? null : parseFormatSpec(specText) });
        i = close + 1;
      } else {
        const cp = text.codePointAt(i)!;
        const n = cp > 0xffff ? 2 : 1;
        push(text.slice(i, i + n));
        i += n;
      }
    }
    return { kind: "FStrLit", span: this.tokSpan(t), parts };
  }

  // ── patterns

  private patternTop(): Pattern {
    const s = this.t.s;
    this.eat("|");
    const alts = [this.patternNoTop()];
    while (this.is("|")) {
      this.i++;
      alts.push(this.patternNoTop());
    }
    if (alts.length === 1) return alts[0];
    return { kind: "OrPat", span: this.span(s, this.end), alts };
  }

  private startsLitPat(): boolean {
    const t = this.t;
    if (t.k === "int" || t.k === "byte" || t.k === "float" || t.k === "str" || t.k === "char") return true;
    if (t.k === "kw" && (t.v === "true" || t.v === "false")) return true;
    return t.k === "p" && t.v === "-" && (this.peek().k === "int" || this.peek().k === "float");
  }

  private litPat(): LitPat {
    const t = this.t;
    if (t.k === "p" && t.v === "-") {
      this.i++;
      const lit = this.primary(false) as LitPat["value"];
      return { kind: "LitPat", span: this.span(t.s, this.end), value: lit, negative: true };
    }
    const value = this.primary(false) as LitPat["value"];
    return { kind: "LitPat", span: value.span, value, negative: false };
  }

  private patternNoTop(): Pattern {
    const t = this.t;
    const s = t.s;
    if (this.startsLitPat()) {
      const start = this.litPat();
      if (this.is("..=") || this.is("...")) {
        this.i++;
        const end = this.litPat();
        return { kind: "RangePat", span: this.span(s, this.end), start, end, inclusive: true };
      }
      if (this.is("..")) {
        this.i++;
        if (this.startsLitPat()) {
          const end = this.litPat();
          return { kind: "RangePat", span: this.span(s, this.end), start, end, inclusive: false };
        }
        return { kind: "RangePat", span: this.span(s, this.end), start, end: null, inclusive: false };
      }
      return start;
    }
    if (t.k === "p") {
      switch (t.v) {
        case "..=": {
          this.i++;
          const end = this.litPat();
          return { kind: "RangePat", span: this.span(s, this.end), start: null, end, inclusive: true };
        }
        case "..":
          this.i++;
          return { kind: "RestPat", span: this.tokSpan(t) };
        case "&":
        case "&&": {
          this.i++;
          const mutable = !!this.eat("mut");
          const pat = this.patternNoTop();
          if (t.v === "&") return { kind: "RefPat", span: this.span(s, this.end), mutable, pat };
          const inner: Pattern = { kind: "RefPat", span: this.span(s + 1, this.end), mutable, pat };
          return { kind: "RefPat", span: this.span(s, this.end), mutable: false, pat: inner };
        }
        case "(": {
          this.i++;
          if (this.eat(")")) return { kind: "TuplePat", span: this.span(s, this.end), elems: [] };
          const first = this.patternTop();
          if (this.eat(")")) return first;
          this.expect(",");
          const rest = this.commaList(")", () => this.patternTop());
          this.expect(")");
          return { kind: "TuplePat", span: this.span(s, this.end), elems: [first, ...rest] };
        }
      }
      return bail();
    }
    if (t.k === "id" && t.v === "_") {
      this.i++;
      return { kind: "WildcardPat", span: this.tokSpan(t) };
    }
    // `ref`/`mut` bindings.
    let hasRef = false;
    let hasMut = false;
    if (t.k === "id" && t.v === "ref" && (this.isIdent(1) || this.isAt(1, "mut"))) {
      if (this.isAt(1, "mut") ? this.isIdent(2) : true) {
        hasRef = true;
        this.i++;
      }
    }
    if (this.is("mut") && this.isIdent(1)) {
      hasMut = true;
      this.i++;
    }
    if (hasRef || hasMut) {
      const name = this.ident();
      if (this.eat("@")) {
        const sub = this.patternNoTop();
        return makeBindPat(this.span(s, this.end), hasRef, hasMut, name, sub);
      }
      if (this.is("::") || this.is("(") || this.is("{")) bail();
      return makeBindPat(this.span(s, this.end), hasRef, hasMut, name, null);
    }
    if (!this.isPathIdent()) return bail();
    const path = this.pathExpr();
    if (this.is("(")) {
      this.i++;
      const elems = this.commaList(")", () => this.patternTop());
      this.expect(")");
      return { kind: "TupleStructPat", span: this.span(s, this.end), path, elems };
    }
    if (this.is("{")) {
      this.i++;
      const fields: { name: Ident; pat: Pattern; span: Span }[] = [];
      while (this.isIdent() || this.is("mut")) {
        const fs = this.t.s;
        if (this.isIdent() && this.isAt(1, ":")) {
          const name = this.ident();
          this.i++;
          const pat = this.patternTop();
          fields.push({ name, pat, span: this.span(fs, this.end) });
        } else {
          let r = false;
          let m = false;
          if (this.t.v === "ref" && (this.isIdent(1) || this.isAt(1, "mut"))) {
            r = true;
            this.i++;
          }
          if (this.eat("mut")) m = true;
          const name = this.ident();
          const sp = this.span(fs, this.end);
          fields.push({ name, pat: makeBindPat(sp, r, m, name, null), span: sp });
        }
        if (!this.eat(",")) break;
      }
      const rest = !!this.eat("..");
      this.expect("}");
      return { kind: "StructPat", span: this.span(s, this.end), path, fields, rest };
    }
    const single = path.segments.length === 1 && !path.segments[0].args && path.segments[0].name.name !== "self" && path.segments[0].name.name !== "Self";
    if (single) {
      const name = path.segments[0].name;
      if (this.eat("@")) {
        const sub = this.patternNoTop();
        return makeBindPat(this.span(s, this.end), false, false, name, sub);
      }
      if (!isPathLikeName(name.name)) return makeBindPat(this.span(s, this.end), false, false, name, null);
    }
    return pathPat(path);
  }

  // ── types

  type(): TypeExpr {
    const t = this.t;
    const s = t.s;
    if (t.k === "p") {
      switch (t.v) {
        case "&": {
          this.i++;
          const mutable = !!this.eat("mut");
          const inner = this.type();
          return { kind: "RefType", span: this.span(s, this.end), mutable, inner };
        }
        case "&&": {
          this.i++;
          const mutable = !!this.eat("mut");
          const inner0 = this.type();
          const inner: TypeExpr = { kind: "RefType", span: this.span(s + 1, this.end), mutable, inner: inner0 };
          return { kind: "RefType", span: this.span(s, this.end), mutable: false, inner };
        }
        case "(": {
          this.i++;
          if (this.eat(")")) return { kind: "TupleType", span: this.span(s, this.end), elems: [] };
          const first = this.type();
          if (this.eat(")")) return first;
          this.expect(",");
          const rest = this.commaList(")", () => this.type());
          this.expect(")");
          return { kind: "TupleType", span: this.span(s, this.end), elems: [first, ...rest] };
        }
        case "[": {
          this.i++;
          const elem = this.type();
          if (this.eat("]")) return { kind: "SliceType", span: this.span(s, this.end), elem };
          this.expect(";");
          const len = this.expr(true);
          this.expect("]");
          return { kind: "ArrayType", span: this.span(s, this.end), elem, len };
        }
        case "!":
          this.i++;
          return { kind: "NeverType", span: this.tokSpan(t) };
      }
      return bail();
    }
    if (t.k === "id" && t.v === "_") {
      this.i++;
      return { kind: "InferType", span: this.tokSpan(t) };
    }
    if (t.k === "kw") {
      if (t.v === "fn") {
        this.i++;
        this.expect("(");
        const params = this.commaList(")", () => this.type());
        this.expect(")");
        const ret = this.eat("->") ? this.type() : null;
        return { kind: "FnPtrType", span: this.span(s, this.end), params, ret };
      }
      if (t.v === "impl" || t.v === "dyn") {
        this.i++;
        const bounds = [this.typePath()];
        while (this.eat("+")) bounds.push(this.typePath());
        return t.v === "impl" ? { kind: "ImplTraitType", span: this.span(s, this.end), bounds } : { kind: "DynTraitType", span: this.span(s, this.end), bounds };
      }
    }
    return this.typePath();
  }

  private typePath(): PathType {
    const s = this.t.s;
    const segments: TypeSegment[] = [];
    for (;;) {
      const name = this.pathIdent();
      let seg: TypeSegment = { name, args: null, fnSugar: null };
      if (this.is("<") || (this.is("::") && this.isAt(1, "<"))) {
        // TypeSeg_generic, or — if the `<...>` is not generic arguments (`x as i32 < y`) — plain.
        const save = this.i;
        try {
          this.eat("::");
          const bindings: { name: Ident; ty: TypeExpr }[] = [];
          seg = { name, args: this.genericArgs(bindings), fnSugar: null };
          if (bindings.length) seg.bindings = bindings;
        } catch (e) {
          if (!(e instanceof Bail)) throw e;
          this.undoSplits(save);
          this.i = save;
        }
      } else if (this.is("(")) {
        const save = this.i;
        try {
          this.i++;
          const params = this.commaList(")", () => this.type());
          this.expect(")");
          const ret = this.eat("->") ? this.type() : null;
          seg = { name, args: null, fnSugar: { params, ret } };
        } catch (e) {
          if (!(e instanceof Bail)) throw e;
          this.undoSplits(save);
          this.i = save;
        }
      }
      segments.push(seg);
      if (this.is("::") && this.isPathIdent(1)) this.i++;
      else break;
    }
    return { kind: "PathType", span: this.span(s, this.end), segments };
  }

  /** GenericArgs; associated type bindings (`Output = T`) go to `bindings` when it is given. */
  private genericArgs(bindings?: { name: Ident; ty: TypeExpr }[]): TypeExpr[] {
    this.expect("<");
    const out: TypeExpr[] = [];
    while (!(this.t.k === "p" && this.t.v[0] === ">")) {
      if (bindings && this.t.k === "id" && this.isAt(1, "=")) {
        const name = this.ident();
        this.i++;
        bindings.push({ name, ty: this.type() });
      } else out.push(this.genericArg());
      if (!this.eat(",")) break;
    }
    this.expectGt();
    return out;
  }

  private genericArg(): TypeExpr {
    if (this.is("[")) {
      // ShapeType `[2, 3]` / `[N, 784]`, else an array type `[f32; 3]`.
      const save = this.i;
      const s = this.t.s;
      this.i++;
      const dims: (number | string)[] = [];
      let ok = true;
      while (!this.is("]")) {
        const t = this.t;
        if (t.k === "int") dims.push(Number(t.v.replace(/_/g, "")));
        else if (t.k === "id" && t.v !== "_") dims.push(t.v);
        else {
          ok = false;
          break;
        }
        this.i++;
        if (!this.eat(",")) break;
      }
      if (ok && this.is("]")) {
        this.i++;
        return { kind: "ShapeType", span: this.span(s, this.end), dims };
      }
      this.i = save;
    }
    return this.type();
  }
}

/**
 * Parse a whole file on the fast path. Returns null when the input leaves it (a syntax error, or
 * something this parser does not handle); the caller then uses the Ohm parser.
 */
export function fastParse(file: SourceFile, from = 0, to = file.text.length): Program | null {
  let parser: Parser | null = null;
  const program = attempt(() => {
    parser = new Parser(file, tokenize(file.text, from, to));
    return parser.program();
  });
  // Everything before the token where it stopped parsed; the error is at or after the item
  // that token belongs to (the tokenizer itself may stop earlier: then nothing is known).
  lastStop = program ? null : parser ? (parser as Parser).position() : from;
  return program;
}

let lastStop: number | null = null;

/** After a failed fastParse: the offset of the token where it gave up. */
export function fastParseStoppedAt(): number | null {
  return lastStop;
}

/** The REPL's input form (see parseItemsOrStatements), or null to leave it to Ohm. */
export function fastParseRepl(file: SourceFile): { body: (Item | Stmt)[]; tail: Expr | null } | null {
  return attempt(() => new Parser(file, tokenize(file.text, 0, file.text.length)).replInput());
}

/** Whether `text[from, to)` reads as a run of block statements (the error path's narrowing). */
export function fastAcceptsStmts(file: SourceFile, from: number, to: number): boolean {
  return attempt(() => {
    new Parser(file, tokenize(file.text, from, to)).stmtsInput();
    return true;
  }) ?? false;
}

/** One expression, or null to leave it to Ohm. */
export function fastParseExpr(file: SourceFile): Expr | null {
  return attempt(() => new Parser(file, tokenize(file.text, 0, file.text.length)).exprInput());
}

function attempt<T>(run: () => T): T | null {
  try {
    return run();
  } catch (e) {
    // A syntax error (also one found while building, like chained comparisons): Ohm reports it.
    if (e instanceof Bail || e instanceof SyntaxErrorAt) return null;
    throw e;
  }
}
