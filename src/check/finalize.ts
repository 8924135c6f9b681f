// After a program (or REPL input) is checked: resolve every recorded type (applying Rust's
// literal defaults, i32 and f64), and check the trait bounds that had to wait for inference.

import { error } from "../diagnostics";
import type { BodyChecker } from "./body";
import { show } from "./diag";
import { ERR } from "./infer";

export interface FinalizeMark {
  exprs: number;
  pats: number;
  bindings: number;
  obligations: number;
  coercions: number;
  openCollects: number;
  openIntos: number;
}

export function markOf(ck: BodyChecker): FinalizeMark {
  return { exprs: ck.typedExprs.length, pats: ck.typedPats.length, bindings: ck.bindings.length, obligations: ck.obligations.length, coercions: ck.coercions.length, openCollects: ck.openCollects.length, openIntos: ck.openIntos.length };
}

/** Resolves everything recorded since `from` (the whole program when from is all zeros). */
export function finalize(ck: BodyChecker, from: FinalizeMark): void {
  const inf = ck.inf;
  for (let i = from.openCollects; i < ck.openCollects.length; i++) {
    const { collection, item } = ck.openCollects[i];
    if (inf.resolve(collection).kind === "var") inf.unify(collection, { kind: "builtin", name: "Vec", args: [item] });
  }
  for (let i = from.openIntos; i < ck.openIntos.length; i++) {
    const { e, from: src, to } = ck.openIntos[i];
    ck.settleInto(e, src, to);
  }
  for (let i = from.obligations; i < ck.obligations.length; i++) {
    const o = ck.obligations[i];
    const t = inf.resolve(o.ty);
    if (t.kind === "var" && inf.varKind(t) === "any") continue;
    if (t === ERR) continue;
    if (!ck.satisfies(t, o.trait)) {
      // rustc names the type without its references (`f64: Ord` for a `&f64` item).
      let shown = t;
      while (shown.kind === "ref") shown = inf.resolve(shown.inner);
      const ty = show(inf, shown).replace(/^`|`$/g, "");
      const name = o.trait.name.name;
      const prelude = o.trait.span.file.name === "<prelude>";
      if (name === "StrPattern" && prelude && shown.kind === "fn" && !(shown.params.length === 1 && inf.tryUnify(shown.params[0], { kind: "char" }))) {
        // rustc: a closure pattern with the wrong arguments is a closure signature mismatch.
        const found = shown.params.map((p) => show(inf, p).replace(/^`|`$/g, "")).join(", ");
        const d = error("E0631", "type mismatch in closure arguments", o.span, `expected closure signature \`fn(char) -> bool\`, found \`fn(${found}) -> _\``);
        d.help.push("a pattern closure is asked about each `char` of the String: `|c: char| c.is_whitespace()`");
        ck.diagnostics.push(d);
        continue;
      }
      if (name === "StrPattern" && prelude && shown.kind === "fn") {
        const ret = show(inf, shown.ret).replace(/^`|`$/g, "");
        const d = error("E0271", `expected the closure to return \`bool\`, but it returns \`${ret}\``, o.span, `expected \`bool\`, found \`${ret}\``);
        d.help.push("a pattern closure answers whether each `char` matches: `|c: char| c == ','`");
        ck.diagnostics.push(d);
        continue;
      }
      const d = error("E0277", `the trait bound \`${ty}: ${o.trait.name.name}\` is not satisfied`, o.span, `the trait \`${o.trait.name.name}\` is not implemented for \`${ty}\``);
      if (name === "StrPattern" && prelude) d.help.push("a String pattern is a `char`, a `String` (or `&String`) or a closure `|c: char| -> bool`");
      if ((name === "Ord" || name === "Eq") && o.trait.span.file.name === "<prelude>") {
        d.notes.push(`floats are only \`Partial${name}\`: NaN is neither smaller nor larger than any number (nor equal to itself)`);
        d.help.push(name === "Ord" ? "compare with `partial_cmp`, e.g. `v.sort_by(|a, b| a.partial_cmp(b).unwrap())`, or use `a.max(b)` / `a.min(b)` on floats" : "compare with `==`, which floats support, or keep the values as integers");
      }
      ck.diagnostics.push(d);
    }
  }
  for (let i = from.exprs; i < ck.typedExprs.length; i++) {
    const e = ck.typedExprs[i];
    // `Default::default()`: the `Self` inference chose for a trait function named through the trait
    // (checked before `finish` below defaults an unconstrained variable to `()`).
    if (e.kind === "PathExpr" && e.res?.kind === "fn" && e.res.selfTy) {
      const self = inf.resolve(e.res.selfTy);
      if (self.kind === "var" && inf.varKind(self) === "any") {
        const d = error("E0282", "type annotations needed", e.span, "cannot infer the type that implements this trait");
        d.help.push("give the result a type: `let x: i32 = Default::default();`, or name the type: `i32::default()`");
        ck.diagnostics.push(d);
      }
      e.res.selfTy = inf.finish(e.res.selfTy);
    }
    if (e.ty) e.ty = inf.finish(e.ty);
  }
  for (let i = from.coercions; i < ck.coercions.length; i++) {
    const e = ck.coercions[i];
    if (e.coercedTo) e.coercedTo = inf.finish(e.coercedTo);
  }
  for (let i = from.pats; i < ck.typedPats.length; i++) {
    const p = ck.typedPats[i];
    if (p.ty) p.ty = inf.finish(p.ty);
  }
  for (let i = from.bindings; i < ck.bindings.length; i++) {
    const b = ck.bindings[i];
    if (b.ty) b.ty = inf.finish(b.ty);
  }
}
