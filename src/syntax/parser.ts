// The STARK parser: source text → AST (src/syntax/ast.ts), or one E0001 diagnostic.
//
// The grammar is stark.ohm (loaded precompiled by grammar.ts); semantics.ts turns Ohm's parse
// tree into AST nodes; syntaxError.ts turns a failed match into a rustc-style message.
// Whole files first go through fastParser.ts, a recursive-descent parser for the same language
// that builds the same AST in a fraction of the time; whatever it does not accept (every syntax
// error, and anything unusual) is parsed by Ohm, which has the last word.

import type { Diagnostic } from "../diagnostics";
import { error } from "../diagnostics";
import type { Expr, Item, Program, SourceFile, Stmt } from "./ast";
import { starkGrammar } from "./grammar";
import { SyntaxErrorAt, isBlockLike } from "./astBuild";
import { fastAcceptsStmts, fastParse, fastParseExpr, fastParseRepl, fastParseStoppedAt } from "./fastParser";
import { bodyStatementChunks, tokenize, topLevelChunks, Token } from "./tokens";
import { lifetimeDiagnostics } from "./lifetimes";
import type * as ohm from "ohm-js";

// semantics.ts and syntaxError.ts (≈ 50 KB) are needed only when the fast parser stops — on a
// syntax error, or in the REPL — so they are loaded on first use instead of at every start.
const semanticsModule = (): typeof import("./semantics") => require("./semantics");
const syntaxErrorModule = (): typeof import("./syntaxError") => require("./syntaxError");

let semantics: ohm.Semantics | null = null;

/** The grammar, with its semantics made on first use (run sets the context for each match). */
function prepare(): ohm.Grammar {
  const grammar = starkGrammar();
  if (!semantics) semantics = semanticsModule().makeSemantics(grammar);
  return grammar;
}

function fromSyntaxError(e: SyntaxErrorAt): Diagnostic {
  const d = error("E0001", e.message, e.span, e.label);
  d.help.push(...e.help);
  return d;
}

/**
 * Run one match over `file.text[from, to)` and build its AST, turning every failure into a
 * single E0001 diagnostic. Spans are offsets into the whole file.
 */
function run<T>(file: SourceFile, startRule: string, from = 0, to = file.text.length): { value: T | null; diagnostics: Diagnostic[] } {
  const grammar = prepare();
  const whole = from === 0 && to === file.text.length;
  const m = grammar.match(whole ? file.text : file.text.slice(from, to), startRule);
  if (m.failed()) return { value: null, diagnostics: [syntaxErrorModule().describeFailure(file, m, from)] };
  const { setContext } = semanticsModule();
  try {
    setContext({ file, base: from, grammar, semantics: semantics! });
    return { value: semantics!(m).ast() as T, diagnostics: [] };
  } catch (e) {
    if (e instanceof SyntaxErrorAt) return { value: null, diagnostics: [fromSyntaxError(e)] };
    throw e;
  }
}

/** Parse a whole `.stark` file. */
export function parse(file: SourceFile): { program: Program | null; diagnostics: Diagnostic[] } {
  const program = fastParse(file);
  if (program) return { program, diagnostics: [] };
  const stoppedAt = fastParseStoppedAt() ?? 0;
  // The fast path stopped: usually a syntax error. Find the run of top-level items where it
  // stops and let Ohm explain it; Ohm parses only that run, so a typo in a 10,000-line file
  // costs milliseconds, not seconds.
  const { tokens, problem } = tokenize(file.text);
  // Unbalanced brackets and unterminated strings or comments are reported first, as rustc's
  // lexer does; no grammar needed (and no valid program has them).
  if (problem) return { program: null, diagnostics: [syntaxErrorModule().lexDiagnostic(file, problem)] };
  // Rust's lifetimes: one diagnostic per item that writes them, all at once (a translated Rust
  // program has them in many items, and each is the same mechanical fix).
  const lifetimes = lifetimeDiagnostics(file, tokens);
  if (lifetimes.length) return { program: null, diagnostics: lifetimes };
  const chunks = topLevelChunks(tokens, file.text.length);
  for (const [from, to] of chunks) {
    if (to < stoppedAt) continue; // parsed before the fast path stopped
    if (fastParse(file, from, to)) continue;
    const narrowed = to - from > LONG_RUN ? errorInLongItem(file, tokens, from, to) : null;
    if (narrowed) return { program: null, diagnostics: narrowed };
    const r = run<Program>(file, "Program", from, to);
    if (!r.value) return { program: null, diagnostics: r.diagnostics };
    break; // Ohm accepts what the fast path did not: let Ohm parse everything.
  }
  return parseWithOhm(file);
}

/** Runs longer than this (in characters) are narrowed further before Ohm sees them. */
const LONG_RUN = 8000;

/** The same narrowing one level down: the statements of a long item's body, run by run. */
function errorInLongItem(file: SourceFile, tokens: Token[], from: number, to: number): Diagnostic[] | null {
  const runs = bodyStatementChunks(tokens, from, to);
  if (!runs) return null;
  for (const [a, b] of runs) {
    if (fastAcceptsStmts(file, a, b)) continue;
    const r = run<unknown>(file, "StmtsInput", a, b);
    return r.value ? null : r.diagnostics;
  }
  return null;
}

/**
 * Parse a whole file with the Ohm grammar only (no fast path): the reference the tests compare
 * against, and the last word on anything the fast path does not handle. Parses run by run
 * (see topLevelChunks) to keep Ohm's memory bounded.
 */
export function parseWithOhm(file: SourceFile): { program: Program | null; diagnostics: Diagnostic[] } {
  const { tokens, problem } = tokenize(file.text);
  if (problem) return { program: null, diagnostics: [syntaxErrorModule().lexDiagnostic(file, problem)] };
  const body: Program["body"] = [];
  for (const [from, to] of topLevelChunks(tokens, file.text.length)) {
    const r = run<Program>(file, "Program", from, to);
    if (!r.value) return { program: null, diagnostics: r.diagnostics };
    body.push(...r.value.body);
  }
  const first = tokens[0];
  return { program: { kind: "Program", span: { file, start: first.start, end: file.text.length }, body }, diagnostics: [] };
}

/** Parse one expression (the whole text must be that expression). Used by `:type EXPR` in the REPL. */
export function parseExpression(file: SourceFile): { expr: Expr | null; diagnostics: Diagnostic[] } {
  const fast = fastParseExpr(file);
  if (fast) return { expr: fast, diagnostics: [] };
  return parseExpressionWithOhm(file);
}

/** parseExpression with the Ohm grammar only (for tests). */
export function parseExpressionWithOhm(file: SourceFile): { expr: Expr | null; diagnostics: Diagnostic[] } {
  const { value, diagnostics } = run<Expr>(file, "ExprInput");
  return { expr: value, diagnostics };
}

/**
 * Parse one REPL input: items and statements in any order, optionally ending with an expression
 * without `;` whose value the REPL shows. A final block-like statement without `;`
 * (`if c { 1 } else { 2 }`) is also returned as `tail`, as a block would treat it.
 */
export function parseItemsOrStatements(file: SourceFile): {
  body: (Item | Stmt)[] | null;
  tail: Expr | null;
  diagnostics: Diagnostic[];
} {
  return replResult(fastParseRepl(file) ?? run<{ body: (Item | Stmt)[]; tail: Expr | null }>(file, "ReplInput"));
}

/** parseItemsOrStatements with the Ohm grammar only (for tests). */
export function parseItemsOrStatementsWithOhm(file: SourceFile): ReturnType<typeof parseItemsOrStatements> {
  return replResult(run<{ body: (Item | Stmt)[]; tail: Expr | null }>(file, "ReplInput"));
}

function replResult(
  r: { body: (Item | Stmt)[]; tail: Expr | null } | { value: { body: (Item | Stmt)[]; tail: Expr | null } | null; diagnostics: Diagnostic[] },
): { body: (Item | Stmt)[] | null; tail: Expr | null; diagnostics: Diagnostic[] } {
  const { value, diagnostics } = "body" in r ? { value: r, diagnostics: [] } : r;
  if (!value) return { body: null, tail: null, diagnostics };
  let { body, tail } = value;
  if (!tail && body.length) {
    const last = body[body.length - 1];
    if (last.kind === "ExprStmt" && !last.semi && isBlockLike(last.expr)) {
      body = body.slice(0, -1);
      tail = last.expr;
    }
  }
  return { body, tail, diagnostics };
}

/**
 * For the REPL's multi-line input: whether `text` stops in the middle of something — an open
 * bracket, string or block comment — so that the REPL should read another line before parsing.
 */
export function isIncompleteInput(text: string): boolean {
  const { problem } = tokenize(text);
  return !!problem && (problem.kind === "unclosed" || problem.kind === "unterminatedString" || problem.kind === "unterminatedComment");
}
