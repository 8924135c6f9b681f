// Persistent bit sets: a bit set stored as a 32-way trie of 512-bit leaves, never changed in
// place once built. Updating a few bits copies only the path to them and shares the rest, so the
// dataflow solver can keep one state per basic block without paying for the whole width of the
// state at every block: two states that differ in a handful of facts share all the other leaves,
// and union and equality skip shared subtrees by pointer. (A dense state per block costs
// blocks × facts / 32 words, quadratic in the length of a body since both grow with it.)
//
// The empty set is `null`, and no subtree is ever empty (an update that clears a leaf or an inner
// node returns null for it), so equal sets have the same shape and `null` means "no bits".

/**
 * A leaf holds 16 words (bits 0..511 of its range); an inner node 32 children. 16 words = 64
 * bytes is the largest typed array V8 keeps on its own heap: a bigger one gets a separately
 * allocated backing store, several times as costly to create and to collect.
 */
export type TrieNode = Int32Array | TrieInner;
type TrieInner = (TrieNode | null)[];
export type Trie = TrieNode | null;

const LEAF_SHIFT = 9; // bits per leaf = 1 << LEAF_SHIFT
const LEAF_WORDS = 16;
const WORD_MASK = LEAF_WORDS - 1;

/** How many inner levels a trie needs for `width` bits (0: the root is a leaf). */
export function trieLevels(width: number): number {
  let levels = 0;
  for (let cap = 1 << LEAF_SHIFT; cap < width; cap *= 32) levels++;
  return levels;
}

/** The shift that selects the child of a node at `level` (≥ 1) holding a bit. */
function childShift(level: number): number {
  return LEAF_SHIFT + 5 * (level - 1);
}

export function trieHas(root: Trie, levels: number, bit: number): boolean {
  let n = root;
  for (let level = levels; n !== null; level--) {
    if (level === 0) return ((n as Int32Array)[(bit >>> 5) & WORD_MASK] & (1 << (bit & 31))) !== 0;
    n = (n as TrieInner)[(bit >>> childShift(level)) & 31];
  }
  return false;
}

function leafIsEmpty(leaf: Int32Array): boolean {
  for (let w = 0; w < LEAF_WORDS; w++) if (leaf[w] !== 0) return false;
  return true;
}

function innerIsEmpty(inner: TrieInner): boolean {
  for (let c = 0; c < 32; c++) if (inner[c] !== null) return false;
  return true;
}

/**
 * The set with the effects `ops[from..to)` applied: each op is `bit * 2 + 1` (set) or `bit * 2`
 * (clear), sorted by bit, one per bit. Returns `n` itself when nothing changes.
 */
export function trieApply(n: Trie, level: number, ops: Int32Array, from: number, to: number): Trie {
  if (from >= to) return n;
  if (level === 0) {
    const leaf = n as Int32Array | null;
    let out: Int32Array | null = null;
    for (let i = from; i < to; i++) {
      const op = ops[i];
      const bit = op >>> 1;
      const w = (bit >>> 5) & WORD_MASK;
      const m = 1 << (bit & 31);
      const src = out ?? leaf;
      const cur = src === null ? 0 : src[w];
      const next = (op & 1) !== 0 ? cur | m : cur & ~m;
      if (next !== cur) {
        if (out === null) out = leaf === null ? new Int32Array(LEAF_WORDS) : leaf.slice();
        out[w] = next;
      }
    }
    if (out === null) return leaf;
    return leafIsEmpty(out) ? null : out;
  }
  const inner = n as TrieInner | null;
  const shift = childShift(level);
  let out: TrieInner | null = null;
  for (let i = from; i < to; ) {
    const c = ((ops[i] >>> 1) >>> shift) & 31;
    let j = i + 1;
    while (j < to && (((ops[j] >>> 1) >>> shift) & 31) === c) j++;
    const child = inner === null ? null : inner[c];
    const next = trieApply(child, level - 1, ops, i, j);
    if (next !== child) {
      if (out === null) out = inner === null ? new Array<TrieNode | null>(32).fill(null) : inner.slice();
      out[c] = next;
    }
    i = j;
  }
  if (out === null) return inner;
  return innerIsEmpty(out) ? null : out;
}

/** a ∪ b, sharing a's or b's nodes wherever the union equals one of them. */
export function trieUnion(a: Trie, b: Trie, level: number): Trie {
  if (a === b || b === null) return a;
  if (a === null) return b;
  if (level === 0) {
    const la = a as Int32Array;
    const lb = b as Int32Array;
    let out: Int32Array | null = null;
    for (let w = 0; w < LEAF_WORDS; w++) {
      const v = la[w] | lb[w];
      if (v !== la[w]) {
        if (out === null) out = la.slice();
        out[w] = v;
      }
    }
    if (out === null) return a;
    for (let w = 0; w < LEAF_WORDS; w++) if (out[w] !== lb[w]) return out;
    return b; // a ⊆ b
  }
  const ia = a as TrieInner;
  const ib = b as TrieInner;
  let out: TrieInner | null = null;
  for (let c = 0; c < 32; c++) {
    const u = trieUnion(ia[c], ib[c], level - 1);
    if (u !== ia[c]) {
      if (out === null) out = ia.slice();
      out[c] = u;
    }
  }
  if (out === null) return a;
  for (let c = 0; c < 32; c++) if (out[c] !== ib[c]) return out;
  return b;
}

export function trieEquals(a: Trie, b: Trie, level: number): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false;
  if (level === 0) {
    const la = a as Int32Array;
    const lb = b as Int32Array;
    for (let w = 0; w < LEAF_WORDS; w++) if (la[w] !== lb[w]) return false;
    return true;
  }
  for (let c = 0; c < 32; c++) if (!trieEquals((a as TrieInner)[c], (b as TrieInner)[c], level - 1)) return false;
  return true;
}

/** Appends the set bits in [lo, hi) to `out`, ascending; empty subtrees are skipped whole. */
export function trieBitsIn(n: Trie, level: number, base: number, lo: number, hi: number, out: number[]): void {
  if (n === null || lo >= hi) return;
  if (level === 0) {
    const leaf = n as Int32Array;
    const first = Math.max(0, (lo - base) >> 5);
    const last = Math.min(WORD_MASK, (hi - 1 - base) >> 5);
    for (let w = first; w <= last; w++) {
      let v = leaf[w];
      while (v !== 0) {
        const low = v & -v;
        v ^= low;
        const bit = base + (w << 5) + 31 - Math.clz32(low);
        if (bit >= lo && bit < hi) out.push(bit);
      }
    }
    return;
  }
  const span = 2 ** childShift(level);
  const first = Math.max(0, Math.floor((lo - base) / span));
  const last = Math.min(31, Math.floor((hi - 1 - base) / span));
  for (let c = first; c <= last; c++) trieBitsIn((n as TrieInner)[c], level - 1, base + c * span, lo, hi, out);
}

/** Appends the bits of a that are not in b to `out` (b's shared subtrees are skipped whole). */
export function trieDiff(a: Trie, b: Trie, level: number, base: number, out: number[]): void {
  if (a === null || a === b) return;
  if (level === 0) {
    const la = a as Int32Array;
    const lb = b as Int32Array | null;
    for (let w = 0; w < LEAF_WORDS; w++) {
      let v = lb === null ? la[w] : la[w] & ~lb[w];
      while (v !== 0) {
        const low = v & -v;
        v ^= low;
        out.push(base + (w << 5) + 31 - Math.clz32(low));
      }
    }
    return;
  }
  const span = 2 ** childShift(level);
  for (let c = 0; c < 32; c++) trieDiff((a as TrieInner)[c], b === null ? null : (b as TrieInner)[c], level - 1, base + c * span, out);
}

/** ORs the set into dense words (word i holds bits 32i..32i+31), `base` being n's first bit. */
export function trieToWords(n: Trie, level: number, base: number, out: Uint32Array): void {
  if (n === null) return;
  if (level === 0) {
    const leaf = n as Int32Array;
    const w0 = base >>> 5;
    for (let w = 0; w < LEAF_WORDS && w0 + w < out.length; w++) out[w0 + w] |= leaf[w];
    return;
  }
  const span = 2 ** childShift(level);
  for (let c = 0; c < 32; c++) trieToWords((n as TrieInner)[c], level - 1, base + c * span, out);
}

/**
 * A trie that one owner changes bit by bit (the query cursor): nodes it created itself are
 * changed in place, shared ones are copied on first write. `reset` starts again from a persistent
 * set without copying it.
 */
export class TrieCursor {
  root: Trie = null;
  private readonly owned = new Set<TrieNode>();
  constructor(private readonly levels: number) {}

  reset(root: Trie): void {
    this.root = root;
    this.owned.clear();
  }

  set(bit: number, on: boolean): void {
    if (trieHas(this.root, this.levels, bit) === on) return;
    this.root = this.write(this.root, this.levels, bit, on);
  }

  private write(n: Trie, level: number, bit: number, on: boolean): TrieNode {
    if (level === 0) {
      let leaf = n as Int32Array | null;
      if (leaf === null || !this.owned.has(leaf)) {
        leaf = leaf === null ? new Int32Array(LEAF_WORDS) : leaf.slice();
        this.owned.add(leaf);
      }
      const w = (bit >>> 5) & WORD_MASK;
      if (on) leaf[w] |= 1 << (bit & 31);
      else leaf[w] &= ~(1 << (bit & 31));
      return leaf;
    }
    let inner = n as TrieInner | null;
    if (inner === null || !this.owned.has(inner)) {
      inner = inner === null ? new Array<TrieNode | null>(32).fill(null) : inner.slice();
      this.owned.add(inner);
    }
    const c = (bit >>> childShift(level)) & 31;
    inner[c] = this.write(inner[c], level - 1, bit, on);
    return inner;
  }
}
