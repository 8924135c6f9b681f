// Model-based tests: random programs of allocations, pointer stores, root changes and collection
// points run against the heap and against a plain JavaScript model of the object graph. After
// every collection point the objects reachable in the model must be exactly what the heap
// holds (contents, sharing, layouts), no tensor of a reachable object may have been released,
// and after a full collection the heap must hold nothing else (size = the reachable objects)
// and every tensor of an unreachable object must have been released, once.
//
// Every run uses stress collection (a collection every N allocations) with poisoning and the
// heap verifier on, in every mode, with nurseries small enough that objects get promoted, so
// old→young stores after promotion and overwrites during incremental marking both happen.

import fc from "fast-check";
import { createHeap, GCModeName, HeapCorruption, Ptr, SlotKind } from "../index";
import { cutBumpRegionsOfNextCollections } from "../evacuator";

const MODES: GCModeName[] = ["Throughput", "LowLatency", "Memory", "Training", "Inference"];
const ROOTS = 6;

/** A cheap assertion for the inner loops (jest's expect is too slow for thousands of runs). */
function same(actual: unknown, expected: unknown, what: string | (() => string)): void {
  if (actual === expected) return;
  if (Array.isArray(actual) && Array.isArray(expected) && actual.length === expected.length && actual.every((a, i) => a === expected[i])) return;
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${typeof what === "string" ? what : what()}: expected ${e}, got ${a}`);
}

/** The model of one managed object. */
interface MObj {
  id: number;
  kind: "pair" | "leaf" | "array" | "text" | "big";
  /** Pointer slots (pair: 2, array: n, big: n): the model objects they reference. */
  refs: (MObj | null)[];
  tensor: number;
  text: string;
  words: number;
}

type Op =
  | { op: "alloc"; kind: MObj["kind"]; root: number; n: number }
  | { op: "chain"; root: number; n: number }
  | { op: "link"; src: number; slot: number; dst: number }
  | { op: "unlink"; src: number; slot: number }
  | { op: "copyRoot"; from: number; to: number }
  | { op: "clearRoot"; root: number }
  | { op: "descend"; root: number; slot: number }
  | { op: "take"; src: number; slot: number; to: number }
  | { op: "safepoint" }
  | { op: "young" }
  | { op: "full" }
  | { op: "boundary" }
  | { op: "mode"; mode: GCModeName };

const root = fc.integer({ min: 0, max: ROOTS - 1 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant("alloc" as const), kind: fc.constantFrom<MObj["kind"]>("pair", "pair", "pair", "leaf", "leaf", "array", "array", "text", "text", "big"), root, n: fc.integer({ min: 0, max: 5 }) }) },
  // A linked list of pairs: long paths make incremental marking take many slices.
  { weight: 2, arbitrary: fc.record({ op: fc.constant("chain" as const), root, n: fc.integer({ min: 2, max: 12 }) }) },
  { weight: 6, arbitrary: fc.record({ op: fc.constant("link" as const), src: root, slot: fc.integer({ min: 0, max: 4 }), dst: root }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("unlink" as const), src: root, slot: fc.integer({ min: 0, max: 4 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("copyRoot" as const), from: root, to: root }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("clearRoot" as const), root }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant("descend" as const), root, slot: fc.integer({ min: 0, max: 4 }) }) },
  // Option::take: move an edge from the heap into a root (what a deletion barrier is for).
  { weight: 3, arbitrary: fc.record({ op: fc.constant("take" as const), src: root, slot: fc.integer({ min: 0, max: 4 }), to: root }) },
  { weight: 6, arbitrary: fc.constant({ op: "safepoint" as const }) },
  { weight: 1, arbitrary: fc.constant({ op: "young" as const }) },
  { weight: 1, arbitrary: fc.constant({ op: "full" as const }) },
  { weight: 1, arbitrary: fc.constant({ op: "boundary" as const }) },
  // gc::configure to another mode mid-program: its policy takes over at the next safepoint
  // (between modes with and without survivor spaces, a new nursery; an incremental cycle in
  // progress finished stop-the-world).
  { weight: 1, arbitrary: fc.record({ op: fc.constant("mode" as const), mode: fc.constantFrom(...MODES) }) },
);

function runProgram(mode: GCModeName, stress: number, youngGenSize: number, ops: Op[]): void {
  const heap = createHeap({ mode, youngGenSize }, { stress, verify: true, poison: true, reserveBytes: 32 << 20 });
  const Pair = heap.defineLayout({ name: "Pair", slots: [SlotKind.Scalar, SlotKind.Pointer, SlotKind.Pointer] });
  const Leaf = heap.defineLayout({ name: "Leaf", slots: [SlotKind.Scalar, SlotKind.Tensor, SlotKind.Scalar] });
  const Arr = heap.defineArrayLayout({ name: "Vec", element: SlotKind.Pointer });
  const BIG = 1100; // above the large-object threshold: allocated on pages of its own

  const roots: Ptr[] = new Array(ROOTS).fill(0);
  const mroots: (MObj | null)[] = new Array(ROOTS).fill(null);
  heap.setRootScanner((visit) => {
    for (let i = 0; i < ROOTS; i++) roots[i] = visit(roots[i]);
  });
  const released: number[] = [];
  heap.onTensorRelease((id) => released.push(id));
  const all: MObj[] = [];
  let nextId = 1;
  let nextTensor = 1000;

  /** Heap slot index of pointer slot k of a model object, or -1 when it has none. */
  const ptrSlot = (m: MObj, k: number) => (m.kind === "pair" ? (k < 2 ? 1 + k : -1) : m.kind === "array" || m.kind === "big" ? (k < m.refs.length ? k : -1) : -1);

  const reachable = (): Set<MObj> => {
    const seen = new Set<MObj>();
    const stack = mroots.filter((m): m is MObj => m !== null);
    while (stack.length) {
      const m = stack.pop()!;
      if (seen.has(m)) continue;
      seen.add(m);
      for (const r of m.refs) if (r) stack.push(r);
    }
    return seen;
  };

  /** Compare the heap graph with the model graph from every root. */
  const check = (afterFull: boolean) => {
    const at = new Map<MObj, Ptr>();
    const visit = (m: MObj | null, p: Ptr, path: () => string): void => {
      if (m === null) {
        same(p, 0, () => `${path()} should be null`);
        return;
      }
      if (p === 0) throw new Error(`${path()} is null in the heap but not in the model`);
      const seenAt = at.get(m);
      if (seenAt !== undefined) {
        same(p, seenAt, () => `${path()}: object ${m.id} reached twice at different addresses`);
        return;
      }
      at.set(m, p);
      switch (m.kind) {
        case "pair":
          same([heap.layoutOf(p), heap.get(p, 0)], [Pair, m.id], path);
          visit(m.refs[0], heap.getPtr(p, 1), () => path() + ".0");
          visit(m.refs[1], heap.getPtr(p, 2), () => path() + ".1");
          break;
        case "leaf":
          same([heap.layoutOf(p), heap.get(p, 0), heap.get(p, 1), heap.get(p, 2)], [Leaf, m.id, m.tensor, -m.id], path);
          break;
        case "array":
        case "big":
          same([heap.layoutOf(p), heap.length(p)], [Arr, m.refs.length], path);
          m.refs.forEach((r, k) => visit(r, heap.getPtr(p, k), () => `${path()}[${k}]`));
          break;
        case "text":
          same([heap.layoutName(heap.layoutOf(p)), heap.readString(p)], ["String", m.text], path);
          break;
      }
    };
    mroots.forEach((m, i) => visit(m, roots[i], () => `root${i}`));

    const live = reachable();
    const releasedSet = new Set(released);
    same(releasedSet.size, released.length, "tensors released twice");
    for (const m of live) if (m.tensor && releasedSet.has(m.tensor)) throw new Error(`tensor of live object ${m.id} released`);
    if (afterFull) {
      const liveWords = [...live].reduce((s, m) => s + m.words, 0);
      same(heap.heapSize(), liveWords * 8, "heap size after a full collection");
      const deadTensors = all.filter((m) => m.tensor && !live.has(m)).map((m) => m.tensor);
      same([...releasedSet].sort((a, b) => a - b), deadTensors.sort((a, b) => a - b), "released tensors");
    }
  };

  for (const o of ops) {
    switch (o.op) {
      case "alloc": {
        const id = nextId++;
        const m: MObj = { id, kind: o.kind, refs: [], tensor: 0, text: "", words: 0 };
        let p: Ptr;
        if (o.kind === "pair") {
          p = heap.alloc(Pair);
          heap.set(p, 0, id);
          m.refs = [null, null];
          m.words = 4;
        } else if (o.kind === "leaf") {
          p = heap.alloc(Leaf);
          m.tensor = nextTensor++;
          heap.set(p, 0, id);
          heap.set(p, 1, m.tensor);
          heap.set(p, 2, -id);
          m.words = 4;
        } else if (o.kind === "array" || o.kind === "big") {
          const n = o.kind === "big" ? BIG : o.n;
          p = heap.allocArray(Arr, n);
          m.refs = new Array(n).fill(null);
          m.words = 1 + n;
        } else {
          m.text = `obj ${id} ✓`.repeat(o.n);
          p = heap.allocString(m.text);
          const bytes = Buffer.byteLength(m.text);
          m.words = 1 + Math.ceil(bytes / 8);
        }
        all.push(m);
        roots[o.root] = p;
        mroots[o.root] = m;
        break;
      }
      case "chain": {
        let next: MObj | null = mroots[o.root];
        for (let k = 0; k < o.n; k++) {
          const m: MObj = { id: nextId++, kind: "pair", refs: [next, null], tensor: 0, text: "", words: 4 };
          const p = heap.alloc(Pair);
          heap.set(p, 0, m.id);
          heap.setPtr(p, 1, roots[o.root]);
          all.push(m);
          roots[o.root] = p;
          mroots[o.root] = next = m;
        }
        break;
      }
      case "link":
      case "unlink": {
        const src = mroots[o.src];
        if (!src) break;
        const s = ptrSlot(src, o.slot);
        if (s < 0) break;
        const dst = o.op === "link" ? mroots[o.dst] : null;
        heap.setPtr(roots[o.src], s, o.op === "link" ? roots[o.dst] : 0);
        src.refs[src.kind === "pair" ? o.slot : s] = dst;
        break;
      }
      case "copyRoot":
        roots[o.to] = roots[o.from];
        mroots[o.to] = mroots[o.from];
        break;
      case "clearRoot":
        roots[o.root] = 0;
        mroots[o.root] = null;
        break;
      case "descend": {
        const m = mroots[o.root];
        if (!m) break;
        const s = ptrSlot(m, o.slot);
        if (s < 0) break;
        roots[o.root] = heap.getPtr(roots[o.root], s);
        mroots[o.root] = m.refs[m.kind === "pair" ? o.slot : s];
        break;
      }
      case "take": {
        const m = mroots[o.src];
        if (!m) break;
        const s = ptrSlot(m, o.slot);
        if (s < 0) break;
        const k = m.kind === "pair" ? o.slot : s;
        const taken = heap.getPtr(roots[o.src], s);
        heap.setPtr(roots[o.src], s, 0);
        roots[o.to] = taken;
        mroots[o.to] = m.refs[k];
        m.refs[k] = null;
        break;
      }
      case "safepoint":
        heap.safepoint();
        check(false);
        break;
      case "boundary":
        heap.batchBoundary();
        check(false);
        break;
      case "young":
        heap.collectYoung();
        check(false);
        break;
      case "full":
        heap.collectFull();
        check(true);
        break;
      case "mode":
        heap.configure({ mode: o.mode, youngGenSize });
        heap.safepoint();
        check(false);
        break;
    }
  }
  // Let an incremental cycle in progress run to its end (a full collection would abandon it).
  for (let guard = 0; heap.cyclePhase !== "idle" && guard < 100000; guard++) {
    heap.safepoint();
    check(false);
  }
  heap.collectFull();
  check(true);
}

describe.each(MODES)("model-based: %s mode", (mode) => {
  test("random object graphs and mutations keep every reachable object intact", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.constantFrom(24 * 1024, 64 * 1024),
        fc.array(opArb, { minLength: 30, maxLength: 150, size: "max" }),
        // Half the programs cut the first bump regions of every collection short, as the
        // process's first collections do (evacuator.ts): promotions then switch regions early.
        fc.boolean(),
        (stress, young, ops, cut) => {
          cutBumpRegionsOfNextCollections(cut ? Number.MAX_SAFE_INTEGER : 0);
          try {
            runProgram(mode, stress, young, ops);
          } catch (e) {
            if (e instanceof HeapCorruption) throw new Error(e.message);
            throw e;
          } finally {
            cutBumpRegionsOfNextCollections(0);
          }
        },
      ),
      { seed: 0x5eed + MODES.indexOf(mode), numRuns: Number(process.env.HEAP_MODEL_RUNS ?? 1000) },
    );
  });
});
