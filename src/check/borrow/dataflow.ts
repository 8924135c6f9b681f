// A worklist dataflow engine over a CFG (forward or backward, union at joins), for
// gen/kill analyses.
//
// Linear in the length of a body. The solver keeps one persistent set (bitTrie.ts) per basic
// block and a block's effect as its net list of bits set or cleared, so visiting a block costs
// its own effects plus the facts that differ between the states joined at its entry — not the
// width of the state, which grows with the body. Queries store no state per node: a forward
// analysis answers from a cursor that steps through a block as the checker visits it (one node's
// effects per step, copying a trie path on its first write); a query behind the cursor, and every
// query of a backward analysis, looks up the bit's nearest effect in the block (each bit's effects
// are indexed by position, a binary search) or else reads the block's boundary state.

import type { CfgNode } from "./cfg";
import { trieApply, trieBitsIn, trieDiff, trieEquals, trieHas, trieLevels, trieToWords, trieUnion, TrieCursor, type Trie } from "./bitTrie";

/** A dense bit set: what `StateSets.get` returns (one node's whole state, for tests and tools). */
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

let opsScratch: Int32Array = new Int32Array(1024);
let gensScratch: Int32Array = new Int32Array(64);
/** Set while a GenKill is being compiled: one compiled from inside another's callback gets fresh arrays. */
let compiling = false;

function grown(a: Int32Array): Int32Array {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

/**
 * Runs each effect at every node, part i's bits shifted by offsets[i]; per node, part after
 * part, each part's kills before its gens (the windows are disjoint, so that is all the order
 * there is). The effects are written into scratch arrays shared by every analysis (grown by
 * doubling, never shrunk) and copied out at their exact length: growing a fresh list per
 * analysis left its copies behind as garbage.
 */
function compileEffects(nodes: CfgNode[], effects: Effect[], offsets: number[]): { opStart: Int32Array; ops: Int32Array } {
  const n = nodes.length;
  const opStart = new Int32Array(n + 1);
  const nested = compiling;
  compiling = true;
  let ops = nested ? new Int32Array(1024) : opsScratch;
  let gens = nested ? new Int32Array(64) : gensScratch;
  let no = 0;
  let ng = 0;
  let shift = 0;
  const kill = (bit: number) => {
    if (no === ops.length) ops = grown(ops);
    ops[no++] = (bit + shift) * 2;
  };
  const gen = (bit: number) => {
    if (ng === gens.length) gens = grown(gens);
    gens[ng++] = (bit + shift) * 2 + 1;
  };
  try {
    for (let k = 0; k < n; k++) {
      opStart[k] = no;
      const node = nodes[k];
      for (let p = 0; p < effects.length; p++) {
        shift = offsets[p];
        effects[p](node, kill, gen);
        for (let i = 0; i < ng; i++) {
          if (no === ops.length) ops = grown(ops);
          ops[no++] = gens[i];
        }
        ng = 0;
      }
    }
  } finally {
    if (!nested) {
      opsScratch = ops; // keep the grown arrays for the next analysis
      gensScratch = gens;
      compiling = false;
    }
  }
  opStart[n] = no;
  return { opStart, ops: ops.slice(0, no) };
}

/** One node's effect: `kill`/`gen` take a bit index; all kills of a node apply before its gens. */
export type Effect = (node: CfgNode, kill: (bit: number) => void, gen: (bit: number) => void) => void;

const noEffect: Effect = () => {};

/**
 * A gen/kill analysis ("remove these bits, then add those" at every node), compiled once into a
 * flat per-node list of effects: the solver and the queries read them many times, so that is two
 * Int32Array reads per effect — no Map lookups, no closures, no allocation.
 */
export class GenKill {
  /** Node k's effects are `ops[opStart[k] .. opStart[k + 1])`, each `bit * 2 + (set ? 1 : 0)`, its kills first. */
  readonly opStart: Int32Array;
  readonly ops: Int32Array;
  /** `effect(node, kill, gen)` reports the node's effect once (`compiled`: effect lists already made, as by GenKill.joint). */
  constructor(
    readonly direction: "forward" | "backward",
    readonly width: number,
    nodes: CfgNode[],
    effect: Effect,
    compiled?: { opStart: Int32Array; ops: Int32Array },
  ) {
    const c = compiled ?? compileEffects(nodes, [effect], [0]);
    this.opStart = c.opStart;
    this.ops = c.ops;
  }

  /**
   * Several analyses of one direction compiled as one, each in its own window of bits (at the
   * returned offsets): one pass over the nodes, no per-analysis lists to merge afterwards.
   */
  static joint(direction: "forward" | "backward", nodes: CfgNode[], parts: { width: number; effect: Effect }[]): { combined: GenKill; offsets: number[] } {
    const offsets: number[] = [];
    let width = 0;
    for (let i = 0; i < parts.length; i++) {
      offsets.push(width);
      width += parts[i].width;
    }
    const { opStart, ops } = compileEffects(
      nodes,
      parts.map((p) => p.effect),
      offsets,
    );
    // Through the constructor, so every GenKill has one shape (the solver's property reads stay monomorphic).
    return { combined: new GenKill(direction, width, nodes, noEffect, { opStart, ops }), offsets };
  }

  /** Applies node k's effects to a dense set (from out to in for a backward analysis). */
  applyTo(k: number, words: Uint32Array): void {
    const ops = this.ops;
    for (let i = this.opStart[k], end = this.opStart[k + 1]; i < end; i++) {
      const bit = ops[i] >>> 1;
      if ((ops[i] & 1) !== 0) words[bit >>> 5] |= 1 << (bit & 31);
      else words[bit >>> 5] &= ~(1 << (bit & 31));
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
  /** Appends this analysis's bits in [lo, hi) that hold at node n, ascending (see StateSets.bitsIn). */
  bitsIn(node: number, lo: number, hi: number, out: number[]): void {
    const start = out.length;
    this.sets.bitsIn(node, this.off + lo, this.off + hi, out);
    for (let i = start; i < out.length; i++) out[i] -= this.off;
  }
}

/**
 * Solves several analyses of the same direction in one pass over the graph (one state made of
 * their windows side by side), which costs one traversal instead of one per analysis; their
 * effects are compiled together too (GenKill.joint).
 */
export function solveTogether(nodes: CfgNode[], direction: "forward" | "backward", parts: { width: number; effect: Effect }[]): { before: SliceSets; after: SliceSets }[] {
  const { combined, offsets } = GenKill.joint(direction, nodes, parts);
  const r = solve(nodes, combined);
  return offsets.map((off) => ({ before: new SliceSets(r.before, off), after: new SliceSets(r.after, off) }));
}

/** Per-node states of a solved analysis: the entry ("before") or exit ("after") side. */
export interface StateSets {
  has(node: number, bit: number): boolean;
  /**
   * Appends the bits in [lo, hi) that hold at node n to `out`, ascending. Forward analyses only;
   * cheapest when asked node after node through a block, as the checker does.
   */
  bitsIn(node: number, lo: number, hi: number, out: number[]): void;
  /** A copy of one node's set. */
  get(node: number): BitSet;
}

/** A solved analysis. */
export interface Solved {
  before: StateSets;
  after: StateSets;
  /**
   * Backward analyses: every bit that holds leaving a branching node but not entering one of its
   * successors, reported with that successor (for liveness: where a variable dies on one way
   * out of a branch). Costs the bits reported, not the width of the states.
   */
  branchDeaths(report: (node: number, bit: number) => void): void;
}

/** Basic blocks: maximal chains where each next node has the previous one as its only way in. */
interface Blocks {
  blockOf: Int32Array;
  posIn: Int32Array;
  /** The nodes block after block, first to last in each: block b is `order[blockStart[b] .. blockStart[b + 1])`. */
  order: Int32Array;
  /** Where each block starts in `order` (the effect index's positions). */
  blockStart: Int32Array;
  succBlocks: number[][];
  predBlocks: number[][];
  /** Reverse postorder from the entry's block. */
  rpo: number[];
}

// The blocks of a graph, computed once for the several analyses solved over it (a CFG's nodes
// do not change once it is built).
const blocksCache = new WeakMap<CfgNode[], Blocks>();

function blocksOf(nodes: CfgNode[]): Blocks {
  let bl = blocksCache.get(nodes);
  if (!bl) blocksCache.set(nodes, (bl = basicBlocks(nodes)));
  return bl;
}

/** Splits the graph into basic blocks: maximal chains where each next node has the previous one as its only way in. */
function basicBlocks(nodes: CfgNode[]): Blocks {
  const n = nodes.length;
  const blockOf = new Int32Array(n).fill(-1);
  const posIn = new Int32Array(n);
  // The nodes are written block after block straight into `order` (no list per block).
  const order = new Int32Array(n);
  const starts: number[] = [];
  let placed = 0;
  // Does x continue its only predecessor's block?
  const continues = (x: number) => {
    const p = nodes[x].pred;
    return x !== 0 && p.length === 1 && p[0] !== x && nodes[p[0]].succ.length === 1;
  };
  const walk = (leader: number) => {
    const b = starts.length;
    starts.push(placed);
    let x = leader;
    for (let pos = 0; ; pos++) {
      blockOf[x] = b;
      posIn[x] = pos;
      order[placed++] = x;
      const s = nodes[x].succ;
      if (s.length !== 1 || blockOf[s[0]] !== -1 || !continues(s[0])) break;
      x = s[0];
    }
  };
  for (let i = 0; i < n; i++) if (blockOf[i] === -1 && !continues(i)) walk(i);
  // Nodes left over sit on a cycle of chain links with no way in (unreachable): any of them leads.
  for (let i = 0; i < n; i++) if (blockOf[i] === -1) walk(i);
  const nb = starts.length;
  const blockStart = new Int32Array(nb + 1);
  blockStart.set(starts);
  blockStart[nb] = n;
  const succBlocks: number[][] = new Array(nb);
  const predBlocks: number[][] = new Array(nb);
  for (let b = 0; b < nb; b++) {
    succBlocks[b] = blocksOfNodes(nodes[order[blockStart[b + 1] - 1]].succ, blockOf);
    predBlocks[b] = blocksOfNodes(nodes[order[blockStart[b]]].pred, blockOf);
  }
  const rpo = nb === 0 ? [] : reversePostorder(succBlocks, blockOf[0]);
  return { blockOf, posIn, order, blockStart, succBlocks, predBlocks, rpo };
}

function blocksOfNodes(xs: number[], blockOf: Int32Array): number[] {
  const out = new Array<number>(xs.length);
  for (let i = 0; i < xs.length; i++) out[i] = blockOf[xs[i]];
  return out;
}

/** Blocks in reverse postorder from the entry's block (the unreachable ones after, in creation order). */
function reversePostorder(succ: number[][], entry: number): number[] {
  const nb = succ.length;
  const seen = new Uint8Array(nb);
  const post: number[] = [];
  const stack: number[] = [entry];
  const next: number[] = [0];
  seen[entry] = 1;
  while (stack.length) {
    const top = stack.length - 1;
    const b = stack[top];
    const out = succ[b];
    if (next[top] < out.length) {
      const s = out[next[top]++];
      if (!seen[s]) {
        seen[s] = 1;
        stack.push(s);
        next.push(0);
      }
    } else {
      post.push(b);
      stack.pop();
      next.pop();
    }
  }
  post.reverse();
  for (let b = 0; b < nb; b++) if (!seen[b]) post.push(b);
  return post;
}

/**
 * Each block's net effect (forward: applying its nodes first to last; backward: last to first):
 * the bits its nodes touch, each with the effect applied last, sorted by bit (what trieApply takes).
 */
function blockEffects(a: GenKill, bl: Blocks): { start: Int32Array; ops: Int32Array } {
  const forward = a.direction === "forward";
  const { order, blockStart } = bl;
  const nb = blockStart.length - 1;
  const { last, stamp, touched, base } = effectScratch(a.width, nb);
  const start = new Int32Array(nb + 1);
  const out = new Int32Array(a.ops.length); // a block's net ops are at most its ops
  let n = 0;
  for (let b = 0; b < nb; b++) {
    start[b] = n;
    const first = blockStart[b];
    const len = blockStart[b + 1] - first;
    const mark = base + b;
    let nt = 0;
    for (let i = 0; i < len; i++) {
      const k = order[first + (forward ? i : len - 1 - i)];
      for (let j = a.opStart[k], end = a.opStart[k + 1]; j < end; j++) {
        const bit = a.ops[j] >>> 1;
        if (stamp[bit] !== mark) {
          stamp[bit] = mark;
          touched[nt++] = bit;
        }
        last[bit] = a.ops[j];
      }
    }
    if (nt > 1) touched.subarray(0, nt).sort(); // typed arrays sort numerically, natively
    for (let i = 0; i < nt; i++) out[n++] = last[touched[i]];
  }
  start[nb] = n;
  return { start, ops: out };
}

// blockEffects's scratch arrays, as wide as the widest analysis so far, kept across analyses and
// bodies (three arrays of the state's width per analysis were most of its allocation). A block's
// stamp is `base + b`, with base moved past every block of the previous call, so the stamps left
// by earlier calls never match and nothing is cleared between calls.
let scratchLast = new Int32Array(0);
let scratchStamp = new Int32Array(0);
let scratchTouched = new Int32Array(0);
let scratchBase = 0;

function effectScratch(width: number, blocks: number): { last: Int32Array; stamp: Int32Array; touched: Int32Array; base: number } {
  if (scratchLast.length < width) {
    const size = Math.max(width, scratchLast.length * 2);
    scratchLast = new Int32Array(size);
    scratchStamp = new Int32Array(size).fill(-1);
    scratchTouched = new Int32Array(size);
    scratchBase = 0;
  } else if (scratchBase + blocks >= 0x7fffffff) {
    scratchStamp.fill(-1);
    scratchBase = 0;
  }
  const base = scratchBase;
  scratchBase += blocks;
  return { last: scratchLast, stamp: scratchStamp, touched: scratchTouched, base };
}

/**
 * Runs the analysis to a fixed point over basic blocks, visiting them in reverse postorder
 * (postorder for a backward analysis). Returns, per node, the state on entry (forward: before the
 * node's effect; backward: the "in" state, i.e. live before the node) and on exit.
 */
export function solve(nodes: CfgNode[], a: GenKill): Solved {
  const bl = blocksOf(nodes);
  const { blockStart, succBlocks, predBlocks, rpo } = bl;
  const nb = blockStart.length - 1;
  const forward = a.direction === "forward";
  const levels = trieLevels(a.width);
  // upstream: where a block's seed comes from; downstream: whom its result feeds.
  const ups = forward ? predBlocks : succBlocks;
  const downs = forward ? succBlocks : predBlocks;
  const order = forward ? rpo : [...rpo].reverse();
  const effects = blockEffects(a, bl);
  // seed: forward — entering the block; backward — leaving it. result: the other end.
  const seed: Trie[] = new Array<Trie>(nb).fill(null);
  const result: Trie[] = new Array<Trie>(nb).fill(null);
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
  for (const b of order) push(b);
  while (qHead < qTail) {
    const b = queue[qHead++];
    queued[b] = 0;
    let entry: Trie = null;
    for (const u of ups[b]) entry = trieUnion(entry, result[u], levels);
    seed[b] = entry;
    const exit = trieApply(entry, levels, effects.ops, effects.start[b], effects.start[b + 1]);
    if (!trieEquals(exit, result[b], levels)) {
      result[b] = exit;
      for (const d of downs[b]) if (!queued[d]) push(d);
    }
  }
  const sol = new BlockSolution(a, bl, seed, levels);
  return {
    branchDeaths(report) {
      if (forward) throw new Error("branchDeaths: backward analyses only");
      const found: number[] = [];
      for (let p = 0; p < nb; p++) {
        if (succBlocks[p].length < 2) continue;
        for (const s of succBlocks[p]) {
          found.length = 0;
          trieDiff(seed[p], result[s], levels, 0, found);
          for (const bit of found) report(bl.order[blockStart[s]], bit);
        }
      }
    },
    before: { has: (node, bit) => sol.has(node, bit, false), get: (node) => sol.get(node, false), bitsIn: (node, lo, hi, out) => sol.bitsIn(node, false, lo, hi, out) },
    after: { has: (node, bit) => sol.has(node, bit, true), get: (node) => sol.get(node, true), bitsIn: (node, lo, hi, out) => sol.bitsIn(node, true, lo, hi, out) },
  };
}

/**
 * The solution of one analysis: a persistent set per basic block (its seed) and, per bit, the
 * positions where some node sets or clears it, which answers a query about one bit at one node
 * with a binary search instead of a replay of the block.
 */
class BlockSolution {
  private readonly forward: boolean;
  /**
   * Bit b's effects are `effects[effStart[b] .. effStart[b + 1])`, each `position * 2 + (set ? 1
   * : 0)`, by position. Built on the first query the cursor cannot answer.
   */
  private effStart: Int32Array | null = null;
  private effects: Int32Array | null = null;
  private readonly cursor: TrieCursor;
  private curBlock = -1;
  private curPos = 0;

  constructor(
    private readonly a: GenKill,
    private readonly bl: Blocks,
    /** Forward: the state entering each block's first node; backward: leaving its last node. */
    private readonly seed: Trie[],
    private readonly levels: number,
  ) {
    this.forward = a.direction === "forward";
    this.cursor = new TrieCursor(levels);
  }

  private buildIndex(): void {
    const { a, bl } = this;
    const { ops, opStart } = a;
    const effStart = new Int32Array(a.width + 1);
    for (let i = 0; i < ops.length; i++) effStart[(ops[i] >>> 1) + 1]++;
    for (let b = 0; b < a.width; b++) effStart[b + 1] += effStart[b];
    const fill = effStart.slice(0, a.width);
    const effects = new Int32Array(ops.length);
    // Positions in block order, so each bit's list comes out sorted; a node's kills precede its
    // gens, so among one node's effects on a bit the last one listed is the one that holds.
    const order = bl.order;
    for (let pos = 0; pos < order.length; pos++) {
      const k = order[pos];
      for (let j = opStart[k], end = opStart[k + 1]; j < end; j++) effects[fill[ops[j] >>> 1]++] = pos * 2 + (ops[j] & 1);
    }
    this.effStart = effStart;
    this.effects = effects;
  }

  /**
   * Moves the cursor (forward analyses) to boundary `pos` of block b, from the block's entry
   * state if it is elsewhere or past that point. The checker asks node after node, so this is
   * mostly one node's effects.
   */
  private moveCursor(b: number, pos: number): void {
    if (b !== this.curBlock || pos < this.curPos) {
      this.cursor.reset(this.seed[b]);
      this.curBlock = b;
      this.curPos = 0;
    }
    const { order, blockStart } = this.bl;
    const first = blockStart[b];
    const { ops, opStart } = this.a;
    for (; this.curPos < pos; this.curPos++) {
      const k = order[first + this.curPos];
      for (let j = opStart[k], end = opStart[k + 1]; j < end; j++) this.cursor.set(ops[j] >>> 1, (ops[j] & 1) !== 0);
    }
  }

  has(node: number, bit: number, after: boolean): boolean {
    const b = this.bl.blockOf[node];
    const pos = this.bl.posIn[node] + (after ? 1 : 0); // the boundary asked about, in the block
    // Forward, at or ahead of the cursor (or in another block): step the cursor there.
    if (this.forward && (b !== this.curBlock || pos >= this.curPos)) {
      this.moveCursor(b, pos);
      return trieHas(this.cursor.root, this.levels, bit);
    }
    if (this.effects === null) this.buildIndex();
    const effects = this.effects!;
    const effStart = this.effStart!;
    const first = this.bl.blockStart[b];
    const at = first + pos;
    let lo = effStart[bit];
    let hi = effStart[bit + 1];
    if (this.forward) {
      // The last effect before the boundary, if it is in this block.
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (effects[mid] >>> 1 < at) lo = mid + 1;
        else hi = mid;
      }
      if (lo > effStart[bit] && effects[lo - 1] >>> 1 >= first) return (effects[lo - 1] & 1) !== 0;
    } else {
      // The first node at or after the boundary that touches the bit, if it is in this block.
      const end = this.bl.blockStart[b + 1];
      const stop = hi;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (effects[mid] >>> 1 < at) lo = mid + 1;
        else hi = mid;
      }
      if (lo < stop && effects[lo] >>> 1 < end) {
        const pos = effects[lo] >>> 1;
        while (lo + 1 < stop && effects[lo + 1] >>> 1 === pos) lo++;
        return (effects[lo] & 1) !== 0;
      }
    }
    return trieHas(this.seed[b], this.levels, bit);
  }

  bitsIn(node: number, after: boolean, lo: number, hi: number, out: number[]): void {
    if (!this.forward) throw new Error("bitsIn: forward analyses only");
    this.moveCursor(this.bl.blockOf[node], this.bl.posIn[node] + (after ? 1 : 0));
    trieBitsIn(this.cursor.root, this.levels, 0, lo, hi, out);
  }

  get(node: number, after: boolean): BitSet {
    const b = this.bl.blockOf[node];
    const set = new BitSet(this.a.width);
    trieToWords(this.seed[b], this.levels, 0, set.words);
    const { order, blockStart } = this.bl;
    const first = blockStart[b];
    const at = this.bl.posIn[node] + (after ? 1 : 0);
    if (this.forward) for (let i = 0; i < at; i++) this.a.applyTo(order[first + i], set.words);
    else for (let i = blockStart[b + 1] - first - 1; i >= at; i--) this.a.applyTo(order[first + i], set.words);
    return set;
  }
}
