// Unit tests of the bit sets and the worklist dataflow engine on hand-built graphs.

import type { CfgNode } from "./cfg";
import { BitSet, solve } from "./dataflow";

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

  it("reports whether a union changed anything", () => {
    const a = new BitSet(40);
    const b = new BitSet(40);
    b.add(35);
    expect(a.unionWith(b)).toBe(true);
    expect(a.unionWith(b)).toBe(false);
    expect(a.equals(b)).toBe(true);
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
    const r = solve(nodes, {
      direction: "forward",
      width: 2,
      transfer(node, s) {
        if (node.id === 2) s.add(0);
        if (node.id === 0) s.add(1);
        if (node.id === 3) s.delete(1);
      },
    });
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
    const r = solve(nodes, {
      direction: "backward",
      width: 1,
      transfer(node, s) {
        if (node.id === 0) s.delete(0);
        if (node.id === 2) s.add(0);
      },
    });
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
    const r = solve(nodes, {
      direction: "forward",
      width: 2,
      transfer(node, s) {
        if (node.id === 1) s.add(0);
        if (node.id === 2) s.add(1);
      },
    });
    expect([...r.before.get(3)]).toEqual([0, 1]);
  });
});
