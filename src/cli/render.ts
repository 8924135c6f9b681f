// Renders diagnostics and panics: rustc's terminal layout (gutter, carets, labels) or the JSON
// lines of LANGUAGE.md §1.

import { lineCol, SourceFile, Span } from "../syntax/ast";
import { Diagnostic, StackFrame, StarkPanic } from "../diagnostics";

export interface Style {
  red(s: string): string;
  yellow(s: string): string;
  blue(s: string): string;
  bold(s: string): string;
}

const ansi = (code: string) => (s: string) => `\x1b[${code}m${s}\x1b[0m`;
export const COLOR: Style = { red: ansi("1;31"), yellow: ansi("1;33"), blue: ansi("1;34"), bold: ansi("1") };
const id = (s: string) => s;
export const PLAIN: Style = { red: id, yellow: id, blue: id, bold: id };

/** Colours only on a terminal, and never with NO_COLOR set (https://no-color.org). */
export function styleFor(isTTY: boolean, env: Record<string, string | undefined>): Style {
  return isTTY && !env.NO_COLOR ? COLOR : PLAIN;
}

interface Pos {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

export function spanPos(span: Span): Pos {
  const a = lineCol(span.file, span.start);
  const b = lineCol(span.file, Math.max(span.start, span.end));
  return { line: a.line, column: a.column, endLine: b.line, endColumn: b.column };
}

function lineText(file: SourceFile, line: number): string {
  const start = file.lineStarts[line - 1] ?? file.text.length;
  const next = file.lineStarts[line];
  const end = next === undefined ? file.text.length : next - 1;
  return file.text.slice(start, end).replace(/\r$/, "");
}

interface Mark {
  pos: Pos;
  message: string;
  primary: boolean;
}

/**
 * A code frame: each line that carries a mark, with carets (`^` primary, `-` secondary) under
 * the marked columns and the label after them; `...` where lines are skipped.
 */
function codeFrame(file: SourceFile, marks: Mark[], style: Style, width: number): string[] {
  const lines = [...new Set(marks.map((m) => m.pos.line))].sort((a, b) => a - b);
  const gutter = (n: string) => style.blue(`${n.padStart(width)} |`);
  const out: string[] = [gutter("")];
  let previous = 0;
  for (const line of lines) {
    if (previous && line > previous + 1) out.push(style.blue("...".padStart(width + 1)));
    if (previous && line === previous + 2) out.splice(out.length - 1, 1, `${gutter(String(previous + 1))} ${lineText(file, previous + 1)}`);
    const text = lineText(file, line);
    out.push(`${gutter(String(line))} ${text}`);
    // Labels on one line: the rightmost is written inline, the others on lines of their own.
    const here = marks.filter((m) => m.pos.line === line).sort((a, b) => a.pos.column - b.pos.column);
    const underline = (m: Mark) => {
      const start = m.pos.column - 1;
      const end = m.pos.endLine === line ? Math.max(m.pos.endColumn - 1, start + 1) : Math.max(text.length, start + 1);
      const ch = m.primary ? "^" : "-";
      const paint = m.primary ? style.red : style.blue;
      return { start, text: paint(ch.repeat(end - start)), len: end - start, paint };
    };
    let caretLine = "";
    let col = 0;
    for (const m of here) {
      const u = underline(m);
      if (u.start < col) continue;
      caretLine += " ".repeat(u.start - col) + u.text;
      col = u.start + u.len;
    }
    const last = here[here.length - 1];
    const lastPaint = last.primary ? style.red : style.blue;
    out.push(`${gutter("")} ${caretLine}${last.message ? " " + lastPaint(last.message) : ""}`);
    for (let i = here.length - 2; i >= 0; i--) {
      const m = here[i];
      if (!m.message) continue;
      const paint = m.primary ? style.red : style.blue;
      out.push(`${gutter("")} ${" ".repeat(m.pos.column - 1)}${paint(m.message)}`);
    }
    previous = line;
  }
  out.push(gutter(""));
  return out;
}

export function renderDiagnostic(d: Diagnostic, style: Style = PLAIN): string {
  const file = d.primary.span.file;
  const pos = spanPos(d.primary.span);
  const head = d.severity === "error" ? style.red(`error[${d.code}]`) : style.yellow(`warning[${d.code}]`);
  const out = [`${head}${style.bold(`: ${d.message}`)}`];
  const marks: Mark[] = [
    { pos, message: d.primary.message, primary: true },
    ...d.labels.filter((l) => l.span.file === file).map((l) => ({ pos: spanPos(l.span), message: l.message, primary: false })),
  ];
  const width = String(Math.max(...marks.map((m) => m.pos.line))).length;
  out.push(`${" ".repeat(width)}${style.blue("-->")} ${file.name}:${pos.line}:${pos.column}`);
  out.push(...codeFrame(file, marks, style, width));
  for (const n of d.notes) out.push(`${" ".repeat(width)} ${style.blue("=")} ${style.bold("note")}: ${n}`);
  for (const h of d.help) out.push(`${" ".repeat(width)} ${style.blue("=")} ${style.bold("help")}: ${h}`);
  return out.join("\n") + "\n";
}

export function diagnosticJson(d: Diagnostic): string {
  const pos = spanPos(d.primary.span);
  return JSON.stringify({
    severity: d.severity,
    code: d.code,
    message: d.message,
    file: d.primary.span.file.name,
    ...pos,
    labels: [
      ...(d.primary.message ? [{ ...pos, message: d.primary.message, primary: true }] : []),
      ...d.labels.map((l) => ({ ...spanPos(l.span), message: l.message })),
    ],
    notes: d.notes,
    help: d.help,
  });
}

function frameText(f: StackFrame): string {
  const p = spanPos(f.span);
  return `${f.function} at ${f.span.file.name}:${p.line}:${p.column}`;
}

export function renderPanic(p: StarkPanic, style: Style = PLAIN): string {
  const out = [`${style.red(`panic[${p.code}]`)}${style.bold(`: ${p.message}`)}`];
  if (p.span) {
    const pos = spanPos(p.span);
    const width = String(pos.line).length;
    out.push(`${" ".repeat(width)}${style.blue("-->")} ${p.span.file.name}:${pos.line}:${pos.column}`);
    out.push(...codeFrame(p.span.file, [{ pos, message: "", primary: true }], style, width));
  }
  if (p.trace.length) {
    out.push("stack trace (innermost first):");
    p.trace.forEach((f, i) => out.push(`  ${i}: ${frameText(f)}`));
  }
  return out.join("\n") + "\n";
}

export function panicJson(p: StarkPanic): string {
  const pos = p.span ? spanPos(p.span) : null;
  return JSON.stringify({
    severity: "panic",
    code: p.code,
    message: p.message,
    file: p.span?.file.name ?? null,
    line: pos?.line ?? null,
    column: pos?.column ?? null,
    trace: p.trace.map((f) => ({ function: f.function, file: f.span.file.name, ...spanPos(f.span) })),
  });
}
