// Unit tests of the bit sets and the worklist dataflow engine on hand-built graphs.

import type { CfgNode } from "./cfg";
import { BitSet, GenKill, solve, solveTogether } from "./dataflow";

function graph(n: number, edges: [number, number][]): CfgNode[] {
  const nodes: CfgNode[] = [];
  for (let i = 0; i < n; i++) nodes.push({ id: i, action: { kind: "nop" }, succ: [], pred: [], loopDepth: 0, stmt: 0 });
  for (const [a, b] of edges) {
    nodes[a].succ.push(b);
    nodes[b].pred.push(a);
  }
  return nodes;
}

describe("BitSet", () => {
  it("adds, deletes and iterates across word boundaries", () => {
    const s = new BitSet(100);
    for (const i of [0, 31, 32, 63, 64, 99]) s.add(i);
    s.delete(63);
    expect([...s]).toEqual([0, 31, 32, 64, 99]);
    expect(s.has(31)).toBe(true);
    expect(s.has(63)).toBe(false);
  });
});

describe("solve", () => {
  it("propagates a forward gen/kill fact around a loop to a fixed point", () => {
    // 0 → 1 → 2 → 1 (back edge), 1 → 3. Node 2 generates bit 0; node 0 generates bit 1, node 3 kills it.
    const nodes = graph(4, [
      [0, 1],
      [1, 2],
      [2, 1],
      [1, 3],
    ]);
    const r = solve(
      nodes,
      new GenKill("forward", 2, nodes, (node, kill, gen) => {
        if (node.id === 2) gen(0);
        if (node.id === 0) gen(1);
        if (node.id === 3) kill(1);
      }),
    );
    // Bit 0 reaches the loop head through the back edge, and the exit.
    expect(r.before.has(1, 0)).toBe(true);
    expect(r.before.has(3, 0)).toBe(true);
    expect(r.before.has(2, 1)).toBe(true);
    expect(r.after.has(3, 1)).toBe(false);
    // Nothing flows into the entry.
    expect([...r.before.get(0)]).toEqual([]);
  });

  it("computes backward liveness: a use keeps a variable live up to its definition", () => {
    // 0: def x; 1: nop; 2: use x; 3: nop (exit).
    const nodes = graph(4, [
      [0, 1],
      [1, 2],
      [2, 3],
    ]);
    const r = solve(
      nodes,
      new GenKill("backward", 1, nodes, (node, kill, gen) => {
        if (node.id === 0) kill(0);
        if (node.id === 2) gen(0);
      }),
    );
    expect(r.before.has(0, 0)).toBe(false);
    expect(r.before.has(1, 0)).toBe(true);
    expect(r.before.has(2, 0)).toBe(true);
    expect(r.before.has(3, 0)).toBe(false);
  });

  it("merges facts at a join (union of both branches)", () => {
    const nodes = graph(4, [
      [0, 1],
      [0, 2],
      [1, 3],
      [2, 3],
    ]);
    const r = solve(
      nodes,
      new GenKill("forward", 2, nodes, (node, _kill, gen) => {
        if (node.id === 1) gen(0);
        if (node.id === 2) gen(1);
      }),
    );
    expect([...r.before.get(3)]).toEqual([0, 1]);
  });

  it("answers queries in any order from a forward solution (backwards within a block, across blocks)", () => {
    // One straight block 0..5: node k generates bit k and kills bit k-2.
    const nodes = graph(6, [
      [0, 1],
      [1, 2],
      [2, 3],
      [3, 4],
      [4, 5],
    ]);
    const r = solve(
      nodes,
      new GenKill("forward", 6, nodes, (node, kill, gen) => {
        if (node.id >= 2) kill(node.id - 2);
        gen(node.id);
      }),
    );
    const expected = (k: number) => [k - 1, k].filter((b) => b >= 0); // after node k: bits k-1 and k
    for (const k of [5, 0, 3, 3, 1, 4, 2, 0, 5]) {
      expect([...r.after.get(k)]).toEqual(expected(k));
      expect([...r.before.get(k)]).toEqual(k === 0 ? [] : expected(k - 1));
      for (let b = 0; b < 6; b++) expect(r.after.has(k, b)).toBe(expected(k).includes(b));
    }
  });
});

describe("GenKill", () => {
  it("applies a node's kills before its gens, at the analysis's offset when solved together", () => {
    // 0 → 1 → 2. Node 0 gens bits 0 and 1; node 1 kills and gens bit 0 (it stays) and kills bit 1;
    // node 2 kills bit 0.
    const nodes = graph(3, [
      [0, 1],
      [1, 2],
    ]);
    const effect = (node: CfgNode, kill: (b: number) => void, gen: (b: number) => void) => {
      if (node.id === 0) gen(0), gen(1);
      if (node.id === 1) gen(0), kill(0), kill(1);
      if (node.id === 2) kill(0);
    };
    const other = (node: CfgNode, _kill: (b: number) => void, gen: (b: number) => void) => node.id === 2 && gen(2);
    const [first, second] = solveTogether(nodes, "forward", [
      { width: 3, effect: other },
      { width: 2, effect },
    ]);
    expect(second.before.off).toBe(3);
    expect(second.after.has(0, 0) && second.after.has(0, 1)).toBe(true);
    expect(second.after.has(1, 0)).toBe(true);
    expect(second.after.has(1, 1)).toBe(false);
    expect(second.after.has(2, 0)).toBe(false);
    expect(first.after.has(2, 2)).toBe(true);
    expect(first.before.has(2, 2)).toBe(false);
  });
});

describe("solve agrees with a plain per-node fixed point", () => {
  /** A deterministic pseudo-random sequence (tests must not depend on Math.random). */
  function rng(seed: number): () => number {
    let x = seed;
    return () => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return (x >>> 0) / 2 ** 32;
    };
  }

  /** Chains (long basic blocks), branches, back edges and the odd unreachable node. */
  function randomGraph(next: () => number, n: number): CfgNode[] {
    const edges: [number, number][] = [];
    for (let i = 0; i + 1 < n; i++) {
      if (next() < 0.85) edges.push([i, i + 1]);
      if (next() < 0.12) edges.push([i, Math.min(n - 1, i + 2 + Math.floor(next() * 8))]);
      if (next() < 0.06 && i > 0) edges.push([i, Math.floor(next() * i)]);
    }
    return graph(n, edges);
  }

  /** The reference: one dense state per node, iterated until nothing changes. */
  function reference(nodes: CfgNode[], a: GenKill): { before: Set<number>[]; after: Set<number>[] } {
    const forward = a.direction === "forward";
    const before = nodes.map(() => new Set<number>());
    const after = nodes.map(() => new Set<number>());
    for (let changed = true; changed; ) {
      changed = false;
      for (const node of forward ? nodes : [...nodes].reverse()) {
        const k = node.id;
        // forward: before = ∪ preds' after; backward: after (out) = ∪ succs' before (in).
        const inflow = new Set<number>();
        for (const x of forward ? node.pred : node.succ) for (const b of forward ? after[x] : before[x]) inflow.add(b);
        const out = new Set(inflow);
        for (let i = a.opStart[k]; i < a.opStart[k + 1]; i++) (a.ops[i] & 1 ? out.add(a.ops[i] >>> 1) : out.delete(a.ops[i] >>> 1));
        const [entrySide, exitSide] = forward ? [before, after] : [after, before];
        if ([...out].some((b) => !exitSide[k].has(b)) || out.size !== exitSide[k].size || inflow.size !== entrySide[k].size) changed = true;
        entrySide[k] = inflow;
        exitSide[k] = out;
      }
    }
    return { before, after };
  }

  for (const direction of ["forward", "backward"] as const) {
    for (const [seed, n, width] of [
      [1, 40, 30],
      [2, 200, 1500],
      [3, 120, 40000],
    ]) {
      it(`${direction}, ${n} nodes, ${width} bits (seed ${seed})`, () => {
        const next = rng(seed * 7919 + (direction === "forward" ? 0 : 1));
        const nodes = randomGraph(next, n);
        const a = new GenKill(direction, width, nodes, (_node, kill, gen) => {
          for (let k = 0; k < 3; k++) if (next() < 0.5) kill(Math.floor(next() * width));
          for (let k = 0; k < 3; k++) if (next() < 0.4) gen(Math.floor(next() * width));
        });
        const expected = reference(nodes, a);
        const r = solve(nodes, a);
        // Queries in a shuffled order, then node after node (the checker's order). Mismatches are
        // collected and compared once (an expect per query makes the test slow).
        const order = nodes.map((x) => x.id).sort(() => next() - 0.5);
        const wrong: string[] = [];
        for (const k of [...order, ...nodes.map((x) => x.id)]) {
          for (const [name, side, sets] of [
            ["before", r.before, expected.before],
            ["after", r.after, expected.after],
          ] as const) {
            const want = [...sets[k]].sort((x, y) => x - y);
            const got = [...side.get(k)];
            if (got.join() !== want.join()) wrong.push(`get ${name} ${k}: ${got} ≠ ${want}`);
            for (const b of [...want, ...[0, 1, 2, 3, 4].map(() => Math.floor(next() * width))]) {
              if (side.has(k, b) !== sets[k].has(b)) wrong.push(`has ${name} ${k} ${b}`);
            }
            if (direction === "forward") {
              const lo = Math.floor(next() * width);
              const hi = Math.min(width, lo + Math.floor(next() * width));
              const inRange: number[] = [];
              side.bitsIn(k, lo, hi, inRange);
              if (inRange.join() !== want.filter((b) => b >= lo && b < hi).join()) wrong.push(`bitsIn ${name} ${k} [${lo}, ${hi})`);
            }
          }
        }
        expect(wrong).toEqual([]);
      });
    }
  }
});
