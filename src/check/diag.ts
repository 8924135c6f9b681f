// Building the checker's diagnostics in rustc's words.

import type { Diagnostic } from "../diagnostics";
import { error } from "../diagnostics";
import type { Span } from "../syntax/ast";
import type { Infer } from "./infer";
import { typeToString, type Type } from "./types";

/** Renders a type for a message, with literal variables as rustc shows them. */
export function show(inf: Infer, t: Type): string {
  const r = inf.resolve(t);
  if (r.kind === "var") {
    const k = inf.varKind(r);
    return k === "int" ? "{integer}" : k === "float" ? "{float}" : "_";
  }
  return "`" + typeToString(replaceVars(inf, r)) + "`";
}

function replaceVars(inf: Infer, t: Type): Type {
  switch (t.kind) {
    case "var": {
      const k = inf.varKind(t);
      return { kind: "param", name: k === "int" ? "{integer}" : k === "float" ? "{float}" : "_" };
    }
    case "tuple":
      return { kind: "tuple", elems: t.elems.map((e) => replaceVars(inf, e)) };
    case "array":
      return { kind: "array", elem: replaceVars(inf, t.elem), len: t.len };
    case "ref":
      return { kind: "ref", mutable: t.mutable, inner: replaceVars(inf, t.inner) };
    case "adt":
      return { kind: "adt", decl: t.decl, args: t.args.map((a) => replaceVars(inf, a)) };
    case "builtin":
      return { kind: "builtin", name: t.name, args: t.args.map((a) => replaceVars(inf, a)) };
    case "fn":
      return { kind: "fn", callKind: t.callKind, params: t.params.map((a) => replaceVars(inf, a)), ret: replaceVars(inf, t.ret) };
    default:
      return t;
  }
}

/** "integer" / "floating-point number" for literal variables, `T` otherwise (rustc's wording). */
export function showFound(inf: Infer, t: Type): string {
  const r = inf.shallow(t);
  if (r.kind === "var") {
    const k = inf.varKind(r);
    if (k === "int") return "integer";
    if (k === "float") return "floating-point number";
  }
  return show(inf, t);
}

export interface MismatchOrigin {
  span: Span;
  label: string;
}

/** E0308 with rustc's primary label and, when known, where the expectation came from. */
export function mismatch(inf: Infer, span: Span, expected: Type, found: Type, origin?: MismatchOrigin | null): Diagnostic {
  const exp = showFound(inf, expected);
  const fnd = showFound(inf, found);
  const d = error("E0308", "mismatched types", span, `expected ${exp}, found ${fnd}`);
  if (origin) d.labels.push({ span: origin.span, message: origin.label });
  const failure = inf.lastFailure.shape;
  if (failure) {
    d.notes.push(`tensor shapes differ: [${failure.left.join(", ")}] and [${failure.right.join(", ")}]`);
    inf.lastFailure = {};
  }
  const e = inf.shallow(expected);
  const f = inf.shallow(found);
  const text = span.file.text.slice(span.start, span.end);
  const eBase = e.kind === "ref" ? inf.shallow(e.inner) : e;
  if (eBase.kind === "builtin" && eBase.name === "String" && f.kind === "char") {
    if (/^'.*'$/.test(text)) d.help.push(`if you meant to write a string literal, use double quotes: \`"${text.slice(1, -1)}"\``);
  }
  // `if x = 5`: an assignment where a condition is expected.
  if (e.kind === "bool" && f.kind === "tuple" && f.elems.length === 0 && /^[^=<>!]*[^=<>!]=[^=]/.test(text)) {
    d.help.push(`to compare for equality, write \`==\`: \`${text.replace(/([^=<>!])=([^=])/, "$1==$2")}\``);
  }
  // Two integer types: STARK converts only with `as` (LANGUAGE.md §3).
  if ((e.kind === "int" || e.kind === "float") && (f.kind === "int" || f.kind === "float") && (e as { name: string }).name !== (f as { name: string }).name && !/^[0-9]/.test(text)) {
    d.help.push(`convert with \`as\`: \`${text.length <= 40 ? text : "value"} as ${(e as { name: string }).name}\``);
  }
  if (e.kind === "builtin" && e.name === "Iter" && f.kind === "builtin" && (f.name === "Range" || f.name === "Vec")) {
    d.help.push(`an \`Iter\` value is made with \`.into_iter()\` (or \`.iter()\` to borrow the elements of a Vec)`);
  }
  if (e.kind === "float" && inf.varKind(f) === "int") {
    if (/^[0-9_]+$/.test(text)) d.help.push(`use a float literal: \`${text}.0\``);
  }
  // `&x` where `&mut x` is expected.
  if (e.kind === "ref" && e.mutable && f.kind === "ref" && !f.mutable && /^&[^m]/.test(text) && inf.shallow(e.inner).kind !== "var" && inf.tryUnify(inf.shallow(e.inner), inf.shallow(f.inner))) {
    d.help.push(`consider mutably borrowing here: \`&mut ${text.slice(1).trimStart()}\``);
  }
  // `fn f(words: &Vec<&str>)` given `vec!["a", "b"]`: in STARK a string literal is a `String`.
  const unref = (t: Type) => (t.kind === "ref" ? inf.shallow(t.inner) : t);
  const isStr = (t: Type) => t.kind === "builtin" && t.name === "String";
  const eColl = unref(e);
  const fColl = unref(f);
  if (eColl.kind === "builtin" && fColl.kind === "builtin" && eColl.name === fColl.name && eColl.args.length === fColl.args.length) {
    const strArg = eColl.args.findIndex((a, i) => {
      const ea = inf.shallow(a);
      return ea.kind === "ref" && isStr(inf.shallow(ea.inner)) && isStr(inf.shallow(fColl.args[i]));
    });
    if (strArg >= 0) {
      const ownedColl: Type = { ...eColl, args: eColl.args.map((a, i) => (i === strArg ? fColl.args[i] : a)) };
      const owned = showFound(inf, e.kind === "ref" ? { ...e, inner: ownedColl } : ownedColl);
      d.help.push(`string literals are \`String\`s in STARK, so this holds \`String\`s: declare ${owned} here, or annotate the value where it is made (\`let v: ${showFound(inf, eColl).slice(1, -1).replace(/&String/g, "&str")} = ...\`)`);
    }
  }
  // A value where a reference to the same type is expected (a String passed to a `&str` parameter).
  if (e.kind === "ref" && f.kind !== "ref" && f.kind !== "var" && inf.shallow(e.inner).kind !== "var" && inf.tryUnify(inf.shallow(e.inner), f) && text.length <= 40) {
    d.help.push(`consider borrowing here: \`&${e.mutable ? "mut " : ""}${text}\``);
  }
  return d;
}
