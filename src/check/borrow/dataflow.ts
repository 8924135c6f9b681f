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
  /** Apply the node's effect to `state` in place (for a backward analysis: from out to in). */
  transfer(node: CfgNode, state: BitSet): void;
}

/**
 * Runs the analysis to a fixed point. Returns, per node, the state on entry (forward: before the
 * node's effect; backward: the "in" state, i.e. live before the node) and on exit.
 */
export function solve(nodes: CfgNode[], a: Analysis): { before: BitSet[]; after: BitSet[] } {
  const n = nodes.length;
  const before: BitSet[] = new Array(n);
  const after: BitSet[] = new Array(n);
  for (let i = 0; i < n; i++) {
    before[i] = new BitSet(a.width);
    after[i] = new BitSet(a.width);
  }
  const forward = a.direction === "forward";
  // Forward: visit in creation order (close to reverse postorder); backward: the reverse.
  const queue: number[] = [];
  const queued = new Uint8Array(n);
  if (forward) for (let i = 0; i < n; i++) queue.push(i);
  else for (let i = n - 1; i >= 0; i--) queue.push(i);
  for (const i of queue) queued[i] = 1;
  let head = 0;
  const scratch = new BitSet(a.width);
  while (head < queue.length) {
    const id = queue[head++];
    queued[id] = 0;
    const node = nodes[id];
    // Gather the input from the neighbours upstream of the flow.
    const inputs = forward ? node.pred : node.succ;
    const input = forward ? before[id] : after[id];
    for (const p of inputs) input.unionWith(forward ? after[p] : before[p]);
    scratch.copyFrom(input);
    a.transfer(node, scratch);
    const out = forward ? after[id] : before[id];
    if (!out.equals(scratch)) {
      out.copyFrom(scratch);
      for (const s of forward ? node.succ : node.pred) {
        if (!queued[s]) {
          queued[s] = 1;
          queue.push(s);
        }
      }
    }
    // Keep the queue array from growing without bound on long runs.
    if (head > 4096 && head * 2 > queue.length) {
      queue.splice(0, head);
      head = 0;
    }
  }
  return { before, after };
}
