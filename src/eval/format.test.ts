// Display/Debug/format-spec output checked against what Rust prints (values confirmed with
// rustc's `format!`), through a runtime on the reference BumpHeap.

import { BumpHeap } from "../../heap/bump";
import type { Type } from "../check/types";
import type { FormatSpec } from "../syntax/ast";
import type { TensorRuntime } from "../tensor/api";
import { exponentText, formatValue, formatWithSpec, prettyDebug, radixText } from "./format";
import { floatDebug, floatDisplay, floatFixed } from "./numfmt";
import { Runtime } from "./runtime";
import { SlotKind } from "../../heap/api";

const I32: Type = { kind: "int", name: "i32" };
const F64: Type = { kind: "float", name: "f64" };
const F32: Type = { kind: "float", name: "f32" };
const STR: Type = { kind: "builtin", name: "String", args: [] };
const vecOf = (t: Type): Type => ({ kind: "builtin", name: "Vec", args: [t] });

function runtime(): Runtime {
  const scope = { types: new Map(), traits: new Map() };
  return new Runtime(new BumpHeap(), {} as TensorRuntime, scope, { stdout: () => {}, stderr: () => {} });
}

function spec(partial: Partial<FormatSpec>): FormatSpec {
  return { debug: false, precision: null, align: null, width: null, fill: " ", sign: false, raw: "", ...partial };
}

describe("floats as Rust prints them", () => {
  test.each([
    [8192, "8192"],
    [0.5, "0.5"],
    [1e21, "1000000000000000000000"],
    [1e-7, "0.0000001"],
    [-2.5, "-2.5"],
    [0.1 + 0.2, "0.30000000000000004"],
    [Infinity, "inf"],
    [NaN, "NaN"],
  ])("Display of f64 %p is %p", (x, want) => expect(floatDisplay(x, false)).toBe(want));

  test.each([
    [1, "1.0"],
    [2.5, "2.5"],
    [1e16, "1e16"],
    [1e15, "1000000000000000.0"],
    [1e-5, "1e-5"],
    [0.0001, "0.0001"],
    [-0, "-0.0"],
  ])("Debug of f64 %p is %p", (x, want) => expect(floatDebug(x, false)).toBe(want));

  test("f32 uses f32 shortest digits", () => {
    expect(floatDisplay(Math.fround(0.1), true)).toBe("0.1");
    expect(floatDisplay(Math.fround(1 / 3), true)).toBe("0.33333334");
    expect(floatDisplay(Math.fround(0.1), false)).toBe("0.10000000149011612");
  });

  test.each([
    [3.14159, 3, "3.142"],
    [2.5, 0, "2"],
    [0.125, 2, "0.12"],
    [1.005, 2, "1.00"],
    [-1.5, 1, "-1.5"],
    [1e21, 1, "1000000000000000000000.0"],
  ])("{:.N} of %p with %p digits is %p (round half to even on the exact value)", (x, p, want) => expect(floatFixed(x, p)).toBe(want));
});

describe("values by type", () => {
  const rt = runtime();

  test("strings: Display raw, Debug quoted and escaped", () => {
    const s = rt.newString('tab\there "q" \\ é');
    expect(formatValue(rt, s, STR, false, null)).toBe('tab\there "q" \\ é');
    expect(formatValue(rt, s, STR, true, null)).toBe('"tab\\there \\"q\\" \\\\ é"');
  });

  test("chars and bools", () => {
    expect(formatValue(rt, "a".codePointAt(0), { kind: "char" }, true, null)).toBe("'a'");
    expect(formatValue(rt, "'".codePointAt(0), { kind: "char" }, true, null)).toBe("'\\''");
    expect(formatValue(rt, 1, { kind: "bool" }, false, null)).toBe("true");
    expect(formatValue(rt, false, { kind: "bool" }, false, null)).toBe("false");
  });

  test("nested collections use Debug with floats keeping .0", () => {
    const inner = rt.newVec(vecOf(F64), F64, 2);
    rt.vecPush(inner, SlotKind.Scalar, 1, F64);
    rt.vecPush(inner, SlotKind.Scalar, 2.5, F64);
    const outer = rt.newVec(vecOf(vecOf(F64)), vecOf(F64), 1);
    rt.vecPush(outer, SlotKind.Pointer, inner, vecOf(F64));
    expect(formatValue(rt, outer, vecOf(vecOf(F64)), true, null)).toBe("[[1.0, 2.5]]");
    const words = rt.newVec(vecOf(STR), STR, 1);
    rt.vecPush(words, SlotKind.Pointer, rt.newString("tiny"), STR);
    expect(formatWithSpec(rt, words, vecOf(STR), null)).toBe('["tiny"]');
  });

  test("tuples, including the one-element form", () => {
    const t2: Type = { kind: "tuple", elems: [I32, STR] };
    const p = rt.heap.alloc(rt.tupleLayout(t2 as Type & { kind: "tuple" }));
    rt.store(p, 0, SlotKind.Scalar, 1);
    rt.store(p, 1, SlotKind.Pointer, rt.newString("a"));
    expect(formatValue(rt, p, t2, true, null)).toBe('(1, "a")');
    const t1: Type = { kind: "tuple", elems: [I32] };
    const q = rt.heap.alloc(rt.tupleLayout(t1 as Type & { kind: "tuple" }));
    rt.store(q, 0, SlotKind.Scalar, 7);
    expect(formatValue(rt, q, t1, true, null)).toBe("(7,)");
  });
});

describe("format specs like Rust's format!", () => {
  const rt = runtime();
  test.each([
    [42, I32, { width: 8, align: ">" as const }, "      42"],
    [42, I32, { width: 8, align: "<" as const }, "42      "],
    [42, I32, { width: 8, align: "^" as const }, "   42   "],
    [42, I32, { width: 6 }, "    42"],
    [3.14159, F64, { width: 8, precision: 2, fill: "0" }, "00003.14"],
    [-3.14159, F64, { width: 8, precision: 2, fill: "0" }, "-0003.14"],
    [5, I32, { sign: true }, "+5"],
    [1.5, F64, { sign: true, precision: 3 }, "+1.500"],
    [7, I32, { width: 5, fill: "*", align: "^" as const }, "**7**"],
    [0.1, F32, { precision: 3 }, "0.100"],
    [2, F64, { debug: true }, "2.0"],
  ])("%p : %p with %p → %p", (v, t, s, want) => {
    expect(formatWithSpec(rt, t === F32 ? Math.fround(v) : v, t, spec(s))).toBe(want);
  });

  test("strings are left-aligned by default and truncated by precision", () => {
    const s = rt.newString("abc");
    expect(formatWithSpec(rt, s, STR, spec({ width: 5 }))).toBe("abc  ");
    expect(formatWithSpec(rt, s, STR, spec({ precision: 2 }))).toBe("ab");
    expect(formatWithSpec(rt, s, STR, spec({ width: 7, debug: true, align: ">" }))).toBe('  "abc"');
  });
});

describe("Debug of collections with a width pads each element, as Rust does", () => {
  const rt = runtime();
  test("{:5?} of vec![1, 2] and {:+?} of vec![1.5]", () => {
    const v = rt.newVec(vecOf(I32), I32, 2);
    rt.vecPush(v, SlotKind.Scalar, 1, I32);
    rt.vecPush(v, SlotKind.Scalar, 2, I32);
    expect(formatWithSpec(rt, v, vecOf(I32), spec({ debug: true, width: 5 }))).toBe("[    1,     2]");
    const w = rt.newVec(vecOf(F64), F64, 1);
    rt.vecPush(w, SlotKind.Scalar, 1.5, F64);
    expect(formatWithSpec(rt, w, vecOf(F64), spec({ debug: true, sign: true }))).toBe("[+1.5]");
    expect(formatWithSpec(rt, w, vecOf(F64), spec({ debug: true, precision: 2 }))).toBe("[1.50]");
  });
});

describe("format types (values from rustc's format!)", () => {
  test("{:x} {:X} {:b} {:o}: two's complement of the type's width, # prefixes", () => {
    expect(radixText(255, "u8", "x", false)).toBe("ff");
    expect(radixText(255, "i32", "X", true)).toBe("0xFF");
    expect(radixText(-1, "i32", "x", false)).toBe("ffffffff");
    expect(radixText(-2, "i8", "b", false)).toBe("11111110");
    expect(radixText(8, "i64", "o", true)).toBe("0o10");
    expect(radixText(-1, "i64", "x", false)).toBe("ffffffffffffffff");
  });
  test("{:e}: shortest digits, exponent without sign padding", () => {
    expect(exponentText(1234.5, false, null, "e")).toBe("1.2345e3");
    expect(exponentText(0.00012, false, null, "e")).toBe("1.2e-4");
    expect(exponentText(6.02e23, false, 2, "e")).toBe("6.02e23");
    expect(exponentText(0, false, null, "e")).toBe("0e0");
    expect(exponentText(-2.5, false, null, "E")).toBe("-2.5E0");
    expect(exponentText(Math.fround(1 / 3), true, null, "e")).toBe("3.3333334e-1");
  });
  test("{:#?}: one element per line, literals untouched", () => {
    expect(prettyDebug('P { x: 1, s: "a, (b)" }')).toBe('P {\n    x: 1,\n    s: "a, (b)",\n}');
    expect(prettyDebug("[Some(1), None]")).toBe("[\n    Some(\n        1,\n    ),\n    None,\n]");
    expect(prettyDebug("([], {})")).toBe("(\n    [],\n    {},\n)");
    expect(prettyDebug("['(', '\\'']")).toBe("[\n    '(',\n    '\\'',\n]");
  });
});
