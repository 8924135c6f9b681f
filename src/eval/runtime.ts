// The evaluator's run-time state: the managed heap and the layouts of every managed value, the
// table of owned tensors, the stack of live frames (the GC's roots), handle scopes for natives,
// buffered output, and the helpers that create and read strings, vectors and references.
//
// Representation (see typeinfo.ts `reprOf`): scalars are unboxed JS numbers (bool may be a JS
// boolean in a frame and is 0/1 in a heap slot), tensors are `Tensor` objects in frames and handle
// ids in heap slots, everything else is a `Ptr`.

import { ManagedHeap, Ptr, SlotKind } from "../../heap/api";
import type { Tensor, TensorRuntime } from "../tensor/api";
import type { Type } from "../check/types";
import type { Span } from "../syntax/ast";
import { StarkPanic } from "../diagnostics";
import { reprOf, typeKey, resolveTypeExpr, TypeScope, Subst } from "./typeinfo";
import { intDisplay, TWO_63 } from "./numfmt";
import { bigSlot, fromSlot } from "./int64";
import type { EnumDecl, StructDecl } from "../syntax/ast";

export type Value = any; // eslint-disable-line @typescript-eslint/no-explicit-any
export type Frame = Value[];

/** String object slots: [len (Scalar), bytes (Pointer to a byte array), hash (Scalar)]. */
export const STR_LEN = 0;
export const STR_BYTES = 1;
/** The FNV-1a hash of the bytes, or 0 until something asks for it (`strHash`); a mutation resets it. */
export const STR_HASH = 2;
/** Vec object slots: [len (Scalar), data (Pointer to an element array)]. */
export const VEC_LEN = 0;
export const VEC_DATA = 1;
/**
 * Vec slot 2: the line of the `for` loop iterating it (0 when none). A mutation while it is set
 * can only come through another `Gc` handle (the borrow checker rules out the rest): P0301.
 */
export const VEC_ITERATING = 2;
/**
 * The same slot numbers for this file's own code. TypeScript compiles the use of an exported
 * `const` inside its own module to a property load from `exports`, which V8 does not fold: in
 * the optimized string helpers those loads, and the float arithmetic on slot indices they
 * forced, were most of the instructions. A `const enum` member is compiled to its literal.
 */
const enum Slot {
  StrLen = 0,
  StrBytes = 1,
  StrHash = 2,
  VecLen = 0,
  VecData = 1,
}
/** FNV-1a (32-bit): the hash of a String's bytes. */
const enum Fnv {
  /** 0x811c9dc5 as an int32 (the state is kept as Math.imul leaves it; `>>> 0` ends it). */
  Offset = -2128831035,
  Prime = 0x01000193,
}

/** Layout facts for a struct or enum instantiation. */
export interface AdtLayout {
  layout: number;
  type: Type;
  /** Per slot kind, for reading/writing by index. */
  kinds: SlotKind[];
  /** Struct: field types. Enum: all variants' field types, concatenated after the tag slot. */
  fieldTypes: Type[][];
  /** Enum: first slot of each variant's fields (slot 0 is the tag). Struct: [0]. */
  offsets: number[];
}

export class Runtime {
  readonly heap: ManagedHeap;
  readonly tensors: TensorRuntime;
  readonly scope: TypeScope;

  // ── roots ──
  /** Live frames, innermost last, and for each the slots that hold pointers. */
  frames: Frame[] = [];
  frameMaps: number[][] = [];
  fp = 0;
  globals: Frame = [];
  globalMap: number[] = [];

  /** Handle scope for natives that call back into STARK code while holding pointers. */
  handles: Ptr[] = [];
  /**
   * The root stack of generated functions that need no frame array (codegen.ts): each call
   * takes the window `roots[b .. b + n)` above `rootTop`, every entry a pointer or 0. Entries at
   * and above `rootTop` are not roots (they may be stale).
   */
  readonly roots: Ptr[] = [];
  rootTop = 0;

  // ── control-flow signal (break/continue/return without exceptions) ──
  /** 0 normal, 1 break, 2 continue, 3 return. */
  ctl = 0;
  ctlLabel: string | null = null;
  ctlValue: Value = undefined;

  // ── output ──
  private out = "";
  /** `std::env::args()` after the program's path: the arguments given after `--`. */
  programArgs: string[] = [];
  private readonly writeOut: (s: string) => void;
  readonly writeErr: (s: string) => void;

  // ── tensors held in heap slots (see "tensors in heap slots" below) ──
  private tensorHandles = new Map<number, Tensor>();
  private nextHandle = 1;
  private handleOf = new WeakMap<Tensor, number>();

  // ── layouts ──
  readonly strLayout: number;
  readonly bytesLayout: number;
  readonly placeLayout: number;
  private cellLayouts: number[];
  private arrayLayouts = new Map<string, number>();
  private adtLayouts = new Map<string, AdtLayout>();
  private adtByObject = new WeakMap<object, AdtLayout>();
  private tupleLayouts = new Map<string, number>();
  private fixedLayouts = new Map<string, number>();
  private arrayIds = new Set<number>();
  /** The STARK type of objects of each layout (for `dyn` dispatch and printing). */
  readonly layoutTypes: (Type | null)[] = [];

  // ── call depth (P0106) ──
  /** STARK calls in progress. */
  depth = 0;
  /** An explicit cap on the call depth (RunOptions.maxDepth); by default the host stack decides. */
  readonly maxDepth: number;
  /**
   * The call path asks `deeper()` once `depth` passes this. It is a high-water mark: the stack
   * had room at this depth, so calls below it need no further check.
   */
  stackCheck: number;

  /**
   * Bumped by every collection (objects move), every change to a String's bytes and every
   * structural change to a Map (an entry added or removed, contents exchanged). A Map probe
   * remembered under one value (`MapOps`) is reused only while this holds still.
   */
  contentEpoch = 0;

  constructor(heap: ManagedHeap, tensors: TensorRuntime, scope: TypeScope, io: { stdout: (s: string) => void; stderr: (s: string) => void }, maxDepth = Infinity) {
    this.heap = heap;
    this.tensors = tensors;
    this.scope = scope;
    this.writeOut = io.stdout;
    this.writeErr = io.stderr;
    this.maxDepth = maxDepth;
    this.slotBase = heap.slotOffset ?? 0;
    this.stackCheck = Math.min(STACK_CHECK_STEP, maxDepth);
    this.bytesLayout = heap.defineArrayLayout({ name: "String bytes", element: "byte" });
    this.strLayout = this.fixed("String", [SlotKind.Scalar, SlotKind.Pointer, SlotKind.Scalar], { kind: "builtin", name: "String", args: [] });
    this.placeLayout = this.fixed("&mut place", [SlotKind.Pointer, SlotKind.Scalar], null);
    this.cellLayouts = [
      this.fixed("cell", [SlotKind.Scalar], null),
      this.fixed("cell", [SlotKind.Pointer], null),
      this.fixed("cell", [SlotKind.Tensor], null),
      this.fixed("cell", [SlotKind.TensorRef], null),
    ];
    heap.setRootScanner((visit) => this.scanRoots(visit));
    heap.onTensorRelease((id) => this.releaseTensorHandle(id));
  }

  // ───────────── roots ─────────────

  private scanRoots(visit: (p: Ptr) => Ptr): void {
    this.contentEpoch++;
    for (let i = 0; i < this.fp; i++) {
      const f = this.frames[i];
      const m = this.frameMaps[i];
      for (let j = 0; j < m.length; j++) {
        const v = f[m[j]];
        if (typeof v === "number" && v !== 0) f[m[j]] = visit(v);
      }
    }
    const g = this.globals;
    for (const s of this.globalMap) {
      const v = g[s];
      if (typeof v === "number" && v !== 0) g[s] = visit(v);
    }
    const r = this.roots;
    for (let i = 0; i < this.rootTop; i++) if (r[i] !== 0) r[i] = visit(r[i]);
    const h = this.handles;
    for (let i = 0; i < h.length; i++) if (h[i] !== 0) h[i] = visit(h[i]);
    for (const scan of this.extraRoots) scan(visit);
  }

  /**
   * Set by the ML binding (natives_ml.ts): computes a tensor operator (`+ - * / @`) through
   * autograd when an operand takes part in a graph; `undefined` means "not mine, compute it plainly".
   */
  tensorOperatorHook: ((op: string, x: Value, y: Value) => Value | undefined) | null = null;

  /** Roots kept by native libraries outside frames (the ML binding's autograd nodes). */
  readonly extraRoots: ((visit: (p: Ptr) => Ptr) => void)[] = [];

  pushFrame(f: Frame, map: number[]): void {
    const i = this.fp++;
    this.frames[i] = f;
    this.frameMaps[i] = map;
  }
  popFrame(): void {
    this.frames[--this.fp] = undefined as unknown as Frame;
  }

  /**
   * Called by a call whose depth passed `stackCheck`: may it go ahead? False when the explicit
   * cap is reached or the host stack is nearly full — then the call is panic P0106, raised while
   * there is still room to build the panic and its trace. The check probes the stack that is
   * really left, so a host with a larger stack (`node --stack-size`, a Worker's `stackSizeMb`)
   * allows deeper recursion by itself.
   */
  deeper(): boolean {
    if (this.depth > this.maxDepth || !hasStackHeadroom()) return false;
    this.stackCheck = Math.min(this.depth + STACK_CHECK_STEP, this.maxDepth);
    return true;
  }

  /**
   * Start a new run at depth 0 (the REPL runs one input after another), with no String being
   * assembled (a panic in an f-string's part abandons the one it was building).
   */
  resetDepth(): void {
    this.depth = 0;
    this.scratchLen = 0;
    this.hashFrom = -1;
    this.stackCheck = Math.min(STACK_CHECK_STEP, this.maxDepth);
  }

  // ───────────── output ─────────────

  print(s: string): void {
    this.out += s;
    if (this.out.length > 1 << 15) this.flush();
  }
  eprint(s: string): void {
    this.flush();
    this.writeErr(s);
  }
  flush(): void {
    if (this.out) {
      const s = this.out;
      this.out = "";
      this.writeOut(s);
    }
  }

  // ───────────── panics ─────────────

  panic(code: string, message: string, span: Span | null = null): never {
    throw new StarkPanic(code, message, span);
  }

  // ───────────── layouts ─────────────

  fixed(name: string, slots: SlotKind[], type: Type | null): number {
    const key = name + "/" + slots.join("");
    let id = this.fixedLayouts.get(key);
    if (id === undefined) {
      id = this.heap.defineLayout({ name, slots });
      this.fixedLayouts.set(key, id);
      this.layoutTypes[id] = type;
    }
    return id;
  }

  isFixedLayout(layout: number): boolean {
    return !this.arrayIds.has(layout) && layout !== this.bytesLayout;
  }

  cellLayout(kind: SlotKind): number {
    return this.cellLayouts[kind];
  }

  /** Element array layout for arrays/Vec data/Map columns holding values of type `elem`. */
  arrayLayout(elem: Type, what = "array"): number {
    const key = what + ":" + typeKey(elem);
    let id = this.arrayLayouts.get(key);
    if (id === undefined) {
      id = this.heap.defineArrayLayout({ name: `${what}<${typeKeyShort(elem)}>`, element: reprOf(elem) });
      this.arrayLayouts.set(key, id);
      this.arrayIds.add(id);
    }
    return id;
  }

  /** A Copy `[T; N]` or Vec backing array whose owner type we know (for `dyn`/printing). */
  tupleLayout(t: Type & { kind: "tuple" }): number {
    const key = typeKey(t);
    let id = this.tupleLayouts.get(key);
    if (id === undefined) {
      id = this.heap.defineLayout({ name: "tuple", slots: t.elems.map(reprOf) });
      this.tupleLayouts.set(key, id);
      this.layoutTypes[id] = t;
    }
    return id;
  }

  adtLayout(t: Type & { kind: "adt" }): AdtLayout {
    // Type objects are shared by every use of an expression's type: a cheap first-level cache.
    const hit = this.adtByObject.get(t);
    if (hit) return hit;
    const key = typeKey(t);
    let l = this.adtLayouts.get(key);
    if (l) {
      this.adtByObject.set(t, l);
      return l;
    }
    const env: Subst = new Map();
    t.decl.generics.forEach((g, i) => env.set(g.name, t.args[i] ?? { kind: "tuple", elems: [] }));
    const kinds: SlotKind[] = [];
    const fieldTypes: Type[][] = [];
    const offsets: number[] = [];
    if (t.decl.kind === "StructDecl") {
      const tys = t.decl.fields.map((f) => resolveTypeExpr(f.ty, env, this.scope));
      fieldTypes.push(tys);
      offsets.push(0);
      for (const ft of tys) kinds.push(reprOf(ft));
    } else {
      kinds.push(SlotKind.Scalar); // tag
      for (const v of (t.decl as EnumDecl).variants) {
        const tys = v.fields.map((f) => resolveTypeExpr(f.ty, env, this.scope));
        offsets.push(kinds.length);
        fieldTypes.push(tys);
        for (const ft of tys) kinds.push(reprOf(ft));
      }
    }
    const layout = this.heap.defineLayout({ name: typeKeyShort(t), slots: kinds });
    this.layoutTypes[layout] = t;
    l = { layout, type: t, kinds, fieldTypes, offsets };
    this.adtLayouts.set(key, l);
    this.adtByObject.set(t, l);
    return l;
  }

  // ───────────── slots by kind ─────────────

  /** Read slot `i` of `p` as a value of the given kind. */
  load(p: Ptr, i: number, kind: SlotKind): Value {
    if (kind === SlotKind.Scalar) return fromSlot(this.heap.get(p, i));
    if (kind === SlotKind.Pointer) return this.heap.getPtr(p, i);
    return this.tensorFromHandle(this.heap.get(p, i));
  }

  store(p: Ptr, i: number, kind: SlotKind, v: Value): void {
    if (kind === SlotKind.Scalar) this.heap.set(p, i, typeof v === "boolean" ? (v ? 1 : 0) : v === undefined ? 0 : typeof v === "bigint" ? bigSlot(v) : v);
    else if (kind === SlotKind.Pointer) this.heap.setPtr(p, i, v ?? 0);
    else if (kind === SlotKind.Tensor) this.heap.set(p, i, v ? this.ownHandle(v) : 0);
    else this.heap.set(p, i, v ? this.refHandle(v) : 0);
  }

  /** A one-slot heap cell (captured variables, `&mut` to scalar locals, Box of a scalar). */
  newCell(kind: SlotKind, v: Value): Ptr {
    const c = this.heap.alloc(this.cellLayouts[kind]);
    this.store(c, 0, kind, v);
    return c;
  }

  /** `&mut` to a scalar in slot `index` of object `target`. */
  newPlace(target: Ptr, index: number): Ptr {
    this.handles.push(target);
    const p = this.heap.alloc(this.placeLayout);
    target = this.handles.pop()!;
    this.heap.setPtr(p, 0, target);
    this.heap.set(p, 1, index);
    return p;
  }

  // ───────────── tensors in heap slots ─────────────
  //
  // A slot that owns a tensor holds a handle id, and the collector releases the ids of the
  // objects it finds dead. An id stands for one owner, not for the tensor: a tensor stored into
  // a slot gets a fresh id (`ownHandle`), and one bound to a variable gives its id up
  // (`claimTensor`). Either way the id it had goes out of the table, so the object the tensor
  // was moved out of — an Option after `unwrap`, a Vec after `pop` or `into_iter` — releases
  // nothing when it dies. Ids are never reused: a stale id in a dead object can never name a
  // tensor that came later.

  /** The tensor's id, made on first use: for an owner that stores it once (the ML library's objects). */
  tensorHandle(t: Tensor): number {
    const id = this.handleOf.get(t);
    return id !== undefined ? id : this.ownHandle(t);
  }
  /** A fresh id for a slot that now owns `t`; the id it had before stops owning it. */
  ownHandle(t: Tensor): number {
    const old = this.handleOf.get(t);
    if (old !== undefined) this.tensorHandles.delete(old);
    const id = this.nextHandle++;
    this.tensorHandles.set(id, t);
    this.handleOf.set(t, id);
    return id;
  }
  /** `t` is bound to a variable, which owns it now: no dead object's slot may release it. */
  claimTensor(t: Tensor): void {
    const id = this.handleOf.get(t);
    if (id === undefined) return;
    this.tensorHandles.delete(id);
    this.handleOf.delete(t);
  }
  tensorFromHandle(id: number): Tensor | null {
    if (id > 0) return this.tensorHandles.get(id) ?? null;
    return id < 0 ? (this.refTargets.get(id)?.deref() ?? null) : null;
  }

  /**
   * The id a slot that refers to `t` without owning it holds (SlotKind.TensorRef): negative, one
   * per tensor, never released by a collection. The table holds the tensor weakly (its owner
   * keeps it alive for as long as the borrow lasts) and forgets the id once the tensor is gone.
   */
  refHandle(t: Tensor): number {
    let id = this.refIds.get(t);
    if (id === undefined) {
      id = -this.nextHandle++;
      this.refIds.set(t, id);
      this.refTargets.set(id, new WeakRef(t));
      this.refsGone.register(t, id);
    }
    return id;
  }
  private refIds = new WeakMap<Tensor, number>();
  private refTargets = new Map<number, WeakRef<Tensor>>();
  private refsGone = new FinalizationRegistry<number>((id) => this.refTargets.delete(id));
  /** Removes `id` from the table and hands its tensor to the caller (who now owns it). */
  takeTensorHandle(id: number): Tensor | null {
    const t = id ? this.tensorHandles.get(id) : undefined;
    if (!t) return null;
    this.tensorHandles.delete(id);
    if (this.handleOf.get(t) === id) this.handleOf.delete(t);
    return t;
  }
  releaseTensorHandle(id: number): void {
    const t = this.takeTensorHandle(id);
    if (t && !t.freed) t.free();
  }
  /** Drop an owned tensor (scope end, reassignment, `drop`). */
  freeTensor(t: Tensor | null | undefined): void {
    if (t && typeof t === "object" && !t.freed) t.free();
  }

  // ───────────── strings ─────────────
  //
  // A String is [len, bytes, hash]: UTF-8 in a byte array whose capacity may exceed len, and the
  // FNV-1a hash of those bytes once something needed it (0 = not computed yet; every mutation
  // resets it, so a String's hash is computed once however often it is looked up). The helpers
  // read and write the bytes through a Uint8Array over the arena (`arenaBytes`) rather than a
  // getByte/setByte call per byte; a heap without `slotWords` gets the per-byte path.
  //
  // Text built piece by piece (f-strings, `push` of a char, non-ASCII JS text) is assembled as
  // UTF-8 in `scratch`, a buffer outside the managed heap, and copied into the arena once its
  // length is known: no JS string and no managed object per piece. Allocation never collects, so
  // a pointer read before an allocation is still valid after it; only the arena's views change.

  /**
   * The arena's slot words (`ManagedHeap.slotWords`) as of the last `arenaBytes()`: the string
   * and Map helpers read a String's length, bytes and hash, and write its scalar slots, here
   * rather than through a heap call per slot (pointer slots still go through `setPtr`, the
   * write barrier). Slot `i` of object `p` is `slotWords[p + slotBase + i]`.
   */
  slotWords: Float64Array | null = null;
  /** `ManagedHeap.slotOffset`: the words between an object's address and its slot 0. */
  readonly slotBase: number;
  private bytesView: Uint8Array | null = null;
  /** The same memory as 4-byte words, for comparing byte arrays (which start on a word boundary). */
  private quadsView: Int32Array | null = null;

  /**
   * The arena as bytes, or null if the heap has no slot view; `slotWords` is then current too.
   * Re-read after anything that can allocate: growing the arena replaces its views.
   */
  arenaBytes(): Uint8Array | null {
    const h = this.heap;
    if (!h.slotWords) return null;
    const w = h.slotWords();
    if (w !== this.slotWords) this.takeViews(w);
    return this.bytesView;
  }

  /**
   * New views over a grown arena. Out of line: every string and Map helper calls `arenaBytes`,
   * and V8 would otherwise compile the typed-array constructions into each of them.
   */
  private takeViews(w: Float64Array): void {
    this.slotWords = w;
    this.bytesView = new Uint8Array(w.buffer, w.byteOffset, w.byteLength);
    this.quadsView = new Int32Array(w.buffer, w.byteOffset, w.byteLength >> 2);
  }

  /** Offset in `arenaBytes()` of byte 0 of the byte array `data`. */
  private byteOffset(data: Ptr): number {
    return (data + this.slotBase) * 8;
  }

  /** A String holding the JS text `s`. */
  newString(s: string): Ptr {
    const n = s.length;
    const h = this.heap;
    // Optimistically ASCII (one byte per UTF-16 unit), checked while copying: the first
    // non-ASCII unit abandons the young byte array to the collector and encodes instead.
    const data = h.allocArray(this.bytesLayout, Math.max(n, 1));
    const u8 = this.arenaBytes();
    let i = 0;
    if (u8) {
      const o = this.byteOffset(data);
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        u8[o + i] = c;
      }
    } else {
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        h.setByte(data, i, c);
      }
    }
    if (i < n) {
      const mark = this.fmtBegin();
      this.fmtText(s);
      return this.fmtEnd(mark);
    }
    return this.wrapBytes(data, n, 0);
  }

  /** A copy of the String `p` (`.clone()`): same bytes and hash, capacity trimmed to the length. */
  strClone(p: Ptr): Ptr {
    const h = this.heap;
    const n = h.get(p, Slot.StrLen);
    const data = h.allocArray(this.bytesLayout, Math.max(n, 1));
    this.copyBytes(h.getPtr(p, Slot.StrBytes), 0, data, 0, n);
    return this.wrapBytes(data, n, h.get(p, Slot.StrHash));
  }

  /** A new String of bytes `start..end` of String `p` (the caller checked the char boundaries). */
  strSubstring(p: Ptr, start: number, end: number): Ptr {
    const h = this.heap;
    const n = end - start;
    // Allocation never collects, so `p` is still valid after it.
    const data = h.allocArray(this.bytesLayout, Math.max(n, 1));
    this.copyBytes(h.getPtr(p, Slot.StrBytes), start, data, 0, n);
    return this.wrapBytes(data, n, 0);
  }

  /** The String header around a filled byte array of `n` bytes (`hash` 0 when not known). */
  private wrapBytes(data: Ptr, n: number, hash: number): Ptr {
    const h = this.heap;
    const p = h.alloc(this.strLayout);
    h.setPtr(p, Slot.StrBytes, data);
    h.set(p, Slot.StrLen, n);
    h.set(p, Slot.StrHash, hash);
    return p;
  }

  /** Copy `n` bytes from byte array `from` (at byte `i`) to byte array `to` (at byte `j`). */
  private copyBytes(from: Ptr, i: number, to: Ptr, j: number, n: number): void {
    const u8 = this.arenaBytes();
    if (!u8) {
      const h = this.heap;
      for (let k = 0; k < n; k++) h.setByte(to, j + k, h.getByte(from, i + k));
      return;
    }
    const o = this.byteOffset(from) + i;
    const d = this.byteOffset(to) + j;
    // A plain loop for the short strings most are; copyWithin's call costs more below ~64 bytes.
    if (n < 64) for (let k = 0; k < n; k++) u8[d + k] = u8[o + k];
    else u8.copyWithin(d, o, o + n);
  }

  /** Decode a String object to a JS string (not cached: objects may move). */
  str(p: Ptr): string {
    const h = this.heap;
    const n = h.get(p, Slot.StrLen);
    const data = h.getPtr(p, Slot.StrBytes);
    const u8 = this.arenaBytes();
    if (!u8) return this.strByBytes(data, n);
    const o = this.byteOffset(data);
    let i = 0;
    let ascii = "";
    if (n <= SHORT_STRING) {
      // Short ASCII text is looked up by content in `recentShort` first: programs decode the
      // same few words over and over, and a hit allocates nothing. Keyed and checked by the
      // bytes themselves, an entry can never be stale, whatever moved, died or changed since.
      let x: number = Fnv.Offset;
      for (; i < n; i++) {
        const b = u8[o + i];
        if (b >= 0x80) break;
        x = Math.imul(x ^ b, Fnv.Prime);
      }
      if (i === n) {
        const slot = (x >>> 0) & (RECENT_SHORT - 1);
        const seen = recentShort[slot];
        if (seen !== undefined && seen.length === n) {
          let j = 0;
          while (j < n && seen.charCodeAt(j) === u8[o + j]) j++;
          if (j === n) return seen;
        }
        for (let j = 0; j < n; j++) ascii += String.fromCharCode(u8[o + j]);
        recentShort[slot] = ascii;
        return ascii;
      }
      for (let j = 0; j < i; j++) ascii += String.fromCharCode(u8[o + j]);
      return ascii + utf8Decoder.decode(u8.slice(o + i, o + n));
    }
    while (i < n && u8[o + i] < 0x80) i++;
    // The ASCII run in chunks (fromCharCode's argument count is bounded); the rest through
    // TextDecoder, which needs a copy: it rejects views of a shared buffer.
    for (let at = 0; at < i; at += ASCII_CHUNK) {
      ascii += String.fromCharCode.apply(null, u8.subarray(o + at, o + Math.min(i, at + ASCII_CHUNK)) as unknown as number[]);
    }
    return i === n ? ascii : ascii + utf8Decoder.decode(u8.slice(o + i, o + n));
  }

  private strByBytes(data: Ptr, n: number): string {
    const h = this.heap;
    const bytes = new Uint8Array(n);
    for (let i = 0; i < n; i++) bytes[i] = h.getByte(data, i);
    return utf8Decoder.decode(bytes);
  }

  strLen(p: Ptr): number {
    return this.heap.get(p, Slot.StrLen);
  }

  /** Whether byte index `i` of String `p` starts a char (or is its end): not a UTF-8 continuation byte. */
  strIsCharBoundary(p: Ptr, i: number): boolean {
    const n = this.heap.get(p, Slot.StrLen);
    if (i === 0 || i === n) return true;
    return i < n && (this.heap.getByte(this.heap.getPtr(p, Slot.StrBytes), i) & 0xc0) !== 0x80;
  }

  /** Shorten String `p` to `n` bytes (`pop`, `clear`); `n` must be a char boundary. */
  strTruncate(p: Ptr, n: number): void {
    const h = this.heap;
    h.set(p, Slot.StrLen, n);
    h.set(p, Slot.StrHash, 0);
    this.contentEpoch++;
  }

  /** Append the UTF-8 of the JS text `s` to the String `p` (amortized doubling). */
  strPush(p: Ptr, s: string): void {
    const mark = this.fmtBegin();
    this.fmtText(s);
    this.appendScratch(p, mark);
  }

  /** `p.push(c)`: append the UTF-8 of code point `c`. */
  strPushChar(p: Ptr, c: number): void {
    const mark = this.fmtBegin();
    this.fmtChar(c);
    this.appendScratch(p, mark);
  }

  /** `p.push_str(&q)`: appends the bytes of String `q` to `p` without decoding them. */
  strAppend(p: Ptr, q: Ptr): void {
    const h = this.heap;
    let u8 = this.arenaBytes();
    if (!u8) return this.strAppendByByte(p, q);
    let W = this.slotWords!;
    const b = this.slotBase;
    p |= 0;
    q |= 0;
    const m = W[q + b + Slot.StrLen] | 0;
    const n = W[p + b + Slot.StrLen] | 0;
    let data = W[p + b + Slot.StrBytes] | 0;
    if (n + m > h.length(data)) {
      data = this.growBytes(p, n + m);
      u8 = this.arenaBytes()!;
      W = this.slotWords!;
    }
    // `p.push_str(&p)` cannot pass the borrow checker, but q may be p through a Gc handle: the
    // bytes are read from q after the growth, whose new array holds p's old bytes.
    const o = ((W[q + b + Slot.StrBytes] | 0) + b) * 8;
    const d = (data + b) * 8 + n;
    if (m < 64) for (let k = 0; k < m; k++) u8[d + k] = u8[o + k];
    else u8.copyWithin(d, o, o + m);
    W[p + b + Slot.StrLen] = n + m;
    W[p + b + Slot.StrHash] = 0;
    this.contentEpoch++;
  }

  /** `strAppend` on a heap without a slot view. */
  private strAppendByByte(p: Ptr, q: Ptr): void {
    const h = this.heap;
    const m = h.get(q, Slot.StrLen);
    const n = h.get(p, Slot.StrLen);
    const data = this.reserveBytes(p, m);
    this.copyBytes(h.getPtr(q, Slot.StrBytes), 0, data, n, m);
    h.set(p, Slot.StrLen, n + m);
    h.set(p, Slot.StrHash, 0);
    this.contentEpoch++;
  }

  /** Move the bytes assembled in `scratch` since `mark` to the end of String `p`. */
  private appendScratch(p: Ptr, mark: number): void {
    const h = this.heap;
    const m = this.scratchLen - mark;
    const data = this.reserveBytes(p, m);
    const n = h.get(p, Slot.StrLen);
    const buf = this.scratch;
    const u8 = this.arenaBytes();
    if (u8) {
      const o = this.byteOffset(data) + n;
      for (let i = 0; i < m; i++) u8[o + i] = buf[mark + i];
    } else for (let i = 0; i < m; i++) h.setByte(data, n + i, buf[mark + i]);
    this.scratchLen = mark;
    this.hashFrom = -1;
    h.set(p, Slot.StrLen, n + m);
    h.set(p, Slot.StrHash, 0);
    this.contentEpoch++;
  }

  /** The byte array of String `p`, first grown (amortized doubling) to hold `extra` more bytes. */
  private reserveBytes(p: Ptr, extra: number): Ptr {
    const h = this.heap;
    const need = h.get(p, Slot.StrLen) + extra;
    const data = h.getPtr(p, Slot.StrBytes);
    return need <= h.length(data) ? data : this.growBytes(p, need);
  }

  /** Give String `p` a new byte array for at least `need` bytes (amortized doubling), its bytes copied. */
  private growBytes(p: Ptr, need: number): Ptr {
    const h = this.heap;
    const data = h.getPtr(p, Slot.StrBytes);
    const next = h.allocArray(this.bytesLayout, Math.max(h.length(data) * 2, need, 8));
    this.copyBytes(data, 0, next, 0, h.get(p, Slot.StrLen));
    h.setPtr(p, Slot.StrBytes, next);
    return next;
  }

  strEquals(a: Ptr, b: Ptr): boolean {
    if (a === b) return true;
    const u8 = this.arenaBytes();
    if (!u8) return this.strEqualsByByte(a, b);
    const W = this.slotWords!;
    const s = this.slotBase;
    a |= 0;
    b |= 0;
    const n = W[a + s + Slot.StrLen] | 0;
    if (n !== W[b + s + Slot.StrLen]) return false;
    const ha = W[a + s + Slot.StrHash];
    const hb = W[b + s + Slot.StrHash];
    if (ha !== 0 && hb !== 0 && ha !== hb) return false;
    // Four bytes at a time (as integers: the bytes are not valid doubles), then the rest.
    const q = this.quadsView!;
    const oa = ((W[a + s + Slot.StrBytes] | 0) + s) * 8;
    const ob = ((W[b + s + Slot.StrBytes] | 0) + s) * 8;
    const whole = n & ~3;
    for (let i = 0; i < whole; i += 4) if (q[(oa + i) >> 2] !== q[(ob + i) >> 2]) return false;
    for (let i = whole; i < n; i++) if (u8[oa + i] !== u8[ob + i]) return false;
    return true;
  }

  /** `strEquals` on a heap without a slot view (kept out of it so that it stays small to inline). */
  private strEqualsByByte(a: Ptr, b: Ptr): boolean {
    const h = this.heap;
    const n = h.get(a, Slot.StrLen);
    if (n !== h.get(b, Slot.StrLen)) return false;
    const ha = h.get(a, Slot.StrHash);
    const hb = h.get(b, Slot.StrHash);
    if (ha !== 0 && hb !== 0 && ha !== hb) return false;
    const da = h.getPtr(a, Slot.StrBytes);
    const db = h.getPtr(b, Slot.StrBytes);
    for (let i = 0; i < n; i++) if (h.getByte(da, i) !== h.getByte(db, i)) return false;
    return true;
  }

  /**
   * Byte order, which for UTF-8 is Rust's `Ord` for `String` (code point order; comparing the
   * decoded UTF-16 would put U+10000.. before U+E000..U+FFFF).
   */
  strCompare(a: Ptr, b: Ptr): number {
    const h = this.heap;
    const n = h.get(a, Slot.StrLen);
    const m = h.get(b, Slot.StrLen);
    const da = h.getPtr(a, Slot.StrBytes);
    const db = h.getPtr(b, Slot.StrBytes);
    const k = Math.min(n, m);
    const u8 = this.arenaBytes();
    const oa = u8 ? this.byteOffset(da) : 0;
    const ob = u8 ? this.byteOffset(db) : 0;
    for (let i = 0; i < k; i++) {
      const x = u8 ? u8[oa + i] : h.getByte(da, i);
      const y = u8 ? u8[ob + i] : h.getByte(db, i);
      if (x !== y) return x < y ? -1 : 1;
    }
    return n < m ? -1 : n > m ? 1 : 0;
  }

  /**
   * FNV-1a over the bytes: from the contents, never the address, so it survives moves. Computed
   * once and kept in the String until it changes.
   */
  strHash(p: Ptr): number {
    const u8 = this.arenaBytes();
    if (!u8) return this.strHashByByte(p);
    const W = this.slotWords!;
    const s = (p | 0) + this.slotBase;
    const known = W[s + Slot.StrHash];
    if (known !== 0) return known;
    const n = W[s + Slot.StrLen] | 0;
    const o = ((W[s + Slot.StrBytes] | 0) + this.slotBase) * 8;
    let x = Fnv.Offset;
    for (let i = 0; i < n; i++) x = Math.imul(x ^ u8[o + i], Fnv.Prime);
    return (W[s + Slot.StrHash] = x >>> 0);
  }

  /** `strHash` on a heap without a slot view. */
  private strHashByByte(p: Ptr): number {
    const h = this.heap;
    const known = h.get(p, Slot.StrHash);
    if (known !== 0) return known;
    const n = h.get(p, Slot.StrLen);
    const d = h.getPtr(p, Slot.StrBytes);
    let x = Fnv.Offset;
    for (let i = 0; i < n; i++) x = Math.imul(x ^ h.getByte(d, i), Fnv.Prime);
    const hash = x >>> 0;
    h.set(p, Slot.StrHash, hash);
    return hash;
  }

  // ── assembling a String: f-strings call fmtBegin, then the fmt* of each part, then fmtEnd ──

  /** UTF-8 being assembled; `scratchLen` bytes are in use (several Strings at once, nested). */
  private scratch: Uint8Array = new Uint8Array(256);
  /**
   * The same memory as 4-byte words. A String's bytes start on a word boundary in the arena, and
   * the bytes of a String being assembled at the start of the buffer (the usual, unnested case)
   * on one here, so those copies move four bytes at a time. (V8 reloads a typed array's length
   * and base after every loop back-edge, which costs more than the byte moved.) The buffer's
   * length is a multiple of 8, and a byte array's words cover its bytes rounded up to 8, so a
   * copy may move up to 3 bytes past the end of what it copies, never past either object.
   */
  private scratchQuads: Int32Array = new Int32Array(this.scratch.buffer);
  private scratchLen = 0;
  /**
   * The FNV-1a state over `scratch[hashFrom .. hashedTo)`, kept while the parts are written so
   * that `fmtEnd` hashes only what is left (text and chars) and a String part whose hash is known
   * at the start costs no hashing at all: FNV-1a's state after some bytes is their hash. Valid for
   * the String begun at `hashFrom`; -1 once the scratch shrank (a nested String ended) since.
   */
  private hashFrom = -1;
  private hashedTo = 0;
  private hashState = 0;

  /**
   * Start a String; returns the mark to give `fmtEnd`. Marks nest: a part that builds a String
   * of its own (an f-string inside a call in a part) finishes it before the outer one goes on.
   */
  fmtBegin(): number {
    const at = this.scratchLen;
    this.hashFrom = at;
    this.hashedTo = at;
    this.hashState = Fnv.Offset;
    return at;
  }

  /** `scratch` with room for `extra` more bytes. */
  private scratchRoom(extra: number): Uint8Array {
    const need = this.scratchLen + extra + 3; // room for a 4-byte copy's last word
    if (need > this.scratch.length) {
      const next = new Uint8Array(Math.max((need + 7) & ~7, this.scratch.length * 2));
      next.set(this.scratch.subarray(0, this.scratchLen));
      this.setScratch(next);
    }
    return this.scratch;
  }

  private setScratch(buf: Uint8Array): void {
    this.scratch = buf;
    this.scratchQuads = new Int32Array(buf.buffer);
  }

  /** Append the bytes of String `p`. */
  fmtStr(p: Ptr): void {
    const u8 = this.arenaBytes();
    if (!u8) return this.fmtStrByByte(p);
    const W = this.slotWords!;
    const s = (p | 0) + this.slotBase;
    const n = W[s + Slot.StrLen] | 0;
    const o = ((W[s + Slot.StrBytes] | 0) + this.slotBase) * 8;
    const at = this.scratchLen;
    const buf = at + n + 3 <= this.scratch.length ? this.scratch : this.scratchRoom(n);
    if (n >= 64) buf.set(u8.subarray(o, o + n), at);
    else if ((at & 3) === 0) {
      const q = this.quadsView!;
      const sq = this.scratchQuads;
      const from = o >> 2;
      const to = at >> 2;
      for (let i = 0, words = (n + 3) >> 2; i < words; i++) sq[to + i] = q[from + i];
    } else for (let i = 0; i < n; i++) buf[at + i] = u8[o + i];
    const end = at + n;
    this.scratchLen = end;
    if (at !== this.hashedTo) return; // the running hash was voided (a nested String ended inside this one's parts)
    this.hashedTo = end;
    // The first part: the state after it is the String's own hash, which is kept in the
    // String, so the next f-string that starts with it (a word in a loop) hashes nothing.
    const first = at === this.hashFrom;
    const known = first ? W[s + Slot.StrHash] : 0;
    if (known !== 0) {
      this.hashState = known | 0;
      return;
    }
    let x = this.hashState;
    for (let i = at; i < end; i++) x = Math.imul(x ^ buf[i], Fnv.Prime);
    this.hashState = x;
    if (first) W[s + Slot.StrHash] = x >>> 0;
  }

  /** `fmtStr` on a heap without a slot view. */
  private fmtStrByByte(p: Ptr): void {
    const h = this.heap;
    const n = h.get(p, Slot.StrLen);
    const data = h.getPtr(p, Slot.StrBytes);
    const buf = this.scratchRoom(n);
    const at = this.scratchLen;
    for (let i = 0; i < n; i++) buf[at + i] = h.getByte(data, i);
    this.scratchLen = at + n;
    if (at !== this.hashedTo) return;
    const known = at === this.hashFrom ? h.get(p, Slot.StrHash) : 0;
    if (known !== 0) this.hashState = known | 0;
    else {
      this.hashScratch(at, at + n);
      if (at === this.hashFrom) h.set(p, Slot.StrHash, this.hashState >>> 0);
    }
    this.hashedTo = at + n;
  }

  /** Continue `hashState` over `scratch[from .. to)`. */
  private hashScratch(from: number, to: number): void {
    const buf = this.scratch;
    let x = this.hashState;
    for (let i = from; i < to; i++) x = Math.imul(x ^ buf[i], Fnv.Prime);
    this.hashState = x;
  }

  /** Append UTF-8 bytes (an f-string's literal text, encoded once by `utf8Bytes`). */
  fmtBytes(b: Uint8Array): void {
    const n = b.length;
    const buf = this.scratchRoom(n);
    const at = this.scratchLen;
    if (at === this.hashedTo) {
      let x = this.hashState;
      for (let i = 0; i < n; i++) {
        const c = b[i];
        buf[at + i] = c;
        x = Math.imul(x ^ c, Fnv.Prime);
      }
      this.hashState = x;
      this.hashedTo = at + n;
    } else for (let i = 0; i < n; i++) buf[at + i] = b[i];
    this.scratchLen = at + n;
  }

  /** Append an integer's Display text (digits written here, no JS string up to 2^53). */
  fmtInt(v: number): void {
    if (!(v >= 0 && v <= 0x7fffffff)) return this.fmtWideInt(v);
    // 0 ..= 2^31 - 1, the counters and indices most f-strings print: int32 arithmetic (V8 turns
    // the division by 10 into a multiplication) and the digit count by comparisons.
    let n = v | 0;
    const digits = n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : n < 10000 ? 4 : n < 100000 ? 5 : n < 1000000 ? 6 : n < 10000000 ? 7 : n < 100000000 ? 8 : n < 1000000000 ? 9 : 10;
    const start = this.scratchLen;
    const end = start + digits;
    const buf = end <= this.scratch.length ? this.scratch : this.scratchRoom(digits);
    for (let i = end - 1; i > start; i--) {
      const q = (n / 10) | 0;
      buf[i] = 48 + n - q * 10;
      n = q;
    }
    buf[start] = 48 + n;
    this.scratchLen = end;
    if (start === this.hashedTo) {
      let x = this.hashState;
      for (let i = start; i < end; i++) x = Math.imul(x ^ buf[i], Fnv.Prime);
      this.hashState = x;
      this.hashedTo = end;
    }
  }

  /** `fmtInt` of an `i64`/`isize`: 2^63 is `i64::MAX` (format.ts `intDisplay`). */
  fmtI64(v: number): void {
    if (v >= TWO_63) this.fmtText(intDisplay(v, "i64"));
    else this.fmtInt(v);
  }

  /** `fmtInt` of a negative integer, one of 2^31 or more, or one beyond 2^53. */
  private fmtWideInt(v: number): void {
    if (!(v <= MAX_SAFE && v >= -MAX_SAFE)) {
      this.fmtText(intDisplay(v));
      return;
    }
    const start = this.scratchLen;
    const buf = start + 17 <= this.scratch.length ? this.scratch : this.scratchRoom(17);
    let at = start;
    if (v < 0) {
      buf[at++] = 45; // '-'
      v = -v;
    }
    let digits = 1;
    if (v < 2147483648) {
      // Integer division while the value fits 32 bits (most do): no float floor per digit.
      for (let x = v; x >= 10; x = (x / 10) | 0) digits++;
      for (let i = at + digits - 1; i >= at; i--) {
        const q = (v / 10) | 0;
        buf[i] = 48 + v - q * 10;
        v = q;
      }
    } else {
      for (let x = v; x >= 10; x = Math.floor(x / 10)) digits++;
      for (let i = at + digits - 1; i >= at; i--) {
        const q = Math.floor(v / 10);
        buf[i] = 48 + (v - q * 10);
        v = q;
      }
    }
    const end = at + digits;
    this.scratchLen = end;
    if (start === this.hashedTo) {
      let x = this.hashState;
      for (let i = start; i < end; i++) x = Math.imul(x ^ buf[i], Fnv.Prime);
      this.hashState = x;
      this.hashedTo = end;
    }
  }

  /** Append the UTF-8 of code point `c`. */
  fmtChar(c: number): void {
    const buf = this.scratchRoom(4);
    this.scratchLen = putCodePoint(buf, this.scratchLen, c);
  }

  /** Append the UTF-8 of JS text (a lone surrogate becomes U+FFFD, as TextEncoder writes it). */
  fmtText(s: string): void {
    const n = s.length;
    const buf = this.scratchRoom(3 * n); // at most 3 bytes per UTF-16 unit (4 per pair)
    let at = this.scratchLen;
    for (let i = 0; i < n; i++) {
      let c = s.charCodeAt(i);
      if (c < 0x80) {
        buf[at++] = c;
        continue;
      }
      if (c >= 0xd800 && c < 0xe000) {
        const d = i + 1 < n ? s.charCodeAt(i + 1) : 0;
        if (c < 0xdc00 && d >= 0xdc00 && d < 0xe000) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
        } else c = 0xfffd;
      }
      at = putCodePoint(buf, at, c);
    }
    this.scratchLen = at;
  }

  /**
   * The String of the bytes assembled since `mark`, with its hash. The short, unnested case (a
   * word-aligned start, under 64 bytes) is copied here four bytes at a time; the rest goes to
   * `fmtEndCopy`, out of line so that this stays small enough for V8 to inline.
   */
  fmtEnd(mark: number): Ptr {
    const end = this.scratchLen;
    const n = end - mark;
    const h = this.heap;
    const data = h.allocArray(this.bytesLayout, Math.max(n, 1));
    const p = h.alloc(this.strLayout);
    h.setPtr(p, Slot.StrBytes, data);
    // The parts hashed themselves as they were written, unless a nested String ended between;
    // the bytes before `from` are hashed already.
    let x = this.hashState;
    let from = this.hashedTo;
    if (this.hashFrom !== mark) {
      x = Fnv.Offset;
      from = mark;
    }
    const buf = this.scratch;
    for (let i = from; i < end; i++) x = Math.imul(x ^ buf[i], Fnv.Prime);
    const hash = x >>> 0;
    this.scratchLen = mark;
    this.hashFrom = -1;
    if (n >= 64 || (mark & 3) !== 0 || this.arenaBytes() === null) return this.fmtEndCopy(p, data, mark, n, hash);
    const W = this.slotWords!;
    const b = this.slotBase;
    const q = this.quadsView!;
    const sq = this.scratchQuads;
    const to = (data + b) * 2;
    const at = mark >> 2;
    for (let i = 0, words = (n + 3) >> 2; i < words; i++) q[to + i] = sq[at + i];
    W[p + b + Slot.StrLen] = n;
    W[p + b + Slot.StrHash] = hash;
    return p;
  }

  /** `fmtEnd`'s copy of a long String, one begun inside another, or on a heap without a slot view. */
  private fmtEndCopy(p: Ptr, data: Ptr, mark: number, n: number, hash: number): Ptr {
    const h = this.heap;
    const buf = this.scratch;
    const u8 = this.arenaBytes();
    if (u8) u8.set(buf.subarray(mark, mark + n), this.byteOffset(data));
    else for (let i = 0; i < n; i++) h.setByte(data, i, buf[mark + i]);
    // Do not keep a buffer once grown for one huge String.
    if (mark === 0 && buf.length > SCRATCH_KEEP) this.setScratch(new Uint8Array(256));
    h.set(p, Slot.StrLen, n);
    h.set(p, Slot.StrHash, hash);
    return p;
  }

  // ───────────── vectors ─────────────

  vecLayout(vecType: Type): number {
    return this.fixed(typeKeyShort(vecType), [SlotKind.Scalar, SlotKind.Pointer, SlotKind.Scalar], vecType);
  }

  newVec(vecType: Type, elem: Type, capacity: number): Ptr {
    const h = this.heap;
    // A usize capacity beyond 2^53 is a bigint (int64.ts): as a number it is refused like any huge one.
    const data = h.allocArray(this.arrayLayout(elem, "Vec data"), Math.max(Number(capacity), 4));
    this.handles.push(data);
    const v = h.alloc(this.vecLayout(vecType));
    h.setPtr(v, Slot.VecData, this.handles.pop()!);
    return v;
  }

  vecPush(v: Ptr, kind: SlotKind, x: Value, elem: Type): void {
    const h = this.heap;
    const n = h.get(v, Slot.VecLen);
    let data = h.getPtr(v, Slot.VecData);
    if (n >= h.length(data)) data = this.vecGrow(v, n + 1, elem);
    this.store(data, n, kind, x);
    h.set(v, Slot.VecLen, n + 1);
  }

  /** Ensure capacity for `need` elements; returns the (possibly new) data array. */
  vecGrow(v: Ptr, need: number, elem: Type): Ptr {
    const h = this.heap;
    let data = h.getPtr(v, Slot.VecData);
    const cap = h.length(data);
    if (need <= cap) return data;
    const kind = reprOf(elem);
    this.handles.push(v);
    const next = h.allocArray(this.arrayLayout(elem, "Vec data"), Math.max(cap * 2, need, 4));
    v = this.handles.pop()!;
    data = h.getPtr(v, Slot.VecData);
    const n = h.get(v, Slot.VecLen);
    if (kind === SlotKind.Pointer) for (let i = 0; i < n; i++) h.setPtr(next, i, h.getPtr(data, i));
    else for (let i = 0; i < n; i++) h.set(next, i, h.get(data, i));
    // The tensors' ids move with them: the old array, garbage now, must not release them.
    if (kind === SlotKind.Tensor) for (let i = 0; i < n; i++) h.set(data, i, 0);
    h.setPtr(v, Slot.VecData, next);
    return next;
  }

  indexPanic(len: number, i: number, span: Span | null): never {
    return this.panic("P0103", `index out of bounds: the len is ${len} but the index is ${i}`, span);
  }
}

/** Calls between two stack probes: the headroom must cover this many calls' frames. */
const STACK_CHECK_STEP = 32;
/**
 * Stack kept free below the deepest STARK call, in frames of `probe` (about 70 bytes each on
 * V8): room for the calls up to the next check, a native or a collection at the deepest point,
 * and building the panic.
 */
const HEADROOM_FRAMES = 1000;

function probe(n: number): number {
  return n === 0 ? 0 : probe(n - 1) + 1;
}

/** Whether HEADROOM_FRAMES more small frames fit on the host stack from here. */
function hasStackHeadroom(): boolean {
  try {
    return probe(HEADROOM_FRAMES) === HEADROOM_FRAMES;
  } catch (e) {
    if (e instanceof RangeError) return false;
    throw e;
  }
}

export function typeKeyShort(t: Type): string {
  switch (t.kind) {
    case "adt":
      return t.args.length ? `${t.decl.name.name}<${t.args.map(typeKeyShort).join(", ")}>` : t.decl.name.name;
    case "builtin":
      return t.args.length ? `${t.name}<${t.args.map(typeKeyShort).join(", ")}>` : t.name;
    case "int":
    case "float":
      return t.name;
    case "tuple":
      return `(${t.elems.map(typeKeyShort).join(", ")})`;
    case "array":
      return `[${typeKeyShort(t.elem)}; ${t.len}]`;
    case "ref":
      return `&${t.mutable ? "mut " : ""}${typeKeyShort(t.inner)}`;
    case "tensor":
      return "Tensor";
    case "fn":
      return "closure";
    case "dyn":
      return `dyn ${t.trait.name.name}`;
    default:
      return t.kind;
  }
}

/** ASCII bytes decoded per String.fromCharCode call (well under engines' argument limits). */
const ASCII_CHUNK = 4096;
/** Up to this length, `str` builds the string a char at a time (cheaper than a subarray + apply). */
const SHORT_STRING = 24;
/** Slots of the decoded-text cache for short ASCII strings (a power of two). */
const RECENT_SHORT = 256;
const recentShort: (string | undefined)[] = new Array(RECENT_SHORT).fill(undefined);
const utf8Decoder = new TextDecoder();
const MAX_SAFE = Number.MAX_SAFE_INTEGER;
/** A scratch buffer grown past this is dropped once nothing is being assembled in it. */
const SCRATCH_KEEP = 1 << 20;

/** Write the UTF-8 of code point `c` at `buf[at]`; returns the index after it. */
function putCodePoint(buf: Uint8Array, at: number, c: number): number {
  if (c < 0x80) buf[at++] = c;
  else if (c < 0x800) {
    buf[at++] = 0xc0 | (c >> 6);
    buf[at++] = 0x80 | (c & 0x3f);
  } else if (c < 0x10000) {
    buf[at++] = 0xe0 | (c >> 12);
    buf[at++] = 0x80 | ((c >> 6) & 0x3f);
    buf[at++] = 0x80 | (c & 0x3f);
  } else {
    buf[at++] = 0xf0 | (c >> 18);
    buf[at++] = 0x80 | ((c >> 12) & 0x3f);
    buf[at++] = 0x80 | ((c >> 6) & 0x3f);
    buf[at++] = 0x80 | (c & 0x3f);
  }
  return at;
}

const utf8Encoder = new TextEncoder();
/** The UTF-8 of `s` (an f-string's literal parts, encoded once when the f-string is compiled). */
export function utf8Bytes(s: string): Uint8Array {
  return utf8Encoder.encode(s);
}

export type { StructDecl };
