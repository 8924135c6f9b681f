// Bit sets and a worklist dataflow engine over a CFG (forward or backward, union at joins).
//
// States are fixed-width Uint32Array bit sets, one per basic block (a node's state is replayed
// from its block's on demand), so an analysis costs O(nodes × width/32) per pass and converges in
// a few passes on reducible graphs.

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

/**
 * An analysis whose effect at every node is "remove these bits, then add those", compiled once
 * into flat per-node lists: the solver visits nodes several times (and replays blocks for
 * queries), so the per-visit work is two short loops over an Int32Array — no Map lookups, no
 * closures, no allocation.
 */
export class GenKill implements Analysis {
  private readonly killStart: Int32Array;
  private readonly kills: Int32Array;
  private readonly genStart: Int32Array;
  private readonly gens: Int32Array;
  /**
   * `effect(node, kill, gen)` reports the node's effect once; `kill`/`gen` take a bit index
   * (without offset). All kills of a node apply before its gens.
   */
  constructor(
    readonly direction: "forward" | "backward",
    readonly width: number,
    nodes: CfgNode[],
    effect: (node: CfgNode, kill: (bit: number) => void, gen: (bit: number) => void) => void,
  ) {
    const n = nodes.length;
    this.killStart = new Int32Array(n + 1);
    this.genStart = new Int32Array(n + 1);
    const kills: number[] = [];
    const gens: number[] = [];
    const kill = (bit: number) => void kills.push(bit);
    const gen = (bit: number) => void gens.push(bit);
    for (let k = 0; k < n; k++) {
      this.killStart[k] = kills.length;
      this.genStart[k] = gens.length;
      effect(nodes[k], kill, gen);
    }
    this.killStart[n] = kills.length;
    this.genStart[n] = gens.length;
    this.kills = Int32Array.from(kills);
    this.gens = Int32Array.from(gens);
  }

  transfer(node: CfgNode, state: BitSet, off: number): void {
    const w = state.words;
    const id = node.id;
    for (let k = this.killStart[id], end = this.killStart[id + 1]; k < end; k++) {
      const bit = off + this.kills[k];
      w[bit >>> 5] &= ~(1 << (bit & 31));
    }
    for (let k = this.genStart[id], end = this.genStart[id + 1]; k < end; k++) {
      const bit = off + this.gens[k];
      w[bit >>> 5] |= 1 << (bit & 31);
    }
  }
}

/** The per-node states of one analysis that was solved together with others (a window of a combined state). */
export class SliceSets {
  constructor(
    readonly sets: StateSets,
    readonly off: number,
  ) {}
  has(node: number, bit: number): boolean {
    return this.sets.has(node, this.off + bit);
  }
  row(node: number): { data: Uint32Array; at: number } {
    return this.sets.row(node);
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

/** Per-node states of a solved analysis: the entry ("before") or exit ("after") side. */
export interface StateSets {
  has(node: number, bit: number): boolean;
  /**
   * Where one node's set lives (word `at` of `data` onward), for callers testing many bits of it.
   * Valid only until the next query of the same solution (it may be a cursor's buffer).
   */
  row(node: number): { data: Uint32Array; at: number };
  /** A copy of one node's set. */
  get(node: number): BitSet;
}

/**
 * The solution of one analysis stored per basic block (a chain of nodes with one way in and one
 * way out): one state per block, and a node's state replayed from its block's on demand. This
 * keeps memory at blocks × width instead of nodes × width (long bodies made it the main cost).
 * Backward analyses replay a whole block into a small cache (queries come in block order, so a
 * few cached replays serve almost all of them); forward ones keep a cursor (below).
 */
class BlockSolution {
  private readonly cache = new Map<number, Uint32Array>();
  private readonly scratch: BitSet;
  constructor(
    private readonly nodes: CfgNode[],
    private readonly a: Analysis,
    private readonly W: number,
    private readonly blockOf: Int32Array,
    private readonly posIn: Int32Array,
    private readonly blocks: number[][],
    /** Forward: the state entering each block's first node; backward: leaving its last node. */
    private readonly seed: Uint32Array,
  ) {
    this.scratch = new BitSet(a.width);
    this.forward = a.direction === "forward";
  }
  private readonly forward: boolean;

  /**
   * States of block b at its (len + 1) boundaries (backward analyses): boundary k is before node
   * k, boundary k+1 after it. An evicted replay's buffer is reused for the next one, so a long
   * body does not allocate (and collect) a state per node.
   */
  private states(b: number): Uint32Array {
    const cached = this.cache.get(b);
    if (cached) return cached;
    const W = this.W;
    const list = this.blocks[b];
    const len = list.length;
    let buf: Uint32Array | undefined;
    if (this.cache.size >= 8) {
      const evicted = this.cache.keys().next().value as number;
      const old = this.cache.get(evicted);
      if (old) buf = new Uint32Array(old.buffer); // the whole allocation, not the view
      this.cache.delete(evicted);
      if (evicted === this.lastBlock) this.lastBlock = -1;
    }
    const st = buf && buf.length >= (len + 1) * W ? buf.subarray(0, (len + 1) * W) : new Uint32Array((len + 1) * W);
    const sw = this.scratch.words;
    st.set(this.seed.subarray(b * W, (b + 1) * W), len * W);
    for (let k = len - 1; k >= 0; k--) {
      for (let w = 0; w < W; w++) sw[w] = st[(k + 1) * W + w];
      this.a.transfer(this.nodes[list[k]], this.scratch, 0);
      st.set(sw, k * W);
    }
    this.cache.set(b, st);
    return st;
  }

  private lastBlock = -1;
  private lastStates: Uint32Array = new Uint32Array(0);

  // Forward analyses answer queries from a cursor instead: the state at one boundary of one
  // block, moved on by applying the nodes' effects. The checker asks in reverse postorder, so
  // the cursor mostly steps forward one node at a time and a query costs O(1) amortized — no
  // state per node is stored or copied, which made queries cost O(nodes × width) (quadratic in
  // the length of a body, since the width grows with it too).
  private curBlock = -1;
  private curPos = 0;
  private cursorState: BitSet | null = null;

  /** The cursor's state at boundary `pos` of block b (valid until the next query). */
  private at(b: number, pos: number): Uint32Array {
    const W = this.W;
    let cur = this.cursorState;
    if (!cur) cur = this.cursorState = new BitSet(this.a.width);
    const words = cur.words;
    if (b !== this.curBlock || pos < this.curPos) {
      for (let w = 0; w < W; w++) words[w] = this.seed[b * W + w];
      this.curBlock = b;
      this.curPos = 0;
    }
    const list = this.blocks[b];
    while (this.curPos < pos) this.a.transfer(this.nodes[list[this.curPos++]], cur, 0);
    return words;
  }

  row(node: number, after: boolean): { data: Uint32Array; at: number } {
    const b = this.blockOf[node];
    if (this.forward) return { data: this.at(b, this.posIn[node] + (after ? 1 : 0)), at: 0 };
    if (b !== this.lastBlock) {
      this.lastStates = this.states(b);
      this.lastBlock = b;
    }
    return { data: this.lastStates, at: (this.posIn[node] + (after ? 1 : 0)) * this.W };
  }

  has(node: number, bit: number, after: boolean): boolean {
    const b = this.blockOf[node];
    if (this.forward) return (this.at(b, this.posIn[node] + (after ? 1 : 0))[bit >>> 5] & (1 << (bit & 31))) !== 0;
    if (b !== this.lastBlock) {
      this.lastStates = this.states(b);
      this.lastBlock = b;
    }
    const at = this.posIn[node] + (after ? 1 : 0);
    return (this.lastStates[at * this.W + (bit >>> 5)] & (1 << (bit & 31))) !== 0;
  }

  get(node: number, after: boolean): BitSet {
    const b = this.blockOf[node];
    if (this.forward) return new BitSet(this.a.width, this.at(b, this.posIn[node] + (after ? 1 : 0)).slice());
    const st = this.states(b);
    const at = this.posIn[node] + (after ? 1 : 0);
    return new BitSet(this.a.width, st.slice(at * this.W, (at + 1) * this.W));
  }
}

/** Splits the graph into basic blocks: maximal chains where each next node has the previous one as its only way in. */
function basicBlocks(nodes: CfgNode[]): { blockOf: Int32Array; posIn: Int32Array; blocks: number[][] } {
  const n = nodes.length;
  const blockOf = new Int32Array(n).fill(-1);
  const posIn = new Int32Array(n);
  const blocks: number[][] = [];
  const continues = (x: number) => {
    const p = nodes[x].pred;
    return x !== 0 && p.length === 1 && p[0] !== x && nodes[p[0]].succ.length === 1;
  };
  const walk = (leader: number) => {
    const list: number[] = [];
    let x = leader;
    for (;;) {
      blockOf[x] = blocks.length;
      posIn[x] = list.length;
      list.push(x);
      const s = nodes[x].succ;
      if (s.length !== 1 || blockOf[s[0]] !== -1 || !continues(s[0])) break;
      x = s[0];
    }
    blocks.push(list);
  };
  for (let i = 0; i < n; i++) if (blockOf[i] === -1 && !continues(i)) walk(i);
  // Nodes left over sit on a cycle of chain links with no way in (unreachable): any of them leads.
  for (let i = 0; i < n; i++) if (blockOf[i] === -1) walk(i);
  return { blockOf, posIn, blocks };
}

/**
 * Runs the analysis to a fixed point over basic blocks. Returns, per node, the state on entry
 * (forward: before the node's effect; backward: the "in" state, i.e. live before the node) and
 * on exit.
 */
export function solve(nodes: CfgNode[], a: Analysis): { before: StateSets; after: StateSets } {
  const W = (a.width + 31) >>> 5;
  const { blockOf, posIn, blocks } = basicBlocks(nodes);
  const nb = blocks.length;
  const forward = a.direction === "forward";
  // seed: forward — entering the block; backward — leaving it. result: the other end.
  const seed = new Uint32Array(nb * W);
  const result = new Uint32Array(nb * W);
  const upstream = (b: number): number[] => {
    const list = blocks[b];
    const edge = forward ? nodes[list[0]].pred : nodes[list[list.length - 1]].succ;
    return edge.map((x) => blockOf[x]);
  };
  const downstream = (b: number): number[] => {
    const list = blocks[b];
    const edge = forward ? nodes[list[list.length - 1]].succ : nodes[list[0]].pred;
    return edge.map((x) => blockOf[x]);
  };
  const ups = blocks.map((_, b) => upstream(b));
  const downs = blocks.map((_, b) => downstream(b));
  let queue = new Int32Array(Math.max(16, nb * 2));
  let qHead = 0;
  let qTail = 0;
  const queued = new Uint8Array(nb);
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
  // Forward: blocks in creation order (close to reverse postorder); backward: the reverse.
  const order = blocks.map((_, b) => b).sort((x, y) => (forward ? blocks[x][0] - blocks[y][0] : blocks[y][0] - blocks[x][0]));
  for (const b of order) push(b);
  const scratch = new BitSet(a.width);
  const sw = scratch.words;
  while (qHead < qTail) {
    const b = queue[qHead++];
    queued[b] = 0;
    const base = b * W;
    for (const u of ups[b]) {
      const ub = u * W;
      for (let w = 0; w < W; w++) seed[base + w] |= result[ub + w];
    }
    for (let w = 0; w < W; w++) sw[w] = seed[base + w];
    const list = blocks[b];
    if (forward) for (let k = 0; k < list.length; k++) a.transfer(nodes[list[k]], scratch, 0);
    else for (let k = list.length - 1; k >= 0; k--) a.transfer(nodes[list[k]], scratch, 0);
    let changed = false;
    for (let w = 0; w < W; w++) {
      if (result[base + w] !== sw[w]) {
        result[base + w] = sw[w];
        changed = true;
      }
    }
    if (changed) for (const d of downs[b]) if (!queued[d]) push(d);
  }
  const sol = new BlockSolution(nodes, a, W, blockOf, posIn, blocks, seed);
  return {
    before: { has: (node, bit) => sol.has(node, bit, false), get: (node) => sol.get(node, false), row: (node) => sol.row(node, false) },
    after: { has: (node, bit) => sol.has(node, bit, true), get: (node) => sol.get(node, true), row: (node) => sol.row(node, true) },
  };
}
