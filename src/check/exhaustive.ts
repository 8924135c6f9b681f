// Match exhaustiveness (E0004), deliberately conservative: it reports a missing enum variant,
// a missing `true`/`false`, or a missing catch-all for numbers, chars and strings, and accepts
// whatever it cannot decide (tuples and structs of several refutable fields) rather than risk
// rejecting a correct program. The run time still panics if no arm matches.

import { error } from "../diagnostics";
import type { EnumDecl, MatchExpr, Pattern } from "../syntax/ast";
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

/** Flattens or-patterns and looks through `x @ pat` and `&pat`. */
function flatten(pats: Pattern[]): Pattern[] {
  const out: Pattern[] = [];
  for (const p of pats) {
    if (p.kind === "OrPat") out.push(...flatten(p.alts));
    else if (p.kind === "RefPat") out.push(...flatten([p.pat]));
    else if (p.kind === "BindPat" && p.sub) out.push(...flatten([p.sub]));
    else out.push(p);
  }
  return out;
}

function irrefutable(p: Pattern): boolean {
  return p.kind === "WildcardPat" || (p.kind === "BindPat" && !p.sub) || p.kind === "RestPat";
}

/** A description of what is not covered, or null when covered (or undecidable). */
function uncovered(ck: BodyChecker, raw: Pattern[], t: Type, depth: number): string | null {
  const pats = flatten(raw);
  if (pats.some(irrefutable)) return null;
  let s = ck.inf.resolve(t);
  while (s.kind === "ref") s = s.inner;
  if (depth > 3) return null;
  if (s.kind === "bool") {
    const vals = new Set(pats.filter((p) => p.kind === "LitPat" && p.value.kind === "BoolLit").map((p) => (p as { value: { value: boolean } }).value.value));
    const miss = [true, false].filter((v) => !vals.has(v)).map((v) => `\`${v}\``);
    return miss.length ? miss.join(" and ") : null;
  }
  if (s.kind === "adt" && s.decl.kind === "EnumDecl") return enumUncovered(ck, pats, s.decl, s, depth);
  if (s.kind === "int" || s.kind === "char" || s.kind === "float" || (s.kind === "builtin" && s.name === "String")) return "`_`";
  return null;
}

function enumUncovered(ck: BodyChecker, pats: Pattern[], decl: EnumDecl, t: Type & { kind: "adt" }, depth: number): string | null {
  const missing: string[] = [];
  decl.variants.forEach((v, index) => {
    const mine = pats.filter((p) => {
      if (p.kind !== "TupleStructPat" && p.kind !== "StructPat" && p.kind !== "PathPat") return false;
      const r = p.path.res;
      return r !== undefined && r.kind === "variant" && r.decl === decl && r.index === index;
    });
    const name = `${decl.name.name === "Option" || decl.name.name === "Result" ? "" : decl.name.name + "::"}${v.name.name}`;
    const shown = v.shape === "tuple" ? `${name}(${v.fields.map(() => "_").join(", ")})` : v.shape === "named" ? `${name} { .. }` : name;
    if (mine.length === 0) {
      missing.push(`\`${shown}\``);
      return;
    }
    if (v.shape !== "tuple" || v.fields.length !== 1) return; // several fields: not decided here
    const subs = mine.filter((p): p is Extract<Pattern, { kind: "TupleStructPat" }> => p.kind === "TupleStructPat").map((p) => p.elems[0]).filter((x): x is Pattern => !!x);
    if (subs.length < mine.length) return;
    const fieldTy = ck.fieldType(t, index, 0);
    const inner = uncovered(ck, subs, fieldTy, depth + 1);
    if (inner) missing.push(`\`${name}(${inner.replace(/`/g, "").split(" and ")[0]})\``);
  });
  if (missing.length === 0) return null;
  return missing.length <= 3 ? missing.join(missing.length === 2 ? " and " : ", ") : `${missing.slice(0, 3).join(", ")} and ${missing.length - 3} more`;
}
