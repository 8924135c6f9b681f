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
import type { EnumDecl, StructDecl } from "../syntax/ast";

export type Value = any; // eslint-disable-line @typescript-eslint/no-explicit-any
export type Frame = Value[];

/** String object slots: [len (Scalar), bytes (Pointer to a byte array)]. */
export const STR_LEN = 0;
export const STR_BYTES = 1;
/** Vec object slots: [len (Scalar), data (Pointer to an element array)]. */
export const VEC_LEN = 0;
export const VEC_DATA = 1;
/**
 * Vec slot 2: the line of the `for` loop iterating it (0 when none). A mutation while it is set
 * can only come through another `Gc` handle (the borrow checker rules out the rest): P0301.
 */
export const VEC_ITERATING = 2;

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

  // ── control-flow signal (break/continue/return without exceptions) ──
  /** 0 normal, 1 break, 2 continue, 3 return. */
  ctl = 0;
  ctlLabel: string | null = null;
  ctlValue: Value = undefined;

  // ── output ──
  private out = "";
  private readonly writeOut: (s: string) => void;
  readonly writeErr: (s: string) => void;

  // ── tensors held in heap slots ──
  private tensorHandles: (Tensor | null)[] = [null];
  private freeHandleIds: number[] = [];
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

  constructor(heap: ManagedHeap, tensors: TensorRuntime, scope: TypeScope, io: { stdout: (s: string) => void; stderr: (s: string) => void }, maxDepth = Infinity) {
    this.heap = heap;
    this.tensors = tensors;
    this.scope = scope;
    this.writeOut = io.stdout;
    this.writeErr = io.stderr;
    this.maxDepth = maxDepth;
    this.stackCheck = Math.min(STACK_CHECK_STEP, maxDepth);
    this.bytesLayout = heap.defineArrayLayout({ name: "String bytes", element: "byte" });
    this.strLayout = this.fixed("String", [SlotKind.Scalar, SlotKind.Pointer], { kind: "builtin", name: "String", args: [] });
    this.placeLayout = this.fixed("&mut place", [SlotKind.Pointer, SlotKind.Scalar], null);
    this.cellLayouts = [
      this.fixed("cell", [SlotKind.Scalar], null),
      this.fixed("cell", [SlotKind.Pointer], null),
      this.fixed("cell", [SlotKind.Tensor], null),
    ];
    heap.setRootScanner((visit) => this.scanRoots(visit));
    heap.onTensorRelease((id) => this.releaseTensorHandle(id));
  }

  // ───────────── roots ─────────────

  private scanRoots(visit: (p: Ptr) => Ptr): void {
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

  /** Start a new run at depth 0 (the REPL runs one input after another). */
  resetDepth(): void {
    this.depth = 0;
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
    if (kind === SlotKind.Scalar) return this.heap.get(p, i);
    if (kind === SlotKind.Pointer) return this.heap.getPtr(p, i);
    return this.tensorFromHandle(this.heap.get(p, i));
  }

  store(p: Ptr, i: number, kind: SlotKind, v: Value): void {
    if (kind === SlotKind.Scalar) this.heap.set(p, i, typeof v === "boolean" ? (v ? 1 : 0) : v === undefined ? 0 : v);
    else if (kind === SlotKind.Pointer) this.heap.setPtr(p, i, v ?? 0);
    else this.heap.set(p, i, v ? this.tensorHandle(v) : 0);
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

  tensorHandle(t: Tensor): number {
    let id = this.handleOf.get(t);
    if (id !== undefined) return id;
    id = this.freeHandleIds.pop() ?? this.tensorHandles.length;
    this.tensorHandles[id] = t;
    this.handleOf.set(t, id);
    return id;
  }
  tensorFromHandle(id: number): Tensor | null {
    return id ? this.tensorHandles[id] : null;
  }
  /** Removes `id` from the table and hands its tensor to the caller (who now owns it). */
  takeTensorHandle(id: number): Tensor | null {
    const t = this.tensorHandles[id];
    if (!id || !t) return null;
    this.tensorHandles[id] = null;
    this.handleOf.delete(t);
    this.freeHandleIds.push(id);
    return t;
  }
  releaseTensorHandle(id: number): void {
    const t = this.tensorHandles[id];
    if (!t) return;
    this.tensorHandles[id] = null;
    this.handleOf.delete(t);
    this.freeHandleIds.push(id);
    if (!t.freed) t.free();
  }
  /** Drop an owned tensor (scope end, reassignment, `drop`). */
  freeTensor(t: Tensor | null | undefined): void {
    if (t && typeof t === "object" && !t.freed) t.free();
  }

  // ───────────── strings ─────────────
  //
  // A String is [len, bytes]: UTF-8 in a byte array whose capacity may exceed len. The hot
  // helpers below read and write those bytes through a Uint8Array over the arena (`arenaBytes`)
  // rather than a getByte/setByte call per byte; a heap without `slotWords` gets the per-byte path.

  private bytesOf: Float64Array | null = null;
  private bytesView: Uint8Array | null = null;

  /**
   * The arena as bytes, or null if the heap has no slot view. Re-read after anything that can
   * allocate: growing the arena replaces its views.
   */
  private arenaBytes(): Uint8Array | null {
    const h = this.heap;
    if (!h.slotWords) return null;
    const w = h.slotWords();
    if (w !== this.bytesOf) {
      this.bytesOf = w;
      this.bytesView = new Uint8Array(w.buffer, w.byteOffset, w.byteLength);
    }
    return this.bytesView;
  }

  /** Offset in `arenaBytes()` of byte 0 of the byte array `data`. */
  private byteOffset(data: Ptr): number {
    return (data + (this.heap.slotOffset ?? 0)) * 8;
  }

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
      const bytes = utf8Encoder.encode(s);
      return this.stringFromBytes(bytes, bytes.length);
    }
    return this.wrapBytes(data, n);
  }

  stringFromBytes(bytes: Uint8Array | number[], n: number): Ptr {
    const h = this.heap;
    const data = h.allocArray(this.bytesLayout, Math.max(n, 1));
    const u8 = this.arenaBytes();
    if (u8) {
      const o = this.byteOffset(data);
      for (let i = 0; i < n; i++) u8[o + i] = bytes[i];
    } else for (let i = 0; i < n; i++) h.setByte(data, i, bytes[i]);
    return this.wrapBytes(data, n);
  }

  /** A copy of the String `p` (`.clone()`): same bytes, capacity trimmed to the length. */
  strClone(p: Ptr): Ptr {
    const h = this.heap;
    this.handles.push(p);
    const n = h.get(p, STR_LEN);
    const data = h.allocArray(this.bytesLayout, Math.max(n, 1));
    p = this.handles.pop()!;
    const from = h.getPtr(p, STR_BYTES);
    const u8 = this.arenaBytes();
    if (u8) {
      const o = this.byteOffset(from);
      u8.copyWithin(this.byteOffset(data), o, o + n);
    } else for (let i = 0; i < n; i++) h.setByte(data, i, h.getByte(from, i));
    return this.wrapBytes(data, n);
  }

  /** The String header around a filled byte array of `n` bytes. */
  private wrapBytes(data: Ptr, n: number): Ptr {
    const h = this.heap;
    this.handles.push(data);
    const p = h.alloc(this.strLayout);
    h.setPtr(p, STR_BYTES, this.handles.pop()!);
    h.set(p, STR_LEN, n);
    return p;
  }

  /** Decode a String object to a JS string (not cached: objects may move). */
  str(p: Ptr): string {
    const h = this.heap;
    const n = h.get(p, STR_LEN);
    const data = h.getPtr(p, STR_BYTES);
    const u8 = this.arenaBytes();
    if (!u8) return this.strByBytes(data, n);
    const o = this.byteOffset(data);
    let i = 0;
    let ascii = "";
    if (n <= SHORT_STRING) {
      // Short ASCII text is looked up by content in `recentShort` first: programs decode the
      // same few words over and over, and a hit allocates nothing. Keyed and checked by the
      // bytes themselves, an entry can never be stale, whatever moved, died or changed since.
      let x = 0x811c9dc5;
      for (; i < n; i++) {
        const b = u8[o + i];
        if (b >= 0x80) break;
        x = Math.imul(x ^ b, 0x01000193);
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
    let ascii = "";
    let i = 0;
    for (; i < n; i++) {
      const b = h.getByte(data, i);
      if (b >= 0x80) break;
      ascii += String.fromCharCode(b);
    }
    if (i === n) return ascii;
    const rest = new Uint8Array(n - i);
    for (let j = i; j < n; j++) rest[j - i] = h.getByte(data, j);
    return ascii + utf8Decoder.decode(rest);
  }

  strLen(p: Ptr): number {
    return this.heap.get(p, STR_LEN);
  }

  /** Append UTF-8 bytes of `s` to the String object `p` (amortized doubling). */
  strPush(p: Ptr, s: string): void {
    const bytes = encodeUtf8(s);
    const h = this.heap;
    const m = bytes.length;
    const data = this.reserveBytes(p, m);
    const n = h.get(p, STR_LEN);
    const u8 = this.arenaBytes();
    if (u8) {
      const o = this.byteOffset(data) + n;
      for (let i = 0; i < m; i++) u8[o + i] = bytes[i];
    } else for (let i = 0; i < m; i++) h.setByte(data, n + i, bytes[i]);
    h.set(p, STR_LEN, n + m);
  }

  /** `p.push_str(&q)`: appends the bytes of String `q` to `p` without decoding them. */
  strAppend(p: Ptr, q: Ptr): void {
    const h = this.heap;
    const m = h.get(q, STR_LEN);
    this.handles.push(q);
    const data = this.reserveBytes(p, m);
    q = this.handles.pop()!;
    const n = h.get(p, STR_LEN);
    const from = h.getPtr(q, STR_BYTES);
    const u8 = this.arenaBytes();
    if (u8) {
      const o = this.byteOffset(from);
      u8.copyWithin(this.byteOffset(data) + n, o, o + m);
    } else for (let i = 0; i < m; i++) h.setByte(data, n + i, h.getByte(from, i));
    h.set(p, STR_LEN, n + m);
  }

  /** The byte array of String `p`, first grown (amortized doubling) to hold `extra` more bytes. */
  private reserveBytes(p: Ptr, extra: number): Ptr {
    const h = this.heap;
    const n = h.get(p, STR_LEN);
    const data = h.getPtr(p, STR_BYTES);
    const cap = h.length(data);
    if (n + extra <= cap) return data;
    this.handles.push(p);
    const next = h.allocArray(this.bytesLayout, Math.max(cap * 2, n + extra, 8));
    p = this.handles.pop()!;
    const old = h.getPtr(p, STR_BYTES);
    const u8 = this.arenaBytes();
    if (u8) {
      const o = this.byteOffset(old);
      u8.copyWithin(this.byteOffset(next), o, o + n);
    } else for (let i = 0; i < n; i++) h.setByte(next, i, h.getByte(old, i));
    h.setPtr(p, STR_BYTES, next);
    return next;
  }

  strEquals(a: Ptr, b: Ptr): boolean {
    if (a === b) return true;
    const h = this.heap;
    const n = h.get(a, STR_LEN);
    if (n !== h.get(b, STR_LEN)) return false;
    const da = h.getPtr(a, STR_BYTES);
    const db = h.getPtr(b, STR_BYTES);
    const u8 = this.arenaBytes();
    if (u8) {
      const oa = this.byteOffset(da);
      const ob = this.byteOffset(db);
      for (let i = 0; i < n; i++) if (u8[oa + i] !== u8[ob + i]) return false;
      return true;
    }
    for (let i = 0; i < n; i++) if (h.getByte(da, i) !== h.getByte(db, i)) return false;
    return true;
  }

  /** FNV-1a over the bytes: from the contents, never the address, so it survives moves. */
  strHash(p: Ptr): number {
    const h = this.heap;
    const n = h.get(p, STR_LEN);
    const d = h.getPtr(p, STR_BYTES);
    let x = 0x811c9dc5;
    const u8 = this.arenaBytes();
    if (u8) {
      const o = this.byteOffset(d);
      for (let i = 0; i < n; i++) x = Math.imul(x ^ u8[o + i], 0x01000193);
    } else for (let i = 0; i < n; i++) x = Math.imul(x ^ h.getByte(d, i), 0x01000193);
    return x >>> 0;
  }

  // ───────────── vectors ─────────────

  vecLayout(vecType: Type): number {
    return this.fixed(typeKeyShort(vecType), [SlotKind.Scalar, SlotKind.Pointer, SlotKind.Scalar], vecType);
  }

  newVec(vecType: Type, elem: Type, capacity: number): Ptr {
    const h = this.heap;
    const data = h.allocArray(this.arrayLayout(elem, "Vec data"), Math.max(capacity, 4));
    this.handles.push(data);
    const v = h.alloc(this.vecLayout(vecType));
    h.setPtr(v, VEC_DATA, this.handles.pop()!);
    return v;
  }

  vecPush(v: Ptr, kind: SlotKind, x: Value, elem: Type): void {
    const h = this.heap;
    const n = h.get(v, VEC_LEN);
    let data = h.getPtr(v, VEC_DATA);
    if (n >= h.length(data)) data = this.vecGrow(v, n + 1, elem);
    this.store(data, n, kind, x);
    h.set(v, VEC_LEN, n + 1);
  }

  /** Ensure capacity for `need` elements; returns the (possibly new) data array. */
  vecGrow(v: Ptr, need: number, elem: Type): Ptr {
    const h = this.heap;
    let data = h.getPtr(v, VEC_DATA);
    const cap = h.length(data);
    if (need <= cap) return data;
    const kind = reprOf(elem);
    this.handles.push(v);
    const next = h.allocArray(this.arrayLayout(elem, "Vec data"), Math.max(cap * 2, need, 4));
    v = this.handles.pop()!;
    data = h.getPtr(v, VEC_DATA);
    const n = h.get(v, VEC_LEN);
    if (kind === SlotKind.Pointer) for (let i = 0; i < n; i++) h.setPtr(next, i, h.getPtr(data, i));
    else for (let i = 0; i < n; i++) h.set(next, i, h.get(data, i));
    h.setPtr(v, VEC_DATA, next);
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
const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();

export function encodeUtf8(s: string): Uint8Array | number[] {
  // ASCII fast path without a TextEncoder round trip.
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return utf8Encoder.encode(s);
    out.push(c);
  }
  return out;
}

export type { StructDecl };
