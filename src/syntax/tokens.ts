// A small tokenizer used only to explain syntax errors: it names the token found where the
// parse failed ("found `let`"), finds the end of the previous token ("expected `;` here"), and
// catches what is best reported before any grammar rule — unterminated strings and comments and
// unbalanced brackets (rustc's lexer reports those first, too). The grammar itself does not use it.

export type TokenKind = "ident" | "keyword" | "number" | "string" | "fstring" | "char" | "label" | "punct" | "eof";

export interface Token {
  kind: TokenKind;
  text: string;
  start: number;
  end: number;
}

export const KEYWORDS = new Set(
  ("as break const continue dyn else enum false fn for if impl in let loop match mod move mut pub return self Self " +
    "struct trait true type use where while").split(" "),
);

const PUNCT = [
  "..=", "...", "<<=", ">>=",
  "::", "->", "=>", "==", "!=", "<=", ">=", "&&", "||", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<", ">>", "..",
];

const PUNCT_BY_FIRST = new Map<string, string[]>();
for (const p of PUNCT) PUNCT_BY_FIRST.set(p[0], [...(PUNCT_BY_FIRST.get(p[0]) ?? []), p]);

function longestPunct(text: string, i: number): string {
  for (const p of PUNCT_BY_FIRST.get(text[i]) ?? []) if (text.startsWith(p, i)) return p;
  return text[i];
}

const isIdStart = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
const isDigit = (c: number) => c >= 48 && c <= 57;
const isIdPart = (c: number) => isIdStart(c) || isDigit(c);

export type LexProblem =
  | { kind: "unterminatedString"; start: number; fstring: boolean }
  | { kind: "unterminatedComment"; start: number }
  | { kind: "unclosed"; open: Token; suspect: { open: Token; close: Token } | null }
  | { kind: "mismatched"; open: Token; close: Token }
  | { kind: "unexpectedClose"; close: Token };

const CLOSER: Record<string, string> = { "(": ")", "[": "]", "{": "}" };

export function tokenize(text: string): { tokens: Token[]; problem: LexProblem | null } {
  const tokens: Token[] = [];
  const stack: Token[] = [];
  let problem: LexProblem | null = null;
  let i = 0;
  const n = text.length;
  const pairs: { open: Token; close: Token }[] = [];
  const push = (kind: TokenKind, start: number, end: number) => tokens.push({ kind, text: text.slice(start, end), start, end });

  /** Skip a string body starting after its opening quote; returns the index after the closing quote, or -1. */
  const skipString = (from: number, fstring: boolean): number => {
    let j = from;
    let depth = 0;
    while (j < n) {
      const c = text[j];
      if (c === "\\") j += 2;
      else if (fstring && c === "{") {
        if (depth === 0 && text[j + 1] === "{") j += 2;
        else {
          depth++;
          j++;
        }
      } else if (fstring && c === "}" && depth > 0) {
        depth--;
        j++;
      } else if (c === '"') {
        if (depth > 0) {
          // A string literal inside an interpolation.
          const end = skipString(j + 1, false);
          if (end < 0) return -1;
          j = end;
        } else return j + 1;
      } else j++;
    }
    return -1;
  };

  while (i < n && !problem) {
    const c = text[i];
    if (c <= " " || c === "\uFEFF") {
      i++;
    } else if (c === "/" && text[i + 1] === "/") {
      while (i < n && text[i] !== "\n") i++;
    } else if (c === "/" && text[i + 1] === "*") {
      const start = i;
      let depth = 0;
      while (i < n) {
        if (text[i] === "/" && text[i + 1] === "*") {
          depth++;
          i += 2;
        } else if (text[i] === "*" && text[i + 1] === "/") {
          depth--;
          i += 2;
          if (depth === 0) break;
        } else i++;
      }
      if (depth > 0) problem = { kind: "unterminatedComment", start };
    } else if (c === '"' || (c === "f" && text[i + 1] === '"')) {
      const fstring = c === "f";
      const start = i;
      const end = skipString(i + (fstring ? 2 : 1), fstring);
      if (end < 0) problem = { kind: "unterminatedString", start, fstring };
      else {
        push(fstring ? "fstring" : "string", start, end);
        i = end;
      }
    } else if (c === "'") {
      const m = /^'(\\u\{[0-9a-fA-F]*\}|\\.|[^'\\\n])'/u.exec(text.slice(i, i + 16));
      if (m) {
        push("char", i, i + m[0].length);
        i += m[0].length;
      } else {
        const l = /^'[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i, i + 64));
        const end = i + (l ? l[0].length : 1);
        push(l ? "label" : "punct", i, end);
        i = end;
      }
    } else if (isIdStart(text.charCodeAt(i))) {
      const start = i;
      while (i < n && isIdPart(text.charCodeAt(i))) i++;
      push(KEYWORDS.has(text.slice(start, i)) ? "keyword" : "ident", start, i);
    } else if (isDigit(text.charCodeAt(i))) {
      const m = /^(0x[0-9a-fA-F_]+|0b[01_]+|0o[0-7_]+|[0-9][0-9_]*(\.[0-9][0-9_]*)?([eE][+-]?[0-9_]+)?)[A-Za-z0-9_]*/.exec(text.slice(i, i + 64))!;
      // `1..2`: the `.` belongs to the range, not to a float.
      push("number", i, i + m[0].length);
      i += m[0].length;
    } else {
      const p = longestPunct(text, i);
      const tok: Token = { kind: "punct", text: p, start: i, end: i + p.length };
      tokens.push(tok);
      i += p.length;
      if (p === "(" || p === "[" || p === "{") stack.push(tok);
      else if (p === ")" || p === "]" || p === "}") {
        const open = stack.pop();
        if (open && CLOSER[open.text] === p) pairs.push({ open, close: tok });
        if (!open) problem = { kind: "unexpectedClose", close: tok };
        else if (CLOSER[open.text] !== p) problem = { kind: "mismatched", open, close: tok };
      }
    }
  }
  if (!problem && stack.length) {
    problem = { kind: "unclosed", open: stack[stack.length - 1], suspect: misindentedPair(text, pairs) };
  }
  tokens.push({ kind: "eof", text: "", start: n, end: n });
  return { tokens, problem };
}

/** Leading whitespace of the line holding `offset`, and whether the token there starts the line. */
function indentAt(text: string, offset: number): { indent: string; first: boolean } {
  const lineStart = text.lastIndexOf("\n", offset - 1) + 1;
  const before = text.slice(lineStart, offset);
  const indent = /^[ \t]*/.exec(before)![0];
  return { indent, first: indent.length === before.length };
}

/**
 * When a `{` is never closed, the `}` that went missing is usually earlier than the end of the
 * file: some `}` closed the wrong block. The first `}` that starts its line with an indentation
 * different from the line of the `{` it closes is the likely place (rustc uses the same hint).
 */
function misindentedPair(text: string, pairs: { open: Token; close: Token }[]): { open: Token; close: Token } | null {
  let best: { open: Token; close: Token } | null = null;
  for (const pair of pairs) {
    if (pair.open.text !== "{") continue;
    const close = indentAt(text, pair.close.start);
    const open = indentAt(text, pair.open.start);
    if (!close.first || text.lastIndexOf("\n", pair.close.start) < pair.open.start) continue; // same line
    if (close.indent !== open.indent && (!best || pair.close.start < best.close.start)) best = pair;
  }
  return best;
}

/** How a message names a token: "`let`", "`)`", "`\"abc\"`", "end of file". */
export function describeToken(t: Token): string {
  if (t.kind === "eof") return "end of file";
  const text = t.text.length > 24 ? t.text.slice(0, 20) + "…" : t.text;
  return "`" + text.replace(/\n/g, "\\n") + "`";
}

const ITEM_START = new Set(["fn", "struct", "enum", "impl", "trait", "use", "const", "mod", "pub", "let", "#"]);

/**
 * Split a file (whose brackets balance) into runs of whole top-level items and statements:
 * a boundary is a top-level `fn`/`struct`/.../`let`/`#` right after a top-level `;` or `}`.
 * Each run parses on its own exactly as it does inside the file, which lets the error path
 * hand Ohm one small run instead of the whole file (Ohm's memo table grows with its input).
 */
export function topLevelChunks(tokens: Token[], textLength: number): [number, number][] {
  const starts: number[] = [0];
  let depth = 0;
  let prev: Token | null = null;
  for (const t of tokens) {
    if (t.kind === "eof") break;
    if (depth === 0 && prev && (prev.text === ";" || prev.text === "}") && prev.kind === "punct") {
      if ((t.kind === "keyword" || t.kind === "punct") && ITEM_START.has(t.text)) starts.push(t.start);
    }
    if (t.kind === "punct") {
      if (t.text === "(" || t.text === "[" || t.text === "{") depth++;
      else if (t.text === ")" || t.text === "]" || t.text === "}") depth--;
    }
    prev = t;
  }
  return starts.map((s, k) => [s, k + 1 < starts.length ? starts[k + 1] : textLength]);
}

const STMT_START = new Set(["let", "fn", "struct", "enum", "impl", "trait", "use", "const", "mod", "pub", "#", "if", "for", "while", "loop", "match"]);

/**
 * For an error inside one long top-level item (a 2,000-line function): the runs of whole
 * statements inside its outermost `{ }`, split like topLevelChunks. Null when the item has no
 * such body.
 */
export function bodyStatementChunks(tokens: Token[], from: number, to: number): [number, number][] | null {
  let k = tokens.findIndex((t) => t.start >= from);
  let depth = 0;
  let open = -1;
  for (; k < tokens.length && tokens[k].start < to; k++) {
    const t = tokens[k];
    if (t.kind !== "punct") continue;
    if (t.text === "{" && depth === 0 && open < 0) open = k;
    if (t.text === "(" || t.text === "[" || t.text === "{") depth++;
    else if (t.text === ")" || t.text === "]" || t.text === "}") {
      depth--;
      if (depth === 0 && open >= 0) break;
    }
  }
  if (open < 0 || k >= tokens.length || tokens[k].start >= to) return null;
  const close = k;
  const starts = [tokens[open].end];
  depth = 0;
  for (let j = open + 1; j < close; j++) {
    const t = tokens[j];
    const prev = tokens[j - 1];
    if (depth === 0 && j > open + 1 && prev.kind === "punct" && (prev.text === ";" || prev.text === "}") && STMT_START.has(t.text) && t.kind !== "ident") {
      starts.push(t.start);
    }
    if (t.kind === "punct") {
      if (t.text === "(" || t.text === "[" || t.text === "{") depth++;
      else if (t.text === ")" || t.text === "]" || t.text === "}") depth--;
    }
  }
  return starts.map((s, i) => [s, i + 1 < starts.length ? starts[i + 1] : tokens[close].start]);
}
