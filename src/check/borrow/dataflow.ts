// Bit sets and a worklist dataflow engine over a CFG (forward or backward, union at joins).
//
// States are fixed-width Uint32Array bit sets, one per node, so an analysis costs
// O(nodes × width/32) per pass and converges in a few passes on reducible graphs.

import type { CfgNode } from "./cfg";

export class BitSet {
  readonly words: Uint32Array;
  constructor(readonly size: number, words?: Uint32Array) {
    this.words = words ?? new Uint32Array((size + 31) >>> 5);
  }
  has(i: number): boolean {
    return (this.words[i >>> 5] & (1 << (i & 31))) !== 0;
  }
  add(i: number): void {
    this.words[i >>> 5] |= 1 << (i & 31);
  }
  delete(i: number): void {
    this.words[i >>> 5] &= ~(1 << (i & 31));
  }
  clone(): BitSet {
    return new BitSet(this.size, this.words.slice());
  }
  /** this |= other; returns whether anything changed. */
  unionWith(other: BitSet): boolean {
    let changed = false;
    const a = this.words;
    const b = other.words;
    for (let i = 0; i < a.length; i++) {
      const v = a[i] | b[i];
      if (v !== a[i]) {
        a[i] = v;
        changed = true;
      }
    }
    return changed;
  }
  equals(other: BitSet): boolean {
    const a = this.words;
    const b = other.words;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  copyFrom(other: BitSet): void {
    this.words.set(other.words);
  }
  clear(): void {
    this.words.fill(0);
  }
  *[Symbol.iterator](): IterableIterator<number> {
    const w = this.words;
    for (let i = 0; i < w.length; i++) {
      let v = w[i];
      while (v !== 0) {
        const t = v & -v;
        const bit = 31 - Math.clz32(t);
        yield (i << 5) + bit;
        v ^= t;
      }
    }
  }
}

export interface Analysis {
  direction: "forward" | "backward";
  width: number;
  /**
   * Apply the node's effect to `state` in place (for a backward analysis: from out to in). The
   * analysis's bits start at `off` in `state` (0 unless solved together with others).
   */
  transfer(node: CfgNode, state: BitSet, off: number): void;
}

/** The per-node states of one analysis that was solved together with others (a window of a combined state). */
export class SliceSets {
  constructor(
    readonly sets: NodeSets,
    readonly off: number,
  ) {}
  has(node: number, bit: number): boolean {
    return this.sets.has(node, this.off + bit);
  }
}

/**
 * Solves several analyses of the same direction in one pass over the graph (one state made of
 * their windows side by side), which costs one traversal instead of one per analysis.
 */
export function solveTogether(nodes: CfgNode[], analyses: Analysis[]): { before: SliceSets; after: SliceSets }[] {
  const direction = analyses[0].direction;
  const offsets: number[] = [];
  let width = 0;
  for (const a of analyses) {
    offsets.push(width);
    width += a.width;
  }
  const r = solve(nodes, {
    direction,
    width,
    transfer(node, state) {
      for (let i = 0; i < analyses.length; i++) analyses[i].transfer(node, state, offsets[i]);
    },
  });
  return offsets.map((off) => ({ before: new SliceSets(r.before, off), after: new SliceSets(r.after, off) }));
}

/** One bit set per node, stored in a single flat array (no per-node allocation). */
export class NodeSets {
  readonly words: number;
  readonly data: Uint32Array;
  constructor(
    readonly nodes: number,
    readonly width: number,
  ) {
    this.words = (width + 31) >>> 5;
    this.data = new Uint32Array(nodes * this.words);
  }
  has(node: number, bit: number): boolean {
    return (this.data[node * this.words + (bit >>> 5)] & (1 << (bit & 31))) !== 0;
  }
  /** A BitSet view of one node's set (shares memory). */
  get(node: number): BitSet {
    return new BitSet(this.width, this.data.subarray(node * this.words, (node + 1) * this.words));
  }
}

/**
 * Runs the analysis to a fixed point. Returns, per node, the state on entry (forward: before the
 * node's effect; backward: the "in" state, i.e. live before the node) and on exit.
 */
export function solve(nodes: CfgNode[], a: Analysis): { before: NodeSets; after: NodeSets } {
  const n = nodes.length;
  const before = new NodeSets(n, a.width);
  const after = new NodeSets(n, a.width);
  const W = before.words;
  const bd = before.data;
  const ad = after.data;
  const forward = a.direction === "forward";
  const inData = forward ? bd : ad;
  const outData = forward ? ad : bd;
  // Forward: visit in creation order (close to reverse postorder); backward: the reverse.
  let queue = new Int32Array(Math.max(16, n * 2));
  let qHead = 0;
  let qTail = 0;
  const queued = new Uint8Array(n);
  const push = (x: number) => {
    if (qTail === queue.length) {
      const live = queue.subarray(qHead, qTail);
      const next = new Int32Array(Math.max(queue.length, live.length * 2 + 16));
      next.set(live);
      queue = next;
      qTail -= qHead;
      qHead = 0;
    }
    queue[qTail++] = x;
    queued[x] = 1;
  };
  if (forward) for (let i = 0; i < n; i++) push(i);
  else for (let i = n - 1; i >= 0; i--) push(i);
  const scratch = new BitSet(a.width);
  const sw = scratch.words;
  while (qHead < qTail) {
    const id = queue[qHead++];
    queued[id] = 0;
    const node = nodes[id];
    // Gather the input from the neighbours upstream of the flow.
    const inputs = forward ? node.pred : node.succ;
    const base = id * W;
    for (const p of inputs) {
      const pb = p * W;
      for (let w = 0; w < W; w++) inData[base + w] |= outData[pb + w];
    }
    for (let w = 0; w < W; w++) sw[w] = inData[base + w];
    a.transfer(node, scratch, 0);
    let changed = false;
    for (let w = 0; w < W; w++) {
      if (outData[base + w] !== sw[w]) {
        outData[base + w] = sw[w];
        changed = true;
      }
    }
    if (changed) for (const s of forward ? node.succ : node.pred) if (!queued[s]) push(s);
  }
  return { before, after };
}
