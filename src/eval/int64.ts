// Exact 64-bit integers (i64, u64, isize, usize) on top of unboxed JS numbers.
//
// A 64-bit value is a JS number whenever it is a safe integer (|v| <= 2^53 - 1) and a JS
// `bigint` only beyond: one canonical form per value, so `===`, `<` (which JS defines between a
// number and a bigint) and a Map's hashing of a key stay correct without looking at the form.
// Arithmetic keeps the number fast path (`x + y`, then one range check) and comes here only when
// the result leaves the safe range or an operand is a bigint; 8-, 16- and 32-bit types never see
// a bigint.
//
// In the managed heap a scalar slot is a float64, which cannot hold every 64-bit integer. A big
// value is stored there as a *code*: a double in [BIG_BASE, 2^61) whose distance from BIG_BASE,
// in steps of 256 (the spacing of doubles in that binade), indexes a table of the big values
// stored so far, each once (`bigSlot`). Why this and not a heap cell or a second slot: the code
// is an ordinary double, so every path that copies, swaps, clones or sorts slots as numbers
// (natives, `copySlots`, the collector's evacuation and compaction) carries it unchanged, and the
// heap stays a library that knows nothing of it (no new slot kind to trace, no write barrier);
// interning makes equal values equal codes, so Map hashing and structural equality of raw slots
// stay right. A slot read decodes a code back (`fromSlot`): `Runtime.load` does for every scalar
// slot, and the JavaScript tier for slots of a 64-bit type. The cost is that the table is never
// shrunk: a run keeps 8 bytes and a Map entry per distinct big value it ever stored in the heap
// (a float64 exactly on one of the first codes, in [2^60, 2^61), would read back as that big
// value; BIG_BASE is an arbitrary point of that binade so that no round number is a code).

import type { Span } from "../syntax/ast";
import type { Runtime } from "./runtime";

/** A 64-bit integer value: a safe-integer number, or a bigint beyond ±(2^53 - 1). */
export type Int64 = number | bigint;

/**
 * 2^53 - 1. Inside this module the literal is used: an exported `const` read in its own module
 * compiles to a load from `exports`, which V8 cannot fold into the helpers' comparisons.
 */
export const MAX_SAFE = 9007199254740991;
const MAX_SAFE_N = 9007199254740991n;

/** The real ranges, as bigints. */
export const I64_MIN = -(1n << 63n);
export const I64_MAX = (1n << 63n) - 1n;
export const U64_MAX = (1n << 64n) - 1n;

export function isWideInt(name: string): boolean {
  return name === "i64" || name === "u64" || name === "isize" || name === "usize";
}

/** The canonical form of an exact integer: a number when it is safe, else the bigint. */
export function canon(b: bigint): Int64 {
  return b >= -MAX_SAFE_N && b <= MAX_SAFE_N ? Number(b) : b;
}

export function rangeOf(name: string): [bigint, bigint] {
  switch (name) {
    case "i64":
    case "isize":
      return [I64_MIN, I64_MAX];
    case "u64":
    case "usize":
      return [0n, U64_MAX];
  }
  const bits = BigInt(INT_WIDTH[name] ?? 32);
  return name[0] === "u" ? [0n, (1n << bits) - 1n] : [-(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n];
}
const INT_WIDTH: Record<string, number> = { i8: 8, i16: 16, i32: 32, u8: 8, u16: 16, u32: 32 };

/** The value modulo 2^64 into the type's range (two's complement for i64/isize). */
export function wrap64(name: string, b: bigint): Int64 {
  return canon(name[0] === "u" ? BigInt.asUintN(64, b) : BigInt.asIntN(64, b));
}

const VERBS: Record<string, string> = { "+": "add", "-": "subtract", "*": "multiply" };

/**
 * The slow path of `+`, `-`, `*` on a 64-bit type: the exact result, P0101 with Rust's message
 * when it leaves the type's range. `x`, `y` may be numbers or bigints (never a fraction: they
 * are integers of the type).
 */
export function wideArith(rt: Runtime, op: string, x: Int64, y: Int64, name: string, span: Span): Int64 {
  const bx = BigInt(x);
  const by = BigInt(y);
  const exact = op === "+" ? bx + by : op === "-" ? bx - by : bx * by;
  const [lo, hi] = rangeOf(name);
  if (exact < lo || exact > hi) return rt.panic("P0101", `attempt to ${VERBS[op]} with overflow`, span);
  return canon(exact);
}

/** `/` and `%` of a 64-bit type where an operand is a bigint: truncating, Rust's panics. */
export function wideDivRem(rt: Runtime, op: string, x: Int64, y: Int64, name: string, span: Span): Int64 {
  const bx = BigInt(x);
  const by = BigInt(y);
  if (by === 0n) return rt.panic("P0102", op === "/" ? "attempt to divide by zero" : "attempt to calculate the remainder with a divisor of zero", span);
  const [lo] = rangeOf(name);
  if (by === -1n && bx === lo) return rt.panic("P0101", op === "/" ? "attempt to divide with overflow" : "attempt to calculate the remainder with overflow", span);
  return canon(op === "/" ? bx / by : bx % by);
}

/** `&`, `|`, `^`, `<<`, `>>` of a 64-bit type, exact (shifts: the amount already checked). */
export function wideBits(op: string, x: Int64, y: Int64, name: string): Int64 {
  const bx = BigInt(x);
  switch (op) {
    case "&":
      return canon(bx & BigInt(y));
    case "|":
      return canon(bx | BigInt(y));
    case "^":
      return canon(bx ^ BigInt(y));
    case "<<":
      return wrap64(name, bx << BigInt(y));
    default:
      // `>>` is arithmetic for signed types and logical for unsigned ones: both are the floor
      // of the exact value, which is never negative for an unsigned type.
      return canon(bx >> BigInt(y));
  }
}

/** Unary minus of a 64-bit value (P0101 for i64::MIN and any nonzero unsigned value). */
export function wideNeg(rt: Runtime, x: Int64, name: string, span: Span): Int64 {
  const r = -BigInt(x);
  const [lo, hi] = rangeOf(name);
  if (r < lo || r > hi) return rt.panic("P0101", "attempt to negate with overflow", span);
  return canon(r);
}

/** `x + 1` for a range's counter or inclusive end, exact past 2^53 (a range never overflows). */
export function succ(x: Int64): Int64 {
  return typeof x === "number" && x < 9007199254740991 ? x + 1 : canon(BigInt(x) + 1n);
}

/** `x - 1` for a reversed range's counter, exact past -2^53. */
export function pred(x: Int64): Int64 {
  return typeof x === "number" && x > -9007199254740991 ? x - 1 : canon(BigInt(x) - 1n);
}

/** `x + step` of a range's counter (a step_by step is a number). */
export function advance(x: Int64, step: number): Int64 {
  if (typeof x === "number") {
    const r = x + step;
    if (r <= 9007199254740991) return r;
  }
  return canon(BigInt(x) + BigInt(step));
}

/** `!x` of a 64-bit value. */
export function wideNot(x: Int64, name: string): Int64 {
  return name[0] === "u" ? canon(U64_MAX - BigInt(x)) : canon(-BigInt(x) - 1n);
}

/** `x as T` from a 64-bit (or any integer) value that may be a bigint, to integer type `to`. */
export function castInt(x: Int64, to: string): Int64 {
  const b = BigInt(x);
  const [lo, hi] = rangeOf(to);
  if (b >= lo && b <= hi) return canon(b);
  const bits = to === "i64" || to === "u64" || to === "isize" || to === "usize" ? 64 : (INT_WIDTH[to] ?? 32);
  return canon(to[0] === "u" ? BigInt.asUintN(bits, b) : BigInt.asIntN(bits, b));
}

/** `f as T` for a float and a 64-bit T: truncation, saturating at the real bounds, NaN is 0. */
export function floatToWide(v: number, to: string): Int64 {
  if (v !== v) return 0;
  const t = Math.trunc(v);
  if (Number.isSafeInteger(t) && (t >= 0 || to[0] === "i")) return t === 0 ? 0 : t;
  const [lo, hi] = rangeOf(to);
  if (t === Infinity) return hi;
  if (t === -Infinity) return lo;
  const b = BigInt(t);
  return canon(b < lo ? lo : b > hi ? hi : b);
}

// ───────────── the JavaScript tier's helpers ─────────────
// Small enough for V8 to inline into generated code; the literal, not MAX_SAFE, inside (see MAX_SAFE).

/** `x as f64` of a 64-bit value. */
export function toF64(x: Int64): number {
  return typeof x === "number" ? x : Number(x);
}
/** A 64-bit range counter's step. */
export function inc64(x: Int64): Int64 {
  return typeof x === "number" && x < 9007199254740991 ? x + 1 : canon(BigInt(x) + 1n);
}

// ───────────── heap slots ─────────────

/** The first code: 2^60 × 1.6180339887 (a point of the binade [2^60, 2^61), where doubles step by 256). */
const BASE = 1865466180757021952;
export const BIG_BASE = BASE;
const BIG_STEP = 256;
/** Codes handed out lie in [BASE, bigLimit). (BASE, not the export, in here: see MAX_SAFE.) */
let bigLimit = BASE;
const bigValues: bigint[] = [];
const bigIndex = new Map<bigint, number>();

/** The slot word for a 64-bit value that is a bigint. */
export function bigSlot(b: bigint): number {
  let i = bigIndex.get(b);
  if (i === undefined) {
    i = bigValues.length;
    bigValues.push(b);
    bigIndex.set(b, i);
    bigLimit = BASE + bigValues.length * BIG_STEP;
  }
  return BASE + i * BIG_STEP;
}

/** A scalar value as a slot word (a bigint becomes its code). */
export function toSlot(v: Int64): number {
  return typeof v === "bigint" ? bigSlot(v) : v;
}

/** Whether slot word `w` is the code of a big value. */
export function isBigCode(w: number): boolean {
  return w >= BASE && w < bigLimit;
}

/** A slot word read back: a code becomes its bigint, anything else is itself. */
export function fromSlot(w: number): Int64 {
  return w >= BASE && w < bigLimit ? bigValues[(w - BASE) / BIG_STEP] : w;
}

/** Generated code's test before decoding: is `w` possibly a code? (one comparison on the fast path) */
export const BIG_CODE_MIN = BASE;
