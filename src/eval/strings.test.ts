// The String helpers of runtime.ts without the front end: the hash cached in the String (and
// reset by every mutation), equality and ordering on the bytes, and assembling a String in the
// scratch buffer (fmtBegin .. fmtEnd) from Strings, integers, chars and JS text — non-ASCII text
// through each of them, on the arena view and on the per-byte path.

import { createHeap } from "../../heap";
import type { ManagedHeap } from "../../heap/api";
import type { Type } from "../check/types";
import type { TensorRuntime } from "../tensor/api";
import { getMapOps } from "./format";
import { intDisplay } from "./numfmt";
import { Runtime, STR_HASH } from "./runtime";

const I64: Type = { kind: "int", name: "i64" };
const STR: Type = { kind: "builtin", name: "String", args: [] };

const withoutView = (heap: ManagedHeap): ManagedHeap => Object.assign(Object.create(heap), { slotWords: undefined });
const heaps: [string, () => ManagedHeap][] = [
  ["arena view", () => createHeap({}, { stress: 1 })],
  ["per byte", () => withoutView(createHeap({}, { stress: 1 }))],
];

function runtime(heap: ManagedHeap): Runtime {
  return new Runtime(heap, {} as TensorRuntime, { types: new Map(), traits: new Map() }, { stdout: () => {}, stderr: () => {} });
}

/** What TextEncoder makes of `s`, decoded back: the text a String of `s` must hold. */
const utf8RoundTrip = (s: string) => new TextDecoder().decode(new TextEncoder().encode(s));

describe.each(heaps)("Strings (%s)", (_name, make) => {
  test("the cached hash is the hash of the current bytes after every kind of mutation", () => {
    const rt = runtime(make());
    const fresh = (text: string) => rt.strHash(rt.newString(text));
    const ascii = rt.newString("key");
    expect(rt.heap.get(ascii, STR_HASH)).toBe(0); // not computed until asked for
    expect(rt.strHash(ascii)).toBe(rt.heap.get(ascii, STR_HASH));
    const s = rt.newString("ключ"); // non-ASCII text is assembled, which computes the hash
    const h0 = rt.heap.get(s, STR_HASH);
    expect(h0).not.toBe(0);
    expect(rt.strHash(s)).toBe(h0);
    const steps: [string, () => void][] = [
      ["ключ-é", () => rt.strAppend(s, rt.newString("-é"))],
      ["ключ-é🚀", () => rt.strPushChar(s, 0x1f680)],
      ["ключ-é🚀ß!", () => rt.strPush(s, "ß!")],
      ["ключ-é🚀ß", () => rt.strTruncate(s, rt.strLen(s) - 1)],
      ["", () => rt.strTruncate(s, 0)],
    ];
    let before = h0;
    for (const [text, change] of steps) {
      change();
      expect(rt.str(s)).toBe(text);
      expect(rt.strHash(s)).toBe(fresh(text));
      expect(rt.strHash(s)).not.toBe(before);
      before = rt.strHash(s);
    }
    // A clone keeps the hash; assembling computes it while copying.
    const c = rt.strClone(rt.newString("é"));
    rt.strHash(c);
    expect(rt.heap.get(rt.strClone(c), STR_HASH)).toBe(fresh("é"));
    const m = rt.fmtBegin();
    rt.fmtText("é");
    expect(rt.heap.get(rt.fmtEnd(m), STR_HASH)).toBe(fresh("é"));
  });

  test("equality and ordering compare bytes; hashes only rule out", () => {
    const rt = runtime(make());
    const a = rt.newString("clé-1");
    const b = rt.newString("clé-2");
    rt.strHash(a);
    rt.strHash(b);
    expect(rt.strEquals(a, b)).toBe(false);
    expect(rt.strEquals(a, rt.newString("clé-1"))).toBe(true); // one hash known, one not
    // Same length, different bytes: precomposed é vs e + combining acute.
    expect(rt.strEquals(rt.newString("é-"), rt.newString("e\u0301"))).toBe(false);
    // Byte order is code point order: U+FF5E before U+1F680 (UTF-16 units would say otherwise).
    expect(rt.strCompare(rt.newString("～"), rt.newString("🚀"))).toBe(-1);
    expect(rt.strCompare(rt.newString("🚀"), rt.newString("～"))).toBe(1);
    expect(rt.strCompare(rt.newString("ab"), rt.newString("abc"))).toBe(-1);
    expect(rt.strCompare(rt.newString("é"), rt.newString("é"))).toBe(0);
  });

  test("assembling: Strings, literal bytes, integers, chars and JS text, nested", () => {
    const rt = runtime(make());
    const w = rt.newString("wörld");
    const outer = rt.fmtBegin();
    rt.fmtBytes(new TextEncoder().encode("«"));
    rt.fmtStr(w);
    rt.fmtInt(-42);
    // A part that builds a String of its own finishes it before the outer one goes on.
    const inner = rt.fmtBegin();
    rt.fmtChar(0x1f680);
    rt.fmtInt(0);
    const innerStr = rt.fmtEnd(inner);
    rt.fmtStr(innerStr);
    rt.fmtText("»");
    const s = rt.fmtEnd(outer);
    expect(rt.str(innerStr)).toBe("🚀0");
    expect(rt.str(s)).toBe("«wörld-42🚀0»");
    expect(rt.strLen(s)).toBe(2 + 6 + 3 + 5 + 2);
    expect(rt.str(rt.fmtEnd(rt.fmtBegin()))).toBe("");
  });

  test("the hash of an assembled String is the hash of its bytes, whatever the parts and nesting", () => {
    const rt = runtime(make());
    const fresh = (text: string) => rt.strHash(rt.newString(text));
    const hashOf = (p: number) => rt.heap.get(p, STR_HASH);
    const w = rt.newString("wörld");
    rt.strHash(w); // known: a leading String part then costs no hashing
    const cases: [string, () => void][] = [
      ["wörld-7", () => (rt.fmtStr(w), rt.fmtBytes(new TextEncoder().encode("-")), rt.fmtInt(7))],
      ["x:wörld", () => (rt.fmtText("x:"), rt.fmtStr(w))],
      ["wörld🚀12", () => (rt.fmtStr(w), rt.fmtChar(0x1f680), rt.fmtInt(12))],
      // A part that builds a String of its own before the outer one wrote anything begins at
      // the same mark and leaves its hashed bytes past the outer's end: the outer's later parts
      // must not continue that hash when they reach the same offset.
      ["abcdef5", () => {
        const inner = rt.fmtBegin();
        rt.fmtStr(w);
        rt.fmtEnd(inner);
        rt.fmtText("abcdef");
        rt.fmtInt(5);
      }],
      ["0wörld", () => {
        rt.fmtInt(0);
        const inner = rt.fmtBegin();
        rt.fmtStr(w);
        rt.fmtStr(rt.fmtEnd(inner));
      }],
    ];
    for (const [text, parts] of cases) {
      const m = rt.fmtBegin();
      parts();
      const s = rt.fmtEnd(m);
      expect(rt.str(s)).toBe(text);
      expect(hashOf(s)).toBe(fresh(text));
    }
    // A leading String part not hashed yet keeps the hash computed on the way; a later part does not.
    const word = rt.newString("tensor");
    const later = rt.newString("arena");
    expect(hashOf(word)).toBe(0);
    const m = rt.fmtBegin();
    rt.fmtStr(word);
    rt.fmtStr(later);
    expect(hashOf(rt.fmtEnd(m))).toBe(fresh("tensorarena"));
    expect(hashOf(word)).toBe(fresh("tensor"));
    expect(hashOf(later)).toBe(0);
  });

  test("long parts (64 bytes and more) are copied and hashed like short ones, first or later", () => {
    const rt = runtime(make());
    const fresh = (text: string) => rt.strHash(rt.newString(text));
    const long = "ä".repeat(40); // 80 bytes
    const cases: [string, boolean][] = [
      [long, false],
      [long, true], // its hash known: the running state starts from it
    ];
    for (const [text, known] of cases) {
      const w = rt.newString(text);
      if (known) rt.strHash(w);
      const m = rt.fmtBegin();
      rt.fmtStr(w);
      rt.fmtBytes(new TextEncoder().encode("|"));
      rt.fmtStr(w);
      rt.fmtInt(-2147483649); // beyond 32 bits: the float path
      const s = rt.fmtEnd(m);
      expect(rt.str(s)).toBe(`${text}|${text}-2147483649`);
      expect(rt.heap.get(s, STR_HASH)).toBe(fresh(`${text}|${text}-2147483649`));
      expect(rt.heap.get(w, STR_HASH)).toBe(fresh(text)); // a first part keeps the hash it computed
    }
  });

  test("Strings of every short length, assembled at every offset of the buffer, hold exactly their bytes", () => {
    const rt = runtime(make());
    const fresh = (text: string) => rt.strHash(rt.newString(text));
    const alphabet = "abcdéfghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-_.:;!?";
    for (let len = 0; len <= 70; len++) {
      const text = alphabet.slice(0, len);
      const part = rt.newString(text);
      for (let offset = 0; offset < 8; offset++) {
        // An outer String holding `offset` bytes, so the inner one starts at that offset.
        const outer = rt.fmtBegin();
        rt.fmtText("#".repeat(offset));
        const inner = rt.fmtBegin();
        rt.fmtStr(part);
        rt.fmtInt(len);
        const s = rt.fmtEnd(inner);
        rt.fmtStr(s);
        const whole = rt.fmtEnd(outer);
        expect(rt.str(s)).toBe(`${text}${len}`);
        expect(rt.str(whole)).toBe(`${"#".repeat(offset)}${text}${len}`);
        expect(rt.strHash(s)).toBe(fresh(`${text}${len}`));
        // Bytes past the length (a 4-byte copy's tail) never count: equal to the same text made
        // another way, and after growing, still exactly the grown text.
        expect(rt.strEquals(s, rt.newString(`${text}${len}`))).toBe(true);
        rt.strAppend(s, rt.newString("+"));
        expect(rt.str(s)).toBe(`${text}${len}+`);
        expect(rt.strEquals(s, rt.newString(`${text}${len}+`))).toBe(true);
      }
    }
  });

  test("push_str grows a String made by an f-string, also by its own bytes", () => {
    const rt = runtime(make());
    const fresh = (text: string) => rt.strHash(rt.newString(text));
    const m = rt.fmtBegin();
    rt.fmtText("ü");
    rt.fmtInt(1);
    const s = rt.fmtEnd(m); // its byte array holds exactly its 3 bytes
    let text = "ü1";
    for (const part of ["", "-", "ß", "🚀".repeat(20)]) {
      rt.strAppend(s, rt.newString(part));
      text += part;
      expect(rt.str(s)).toBe(text);
      expect(rt.strHash(s)).toBe(fresh(text));
    }
    rt.strAppend(s, s); // only through a Gc handle in STARK, but it must hold
    expect(rt.str(s)).toBe(text + text);
    expect(rt.strHash(s)).toBe(fresh(text + text));
  });

  test("Map values: get is find and valAt in one call; insert replaces or adds and keeps the old value", () => {
    const heap = make();
    const rt = runtime(heap);
    for (const [vt, vals] of [
      [I64, [5, -7, 2 ** 40]],
      [STR, ["a", "ключ", ""]],
      [{ kind: "bool", name: "bool" } as Type, [true, false, true]],
    ] as [Type, unknown[]][]) {
      const ops = getMapOps(rt, { kind: "builtin", name: "Map", args: [STR, vt] });
      const value = (v: unknown) => (typeof v === "string" ? rt.newString(v) : v);
      const read = (v: unknown) => (vt === STR ? rt.str(v as number) : vt.kind === "bool" ? v === 1 : v);
      rt.handles.push(ops.create());
      const key = (i: number) => rt.newString(`k${i}`);
      // Adds only, then replaces only: both leave the value where get finds it.
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < 20; i++) {
          const k = key(i);
          const had = ops.get(rt.handles[0], k);
          expect(had === undefined).toBe(round === 0);
          expect(ops.insert(rt.handles[0], k, value(vals[round]))).toBe(round > 0);
          if (round > 0) expect(read(ops.previous)).toEqual(vals[round - 1]);
          else expect(ops.previous).toBeUndefined();
          heap.safepoint();
        }
      }
      const m = rt.handles[0];
      expect(ops.len(m)).toBe(20);
      expect(read(ops.get(m, key(13)))).toEqual(vals[2]);
      expect(ops.get(m, key(20))).toBeUndefined();
      // Removed, then missing, then added again with a fresh value.
      expect(ops.remove(m, key(13))).toBe(true);
      expect(ops.get(m, key(13))).toBeUndefined();
      expect(ops.insert(m, key(13), value(vals[0]))).toBe(false);
      expect(read(ops.get(m, key(13)))).toEqual(vals[0]);
      expect(ops.len(m)).toBe(20);
      rt.handles.length = 0;
    }
  });

  test("integers are written as format.ts displays them, exactly beyond 2^53", () => {
    const rt = runtime(make());
    const values = [0, 7, -7, 9, 10, 99, 100, -1000, 123456789, 999999999, 1000000000, 2 ** 31 - 1, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 53, 2 ** 53 + 2, 2 ** 63, -(2 ** 63), 1e21, -1e22];
    for (let d = 1, p = 1; d <= 10; d++, p *= 10) values.push(p, p - 1, 3 * p + 7); // every digit count
    for (const v of values) {
      const m = rt.fmtBegin();
      rt.fmtInt(v);
      expect(rt.str(rt.fmtEnd(m))).toBe(intDisplay(v));
    }
    expect(intDisplay(2 ** 63)).toBe("9223372036854775808");
    expect(intDisplay(-(2 ** 53 - 1))).toBe("-9007199254740991");
  });

  test("JS text is encoded as TextEncoder would, lone surrogates as U+FFFD", () => {
    const rt = runtime(make());
    for (const text of ["plain", "héllo 🚀", "\ud800x", "x\udc00", "\udc00\ud800", "😀😀", "€".repeat(500), "a".repeat(70000) + "ü"]) {
      const m = rt.fmtBegin();
      rt.fmtText(text);
      expect(rt.str(rt.fmtEnd(m))).toBe(utf8RoundTrip(text));
      expect(rt.str(rt.newString(text))).toBe(utf8RoundTrip(text));
    }
    // After a huge String the buffer starts small again and still works.
    const m = rt.fmtBegin();
    rt.fmtText("ok é");
    expect(rt.str(rt.fmtEnd(m))).toBe("ok é");
  });

  test("a String abandoned by a panic is forgotten when the next run starts", () => {
    const rt = runtime(make());
    const m = rt.fmtBegin();
    rt.fmtText("half of a Strïng");
    void m; // the part after this panicked: fmtEnd never ran
    rt.resetDepth();
    const n = rt.fmtBegin();
    expect(n).toBe(0);
    rt.fmtText("whole");
    expect(rt.str(rt.fmtEnd(n))).toBe("whole");
  });

  test("Map keys: assembled, literal and appended keys with non-ASCII text find the same entries", () => {
    const heap = make();
    const rt = runtime(heap);
    const ops = getMapOps(rt, { kind: "builtin", name: "Map", args: [STR, I64] });
    rt.handles.push(ops.create());
    const words = ["ключ", "clé", "🚀", "e\u0301", "é"];
    const assembled = (i: number) => {
      const m = rt.fmtBegin();
      rt.fmtText(words[i % 5]);
      rt.fmtBytes(new Uint8Array([45]));
      rt.fmtInt(i % 7);
      return rt.fmtEnd(m);
    };
    for (let i = 0; i < 70; i++) {
      const k = assembled(i);
      const e = ops.find(rt.handles[0], k);
      ops.insert(rt.handles[0], k, e < 0 ? 1 : ops.valAt(rt.handles[0], e) + 1);
      heap.safepoint(); // stress: the map and its keys move at every step
    }
    const m = rt.handles[0];
    expect(ops.len(m)).toBe(35);
    expect(ops.valAt(m, ops.find(m, rt.newString("ключ-0")))).toBe(2);
    expect(ops.find(m, rt.newString("e\u0301-3"))).toBeGreaterThanOrEqual(0);
    expect(ops.find(m, rt.newString("é-3"))).toBeGreaterThanOrEqual(0);
    expect(ops.find(m, rt.newString("e\u0301-3"))).not.toBe(ops.find(m, rt.newString("é-3")));
    // A key grown by push_str after a successful lookup is looked up by its new bytes.
    const k = rt.newString("🚀-");
    rt.strPush(k, "2");
    expect(ops.find(m, k)).toBeGreaterThanOrEqual(0);
    rt.strAppend(k, rt.newString("ü"));
    expect(ops.find(m, k)).toBe(-1);
    rt.strTruncate(k, rt.strLen(k) - 2);
    expect(ops.find(m, k)).toBeGreaterThanOrEqual(0);
    rt.handles.length = 0;
  });
});
