// Rust's lifetime annotations (`'a`, `'static`, `'_`) in a STARK file: STARK has none
// (LANGUAGE.md §4.2: a returned reference borrows from every reference parameter), so a Rust
// program translated line for line meets them first. Instead of "expected `>`, found `'a`", each
// item that writes lifetimes gets one E0001 that says so, marks every lifetime in it, and shows
// the item's first line with them deleted.

import type { Diagnostic } from "../diagnostics";
import { error } from "../diagnostics";
import type { SourceFile, Span } from "./ast";
import type { Token } from "./tokens";

const ITEM_KEYWORDS = new Set(["fn", "struct", "enum", "impl", "trait", "type", "const"]);

/** A `label` token used as a lifetime: not `break 'l` / `continue 'l`, not a loop label `'l: loop`. */
export function isLifetime(tokens: Token[], k: number): boolean {
  const t = tokens[k];
  if (t.kind !== "label") return false;
  const prev = tokens[k - 1];
  if (prev && prev.kind === "keyword" && (prev.text === "break" || prev.text === "continue")) return false;
  const next = tokens[k + 1];
  if (next && next.text === "'" && next.start === t.end) return false; // `'ab'`: a bad character literal
  const after = tokens[k + 2];
  if (next && next.text === ":" && after && (after.text === "{" || (after.kind === "keyword" && ["loop", "while", "for"].includes(after.text)))) return false;
  return true;
}

/** What a lifetime at token `k` is doing, for its label. */
function role(tokens: Token[], k: number): string {
  const t = tokens[k];
  const prev = tokens[k - 1];
  if (t.text === "'static") return "`'static` lifetime";
  if (prev && prev.text === "&") return "lifetime of a reference type";
  if (prev && (prev.text === ":" || prev.text === "+")) return "lifetime bound";
  return "lifetime parameter";
}

/** The innermost item header before token `k`: the last item keyword outside any `( [` nesting. */
function itemOf(tokens: Token[], k: number): number {
  let depth = 0;
  for (let j = k - 1; j >= 0; j--) {
    const t = tokens[j];
    if (t.kind === "punct" && (t.text === ")" || t.text === "]")) depth++;
    else if (t.kind === "punct" && (t.text === "(" || t.text === "[")) depth = Math.max(0, depth - 1);
    else if (depth === 0 && t.kind === "keyword" && ITEM_KEYWORDS.has(t.text)) {
      // `impl Fn(&'a T)` / `dyn Fn` inside a signature are types, not items: keep looking.
      if (t.text === "impl" && tokens[j - 1] && [":", "->", "(", ",", "<", "&"].includes(tokens[j - 1].text)) continue;
      if (t.text === "fn" && tokens[j + 1] && tokens[j + 1].text === "(") continue; // `fn(&'a T)` pointer type
      return j;
    }
  }
  return 0;
}

/** One diagnostic per item that writes lifetimes; empty when the file has none. */
export function lifetimeDiagnostics(file: SourceFile, tokens: Token[]): Diagnostic[] {
  // Token index of each item's keyword (`fn`, `struct`, ...; 0 when none precedes) → its lifetimes.
  const items = new Map<number, number[]>();
  for (let k = 0; k < tokens.length; k++) {
    if (!isLifetime(tokens, k)) continue;
    const at = itemOf(tokens, k);
    const list = items.get(at);
    if (list) list.push(k);
    else items.set(at, [k]);
  }
  return [...items].map(([keyword, lifetimes]) => itemDiagnostic(file, tokens, keyword, lifetimes));
}

function sp(file: SourceFile, start: number, end: number): Span {
  return { file, start, end };
}

function itemDiagnostic(file: SourceFile, tokens: Token[], keyword: number, lifetimes: number[]): Diagnostic {
  const [first, ...rest] = lifetimes;
  const t = tokens[first];
  const kw = tokens[keyword]?.text ?? "fn";
  const names = [...new Set(lifetimes.map((k) => tokens[k].text))];
  const d = error("E0001", "lifetime annotations are not part of STARK", sp(file, t.start, t.end), role(tokens, first));
  // The others are underlined without words: one fix covers them all.
  for (const k of rest) d.labels.push({ span: sp(file, tokens[k].start, tokens[k].end), message: "" });
  if (kw === "fn") {
    d.notes.push("STARK has no lifetime names: a reference a function returns is taken to borrow from every reference parameter, and the borrow checker checks each call that way");
  } else {
    d.notes.push("STARK has no lifetime names: the borrow checker follows each reference from where it is created to where it is last used, without annotations");
  }
  if (names.includes("'static") && tokens.some((x, k) => x.text === "'static" && tokens[k + 1]?.text === "str")) {
    d.notes.push("a string literal in STARK is a `String`: where Rust writes `&'static str`, write `String`");
  }
  const list = names.map((n) => `\`${n}\``).join(", ");
  const header = headerLine(file, tokens, keyword, kw !== "struct" && kw !== "enum");
  const fixed = header === null ? null : withoutLifetimes(header);
  const headerEnd = file.text.indexOf("\n", tokens[keyword].start);
  const elsewhere = headerEnd >= 0 && lifetimes.some((k) => tokens[k].start > headerEnd);
  if (fixed !== null && fixed !== header) d.help.push(`delete ${list}${elsewhere ? " here and where marked below" : ""}: \`${fixed}\``);
  else d.help.push(`delete ${list} wherever ${names.length === 1 ? "it is" : "they are"} written (\`&'a T\` becomes \`&T\`)`);
  return d;
}

/**
 * The item's first line from its keyword (with `pub`); with `cutBody`, up to the opening `{` of
 * its body (a one-line `fn f() -> &'a T { x }` shows the signature). Null if it is too long.
 */
function headerLine(file: SourceFile, tokens: Token[], keyword: number, cutBody: boolean): string | null {
  let start = tokens[keyword].start;
  if (tokens[keyword - 1]?.text === "pub") start = tokens[keyword - 1].start;
  const lineEnd = file.text.indexOf("\n", start);
  let line = file.text.slice(start, lineEnd < 0 ? file.text.length : lineEnd);
  const comment = line.indexOf("//");
  if (comment >= 0) line = line.slice(0, comment);
  if (cutBody && line.includes(" {")) line = line.slice(0, line.indexOf(" {"));
  line = line.trimEnd();
  if (line.endsWith("{")) line = line.slice(0, -1).trimEnd();
  return line.length > 0 && line.length <= 120 ? line : null;
}

const LT = String.raw`'[A-Za-z_][A-Za-z0-9_]*`;

/** `fn f<'a, T: 'a>(x: &'a T) -> Foo<'_, T>` → `fn f<T>(x: &T) -> Foo<T>`. */
export function withoutLifetimes(text: string): string {
  return (
    text
      // A string literal is a `String` in STARK.
      .replace(/&\s*'static\s+str\b/g, "String")
      // `'a: 'b + 'c` outlives-bounds in a generic list or where clause
      .replace(new RegExp(String.raw`(${LT})\s*:\s*${LT}(\s*\+\s*${LT})*`, "g"), "$1")
      // `&'a mut T` / `&'a T`
      .replace(new RegExp(String.raw`&\s*${LT}\s*`, "g"), "&")
      // `T: Trait + 'a` / `T: 'a + Trait` / `T: 'a`
      .replace(new RegExp(String.raw`\s*\+\s*${LT}`, "g"), "")
      .replace(new RegExp(String.raw`:\s*${LT}\s*\+\s*`, "g"), ": ")
      .replace(new RegExp(String.raw`\s*:\s*${LT}(?=\s*[,>{]|\s*$)`, "g"), "")
      // `<'a, T>` / `<T, 'a>` / `<'a>`
      .replace(new RegExp(String.raw`${LT}\s*,\s*`, "g"), "")
      .replace(new RegExp(String.raw`\s*,\s*${LT}(?=\s*>)`, "g"), "")
      .replace(new RegExp(String.raw`<\s*${LT}\s*>`, "g"), "")
  );
}
