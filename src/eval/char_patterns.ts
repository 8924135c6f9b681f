// A `char` as the pattern of the String search methods (`line.split(',')`, `s.find(':')`,
// `s.starts_with('#')`, `s.replace('-', " ")`), as in Rust: the prelude declares them with
// `P: StrPattern`, and here a char argument becomes a one-char String for the String natives.
// (`contains` takes a char itself.)

import type { Type } from "../check/types";
import { NATIVES, NativeFactory, registerNatives } from "./natives";
import type { Value } from "./runtime";
import { derefAll } from "./typeinfo";

const STRING_REF: Type = { kind: "ref", mutable: false, inner: { kind: "builtin", name: "String", args: [] } };
const N: Record<string, NativeFactory> = {};

for (const name of ["split", "starts_with", "ends_with", "find", "replace"]) {
  const core = NATIVES[`String::${name}`];
  N[`String::${name}`] = (s) => {
    if (derefAll(s.argTypes[1] ?? STRING_REF).kind !== "char") return core(s);
    const withString = core({ ...s, argTypes: [s.argTypes[0], STRING_REF, ...s.argTypes.slice(2)] });
    // Allocating the String never collects, so `x` stays where it is.
    return (x: Value, c: Value, ...rest: Value[]) => withString(x, s.rt.newString(String.fromCodePoint(c)), ...rest);
  };
}

registerNatives(N);
