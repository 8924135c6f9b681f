// `stark check --explain-ownership FILE`: for each line of each function, the permissions each
// place in scope has after it — R (read), W (write), O (own) — and the event that changed them,
// in the spirit of Aquascope's permission view. Derived from the borrow checker's facts
// (`analyzeBorrows`: the CFG, the move/init dataflow, live loans after each statement), so it
// can never disagree with the checker.
//
// The permission model (LANGUAGE.md §4):
//   an initialized variable has R and O, and W when declared `mut`;
//   a variable that is (maybe) moved has nothing;
//   a live shared borrow of it removes W and O (it can still be read);
//   a live mutable borrow removes all three;
//   a reference `r` additionally gives its target `*r`: R, plus W for `&mut`.

import type { Binding, Program, Span, Stmt } from "../syntax/ast";
import { lineCol } from "../syntax/ast";
import type { Diagnostic } from "../diagnostics";
import { analyzeBorrows, type BodyFacts, type Loan } from "../check/borrow";
import { isPermissionNote, permString, type Perms } from "../check/borrow/permissions";

export { permString, type Perms };

interface PlaceState {
  name: string;
  perms: Perms;
  /** Why the permissions are what they are when something was taken away. */
  why: string | null;
}

type State = Map<string, PlaceState>;

const posOf = (s: Span) => {
  const p = lineCol(s.file, s.start);
  return `${p.line}:${p.column}`;
};

/** Renders the permission view of a checked program (`checkResult` as from checkProgram). */
export function explainOwnership(program: Program, checkResult: unknown, model: "lexical" | "nll", diagnostics: Diagnostic[] = []): string {
  const result = analyzeBorrows(program, checkResult, { model });
  const key = (d: Diagnostic) => `${d.code}@${d.primary.span.file.name}:${d.primary.span.start}`;
  const errors = [...new Map([...diagnostics, ...result.diagnostics].map((d) => [key(d), d])).values()];
  const out: string[] = [];
  for (const body of result.bodies) {
    if (body.name === "<closure>") continue;
    const text = renderBody(body, errors);
    if (text) out.push(text);
  }
  return out.join("\n");
}

function renderBody(facts: BodyFacts, diagnostics: Diagnostic[]): string {
  const stmts = [...facts.stmtNodes.entries()].sort((a, b) => a[0].span.start - b[0].span.start);
  if (!stmts.length) return "";
  const file = stmts[0][0].span.file;
  // One row per source line: the last statement that ends on it.
  const byLine = new Map<number, { stmt: Stmt; node: number }>();
  for (const [stmt, node] of stmts) byLine.set(lineCol(file, Math.max(stmt.span.start, stmt.span.end - 1)).line, { stmt, node });
  const lines = [...byLine.keys()].sort((a, b) => a - b);
  const width = String(lines[lines.length - 1]).length;
  const header = facts.name === "<top level>" ? "top level" : `fn ${facts.name}`;
  const out = [`${header} (${file.name}):`];
  let previous: State = new Map();
  const nameWidth = Math.max(1, ...facts.cfg.bindings.filter((b) => !b.name.startsWith("<")).map((b) => b.name.length + (b.ty && b.ty.kind === "ref" ? 1 : 0)));
  for (const line of lines) {
    const { node } = byLine.get(line)!;
    const state = stateAfter(facts, node);
    const src = lineText(file, line).trim();
    out.push(`  ${String(line).padStart(width)} | ${src}`);
    for (const d of diagnostics.filter((d) => d.primary.span.file === file && lineCol(file, d.primary.span.start).line === line)) {
      out.push(...errorRows(d, width));
    }
    for (const row of changeRows(previous, state, nameWidth)) out.push(`  ${" ".repeat(width)} |     ${row}`);
    previous = state;
  }
  return out.join("\n") + "\n";
}

/** Permissions of every place in scope after `node`. */
function stateAfter(facts: BodyFacts, node: number): State {
  const { cfg, analysis } = facts;
  const moved = new Map<Binding, string>();
  for (const s of analysis.sites) {
    if (s.path.proj.length === 0 && analysis.moves.after.has(node, s.id)) {
      const at = cfg.nodes[s.node];
      moved.set(s.path.base, s.kind === "uninit" ? "not yet initialized" : `moved${moveSpanText(facts, s.node, at.stmt)}`);
    }
  }
  const loans = facts.liveLoansAfter(node);
  const state: State = new Map();
  cfg.bindings.forEach((b, i) => {
    if (cfg.external.has(b) || b.name.startsWith("_") || b.name.startsWith("<") || !inScope(facts, node, i)) return;
    let perms: Perms = { r: true, w: b.mutable, o: true };
    let why: string | null = null;
    const m = moved.get(b);
    if (m) {
      perms = { r: false, w: false, o: false };
      why = m;
    } else {
      for (const loan of loans.filter((l) => l.place.base === b)) {
        const by = holderName(facts, loan);
        if (loan.mutable) {
          perms = { r: false, w: false, o: false };
          why = `mutably borrowed by ${by} at ${posOf(loan.span)}`;
        } else {
          perms = { r: perms.r, w: false, o: false };
          why = why ?? `borrowed by ${by} at ${posOf(loan.span)}`;
        }
      }
    }
    state.set(b.name, { name: b.name, perms, why });
    const t = b.ty;
    if (t && t.kind === "ref" && !m) state.set(`*${b.name}`, { name: `*${b.name}`, perms: { r: true, w: t.mutable, o: false }, why: null });
  });
  return state;
}

function inScope(facts: BodyFacts, node: number, bindingIndex: number): boolean {
  const sets = facts.analysis.scope.after as { has(node: number, bit: number): boolean };
  return sets.has(node, bindingIndex);
}

function moveSpanText(facts: BodyFacts, node: number, _stmt: number): string {
  const a = facts.cfg.nodes[node].action as { span?: Span };
  return a && a.span ? ` at ${posOf(a.span)}` : "";
}

function holderName(facts: BodyFacts, loan: Loan): string {
  const holders = facts.cfg.loanHolders.get(loan.id);
  if (holders && holders.size) return [...holders].map((b) => (b.name === "<iterator>" ? "the `for` loop" : `\`${b.name}\``)).join(", ");
  return "a temporary";
}

/** The rows for what changed since the previous line. */
function changeRows(before: State, after: State, width: number): string[] {
  const rows: string[] = [];
  for (const [name, s] of after) {
    const old = before.get(name);
    const p = permString(s.perms);
    if (!old) rows.push(`${name.padEnd(width)}  ${p}  declared${s.why ? `, ${s.why}` : ""}`);
    else if (permString(old.perms) !== p) {
      const gained = permString(old.perms) < p;
      const event = s.why ?? (old.why && old.why.startsWith("moved") ? "initialized again" : old.why ? `${old.why.replace(/ at \d+:\d+$/, "")} ended` : gained ? "regained" : "changed");
      rows.push(`${name.padEnd(width)}  ${p}  ${event}`);
    }
  }
  for (const [name] of before) if (!after.has(name)) rows.push(`${name.padEnd(width)}  ---  dropped (out of scope)`);
  return rows;
}

function errorRows(d: Diagnostic, width: number): string[] {
  const pad = `  ${" ".repeat(width)} |   `;
  const rows = [`${pad}error[${d.code}]: ${d.message}`];
  // The borrow checker's own permissions fact (one source of truth with the diagnostic's JSON):
  // what the operation needed, what the place had, and the event that removed the rest.
  const fact = d.notes.find(isPermissionNote);
  if (fact) rows.push(`${pad}${fact}`);
  return rows;
}

function lineText(file: Span["file"], line: number): string {
  const start = file.lineStarts[line - 1] ?? file.text.length;
  const next = file.lineStarts[line];
  return file.text.slice(start, next === undefined ? file.text.length : next - 1).replace(/\r$/, "");
}
