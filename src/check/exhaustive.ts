// Match exhaustiveness (E0004, and E0005 for `let`): the usefulness algorithm rustc uses
// (Maranget's pattern matrices), over the types whose values it can enumerate — bool, enums,
// tuples, structs, references — so a missing combination deep inside (`(false, false)`,
// `Some(Cmd::Wait(_))`) is found and named. Numbers, chars and strings are open-ended: only a
// catch-all covers them, except that integer ranges, which can cover a whole type, are taken as
// covering (never a false error). Arms with guards do not count, as in Rust.

import { error } from "../diagnostics";
import type { MatchExpr, Pattern } from "../syntax/ast";
import type { BodyChecker } from "./body";
import type { Type } from "./types";

export function checkExhaustive(ck: BodyChecker, e: MatchExpr, scrutinee: Type): void {
  const pats = e.arms.filter((a) => !a.guard).map((a) => a.pat);
  const missing = uncovered(ck, pats, scrutinee, 0);
  if (missing === null) return;
  const d = error("E0004", `non-exhaustive patterns: ${missing} not covered`, e.scrutinee.span, `pattern${missing.includes(" and ") ? "s" : ""} ${missing} not covered`);
  d.notes.push("a `match` must handle every possible value of its scrutinee");
  d.help.push("add a match arm with a wildcard pattern `_ => ...`, or an arm for each missing case");
  ck.diagnostics.push(d);
}

/** E0005: a `let` without `else` whose pattern may fail to match (`let Some(x) = opt;`). */
export function checkIrrefutableLet(ck: BodyChecker, p: Pattern, t: Type): void {
  const missing = uncovered(ck, [p], t, 0);
  if (missing === null) return;
  const d = error("E0005", `refutable pattern in local binding`, p.span, `pattern${missing.includes(" and ") ? "s" : ""} ${missing} not covered`);
  d.notes.push("`let` bindings require an \"irrefutable pattern\", like a `struct` or an `enum` with only one variant");
  d.help.push("you might want to use `let else` to handle the case that doesn't match: `let PATTERN = EXPR else { return; };`, or `if let`");
  ck.diagnostics.push(d);
}

type Row = Pattern[];

/** A constructor of a finite type: its name for messages and the types of its fields. */
interface Ctor {
  /** Whether pattern head `p` (already unwrapped) is this constructor. */
  matches(p: Pattern): boolean;
  /** The field patterns of head `p` (which matches), one per field. */
  fields(p: Pattern): Pattern[];
  types: Type[];
  show(fields: string[]): string;
}

const WILD: Pattern = { kind: "WildcardPat", span: { file: { name: "", text: "" }, start: 0, end: 0 } } as unknown as Pattern;

/** Looks through `x @ pat`, `&pat`; a binding without a sub-pattern is a wildcard. */
function head(p: Pattern): Pattern {
  for (;;) {
    if (p.kind === "RefPat") p = p.pat;
    else if (p.kind === "BindPat" && p.sub) p = p.sub;
    else if (p.kind === "BindPat" || p.kind === "RestPat") return WILD;
    else return p;
  }
}

/** Rows with or-patterns in the first column split into one row per alternative. */
function expandOr(rows: Row[]): Row[] {
  const out: Row[] = [];
  for (const r of rows) {
    const h = head(r[0]);
    if (h.kind === "OrPat") out.push(...expandOr(h.alts.map((a) => [a, ...r.slice(1)])));
    else out.push([h, ...r.slice(1)]);
  }
  return out;
}

/** Positional sub-patterns with a `..` expanded to wildcards so there are `n`. */
function positional(elems: Pattern[], n: number): Pattern[] {
  const rest = elems.findIndex((e) => e.kind === "RestPat");
  if (rest < 0) return elems.length === n ? elems : [...elems, ...Array(Math.max(0, n - elems.length)).fill(WILD)].slice(0, n);
  const before = elems.slice(0, rest);
  const after = elems.slice(rest + 1);
  return [...before, ...Array(Math.max(0, n - before.length - after.length)).fill(WILD), ...after];
}

function namedFields(p: Pattern, names: string[]): Pattern[] {
  if (p.kind === "StructPat") return names.map((n) => p.fields.find((f) => f.name.name === n)?.pat ?? WILD);
  if (p.kind === "TupleStructPat") return positional(p.elems, names.length);
  return names.map(() => WILD);
}

/** The constructors of `t`, or null when its values cannot be enumerated (numbers, strings, ...). */
function ctorsOf(ck: BodyChecker, t: Type): Ctor[] | null {
  if (t.kind === "bool")
    return [true, false].map((v) => ({
      matches: (p) => p.kind === "LitPat" && p.value.kind === "BoolLit" && p.value.value === v,
      fields: () => [],
      types: [],
      show: () => String(v),
    }));
  if (t.kind === "tuple")
    return [{ matches: (p) => p.kind === "TuplePat", fields: (p) => positional((p as Extract<Pattern, { kind: "TuplePat" }>).elems, t.elems.length), types: t.elems, show: (f) => `(${f.join(", ")}${f.length === 1 ? "," : ""})` }];
  if (t.kind !== "adt") return null;
  const decl = t.decl;
  const prelude = decl.name.name === "Option" || decl.name.name === "Result";
  if (decl.kind === "StructDecl") {
    const names = decl.fields.map((f) => f.name.name);
    const types = names.map((_, i) => ck.fieldType(t, 0, i));
    const isMe = (p: Pattern) => (p.kind === "StructPat" || p.kind === "TupleStructPat" || p.kind === "PathPat") && p.path.res?.kind !== "variant" && p.path.res?.kind !== "const";
    const shape = decl.shape;
    return [{ matches: isMe, fields: (p) => namedFields(p, names), types, show: (f) => (shape === "tuple" ? `${decl.name.name}(${f.join(", ")})` : shape === "unit" ? decl.name.name : `${decl.name.name} { ${names.map((n, i) => `${n}: ${f[i]}`).join(", ")} }`) }];
  }
  return decl.variants.map((v, index) => {
    const names = v.fields.map((f) => f.name.name);
    const name = `${prelude ? "" : decl.name.name + "::"}${v.name.name}`;
    return {
      matches: (p: Pattern) => (p.kind === "TupleStructPat" || p.kind === "StructPat" || p.kind === "PathPat") && p.path.res?.kind === "variant" && p.path.res.decl === decl && p.path.res.index === index,
      fields: (p: Pattern) => namedFields(p, names),
      types: v.fields.map((_, i) => ck.fieldType(t, index, i)),
      show: (f: string[]) => (v.shape === "tuple" ? `${name}(${f.join(", ")})` : v.shape === "named" ? (f.every((x) => x === "_") ? `${name} { .. }` : `${name} { ${names.map((n, i) => `${n}: ${f[i]}`).join(", ")} }`) : name),
    };
  });
}

function resolved(ck: BodyChecker, t: Type): Type {
  let s = ck.inf.resolve(t);
  while (s.kind === "ref" || (s.kind === "builtin" && s.name === "Box" && s.args[0])) s = ck.inf.resolve(s.kind === "ref" ? s.inner : s.args[0]);
  return s;
}

/** Whether a head pattern is a catch-all for the column (wildcards; integer ranges, conservatively). */
function catchAll(p: Pattern): boolean {
  return p.kind === "WildcardPat" || p.kind === "RangePat";
}

/**
 * A value (one pattern text per column) that no row matches, or null when the rows cover every
 * value. `budget` bounds the work on pathological matches (then: covered).
 */
function witness(ck: BodyChecker, rows: Row[], types: Type[], budget: { n: number }): string[] | null {
  if (--budget.n < 0) return null;
  if (types.length === 0) return rows.length === 0 ? [] : null;
  rows = expandOr(rows);
  const t = resolved(ck, types[0]);
  const rest = types.slice(1);
  const ctors = ctorsOf(ck, t);
  const heads = rows.map((r) => r[0]);
  // A pattern this check does not model for the type (a const, a slice): assume covered.
  if (ctors && heads.some((h) => !catchAll(h) && !ctors.some((c) => c.matches(h)))) return null;
  // No constructor written in this column (or an open-ended type): only the catch-all rows
  // matter, and the column shows as `_` (this also keeps recursive types finite).
  if (!ctors || !heads.some((h) => !catchAll(h))) {
    const defaults = rows.filter((r) => catchAll(r[0])).map((r) => r.slice(1));
    const w = witness(ck, defaults, rest, budget);
    return w ? ["_", ...w] : null;
  }
  for (const c of ctors) {
    const spec: Row[] = [];
    for (const r of rows) {
      if (catchAll(r[0])) spec.push([...c.types.map(() => WILD), ...r.slice(1)]);
      else if (c.matches(r[0])) spec.push([...c.fields(r[0]), ...r.slice(1)]);
    }
    const w = witness(ck, spec, [...c.types, ...rest], budget);
    if (w) return [c.show(w.slice(0, c.types.length)), ...w.slice(c.types.length)];
  }
  return null;
}

/** A description of what is not covered, or null when covered. At the top, each missing constructor is named. */
function uncovered(ck: BodyChecker, raw: Pattern[], t: Type, _depth: number): string | null {
  const rows = expandOr(raw.map((p) => [p]));
  const budget = { n: 20000 };
  const top = resolved(ck, t);
  const ctors = ctorsOf(ck, top);
  const missing: string[] = [];
  if (ctors && ctors.length > 1 && !rows.some((r) => catchAll(r[0]))) {
    for (const c of ctors) {
      const spec = rows.filter((r) => c.matches(r[0])).map((r) => c.fields(r[0]));
      if (rows.some((r) => !catchAll(r[0]) && !ctors.some((k) => k.matches(r[0])))) return null;
      const w = witness(ck, spec, c.types, budget);
      if (w) missing.push(`\`${c.show(w)}\``);
    }
  } else {
    const w = witness(ck, rows, [t], budget);
    if (w) missing.push(`\`${w[0]}\``);
  }
  if (budget.n < 0 || missing.length === 0) return null;
  return missing.length <= 3 ? missing.join(missing.length === 2 ? " and " : ", ") : `${missing.slice(0, 3).join(", ")} and ${missing.length - 3} more`;
}
