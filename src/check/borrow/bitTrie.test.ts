// Unit tests of the persistent bit sets against a plain Set of bits.

import { trieApply, trieBitsIn, trieEquals, trieHas, trieLevels, trieToWords, trieUnion, TrieCursor, type Trie } from "./bitTrie";

/** A deterministic pseudo-random sequence (tests must not depend on Math.random). */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

/** Ops for trieApply: one per bit, sorted by bit. */
function opsOf(changes: Map<number, boolean>): Int32Array {
  return Int32Array.from([...changes].sort((a, b) => a[0] - b[0]).map(([bit, on]) => bit * 2 + (on ? 1 : 0)));
}

function bitsOf(t: Trie, levels: number, width: number): number[] {
  const out: number[] = [];
  trieBitsIn(t, levels, 0, 0, width, out);
  return out;
}

describe("bit tries", () => {
  it("needs one more level per 32× width", () => {
    expect(trieLevels(1)).toBe(0);
    expect(trieLevels(512)).toBe(0);
    expect(trieLevels(513)).toBe(1);
    expect(trieLevels(32 * 512)).toBe(1);
    expect(trieLevels(32 * 512 + 1)).toBe(2);
  });

  for (const width of [40, 5000, 70000]) {
    it(`applies, unites, compares and lists bits like a Set (width ${width})`, () => {
      const levels = trieLevels(width);
      const next = rng(width);
      let t: Trie = null;
      const model = new Set<number>();
      const history: { t: Trie; bits: Set<number> }[] = [];
      for (let round = 0; round < 60; round++) {
        const changes = new Map<number, boolean>();
        for (let k = 0; k < 1 + Math.floor(next() * 20); k++) changes.set(Math.floor(next() * width), next() < 0.7);
        const before = t;
        const beforeBits = bitsOf(before, levels, width);
        t = trieApply(t, levels, opsOf(changes), 0, changes.size);
        for (const [bit, on] of changes) on ? model.add(bit) : model.delete(bit);
        // Persistent: the old version is unchanged.
        expect(bitsOf(before, levels, width)).toEqual(beforeBits);
        expect(bitsOf(t, levels, width)).toEqual([...model].sort((a, b) => a - b));
        for (const bit of changes.keys()) expect(trieHas(t, levels, bit)).toBe(model.has(bit));
        history.push({ t, bits: new Set(model) });
      }
      // Union and equality against the model, over pairs of versions (which share structure).
      for (let k = 0; k < 40; k++) {
        const a = history[Math.floor(next() * history.length)];
        const b = history[Math.floor(next() * history.length)];
        const u = trieUnion(a.t, b.t, levels);
        const expected = [...new Set([...a.bits, ...b.bits])].sort((x, y) => x - y);
        expect(bitsOf(u, levels, width)).toEqual(expected);
        expect(trieEquals(u, a.t, levels)).toBe(expected.length === a.bits.size);
        // A copy built from scratch is equal but not the same object.
        const copy = trieApply(null, levels, opsOf(new Map([...a.bits].map((bit) => [bit, true]))), 0, a.bits.size);
        expect(trieEquals(copy, a.t, levels)).toBe(true);
        const words = new Uint32Array((width + 31) >>> 5);
        trieToWords(a.t, levels, 0, words);
        for (const bit of a.bits) expect((words[bit >>> 5] >>> (bit & 31)) & 1).toBe(1);
        expect(words.reduce((n, w) => n + popcount(w), 0)).toBe(a.bits.size);
      }
    });
  }

  it("clears back to the empty set (null), so equal sets compare by shape", () => {
    const levels = trieLevels(5000);
    const t = trieApply(null, levels, Int32Array.from([3 * 2 + 1, 4000 * 2 + 1]), 0, 2);
    expect(trieApply(t, levels, Int32Array.from([3 * 2, 4000 * 2]), 0, 2)).toBeNull();
    expect(trieEquals(null, t, levels)).toBe(false);
  });

  it("lists only the bits of a range", () => {
    const levels = trieLevels(70000);
    const bits = [0, 31, 32, 511, 512, 1023, 1024, 40000, 65000, 69999];
    const t = trieApply(null, levels, Int32Array.from(bits.map((b) => b * 2 + 1)), 0, bits.length);
    const out: number[] = [];
    trieBitsIn(t, levels, 0, 31, 40001, out);
    expect(out).toEqual([31, 32, 511, 512, 1023, 1024, 40000]);
  });

  it("a cursor writes in place without changing the set it started from", () => {
    const levels = trieLevels(5000);
    const base = trieApply(null, levels, Int32Array.from([10 * 2 + 1, 3000 * 2 + 1]), 0, 2);
    const c = new TrieCursor(levels);
    c.reset(base);
    c.set(10, false);
    c.set(11, true);
    c.set(4999, true);
    expect(bitsOf(c.root, levels, 5000)).toEqual([11, 3000, 4999]);
    expect(bitsOf(base, levels, 5000)).toEqual([10, 3000]);
    c.reset(base);
    expect(bitsOf(c.root, levels, 5000)).toEqual([10, 3000]);
  });
});

function popcount(w: number): number {
  let n = 0;
  for (let v = w >>> 0; v !== 0; v &= v - 1) n++;
  return n;
}
