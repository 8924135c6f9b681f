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
import { lineCol } from "./ast";
import { describeToken, tokenize, Token, LexProblem } from "./tokens";
import { isLifetime, lifetimeDiagnostics } from "./lifetimes";

function sp(file: SourceFile, start: number, end: number): Span {
  return { file, start, end };
}

/** The diagnostic for a problem the tokenizer finds before any grammar rule (see tokens.ts). */
export function lexDiagnostic(file: SourceFile, p: LexProblem): Diagnostic {
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
      if (p.suspect) {
        const line = lineCol(file, p.suspect.open.start).line;
        d.labels.push({ span: sp(file, p.suspect.close.start, p.suspect.close.end), message: `this \`}\` closes the \`{\` on line ${line}, but is indented differently` });
        d.help.push(`a \`}\` is probably missing before line ${lineCol(file, p.suspect.close.start).line}`);
      }
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

// Expected items that only say "what came before could have continued here" (a path with `::`,
// a call with `(`, an operator...). When the parser stopped after a complete name or expression
// they are noise: the learner needs the `;`, `,` or `)`.
const CONTINUATIONS = new Set([
  "an operator", "`.`", "`?`", "`(`", "`[`", "`as`", "`::`", "`<`", "`..`", "`..=`", "`...`", "`@`", "`!`",
]);
// These continue only an expression (assignment, a struct literal, `if .. else`); after a
// pattern or a signature they are real options (`let x = ..`, a function body `{`).
const EXPRESSION_CONTINUATIONS = new Set(["`=`", "`{`", "`else`"]);
// What kind of thing was required, recognised by a token only that kind can start with.
const NOUNS: [marker: string, noun: string][] = [
  ["`return`", "expression"],
  ["`dyn`", "type"],
  ["`ref`", "pattern"],
  ["an identifier", "identifier"],
];

const ITEM_KEYWORDS = new Set(["`fn`", "`struct`", "`enum`", "`trait`", "`impl`", "`const`", "`use`", "`mod`"]);
const EXPR_START = new Set([
  "`return`", "`continue`", "`break`", "`||`", "`|`", "`match`", "`if`", "`for`", "`while`", "`loop`", "`Self`", "`self`",
  "`vec`", "`false`", "`true`", "`*`", "`&`", "`&&`", "`-`", "`!`", "`(`", "`[`", "`{`", "`move`", "`..`", "`..=`",
  "an identifier", "a number", "a string", "a character", "a format string", "a label",
]);

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

/** Explain a failed match of `file.text` from offset `base` on. */
export function describeFailure(file: SourceFile, m: ohm.FailedMatchResult, base = 0): Diagnostic {
  const { tokens, problem } = tokenize(file.text);
  if (problem) return lexDiagnostic(file, problem);

  const pos = base + m.getRightmostFailurePosition();
  const expected = expectedItems(m);
  const { found, prev } = around(tokens, pos);
  const foundText = describeToken(found);
  const foundSpan = found.kind === "eof" ? sp(file, found.start, found.start) : sp(file, found.start, found.end);

  // `'a`, `&'a T`, `'static`: Rust's lifetimes (one diagnostic for the item they are in).
  if (found.kind === "label" && isLifetime(tokens, tokens.indexOf(found))) {
    const all = lifetimeDiagnostics(file, tokens);
    const mine = all.find((d) => [d.primary.span, ...d.labels.map((l) => l.span)].some((s) => s.start === found.start)) ?? all[0];
    if (mine) return mine;
  }
  // `static NAME: T = ..;`: Rust's statics; STARK has constants only.
  if (prev && prev.kind === "ident" && prev.text === "static" && (found.kind === "ident" || (found.kind === "keyword" && found.text === "mut"))) {
    const mutable = found.text === "mut";
    const d = error("E0001", "STARK has no `static` items", sp(file, prev.start, prev.end), mutable ? "a mutable global in Rust, not in STARK" : "use `const`");
    d.help.push(mutable ? "keep the state in a variable of `main` and pass `&mut` to the functions that change it (or share it through a `Gc<T>`)" : "write `const` instead of `static`: a constant has the same value everywhere");
    return d;
  }
  // `b"abc"`: Rust's byte strings (byte literals `b'a'` are u8 literals in STARK too).
  if (found.kind === "string" && prev && prev.text === "b" && prev.end === found.start) {
    const d = error("E0001", "STARK has no byte strings", sp(file, prev.start, found.end), "a byte string in Rust, not in STARK");
    d.help.push(`write the string \`${found.text}\` and iterate over its bytes with \`${found.text}.bytes()\``);
    return d;
  }
  const literal = literalProblem(file, found);
  if (literal) return literal;
  const structLit = structLiteralInCondition(file, tokens, found);
  if (structLit) return structLit;
  if (found.kind === "number" && /^[0-9][0-9_.eE+-]*[A-Za-z_]/.test(found.text) && !/^0[xbo]/.test(found.text)) {
    const suffix = /[A-Za-z_][A-Za-z0-9_]*$/.exec(found.text)![0];
    if (!/^(i8|i16|i32|i64|isize|u8|u16|u32|u64|usize|f32|f64)$/.test(suffix) && expected.some((e) => e === "a number" || e === "an expression")) {
      const d = error("E0001", `invalid suffix \`${suffix}\` for number literal`, foundSpan, "invalid suffix");
      d.help.push("the suffixes are `i32`, `i64`, `u8`, `usize`, `f32` and `f64`");
      return d;
    }
  }

  const special = commonMistake(file, tokens, found, prev);
  if (special) return special;

  const hasSemi = expected.includes("`;`");
  const afterExpr = endsExpression(prev) && expected.some((e) => e === "an operator" || e === "`.`");
  // After a complete expression, "could have continued with `.`/`(`/an operator" is noise.
  const afterSomething = afterExpr || endsExpression(prev);

  // A statement that is missing its `;` (the spec's own example).
  const continuesExpr = (t: string) => CONTINUATIONS.has(t) || EXPRESSION_CONTINUATIONS.has(t);
  if (hasSemi && afterExpr && prev && !continuesExpr("`" + found.text + "`")) {
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

  // At the top level (or in a `mod`), where only an item or a statement could start.
  if (expected.includes("end of input") && found.kind !== "eof") {
    const d = error("E0001", `expected an item or a statement, found ${foundText}`, foundSpan, "expected an item or a statement");
    d.help.push("items start with `fn`, `struct`, `enum`, `trait`, `impl`, `const`, `use` or `mod`");
    return d;
  }
  const itemKeywords = expected.filter((e) => ITEM_KEYWORDS.has(e));
  if (itemKeywords.length >= 4 && itemKeywords.length === expected.filter((e) => e !== "`#`" && e !== "`pub`").length) {
    const after = prev?.text === "pub" ? " after `pub`" : "";
    const d = error("E0001", `expected an item${after}, found ${foundText}`, foundSpan, "expected an item");
    d.help.push("items start with `fn`, `struct`, `enum`, `trait`, `impl`, `const`, `use` or `mod`");
    return d;
  }

  // A list of punctuation or keywords.
  let items = expected.filter((e) => e.startsWith("`"));
  // `|` continues an or-pattern; it is only worth naming where it closes closure parameters.
  if (items.some((e) => e === "`in`" || e === "`=`" || e === "`=>`" || e === "`)`")) items = items.filter((e) => e !== "`|`");
  // After a name in a pattern (`for x`, `let x`, `Some(x)`), `{` would only continue it as a struct pattern.
  const inPattern = items.includes("`@`") || items.includes("`in`");
  let essential = items.filter(
    (e) => !CONTINUATIONS.has(e) && !(afterExpr && EXPRESSION_CONTINUATIONS.has(e)) && !(inPattern && e === "`{`"),
  );
  // After `if cond` / `for x in iter` / `while cond`, the only real option is the body's `{`.
  if (!essential.length && afterSomething && items.includes("`{`")) essential = ["`{`"];
  if (essential.length && afterSomething) items = essential;
  if (!items.length) items = expected;
  if (items.length > 6) {
    // A long list is mostly "anything that starts an expression": name the rest, or say so.
    const rest = items.filter((e) => !EXPR_START.has(e));
    if (rest.length && rest.length <= 6) items = rest;
    else if (!rest.length) return error("E0001", `expected expression, found ${foundText}`, foundSpan, "expected expression");
    else items = rest.slice(0, 6);
  }
  items = orderItems(items);
  const label = items.length === 1 ? `expected ${items[0]}` : `expected ${orList(items)}`;
  if (items.length === 1 && items[0] === "`;`" && prev) {
    // Point where the `;` belongs, as for statements.
    const d = error("E0001", `expected \`;\`, found ${foundText}`, sp(file, prev.end, prev.end), "expected `;` here");
    if (found.kind !== "eof") d.labels.push({ span: foundSpan, message: "unexpected token" });
    return d;
  }
  const d = error("E0001", `expected ${orList(items)}, found ${foundText}`, foundSpan, label);
  if (items.length === 1 && items[0] === "`{`" && afterSomething) {
    d.help.push("the body of `if`, `while`, `for` and `match` is written in braces: `{ ... }`");
  }
  if (items.length === 1 && items[0] === "`:`" && prev?.kind === "ident") {
    d.help.push(`write the type after a colon, as in \`${prev.text}: i32\``);
  }
  return d;
}

// Closing punctuation reads best last: "expected one of `,` or `)`".
const LAST = ["`)`", "`]`", "`}`", "`>`", "`|`"];
function orderItems(items: string[]): string[] {
  const rank = (s: string) => (LAST.includes(s) ? 1 : 0);
  return [...items].sort((a, b) => rank(a) - rank(b));
}

const ESCAPE_HELP = "the escapes are `\\n`, `\\t`, `\\r`, `\\\\`, `\\\"`, `\\'`, `\\0` and `\\u{...}`";

/**
 * Strings, characters and f-strings are single grammar tokens, so Ohm reports their start; look
 * inside the token for what is wrong with it.
 */
function literalProblem(file: SourceFile, found: Token): Diagnostic | null {
  const t = found.text;
  if (found.kind === "label" && file.text[found.end] === "'") {
    const d = error("E0001", "character literal may only contain one character", sp(file, found.start, found.end + 1), "more than one character");
    d.help.push('if you meant to write a string, use double quotes: "' + t.slice(1) + '"');
    return d;
  }
  if (found.kind !== "string" && found.kind !== "fstring" && found.kind !== "char") return null;
  const body = found.kind === "fstring" ? 2 : 1;
  let depth = 0;
  for (let i = body; i < t.length - 1; i++) {
    const c = t[i];
    if (c === "\\") {
      const esc = /^\\(u\{[0-9a-fA-F]{1,6}\}|[nrt\\"'0]|\n)/.exec(t.slice(i));
      if (!esc) {
        const at = found.start + i;
        const d = error("E0001", `unknown character escape: \`${t.slice(i, i + 2)}\``, sp(file, at, at + 2), "unknown character escape");
        d.help.push(ESCAPE_HELP);
        d.help.push("to write a backslash itself, double it: `\\\\`");
        return d;
      }
      i += esc[0].length - 1;
    } else if (found.kind === "fstring") {
      if (c === "{" && depth === 0 && t[i + 1] === "{") i++;
      else if (c === "}" && depth === 0 && t[i + 1] === "}") i++;
      else if (c === "{") depth++;
      else if (c === "}" && depth > 0) depth--;
      else if (c === "}") {
        const at = found.start + i;
        const d = error("E0001", "invalid format string: unmatched `}` found", sp(file, at, at + 1), "unmatched `}` in format string");
        d.help.push("to print a literal `}`, double it: `}}`");
        return d;
      }
    }
  }
  if (found.kind === "char") {
    return error("E0001", "invalid character literal", sp(file, found.start, found.end), "not a valid character");
  }
  return null;
}

/**
 * Rust's rule: in the condition of `if`/`while`/`match`/`for`, `S { .. }` is not a struct literal
 * (the `{` starts the body). When the parse failed inside what was meant as one, say so.
 */
function structLiteralInCondition(file: SourceFile, tokens: Token[], found: Token): Diagnostic | null {
  if (found.text !== ":" && found.text !== "," && found.text !== "..") return null;
  const k = tokens.indexOf(found);
  // `S { field:` — the `{` two tokens back (or one, for `S { ..base }`), after a path.
  const brace = found.text === ".." ? k - 1 : k - 2;
  if (brace < 1 || tokens[brace].text !== "{" || tokens[brace - 1].kind !== "ident") return null;
  if (found.text !== ".." && tokens[brace + 1].kind !== "ident") return null;
  let start = brace - 1;
  while (start >= 2 && tokens[start - 1].text === "::" && tokens[start - 2].kind === "ident") start -= 2;
  // Walk back to the keyword that opened the condition, staying in the same statement.
  for (let j = start - 1, depth = 0; j >= 0; j--) {
    const t = tokens[j].text;
    if (t === ")" || t === "]") depth++;
    else if (t === "(" || t === "[") {
      if (depth === 0) return null;
      depth--;
    } else if (depth === 0 && (t === ";" || t === "{" || t === "}")) return null;
    else if (depth === 0 && ["if", "while", "match", "in"].includes(t) && tokens[j].kind === "keyword") {
      const d = error(
        "E0001",
        `struct literals are not allowed here`,
        sp(file, tokens[start].start, tokens[brace].end),
        `here \`{\` starts the body of the \`${t === "in" ? "for" : t}\`, not a struct literal`,
      );
      d.help.push(`surround the struct literal with parentheses: \`(${tokens[start].text}${start < brace - 1 ? "::…" : ""} { ... })\``);
      return d;
    }
  }
  return null;
}

/** Mistakes learners coming from other languages make, with their own explanations. */
function commonMistake(file: SourceFile, tokens: Token[], found: Token, prev: Token | null): Diagnostic | null {
  // `x++` / `x--`
  if ((found.text === "+" || found.text === "-") && prev && prev.text === found.text && prev.end === found.start) {
    const op = found.text + found.text;
    const k = tokens.indexOf(prev);
    const target = k > 0 ? tokens[k - 1].text : "x";
    const d = error("E0001", `STARK has no \`${op}\` operator`, sp(file, prev.start, found.end), `not an operator in STARK`);
    d.help.push(`write \`${target} ${found.text}= 1\` instead`);
    return d;
  }
  // `println!(...)`, `format!(...)`, `assert_eq!(...)`: Rust macros; STARK's only macro is `vec!`.
  if (found.text === "!" && prev && prev.kind === "ident" && prev.end === found.start && prev.text !== "vec") {
    const next = tokens[tokens.indexOf(found) + 1];
    if (next && (next.text === "(" || next.text === "[" || next.text === "{")) return macroCall(file, tokens, prev, found);
  }
  // Habits from Python and C: `and`/`or`/`not`, `elif`, `a ? b : c`, `x := v`.
  const k = tokens.indexOf(found);
  if (found.kind === "ident" && (found.text === "and" || found.text === "or") && endsExpression(prev)) {
    const d = error("E0001", `\`${found.text}\` is not an operator in STARK`, sp(file, found.start, found.end), "expected an operator here");
    d.help.push(`write \`${found.text === "and" ? "&&" : "||"}\` for \`${found.text}\``);
    return d;
  }
  if (prev && prev.kind === "ident" && prev.text === "elif") {
    const d = error("E0001", "STARK has no `elif`", sp(file, prev.start, prev.end), "write `else if`");
    d.help.push("an `if` continues with `else if condition { ... }`");
    return d;
  }
  if (prev && prev.text === "?" && k > 1 && tokens.slice(k, k + 12).some((t) => t.text === ":")) {
    const d = error("E0001", "STARK has no `? :` conditional operator", sp(file, prev.start, prev.end), "`?` here is the error-propagation operator");
    d.help.push("`if` is an expression: write `if condition { a } else { b }`");
    return d;
  }
  const colon = found.text === ":" && tokens[k + 1]?.text === "=" && tokens[k + 1].start === found.end ? found : found.text === "=" && prev && prev.text === ":" && prev.end === found.start ? prev : null;
  if (colon) {
    const d = error("E0001", "STARK has no `:=`", sp(file, colon.start, colon.end + 1), "write `=`");
    d.help.push("declare a variable with `let name = value;`");
    return d;
  }
  // `Vec<i32>::new()` in an expression: needs the turbofish.
  if (found.text === "::" && prev && prev.text === ">") {
    const d = error("E0001", "type arguments in an expression need `::<...>`", sp(file, found.start, found.end), "expected an expression here");
    d.help.push("write the type arguments with `::<...>` (the turbofish), as in `Vec::<i32>::new()`");
    return d;
  }
  return null;
}

/** `impl Display` needs a `Formatter`, which STARK does not have: a method returning a String does the job. */
const WRITE_HELP =
  "STARK has no `Formatter`: give the type a method that builds its text, `fn to_string(&self) -> String { f\"({self.x}, {self.y})\" }`, and print that (`print(x)` shows a struct in its Debug form)";

/** What STARK writes instead of Rust's common macros. */
const MACRO_EQUIVALENTS: Record<string, string> = {
  println: "`print(x)` prints a value and a newline; `print(f\"x = {x}\")` formats with an f-string",
  print: "`print(x)` prints a value and a newline; `print(f\"x = {x}\")` formats with an f-string",
  eprintln: "`eprint(x)` prints to stderr; `eprint(f\"x = {x}\")` formats with an f-string",
  eprint: "`eprint(x)` prints to stderr; `eprint(f\"x = {x}\")` formats with an f-string",
  format: "an f-string builds a String: `f\"x = {x}\"`",
  panic: "`panic(\"message\")` is a function",
  assert: "`assert(condition, \"message\")` is a function",
  assert_eq: "write `assert(a == b, \"message\")`",
  assert_ne: "write `assert(a != b, \"message\")`",
  unreachable: "write `panic(\"unreachable\")`",
  todo: "write `panic(\"not yet implemented\")`",
  unimplemented: "write `panic(\"not implemented\")`",
  matches: "a `match` is an expression: `match x { 5..=10 => true, _ => false }` (or test one pattern with `if let PATTERN = x { .. }`)",
  dbg: "`eprint(f\"{x:?}\")` shows a value in its Debug form on stderr",
  write: WRITE_HELP,
  writeln: WRITE_HELP,
};

/**
 * A Rust macro call. For `println!("{} and {}", a, b)` with simple arguments the help spells out
 * the f-string that does the same.
 */
function macroCall(file: SourceFile, tokens: Token[], name: Token, bang: Token): Diagnostic {
  const macro = name.text;
  const d = error("E0001", `STARK has no \`${macro}!\` macro`, sp(file, name.start, bang.end), "macros do not exist in STARK (only `vec![...]`)");
  const equivalent = MACRO_EQUIVALENTS[macro];
  const rewrite = ["println", "print", "eprintln", "eprint", "format"].includes(macro) ? fstringRewrite(tokens, tokens.indexOf(bang) + 1) : null;
  if (rewrite !== null) {
    const call = macro === "format" ? rewrite : `${macro.startsWith("e") ? "eprint" : "print"}(${rewrite})`;
    d.help.push(`write \`${call}\``);
  } else if (equivalent) d.help.push(equivalent);
  else d.help.push("STARK has no macros except `vec![...]`: call a function instead");
  return d;
}

/**
 * `("x = {}, y = {:.2}", x, y)` as `f"x = {x}, y = {y:.2}"`, when the arguments are single
 * tokens (names, numbers) and the placeholders are positional; otherwise null.
 */
function fstringRewrite(tokens: Token[], open: number): string | null {
  if (tokens[open]?.text !== "(") return null;
  const literal = tokens[open + 1];
  if (!literal || literal.kind !== "string") return null;
  const args: string[] = [];
  let k = open + 2;
  while (tokens[k] && tokens[k].text === ",") {
    const arg = tokens[k + 1];
    if (!arg || (arg.kind !== "ident" && arg.kind !== "number")) return null;
    args.push(arg.text);
    k += 2;
  }
  if (tokens[k]?.text !== ")") return null;
  const body = literal.text.slice(1, -1);
  let next = 0;
  let failed = false;
  const used = new Set<number>();
  const out = body.replace(/\{\{|\}\}|\{([^{}]*)\}/g, (m, spec: string | undefined) => {
    if (spec === undefined) return m;
    const colon = spec.indexOf(":");
    const named = colon < 0 ? spec : spec.slice(0, colon);
    const format = colon < 0 ? "" : spec.slice(colon);
    if (/^\d+$/.test(named)) {
      const arg = args[Number(named)];
      if (arg === undefined) failed = true;
      used.add(Number(named));
      return `{${arg ?? ""}${format}}`;
    }
    if (named !== "") return `{${named}${format}}`; // `{x}`: Rust 2021's captured identifier
    used.add(next);
    if (next >= args.length) failed = true;
    return `{${args[next++] ?? ""}${format}}`;
  });
  if (failed || used.size !== args.length) return null;
  return `f"${out}"`;
}
