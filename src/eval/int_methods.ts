// Rust's explicit-overflow integer methods: `wrapping_*`, `checked_*`, `saturating_*`,
// `overflowing_*`, `rem_euclid` / `div_euclid`, bit counts and `is_power_of_two`. Plain
// arithmetic panics on overflow (P0101); these are how a program says what it wants instead.
//
// Every result is computed exactly with BigInt against the type's real range (i64 is
// -2^63..2^63-1), then returned in its canonical form: a JS number when it is a safe integer,
// the bigint beyond (int64.ts).
// Registered with `registerNatives`; the prelude declares them on `impl<I: Integer> I`.

import { SlotKind } from "../../heap/api";
import type { IntName, Type } from "../check/types";
import { NativeFactory, NativeImpl, NativeSite, optionOf, parseInteger, registerNatives, resultOf } from "./natives";
import { Value } from "./runtime";
import { derefAll, INT_BITS } from "./typeinfo";
import { canon, Int64, toSlot } from "./int64";

const N: Record<string, NativeFactory> = {};

interface IntInfo {
  name: IntName;
  bits: number;
  signed: boolean;
  min: bigint;
  max: bigint;
}


function intInfo(s: NativeSite): IntInfo {
  const t = derefAll(s.argTypes[0] ?? { kind: "int", name: "i32" });
  const name: IntName = t.kind === "int" ? t.name : "i32";
  const bits = INT_BITS[name];
  const signed = name[0] === "i";
  const min = signed ? -(1n << BigInt(bits - 1)) : 0n;
  const max = signed ? (1n << BigInt(bits - 1)) - 1n : (1n << BigInt(bits)) - 1n;
  return { name, bits, signed, min, max };
}

function wrapTo(t: IntInfo, v: bigint): bigint {
  return t.signed ? BigInt.asIntN(t.bits, v) : BigInt.asUintN(t.bits, v);
}

/** An in-range result as a value: a number, or a bigint beyond ±2^53. */
function toNumber(s: NativeSite, t: IntInfo, v: bigint): Int64 {
  void s;
  void t;
  return canon(v);
}

type Op = (a: bigint, b: bigint) => bigint | null; // null: undefined result (division by zero, ...)

const ADD: Op = (a, b) => a + b;
const SUB: Op = (a, b) => a - b;
const MUL: Op = (a, b) => a * b;
const DIV: Op = (a, b) => (b === 0n ? null : a / b);
const REM: Op = (a, b) => (b === 0n ? null : a % b);
const POW: Op = (a, b) => a ** b;

/** `checked_*`: None when the exact result leaves the type (or is undefined). */
function checked(op: Op, unary = false): NativeFactory {
  return (s) => {
    const t = intInfo(s);
    return (a: Value, b: Value = 0) => {
      const opt = optionOf(s.rt, s.retType);
      const r = op(BigInt(a), unary ? 0n : BigInt(b));
      return r === null || r < t.min || r > t.max ? opt.none() : opt.some(toNumber(s, t, r));
    };
  };
}

/** `wrapping_*`: the exact result taken modulo 2^bits. */
function wrapping(op: Op, unary = false): NativeFactory {
  return (s) => {
    const t = intInfo(s);
    return (a: Value, b: Value = 0) => {
      const r = op(BigInt(a), unary ? 0n : BigInt(b));
      if (r === null) return s.rt.panic("P0102", "attempt to divide by zero", s.span);
      return toNumber(s, t, wrapTo(t, r));
    };
  };
}

/** `saturating_*`: the exact result clamped to the type's range. */
function saturating(op: Op): NativeFactory {
  return (s) => {
    const t = intInfo(s);
    return (a: Value, b: Value) => {
      const r = op(BigInt(a), BigInt(b))!;
      return toNumber(s, t, r < t.min ? t.min : r > t.max ? t.max : r);
    };
  };
}

/** `overflowing_*`: (the wrapped result, whether it overflowed). */
function overflowing(op: Op): NativeFactory {
  return (s) => {
    const t = intInfo(s);
    const tuple = derefAll(s.retType) as Type & { kind: "tuple" };
    return (a: Value, b: Value) => {
      const r = op(BigInt(a), BigInt(b))!;
      const w = wrapTo(t, r);
      const p = s.rt.heap.alloc(s.rt.tupleLayout(tuple));
      s.rt.store(p, 0, SlotKind.Scalar, toSlot(toNumber(s, t, w)));
      s.rt.store(p, 1, SlotKind.Scalar, w !== r ? 1 : 0);
      return p;
    };
  };
}

for (const [name, op] of [["add", ADD], ["sub", SUB], ["mul", MUL], ["div", DIV], ["rem", REM], ["pow", POW]] as const) {
  N[`Integer::checked_${name}`] = checked(op);
  N[`Integer::wrapping_${name}`] = wrapping(op);
  if (name !== "div" && name !== "rem") N[`Integer::saturating_${name}`] = saturating(op);
  if (name === "add" || name === "sub" || name === "mul") N[`Integer::overflowing_${name}`] = overflowing(op);
}
// `MIN.checked_rem(-1)` is None in Rust: the division it implies overflows (the remainder, 0, does not).
N["Integer::checked_rem"] = (s) => {
  const inner = checked(REM)(s);
  const t = intInfo(s);
  const opt = optionOf(s.rt, s.retType);
  return ((a: Value, b: Value) => (t.signed && b === -1 && BigInt(a) === t.min ? opt.none() : inner(a, b))) as NativeImpl;
};
N["Integer::checked_neg"] = checked((a) => -a, true);
N["Integer::checked_abs"] = checked((a) => (a < 0n ? -a : a), true);
N["Integer::wrapping_neg"] = wrapping((a) => -a, true);
N["Integer::wrapping_abs"] = wrapping((a) => (a < 0n ? -a : a), true);

/** `rem_euclid` / `div_euclid`: the remainder is never negative; P0102 for zero, P0101 for MIN / -1. */
function euclid(wantRem: boolean): NativeFactory {
  return (s) => {
    const t = intInfo(s);
    return (a: Value, b: Value): Int64 => {
      if (b === 0) return s.rt.panic("P0102", wantRem ? "attempt to calculate the remainder with a divisor of zero" : "attempt to divide by zero", s.span);
      const x = BigInt(a);
      const y = BigInt(b);
      let r = x % y;
      if (r < 0n) r += y < 0n ? -y : y;
      const q = (x - r) / y;
      if (q > t.max) return s.rt.panic("P0101", wantRem ? "attempt to calculate the remainder with overflow" : "attempt to divide with overflow", s.span);
      return toNumber(s, t, wantRem ? r : q);
    };
  };
}
N["Integer::rem_euclid"] = euclid(true);
N["Integer::div_euclid"] = euclid(false);

/** The value's bits as an unsigned BigInt of the type's width (two's complement for negatives). */
function bitsOf(t: IntInfo, a: Value): bigint {
  return BigInt.asUintN(t.bits, BigInt(a));
}
const bitFn = (f: (bits: bigint, t: IntInfo) => number | boolean): NativeFactory => (s) => {
  const t = intInfo(s);
  return ((a: Value) => f(bitsOf(t, a), t)) as NativeImpl;
};
const ones = (v: bigint): number => v.toString(2).split("").filter((c) => c === "1").length;
N["Integer::count_ones"] = bitFn((v) => ones(v));
N["Integer::count_zeros"] = bitFn((v, t) => t.bits - ones(v));
N["Integer::leading_zeros"] = bitFn((v, t) => (v === 0n ? t.bits : t.bits - v.toString(2).length));
N["Integer::trailing_zeros"] = bitFn((v, t) => {
  if (v === 0n) return t.bits;
  let n = 0;
  while ((v & 1n) === 0n) {
    v >>= 1n;
    n++;
  }
  return n;
});
N["Integer::is_power_of_two"] = bitFn((v) => v !== 0n && (v & (v - 1n)) === 0n);
N["Integer::leading_ones"] = bitFn((v, t) => {
  const inv = BigInt.asUintN(t.bits, ~v);
  return inv === 0n ? t.bits : t.bits - inv.toString(2).length;
});
N["Integer::trailing_ones"] = bitFn((v) => {
  let n = 0;
  while ((v & 1n) === 1n) {
    v >>= 1n;
    n++;
  }
  return n;
});

/** `ilog2` / `ilog10`: the floor of the logarithm, exact for every 64-bit value; P0105 for x <= 0 as Rust panics. */
const ilog = (base: bigint): NativeFactory => (s) => ((a: Value) => {
  let x = BigInt(a);
  if (x <= 0n) return s.rt.panic("P0105", "argument of integer logarithm must be positive", s.span);
  let n = 0;
  while (x >= base) {
    x /= base;
    n++;
  }
  return n;
}) as NativeImpl;
N["Integer::ilog2"] = ilog(2n);
N["Integer::ilog10"] = ilog(10n);
/** `isqrt`: the floor of the square root, by Newton's method on BigInt (exact past 2^53). */
N["Integer::isqrt"] = (s) => ((a: Value) => {
  const x = BigInt(a);
  if (x < 0n) return s.rt.panic("P0105", "argument of integer square root cannot be negative", s.span);
  if (x < 2n) return canon(x);
  let r = BigInt(Math.floor(Math.sqrt(Number(x))));
  while (r * r > x) r--;
  while ((r + 1n) * (r + 1n) <= x) r++;
  return canon(r);
}) as NativeImpl;

/** A function of the value's bits (unsigned, the type's width) giving new bits, read back in the type. */
const bitMap = (f: (bits: bigint, t: IntInfo, n: number) => bigint): NativeFactory => (s) => {
  const t = intInfo(s);
  return ((a: Value, n: Value = 0) => canon(wrapTo(t, f(bitsOf(t, a), t, Number(n))))) as NativeImpl;
};
const rotl = (v: bigint, t: IntInfo, n: number): bigint => {
  const k = BigInt(n % t.bits);
  return BigInt.asUintN(t.bits, (v << k) | (v >> (BigInt(t.bits) - k)));
};
N["Integer::rotate_left"] = bitMap(rotl);
N["Integer::rotate_right"] = bitMap((v, t, n) => rotl(v, t, t.bits - (n % t.bits)));
N["Integer::swap_bytes"] = bitMap((v, t) => {
  let r = 0n;
  for (let i = 0; i < t.bits / 8; i++) r = (r << 8n) | ((v >> BigInt(8 * i)) & 0xffn);
  return r;
});
N["Integer::reverse_bits"] = bitMap((v, t) => {
  let r = 0n;
  for (let i = 0; i < t.bits; i++) r = (r << 1n) | ((v >> BigInt(i)) & 1n);
  return r;
});

// Conversions the checker allowed (`x.into()` to its own type or a wider number,
// `i64::from(x)`, `f64::from(x)`): the JS number, or the value itself, is already the result.
N["Into::into"] = () => (x: Value) => x;
N["Integer::from"] = () => (x: Value) => x;
N["Float::from"] = () => (x: Value) => x;

// `T::try_from(x)` / `x.try_into()` between integer types: `Ok(x)` when it is in the target's
// range, else `Err(TryFromIntError(()))`. The value is the same JS number either way.
const tryConvert: NativeFactory = (s) => {
  const result = derefAll(s.retType) as Type & { kind: "adt" };
  const target = derefAll(result.args[0]);
  const errType = derefAll(result.args[1]) as Type & { kind: "adt" };
  const t = intInfo({ ...s, argTypes: [target] });
  const lo = t.min;
  const hi = t.max;
  const res = resultOf(s.rt, result);
  return ((x: Value) => {
    if (x >= lo && x <= hi) return res.ok(x);
    return res.err(s.rt.heap.alloc(s.rt.adtLayout(errType).layout));
  }) as NativeImpl;
};
// `i32::from_str_radix("ff", 16)`: `Err` holds the message `parse` gives.
N["Integer::from_str_radix"] = (s) => {
  const result = derefAll(s.retType) as Type & { kind: "adt" };
  const target = derefAll(result.args[0]) as Type & { kind: "int" };
  const res = resultOf(s.rt, result);
  return ((src: Value, radix: Value) => {
    if (radix < 2 || radix > 36) s.rt.panic("P0105", `from_str_radix_int: must lie in the range \`[2, 36]\` - found ${radix}`);
    const r = parseInteger(s.rt.str(src), target.name, radix);
    return r.ok ? res.ok(r.value) : res.err(s.rt.newString(r.error));
  }) as NativeImpl;
};
N["Integer::try_from"] = tryConvert;
N["Integer::try_into"] = tryConvert;

registerNatives(N);
