// Pattern checking with Rust's default binding modes: matching a reference against a
// non-reference pattern looks through it, and the bindings inside become references
// (`match &opt { Some(x) => .. }` gives `x: &T`). Each pattern's `ty` is the type of the value it
// matches (before looking through references), so later stages can see the auto-deref.

import { error } from "../diagnostics";
import type { EnumDecl, LitPat, Pattern, StructDecl } from "../syntax/ast";
import type { BodyChecker, BodyCx } from "./body";
import { mismatch, show } from "./diag";
import { ERR } from "./infer";
import type { Type } from "./types";

type Mode = "move" | "ref" | "refMut";

export function checkPattern(ck: BodyChecker, p: Pattern, expected: Type, cx: BodyCx): void {
  pat(ck, p, expected, cx, "move");
}

function record(ck: BodyChecker, p: Pattern, t: Type): void {
  p.ty = t;
  ck.typedPats.push(p);
}

/** Looks through references for a non-reference pattern, updating the binding mode. */
function peel(ck: BodyChecker, t: Type, mode: Mode): { t: Type; mode: Mode } {
  let s = ck.inf.shallow(t);
  while (s.kind === "ref") {
    mode = s.mutable && mode !== "ref" ? "refMut" : "ref";
    s = ck.inf.shallow(s.inner);
  }
  return { t: s, mode };
}

function pat(ck: BodyChecker, p: Pattern, expected: Type, cx: BodyCx, mode: Mode): void {
  const inf = ck.inf;
  record(ck, p, expected);
  switch (p.kind) {
    case "WildcardPat":
    case "RestPat":
      return;
    case "BindPat": {
      let t = expected;
      if (p.byRef !== "none") t = { kind: "ref", mutable: p.byRef === "refMut", inner: expected };
      else if (mode !== "move") t = { kind: "ref", mutable: mode === "refMut", inner: expected };
      ck.declare(p.binding, t, cx);
      if (p.sub) pat(ck, p.sub, expected, cx, mode);
      return;
    }
    case "LitPat": {
      const { t } = peel(ck, expected, mode);
      const lt = litType(ck, p);
      if (t !== ERR && !inf.unify(t, lt)) ck.err(mismatch(inf, p.span, t, lt));
      return;
    }
    case "RangePat": {
      const { t } = peel(ck, expected, mode);
      for (const end of [p.start, p.end]) {
        if (!end) continue;
        record(ck, end, t);
        const lt = litType(ck, end);
        if (t !== ERR && !inf.unify(t, lt)) ck.err(mismatch(inf, end.span, t, lt));
      }
      return;
    }
    case "TuplePat": {
      const pe = peel(ck, expected, mode);
      let t = pe.t;
      const restAt = p.elems.findIndex((e) => e.kind === "RestPat");
      if (t.kind === "var") {
        const fresh: Type = { kind: "tuple", elems: p.elems.map(() => inf.fresh()) };
        inf.unify(t, fresh);
        t = fresh;
      }
      if (t === ERR) {
        for (const e of p.elems) pat(ck, e, ERR, cx, pe.mode);
        return;
      }
      if (t.kind !== "tuple" || (restAt < 0 && t.elems.length !== p.elems.length)) {
        const shapeT: Type = { kind: "tuple", elems: p.elems.map(() => ({ kind: "param", name: "_" }) as Type) };
        ck.err(mismatch(inf, p.span, t, shapeT));
        for (const e of p.elems) pat(ck, e, ERR, cx, pe.mode);
        return;
      }
      matchElems(ck, p.elems, t.elems, cx, pe.mode, restAt);
      return;
    }
    case "TupleStructPat": {
      const pe = peel(ck, expected, mode);
      const target = ck.resolveStructPath(p.path, cx);
      if (!target) {
        for (const e of p.elems) pat(ck, e, ERR, cx, pe.mode);
        return;
      }
      const fields = fieldsOf(target.decl, target.variant);
      const shape = target.decl.kind === "StructDecl" ? target.decl.shape : target.decl.variants[target.variant].shape;
      const name = pathName(p.path);
      if (shape !== "tuple") {
        ck.err(error("E0532", `expected tuple struct or tuple variant, found ${shape === "unit" ? "unit" : "struct"} ${target.decl.kind === "StructDecl" ? "struct" : "variant"} \`${name}\``, p.path.span, "not a tuple struct or tuple variant"));
        return;
      }
      unifyScrutinee(ck, p, pe.t, target.ty);
      // A scrutinee whose type is already an error (`o.as_mutt()`, reported there): its
      // bindings are errors too, so their uses report nothing more (rustc's error type).
      if (pe.t === ERR) {
        for (const e of p.elems) pat(ck, e, ERR, cx, pe.mode);
        return;
      }
      const restAt = p.elems.findIndex((e) => e.kind === "RestPat");
      if (restAt < 0 && p.elems.length !== fields.length) {
        const s = (n: number) => (n === 1 ? "" : "s");
        const what = target.decl.kind === "StructDecl" ? "struct" : "variant";
        ck.err(error("E0023", `this pattern has ${p.elems.length} field${s(p.elems.length)}, but the corresponding tuple ${what} has ${fields.length} field${s(fields.length)}`, p.span, `expected ${fields.length} field${s(fields.length)}, found ${p.elems.length}`));
        for (const e of p.elems) pat(ck, e, ERR, cx, pe.mode);
        return;
      }
      const types = fields.map((_, i) => ck.fieldType(target.ty as { kind: "adt"; decl: StructDecl | EnumDecl; args: Type[] }, target.variant, i));
      matchElems(ck, p.elems, types, cx, pe.mode, restAt);
      return;
    }
    case "StructPat": {
      const pe = peel(ck, expected, mode);
      const target = ck.resolveStructPath(p.path, cx);
      if (!target) {
        for (const f of p.fields) pat(ck, f.pat, ERR, cx, pe.mode);
        return;
      }
      unifyScrutinee(ck, p, pe.t, target.ty);
      if (pe.t === ERR) {
        for (const f of p.fields) pat(ck, f.pat, ERR, cx, pe.mode);
        return;
      }
      const fields = fieldsOf(target.decl, target.variant);
      const name = pathName(p.path);
      for (const f of p.fields) {
        const idx = fields.findIndex((d) => d.name.name === f.name.name);
        if (idx < 0) {
          const what = target.decl.kind === "StructDecl" ? "struct" : "variant";
          ck.err(error("E0026", `${what} \`${name}\` does not have a field named \`${f.name.name}\``, f.name.span, `${what} \`${name}\` does not have this field`));
          pat(ck, f.pat, ERR, cx, pe.mode);
          continue;
        }
        pat(ck, f.pat, ck.fieldType(target.ty as { kind: "adt"; decl: StructDecl | EnumDecl; args: Type[] }, target.variant, idx), cx, pe.mode);
      }
      if (!p.rest) {
        const missing = fields.filter((d) => !p.fields.some((f) => f.name.name === d.name.name)).map((d) => `\`${d.name.name}\``);
        if (missing.length) {
          ck.err(error("E0027", `pattern does not mention field${missing.length === 1 ? "" : "s"} ${missing.join(", ")}`, p.span, `missing field${missing.length === 1 ? "" : "s"} ${missing.join(", ")}`));
        }
      }
      return;
    }
    case "PathPat": {
      const pe = peel(ck, expected, mode);
      const names = p.path.segments.map((s) => s.name.name);
      // A single lower-case name that is not a const/unit item would be a binding (parser's job).
      const r = ck.resolveValuePath(p.path, null, cx);
      p.path.ty = r ? r.ty : ERR;
      ck.typedExprs.push(p.path);
      if (!r) return;
      const res = p.path.res;
      if (res && res.kind === "variant" && res.decl.variants[res.index].shape !== "unit") {
        ck.err(error("E0532", `expected unit struct, unit variant or constant, found tuple variant \`${names.join("::")}\``, p.span, "not a unit struct, unit variant or constant"));
        return;
      }
      if (pe.t !== ERR && r.ty !== ERR && !inf.unify(pe.t, r.ty)) ck.err(mismatch(inf, p.span, pe.t, r.ty));
      return;
    }
    case "RefPat": {
      const s = inf.shallow(expected);
      if (s === ERR) return pat(ck, p.pat, ERR, cx, "move");
      if (s.kind === "var") {
        const inner = inf.fresh();
        inf.unify(s, { kind: "ref", mutable: p.mutable, inner });
        return pat(ck, p.pat, inner, cx, "move");
      }
      if (s.kind !== "ref") {
        ck.err(error("E0308", "mismatched types", p.span, `expected ${show(inf, s)}, found \`&_\``));
        return pat(ck, p.pat, ERR, cx, "move");
      }
      return pat(ck, p.pat, s.inner, cx, "move");
    }
    case "OrPat": {
      const outer = ck.orBindings;
      ck.orBindings = new Map();
      for (const alt of p.alts) pat(ck, alt, expected, cx, mode);
      ck.orBindings = outer;
      return;
    }
  }
}

function matchElems(ck: BodyChecker, elems: Pattern[], types: Type[], cx: BodyCx, mode: Mode, restAt: number): void {
  if (restAt < 0) {
    elems.forEach((e, i) => pat(ck, e, types[i] ?? ERR, cx, mode));
    return;
  }
  const after = elems.length - restAt - 1;
  elems.forEach((e, i) => {
    if (i < restAt) pat(ck, e, types[i] ?? ERR, cx, mode);
    else if (i === restAt) record(ck, e, ERR);
    else pat(ck, e, types[types.length - after + (i - restAt - 1)] ?? ERR, cx, mode);
  });
}

function unifyScrutinee(ck: BodyChecker, p: Pattern, scrutinee: Type, patTy: Type): void {
  if (scrutinee === ERR) return;
  if (!ck.inf.unify(scrutinee, patTy)) ck.err(mismatch(ck.inf, p.span, scrutinee, patTy));
}

function fieldsOf(decl: StructDecl | EnumDecl, variant: number) {
  return decl.kind === "StructDecl" ? decl.fields : decl.variants[variant].fields;
}

function pathName(p: { segments: { name: { name: string } }[] }): string {
  return p.segments.map((s) => s.name.name).join("::");
}

function litType(ck: BodyChecker, p: LitPat): Type {
  const v = p.value;
  v.ty = undefined;
  switch (v.kind) {
    case "IntLit": {
      const t: Type = v.suffix ? (v.suffix.startsWith("f") ? { kind: "float", name: v.suffix as "f32" } : { kind: "int", name: v.suffix as "i32" }) : ck.inf.fresh("int");
      v.ty = t;
      ck.typedExprs.push(v);
      return t;
    }
    case "FloatLit": {
      const t: Type = v.suffix ? { kind: "float", name: v.suffix } : ck.inf.fresh("float");
      v.ty = t;
      ck.typedExprs.push(v);
      return t;
    }
    case "StrLit":
      v.ty = { kind: "builtin", name: "String", args: [] };
      return v.ty;
    case "CharLit":
      v.ty = { kind: "char" };
      return v.ty;
    case "BoolLit":
      v.ty = { kind: "bool" };
      return v.ty;
  }
}
