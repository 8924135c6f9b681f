// `stark run --unchecked FILE`: "what the checker prevents". A program that fails the borrow
// check runs anyway (type errors still stop it), with run-time tracking at the places the borrow
// checker pointed at, so the run stops at the first use of moved or freed data with a panic that
// names the line where the data was moved or freed.
//
// The evaluator has no moved-slot markers, so the tracking is added to the program's source:
// for each memory-safety diagnostic, a flag local to the enclosing function is set where the
// value is moved or freed (the checker's label) and tested where it is used later. The flags are
// spliced in without adding lines, so every line number the user sees stays the same. A flag is
// set only when the move or drop really runs, so a move on a branch that was not taken does not
// stop the run — this is the run-time view of what the static check rejected.

import type { Program, SourceFile, Span } from "../syntax/ast";
import { lineCol } from "../syntax/ast";
import type { Diagnostic } from "../diagnostics";

interface Insertion {
  at: number;
  text: string;
  /** Order among insertions at the same offset (lower first). */
  order: number;
}

export interface Instrumented {
  source: string;
  /** One line per tracked error, for the banner. */
  tracked: string[];
  /** Each check's panic message → the use it guards, in the original file. */
  sites: Map<string, Span>;
}

/**
 * Points a panic raised by the instrumented program back at the user's file: the check's own
 * span for the message, and the same line (lines are never added) for every trace frame.
 */
export function mapPanicToOriginal(p: { message: string; span: Span | null; trace: { span: Span | null }[] }, original: SourceFile, sites: Map<string, Span>): void {
  const back = (sp: Span | null): Span | null => {
    if (!sp) return sp;
    const { line: l } = lineCol(sp.file, sp.start);
    const start = original.lineStarts[l - 1] ?? 0;
    const next = original.lineStarts[l];
    const text = original.text.slice(start, next === undefined ? original.text.length : next - 1);
    const indent = text.length - text.trimStart().length;
    return { file: original, start: start + indent, end: start + text.trimEnd().length };
  };
  const site = sites.get(p.message);
  p.span = site ?? back(p.span);
  for (const f of p.trace) f.span = back(f.span);
  if (site && p.trace[0]) p.trace[0].span = site;
}

const line = (s: Span) => lineCol(s.file, s.start).line;
const str = (s: string) => JSON.stringify(s);

/**
 * Adds run-time checks for E0382 (use after move), E0505 (move while borrowed, then the borrow
 * is used) and E0597 (a borrow used after its value was dropped) to `file`'s text.
 */
export function instrumentUnchecked(file: SourceFile, program: Program, diagnostics: Diagnostic[]): Instrumented {
  const inserts: Insertion[] = [];
  const tracked: string[] = [];
  const sites = new Map<string, Span>();
  const declared = new Set<string>();
  let n = 0;
  for (const d of diagnostics) {
    if (d.primary.span.file !== file) continue;
    const subject = /`([^`]+)`/.exec(d.message)?.[1] ?? "the value";
    let setAt: Span | null = null;
    let checkAt: Span | null = null;
    let what = "";
    let setBefore = false;
    if (d.code === "E0382") {
      setAt = d.labels.find((l) => /moved here|moved into closure/.test(l.message))?.span ?? null;
      checkAt = d.primary.span;
      what = `use of moved value \`${subject}\``;
    } else if (d.code === "E0505") {
      setAt = d.primary.span;
      checkAt = d.labels.find((l) => /later used/.test(l.message))?.span ?? null;
      what = `use of a borrow of \`${subject}\` after \`${subject}\` was moved`;
    } else if (d.code === "E0597") {
      setAt = d.labels.find((l) => /dropped here/.test(l.message))?.span ?? null;
      checkAt = d.labels.find((l) => /later used/.test(l.message))?.span ?? null;
      what = `use of a reference to \`${subject}\`, whose storage was freed`;
      setBefore = true;
    }
    if (!setAt || !checkAt || setAt.file !== file || checkAt.file !== file) continue;
    const body = enclosingBodyStart(program, checkAt);
    if (body === null) continue;
    const flag = `__unchecked_${++n}`;
    const verb = d.code === "E0597" ? "freed" : "moved";
    const message = `${what}: it was ${verb} at line ${line(setAt)} (the borrow checker rejects this program: ${d.code})`;
    const key = `${body}:${flag}`;
    if (!declared.has(key)) {
      declared.add(key);
      inserts.push({ at: body, text: ` let mut ${flag} = false; `, order: 0 });
    }
    if (setBefore) inserts.push({ at: setAt.start, text: `${flag} = true; `, order: 1 });
    else {
      inserts.push({ at: setAt.start, text: `{ ${flag} = true; `, order: 1 });
      inserts.push({ at: setAt.end, text: ` }`, order: 0 });
    }
    inserts.push({ at: checkAt.start, text: `{ if ${flag} { panic(${str(message)}); } `, order: 2 });
    inserts.push({ at: checkAt.end, text: ` }`, order: -1 });
    tracked.push(`line ${line(checkAt)}: ${d.code} ${what}`);
    sites.set(message, checkAt);
  }
  let source = file.text;
  inserts.sort((a, b) => b.at - a.at || b.order - a.order);
  for (const ins of inserts) source = source.slice(0, ins.at) + ins.text + source.slice(ins.at);
  return { source, tracked, sites };
}

/** The offset just after the `{` of the function body containing `span`. */
function enclosingBodyStart(program: Program, span: Span): number | null {
  let best: { start: number; end: number } | null = null;
  const visit = (x: unknown): void => {
    if (!x || typeof x !== "object") return;
    if (Array.isArray(x)) {
      for (const y of x) visit(y);
      return;
    }
    const node = x as { kind?: string; body?: { span: Span } | null; span?: Span };
    if (node.kind === "FnDecl" && node.body && node.body.span) {
      const b = node.body.span;
      if (b.start <= span.start && span.end <= b.end && (!best || b.start > best.start)) best = { start: b.start, end: b.end };
    }
    if (node.kind === "FnDecl" || node.kind === "ImplDecl" || node.kind === "ModDecl" || node.kind === "TraitDecl" || node.kind === "ItemStmt" || node.kind === "BlockExpr" || node.kind === "ExprStmt") {
      for (const [k, v] of Object.entries(x)) if (k !== "span" && k !== "ty" && k !== "res") visit(v);
    }
  };
  visit(program.body);
  const found = best as { start: number; end: number } | null;
  return found ? found.start + 1 : null;
}
