// The String methods that search for a pattern (`P: StrPattern` in the prelude), as Rust's `str`
// methods do. A pattern is one of:
// * text: a `String` or `&String` (`s.split(", ")`), matched as a substring; an empty one matches
//   at every char boundary, as in Rust (`"ab".replace("", "-")` is `-a-b-`);
// * a `char` (`s.split(',')`);
// * a closure or fn `(char) -> bool` (`s.split(|c: char| !c.is_alphanumeric())`,
//   `s.trim_matches(char::is_numeric)`): each char it accepts is a match.
//
// Each native decodes its receiver to JS text first and builds its results last: a closure
// pattern runs STARK code, which may collect and move objects, so nothing between those two
// steps holds a heap pointer except through `rt.handles` (the closure itself is kept there).
// Positions are UTF-16 indices while searching and byte offsets (Rust's) in results.

import { SlotKind } from "../../heap/api";
import type { Type } from "../check/types";
import { iterOfVec, NativeFactory, NativeSite, optionOf, registerNatives, stringVec } from "./natives";
import { Runtime, Value } from "./runtime";
import { derefAll } from "./typeinfo";

const STRING_T: Type = { kind: "builtin", name: "String", args: [] };

/** Where a pattern matches: the first match at or after `from`, the last one ending by `to`. */
interface Matcher {
  find(text: string, from: number): [number, number] | null;
  rfind(text: string, to: number): [number, number] | null;
}

function textMatcher(needle: string): Matcher {
  return {
    find: (text, from) => {
      const i = text.indexOf(needle, from);
      return i < 0 ? null : [i, i + needle.length];
    },
    rfind: (text, to) => {
      if (to < needle.length) return null;
      const i = text.lastIndexOf(needle, to - needle.length);
      return i < 0 ? null : [i, i + needle.length];
    },
  };
}

function charTestMatcher(test: (c: number) => boolean): Matcher {
  return {
    find: (text, from) => {
      for (let i = from; i < text.length; ) {
        const c = text.codePointAt(i)!;
        const w = c > 0xffff ? 2 : 1;
        if (test(c)) return [i, i + w];
        i += w;
      }
      return null;
    },
    rfind: (text, to) => {
      for (let i = to; i > 0; ) {
        const low = text.charCodeAt(i - 1);
        const w = low >= 0xdc00 && low < 0xe000 && i >= 2 ? 2 : 1;
        i -= w;
        if (test(text.codePointAt(i)!)) return [i, i + w];
      }
      return null;
    },
  };
}

/**
 * How the pattern argument `argIndex` of a call site becomes a Matcher. `use` runs `body` with
 * it; a closure pattern stays rooted in `rt.handles` for as long as `body` runs.
 */
function patternOf(s: NativeSite, argIndex: number): <R>(p: Value, body: (m: Matcher) => R) => R {
  const t = derefAll(s.argTypes[argIndex] ?? STRING_T);
  const rt = s.rt;
  if (t.kind === "char") return (p, body) => body(textMatcher(String.fromCodePoint(p as number)));
  if (t.kind === "fn") {
    return (p, body) => {
      const b = rt.handles.length;
      rt.handles.push(p as number);
      try {
        return body(charTestMatcher((c) => !!s.call(rt.handles[b], [c])));
      } finally {
        rt.handles.length = b;
      }
    };
  }
  return (p, body) => body(textMatcher(rt.str(p as number)));
}

/** Every non-overlapping match, left to right (an empty match once at each char boundary). */
function allMatches(text: string, m: Matcher): [number, number][] {
  const out: [number, number][] = [];
  for (let at = 0; at <= text.length; ) {
    const r = m.find(text, at);
    if (!r) break;
    out.push(r);
    if (r[1] > r[0]) at = r[1];
    else if (r[0] >= text.length) break;
    else at = r[0] + (text.codePointAt(r[0])! > 0xffff ? 2 : 1);
  }
  return out;
}

/** The parts between the matches (Rust's `split`). */
function splitParts(text: string, m: Matcher, limit = Infinity): string[] {
  const parts: string[] = [];
  let start = 0;
  for (const [a, b] of allMatches(text, m)) {
    if (parts.length + 1 >= limit) break;
    parts.push(text.slice(start, a));
    start = b;
  }
  parts.push(text.slice(start));
  return parts;
}

const byteLen = (s: string): number => Buffer.byteLength(s, "utf8");

/** A native over the receiver's text and its pattern (argument 1). */
function searching(run: (s: NativeSite, text: string, m: Matcher) => Value): NativeFactory {
  return (s) => {
    const use = patternOf(s, 1);
    return (x, p) => {
      const text = s.rt.str(x as number);
      return use(p, (m) => run(s, text, m));
    };
  };
}

const strings = (s: NativeSite, parts: string[]): Value => iterOfVec(s.rt, stringVec(s.rt, parts), STRING_T);
const someString = (s: NativeSite, text: string | null): Value => {
  const opt = optionOf(s.rt, s.retType);
  return text === null ? opt.none() : opt.some(s.rt.newString(text));
};

/** `Some((a, b))` of two new Strings, each rooted while the next allocation runs. */
function somePair(rt: Runtime, retType: Type, a: string, b: string): Value {
  const pair = derefAll(retType);
  const tuple = (pair.kind === "adt" ? pair.args[0] : STRING_T) as Type & { kind: "tuple" };
  const base = rt.handles.length;
  rt.handles.push(rt.newString(a));
  rt.handles.push(rt.newString(b));
  const t = rt.heap.alloc(rt.tupleLayout(tuple));
  rt.heap.setPtr(t, 0, rt.handles[base]);
  rt.heap.setPtr(t, 1, rt.handles[base + 1]);
  rt.handles.length = base;
  return optionOf(rt, retType).some(t);
}

/** Strip matches from the start (`fromStart`) and/or the end, repeatedly, as `trim_matches` does. */
function trimmed(text: string, m: Matcher, fromStart: boolean, fromEnd: boolean): string {
  let a = 0;
  let b = text.length;
  if (fromStart) {
    for (let r = m.find(text, a); r && r[0] === a && r[1] > r[0] && r[1] <= b; r = m.find(text, a)) a = r[1];
  }
  if (fromEnd) {
    for (let r = m.rfind(text, b); r && r[1] === b && r[1] > r[0] && r[0] >= a; r = m.rfind(text, b)) b = r[0];
  }
  return text.slice(a, b);
}

const N: Record<string, NativeFactory> = {
  "String::split": searching((s, text, m) => strings(s, splitParts(text, m))),
  "String::splitn": (s) => {
    const use = patternOf(s, 2);
    return (x, n, p) => {
      const text = s.rt.str(x as number);
      return use(p, (m) => strings(s, (n as number) === 0 ? [] : splitParts(text, m, n as number)));
    };
  },
  "String::rsplit": searching((s, text, m) => strings(s, splitParts(text, m).reverse())),
  "String::split_terminator": searching((s, text, m) => {
    const parts = splitParts(text, m);
    if (parts.length > 0 && parts[parts.length - 1] === "") parts.pop();
    return strings(s, parts);
  }),
  "String::contains": searching((_s, text, m) => m.find(text, 0) !== null),
  "String::starts_with": searching((_s, text, m) => {
    const r = m.find(text, 0);
    return r !== null && r[0] === 0;
  }),
  "String::ends_with": searching((_s, text, m) => {
    const r = m.rfind(text, text.length);
    return r !== null && r[1] === text.length;
  }),
  "String::find": searching((s, text, m) => {
    const r = m.find(text, 0);
    const opt = optionOf(s.rt, s.retType);
    return r === null ? opt.none() : opt.some(byteLen(text.slice(0, r[0])));
  }),
  "String::rfind": searching((s, text, m) => {
    const r = m.rfind(text, text.length);
    const opt = optionOf(s.rt, s.retType);
    return r === null ? opt.none() : opt.some(byteLen(text.slice(0, r[0])));
  }),
  "String::replace": (s) => {
    const use = patternOf(s, 1);
    return (x, p, to) => {
      const text = s.rt.str(x as number);
      const by = s.rt.str(to as number); // read before a closure pattern runs (and may move it)
      return use(p, (m) => s.rt.newString(splitParts(text, m).join(by)));
    };
  },
  "String::replacen": (s) => {
    const use = patternOf(s, 1);
    return (x, p, to, n) => {
      const text = s.rt.str(x as number);
      const by = s.rt.str(to as number);
      return use(p, (m) => s.rt.newString(splitParts(text, m, (n as number) + 1).join(by)));
    };
  },
  "String::matches": searching((s, text, m) => strings(s, allMatches(text, m).map(([a, b]) => text.slice(a, b)))),
  "String::match_indices": searching((s, text, m) => {
    const found = allMatches(text, m);
    const rt = s.rt;
    const pair: Type = { kind: "tuple", elems: [{ kind: "int", name: "usize" }, STRING_T] };
    const vec = rt.newVec({ kind: "builtin", name: "Vec", args: [pair] }, pair, found.length);
    const base = rt.handles.length;
    rt.handles.push(vec, 0);
    let at = 0;
    let bytes = 0;
    for (const [a, b] of found) {
      bytes += byteLen(text.slice(at, a));
      at = a;
      rt.handles[base + 1] = rt.newString(text.slice(a, b));
      const t = rt.heap.alloc(rt.tupleLayout(pair as Type & { kind: "tuple" }));
      rt.heap.set(t, 0, bytes);
      rt.heap.setPtr(t, 1, rt.handles[base + 1]);
      rt.vecPush(rt.handles[base], SlotKind.Pointer, t, pair);
    }
    const out = rt.handles[base];
    rt.handles.length = base;
    return iterOfVec(rt, out, pair);
  }),
  "String::split_once": searching((s, text, m) => {
    const r = m.find(text, 0);
    return r === null ? optionOf(s.rt, s.retType).none() : somePair(s.rt, s.retType, text.slice(0, r[0]), text.slice(r[1]));
  }),
  "String::rsplit_once": searching((s, text, m) => {
    const r = m.rfind(text, text.length);
    return r === null ? optionOf(s.rt, s.retType).none() : somePair(s.rt, s.retType, text.slice(0, r[0]), text.slice(r[1]));
  }),
  "String::strip_prefix": searching((s, text, m) => {
    const r = m.find(text, 0);
    return someString(s, r !== null && r[0] === 0 ? text.slice(r[1]) : null);
  }),
  "String::strip_suffix": searching((s, text, m) => {
    const r = m.rfind(text, text.length);
    return someString(s, r !== null && r[1] === text.length ? text.slice(0, r[0]) : null);
  }),
  "String::trim_matches": searching((s, text, m) => s.rt.newString(trimmed(text, m, true, true))),
  "String::trim_start_matches": searching((s, text, m) => s.rt.newString(trimmed(text, m, true, false))),
  "String::trim_end_matches": searching((s, text, m) => s.rt.newString(trimmed(text, m, false, true))),
};

registerNatives(N);
