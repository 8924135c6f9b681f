// The runtime pieces under the natives, tested without the front end: the insertion-ordered
// Map (growth, removal, re-insertion order, string keys by content), Vec growth, UTF-8 Strings;
// and the startup check that every native the prelude declares is implemented.

import { SlotKind } from "../../heap/api";
import { BumpHeap } from "../../heap/bump";
import { createHeap } from "../../heap";
import type { ManagedHeap } from "../../heap/api";
import type { Type } from "../check/types";
import type { TensorRuntime } from "../tensor/api";
import { getMapOps, formatValue } from "./format";
import { declaredNatives, NATIVES } from "./index";
import { Runtime, VEC_DATA } from "./runtime";

const I64: Type = { kind: "int", name: "i64" };
const STR: Type = { kind: "builtin", name: "String", args: [] };
const mapOf = (k: Type, v: Type): Type => ({ kind: "builtin", name: "Map", args: [k, v] });
const vecOf = (t: Type): Type => ({ kind: "builtin", name: "Vec", args: [t] });

function runtime(heap: ManagedHeap = new BumpHeap()): Runtime {
  return new Runtime(heap, {} as TensorRuntime, { types: new Map(), traits: new Map() }, { stdout: () => {}, stderr: () => {} });
}

describe("Map", () => {
  test("keeps insertion order through growth, removal and re-insertion", () => {
    const rt = runtime();
    const ops = getMapOps(rt, mapOf(I64, I64));
    const m = ops.create();
    for (let i = 0; i < 100; i++) ops.insert(m, i * 7, i);
    expect(ops.len(m)).toBe(100);
    for (let i = 0; i < 100; i += 2) {
      expect(ops.remove(m, i * 7)).toBe(true);
      expect(ops.previous).toBe(i);
    }
    expect(ops.remove(m, 0)).toBe(false);
    expect(ops.len(m)).toBe(50);
    expect(ops.find(m, 14)).toBe(-1);
    ops.insert(m, 0, -1); // re-inserted keys go last
    const keys = ops.entries(m).map((e) => ops.keyAt(m, e));
    expect(keys[0]).toBe(7);
    expect(keys[keys.length - 1]).toBe(0);
    expect(keys.length).toBe(51);
    // Replacing a value keeps the entry's position.
    expect(ops.insert(m, 7, 700)).toBe(true);
    expect(ops.previous).toBe(1);
    expect(ops.valAt(m, ops.find(m, 7))).toBe(700);
    expect(ops.entries(m).map((e) => ops.keyAt(m, e))[0]).toBe(7);
  });

  test("string keys compare by content, not identity", () => {
    const rt = runtime();
    const t = mapOf(STR, I64);
    const ops = getMapOps(rt, t);
    const m = ops.create();
    ops.insert(m, rt.newString("apple"), 1);
    ops.insert(m, rt.newString("kiwi"), 2);
    ops.insert(m, rt.newString("apple"), 3);
    expect(ops.len(m)).toBe(2);
    expect(ops.valAt(m, ops.find(m, rt.newString("apple")))).toBe(3);
    expect(formatValue(rt, m, t, true, null)).toBe('{"apple": 3, "kiwi": 2}');
  });

  test("survives a moving collection between operations", () => {
    const heap = createHeap({}, { stress: 1 });
    const rt = runtime(heap);
    const t = mapOf(STR, I64);
    const ops = getMapOps(rt, t);
    rt.handles.push(ops.create());
    for (let i = 0; i < 300; i++) {
      ops.insert(rt.handles[0], rt.newString(`k${i}`), i);
      heap.safepoint();
    }
    heap.collectFull();
    const m = rt.handles[0];
    expect(ops.len(m)).toBe(300);
    expect(ops.valAt(m, ops.find(m, rt.newString("k123")))).toBe(123);
    rt.handles.length = 0;
  });
});

describe("Vec", () => {
  test("grows by doubling and keeps its elements", () => {
    const rt = runtime();
    const v = rt.newVec(vecOf(I64), I64, 1);
    for (let i = 0; i < 1000; i++) rt.vecPush(v, SlotKind.Scalar, i * i, I64);
    expect(rt.heap.get(v, 0)).toBe(1000);
    expect(rt.heap.length(rt.heap.getPtr(v, VEC_DATA))).toBeGreaterThanOrEqual(1000);
    expect(rt.heap.get(rt.heap.getPtr(v, VEC_DATA), 999)).toBe(999 * 999);
  });
});

describe("Map lookups across maps, removal, growth and edited keys", () => {
  const STRING: Type = { kind: "builtin", name: "String", args: [] };
  test("an entry is found by its key alone: other maps, removal, growth and edited keys", () => {
    const rt = runtime(createHeap({}, { stress: 1 }));
    const ops = getMapOps(rt, mapOf(STRING, I64));
    const a = ops.create();
    rt.handles.push(a);
    for (let i = 0; i < 50; i++) ops.insert(rt.handles[0], rt.newString(`k${i}`), i);
    const b = ops.create();
    rt.handles.push(b);
    ops.insert(rt.handles[1], rt.newString("k7"), 700);
    ops.insert(rt.handles[1], rt.newString("other"), 1);
    const k7 = rt.newString("k7");
    rt.handles.push(k7);
    // Found in a at some entry; the same entry index in b holds another key.
    expect(ops.valAt(rt.handles[0], ops.find(rt.handles[0], k7))).toBe(7);
    expect(ops.valAt(rt.handles[1], ops.find(rt.handles[1], k7))).toBe(700);
    expect(ops.find(rt.handles[1], rt.newString("k8"))).toBe(-1);
    // get-then-insert on the same key replaces, in each map.
    expect(ops.find(rt.handles[0], rt.handles[2])).toBeGreaterThanOrEqual(0);
    expect(ops.insert(rt.handles[0], rt.handles[2], 70)).toBe(true);
    expect(ops.previous).toBe(7);
    expect(ops.len(rt.handles[0])).toBe(50);
    // Removed: the remembered entry no longer counts.
    expect(ops.remove(rt.handles[0], rt.handles[2])).toBe(true);
    expect(ops.previous).toBe(70);
    expect(ops.find(rt.handles[0], rt.handles[2])).toBe(-1);
    expect(ops.insert(rt.handles[0], rt.handles[2], 71)).toBe(false);
    // Growth renumbers entries: lookups still land on the right values.
    for (let i = 50; i < 200; i++) ops.insert(rt.handles[0], rt.newString(`k${i}`), i);
    for (let i = 0; i < 200; i++) expect(ops.valAt(rt.handles[0], ops.find(rt.handles[0], rt.newString(`k${i}`)))).toBe(i === 7 ? 71 : i);
    // A lookup key edited after a lookup (the map owns its own key objects): it is now another key.
    rt.handles.push(rt.newString("k9"));
    expect(ops.find(rt.handles[0], rt.handles[3])).toBeGreaterThanOrEqual(0);
    rt.strPush(rt.handles[3], "x");
    expect(ops.find(rt.handles[0], rt.handles[3])).toBe(-1);
    rt.handles.length = 0;
  });
});

describe("String", () => {
  test("is UTF-8: len counts bytes, push appends, decoding round-trips", () => {
    const rt = runtime();
    const s = rt.newString("héllo");
    expect(rt.strLen(s)).toBe(6);
    rt.strPush(s, ", wörld 🚀");
    expect(rt.str(s)).toBe("héllo, wörld 🚀");
    expect(rt.strLen(s)).toBe(6 + 13);
    expect(rt.strEquals(s, rt.newString("héllo, wörld 🚀"))).toBe(true);
    expect(rt.strHash(s)).toBe(rt.strHash(rt.newString("héllo, wörld 🚀")));
  });
});

describe("String bytes through the arena view and through getByte/setByte", () => {
  // A heap without `slotWords` takes the per-byte path; both must agree byte for byte.
  const withoutView = (heap: ManagedHeap): ManagedHeap => Object.assign(Object.create(heap), { slotWords: undefined });
  const heaps: [string, () => ManagedHeap][] = [
    ["arena view", () => createHeap({}, { stress: 1 })],
    ["per byte", () => withoutView(createHeap({}, { stress: 1 }))],
  ];
  const long = "ab".repeat(5000) + "é" + "cd".repeat(3000); // longer than one fromCharCode chunk
  test.each(heaps)("%s: round-trips ASCII, non-ASCII and long text; append, clone, equality, hash", (_name, make) => {
    const rt = runtime(make());
    for (const text of ["", "x", "héllo 🚀", "a".repeat(24) + "ü", long, "z".repeat(9000)]) {
      expect(rt.str(rt.newString(text))).toBe(text);
    }
    const s = rt.newString("key-");
    rt.strAppend(s, rt.newString("wörld"));
    rt.strPush(s, "!");
    expect(rt.str(s)).toBe("key-wörld!");
    expect(rt.strLen(s)).toBe(11);
    const c = rt.strClone(s);
    expect(c).not.toBe(s);
    expect(rt.str(c)).toBe("key-wörld!");
    expect(rt.strEquals(c, s)).toBe(true);
    expect(rt.strEquals(c, rt.newString("key-wörld?"))).toBe(false);
    expect(rt.strHash(c)).toBe(rt.strHash(s));
    // Appending to itself through growth: the source is read before the bytes move.
    const g = rt.newString("abc");
    for (let i = 0; i < 6; i++) rt.strAppend(g, g);
    expect(rt.str(g)).toBe("abc".repeat(64));
    const big = rt.newString("");
    rt.strAppend(big, rt.newString(long));
    expect(rt.str(big)).toBe(long);
  });
  test("decoding short text again after it changed, moved or was replaced gives the new text", () => {
    const rt = runtime(heaps[0][1]());
    const s = rt.newString("abc");
    expect(rt.str(s)).toBe("abc");
    rt.strPush(s, "d");
    expect(rt.str(s)).toBe("abcd");
    // Many distinct short strings share the decoded-text cache's slots: each still reads back as itself.
    const texts = Array.from({ length: 3000 }, (_, i) => `w${i % 97}-${i}`);
    const ptrs = texts.map((t) => rt.newString(t));
    rt.handles.push(...ptrs);
    for (let round = 0; round < 2; round++) texts.forEach((t, i) => expect(rt.str(rt.handles[i])).toBe(t));
    rt.handles.length = 0;
  });
  test("both paths hash the same bytes to the same value (Map keys built either way agree)", () => {
    const a = runtime(heaps[0][1]());
    const b = runtime(heaps[1][1]());
    for (const text of ["", "tensor-17", "héllo 🚀", long]) expect(a.strHash(a.newString(text))).toBe(b.strHash(b.newString(text)));
  });
});

describe("natives", () => {
  test("every bodiless function the prelude declares has an implementation", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { loadPrelude } = require("../check") as { loadPrelude: () => { program: import("../syntax/ast").Program } };
    const declared = declaredNatives(loadPrelude().program);
    expect(declared.length).toBeGreaterThan(100);
    // The ML library's natives (natives_ml.ts) register themselves through `registerNatives`.
    require("./natives_ml");
    // Natives inside a module (`nn::Linear::new`) are keyed by their full path; `declaredNatives`
    // names them from the impl down (`Linear::new`).
    const keys = Object.keys(NATIVES);
    const missing = declared.filter((n) => !(n in NATIVES) && !keys.some((k) => k.endsWith(`::${n}`)));
    expect(missing).toEqual([]);
  });
});
