// Turning a failed Ohm match into one rustc-style E0001 diagnostic.
//
// Ohm reports the rightmost position where the input stopped matching and the set of things that
// would have matched there (terminals like ";" and described rules like "an expression"). Its own
// message lists all of them, including grammar internals. Here we sort that set into what a
// learner can act on: a missing `;` after an expression, a missing expression/pattern/type, or a
// short list of punctuation, and name the token actually found.

import type * as ohm from "ohm-js";
import type { Diagnostic } from "../diagnostics";
import { error } from "../diagnostics";
import type { SourceFile, Span } from "./ast";
import { describeToken, tokenize, Token, LexProblem } from "./tokens";

function sp(file: SourceFile, start: number, end: number): Span {
  return { file, start, end };
}

function lexDiagnostic(file: SourceFile, p: LexProblem): Diagnostic {
  switch (p.kind) {
    case "unterminatedString": {
      const d = error("E0001", "unterminated string", sp(file, p.start, p.start + (p.fstring ? 2 : 1)), "the string starts here and is never closed");
      d.help.push('add a closing `"` at the end of the text');
      return d;
    }
    case "unterminatedComment": {
      const d = error("E0001", "unterminated block comment", sp(file, p.start, p.start + 2), "the comment starts here and is never closed");
      d.notes.push("block comments nest: every `/*` needs its own `*/`");
      return d;
    }
    case "unclosed": {
      const d = error("E0001", "unclosed delimiter", sp(file, p.open.start, p.open.end), `this \`${p.open.text}\` is never closed`);
      d.labels.push({ span: sp(file, file.text.length, file.text.length), message: `expected \`${closer(p.open.text)}\` before the end of the file` });
      return d;
    }
    case "mismatched": {
      const d = error(
        "E0001",
        `mismatched closing delimiter: \`${p.close.text}\``,
        sp(file, p.open.start, p.open.end),
        "unclosed delimiter",
      );
      d.labels.push({ span: sp(file, p.close.start, p.close.end), message: `mismatched closing delimiter: expected \`${closer(p.open.text)}\`` });
      return d;
    }
    case "unexpectedClose":
      return error("E0001", `unexpected closing delimiter: \`${p.close.text}\``, sp(file, p.close.start, p.close.end), "unexpected closing delimiter");
  }
}

function closer(open: string): string {
  return open === "(" ? ")" : open === "[" ? "]" : "}";
}

// Expected items that only say "the expression could have continued here". When the parser
// stopped after a complete expression they are noise: the learner needs the `;`, `,` or `)`.
const CONTINUATIONS = new Set([
  "an operator", "`.`", "`?`", "`(`", "`[`", "`as`", "`::`", "`{`", "`else`", "`..`", "`..=`", "`=`", "`!`", "`@`",
]);
// What kind of thing was required, recognised by a token only that kind can start with.
const NOUNS: [marker: string, noun: string][] = [
  ["`return`", "expression"],
  ["`dyn`", "type"],
  ["`ref`", "pattern"],
  ["an identifier", "identifier"],
];

/** The parts of Ohm's Failure objects we use (present at run time, missing from its .d.ts). */
interface OhmFailure {
  getText(): string;
  getType(): "description" | "string" | "code";
  isFluffy(): boolean;
}

function expectedItems(m: ohm.FailedMatchResult): string[] {
  const out = new Set<string>();
  const failures = (m as unknown as { getRightmostFailures(): OhmFailure[] }).getRightmostFailures();
  for (const f of failures) {
    if (f.isFluffy()) continue;
    const text = f.getText();
    if (f.getType() === "string") {
      if (text === "") continue;
      out.add("`" + text + "`");
    } else if (f.getType() === "description") out.add(text);
  }
  return [...out];
}

function orList(items: string[]): string {
  if (items.length === 1) return items[0];
  return "one of " + items.slice(0, -1).join(", ") + " or " + items[items.length - 1];
}

/** The token at or after `pos`, and the one before it. */
function around(tokens: Token[], pos: number): { found: Token; prev: Token | null } {
  let k = tokens.findIndex((t) => t.end > pos || t.kind === "eof");
  if (k < 0) k = tokens.length - 1;
  return { found: tokens[k], prev: k > 0 ? tokens[k - 1] : null };
}

const ENDS_EXPRESSION = new Set(["ident", "number", "string", "fstring", "char"]);

function endsExpression(t: Token | null): boolean {
  if (!t) return false;
  if (ENDS_EXPRESSION.has(t.kind)) return true;
  if (t.kind === "keyword") return ["true", "false", "self", "Self", "break", "continue", "return"].includes(t.text);
  return t.kind === "punct" && (t.text === ")" || t.text === "]" || t.text === "}" || t.text === "?");
}

export function describeFailure(file: SourceFile, m: ohm.FailedMatchResult, _grammar: ohm.Grammar, _startRule: string): Diagnostic {
  const { tokens, problem } = tokenize(file.text);
  if (problem) return lexDiagnostic(file, problem);

  const pos = m.getRightmostFailurePosition();
  const expected = expectedItems(m);
  const { found, prev } = around(tokens, pos);
  const foundText = describeToken(found);
  const foundSpan = found.kind === "eof" ? sp(file, found.start, found.start) : sp(file, found.start, found.end);

  // Inside a literal: the grammar failed within a string, char or number token.
  if (found.start < pos && found.kind !== "eof") {
    if (found.kind === "string" || found.kind === "fstring" || found.kind === "char") {
      const d = error("E0001", "unknown character escape", sp(file, pos, pos + 2), "unknown escape");
      d.help.push("the escapes are `\\n`, `\\t`, `\\r`, `\\\\`, `\\\"`, `\\'`, `\\0` and `\\u{...}`");
      if (found.kind === "fstring") d.help.push("to print a literal brace, double it: `{{` or `}}`");
      return d;
    }
    if (found.kind === "number") {
      return error("E0001", `invalid number literal ${foundText}`, foundSpan, "not a valid number");
    }
  }
  if (found.kind === "number" && /^[0-9][0-9_.eE+-]*[A-Za-z_]/.test(found.text) && !/^0[xbo]/.test(found.text)) {
    const suffix = /[A-Za-z_][A-Za-z0-9_]*$/.exec(found.text)![0];
    if (!/^(i8|i16|i32|i64|isize|u8|u16|u32|u64|usize|f32|f64)$/.test(suffix) && expected.some((e) => e === "a number" || e === "an expression")) {
      const d = error("E0001", `invalid suffix \`${suffix}\` for number literal`, foundSpan, "invalid suffix");
      d.help.push("the suffixes are `i32`, `i64`, `u8`, `usize`, `f32` and `f64`");
      return d;
    }
  }

  const hasSemi = expected.includes("`;`");
  const afterExpr = endsExpression(prev) && expected.some((e) => e === "an operator" || e === "`.`");

  // A statement that is missing its `;` (the spec's own example).
  if (hasSemi && afterExpr && prev && !CONTINUATIONS.has("`" + found.text + "`")) {
    const d = error("E0001", `expected \`;\` or \`}\` after this expression, found ${foundText}`, sp(file, prev.end, prev.end), "expected `;` here");
    if (found.kind !== "eof") d.labels.push({ span: foundSpan, message: "unexpected token" });
    return d;
  }

  // Something required is missing: an expression, a pattern, a type, a name.
  for (const [marker, noun] of NOUNS) {
    if (expected.includes(marker) && !afterExpr) {
      const d = error("E0001", `expected ${noun}, found ${foundText}`, foundSpan, `expected ${noun}`);
      if (noun === "identifier" && found.kind === "keyword") {
        d.notes.push(`\`${found.text}\` is a keyword and cannot be used as a name`);
      }
      return d;
    }
  }

  // A list of punctuation or keywords.
  let items = expected.filter((e) => e.startsWith("`"));
  const essential = items.filter((e) => !CONTINUATIONS.has(e));
  if (essential.length) items = essential;
  if (!items.length) items = expected;
  items = orderItems(items);
  const label = items.length === 1 ? `expected ${items[0]}` : `expected ${orList(items)}`;
  return error("E0001", `expected ${orList(items)}, found ${foundText}`, foundSpan, label);
}

// Closing punctuation reads best last: "expected one of `,` or `)`".
const LAST = ["`)`", "`]`", "`}`", "`>`", "`|`"];
function orderItems(items: string[]): string[] {
  const rank = (s: string) => (LAST.includes(s) ? 1 : 0);
  return [...items].sort((a, b) => rank(a) - rank(b));
}
