// Pieces of f-string handling that do not need the grammar: splitting `{expr:spec}` into its
// expression and format spec, and parsing the spec (LANGUAGE.md §2, Rust's format-spec syntax).

import type { FormatSpec } from "./ast";

// [[fill]align][sign]['#']['0'][width]['.' precision][type], type one of ? x X b o e E
const SPEC_RE = /^(?:([^{}])?([<>^]))?(\+)?(#)?(0)?(\d+)?(?:\.(\d+))?(\?|[xXboeE])?$/u;

/**
 * Split the text between `{` and `}` into expression text and spec text. The spec starts at the
 * last `:` that is outside brackets and strings, is not half of a `::` path separator, and is
 * followed by something that reads as a spec (so `{|x: i32| x}` keeps its colon).
 */
export function splitInterpolation(inner: string): { exprText: string; specText: string | null } {
  let depth = 0;
  let lastColon = -1;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i];
    if (c === '"') {
      // Skip a string literal inside the expression.
      for (i++; i < inner.length && inner[i] !== '"'; i++) if (inner[i] === "\\") i++;
    } else if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") depth--;
    else if (c === ":" && depth === 0) {
      if (inner[i + 1] === ":") {
        i++;
        continue;
      }
      if (inner[i - 1] === ":") continue;
      lastColon = i;
    }
  }
  if (lastColon >= 0) {
    const specText = inner.slice(lastColon + 1);
    if (SPEC_RE.test(specText)) return { exprText: inner.slice(0, lastColon), specText };
  }
  return { exprText: inner, specText: null };
}

export function parseFormatSpec(raw: string): FormatSpec {
  const m = SPEC_RE.exec(raw);
  const spec: FormatSpec = { debug: false, precision: null, align: null, width: null, fill: " ", sign: false, raw };
  if (!m) return spec;
  const [, fill, align, sign, alternate, zero, width, precision, type] = m;
  if (align) spec.align = align as "<" | ">" | "^";
  if (alternate) spec.alternate = true;
  if (type === "x" || type === "X" || type === "b" || type === "o") spec.radix = type;
  if (type === "e" || type === "E") spec.exponent = type;
  if (fill) spec.fill = fill;
  if (zero) spec.fill = "0";
  spec.sign = sign === "+";
  spec.width = width ? Number(width) : null;
  spec.precision = precision ? Number(precision) : null;
  spec.debug = type === "?";
  return spec;
}
