// Number formatting exactly as Rust's `Display`/`Debug` print them (LANGUAGE.md §4.7):
// shortest round-trip digits (f32 with f32 precision), no exponent in Display, `.0` kept in
// Debug, and fixed precision for `{:.N}`.

import type { IntName } from "../check/types";
import { fromSlot, isBigCode } from "./int64";

/** 2^63 and 2^64 as doubles (a float cast or compared near the 64-bit bounds). */
export const TWO_63 = 9223372036854775808;
export const TWO_64 = 18446744073709551616;

/**
 * An integer's Display text. A 64-bit value beyond ±2^53 is a bigint (int64.ts), or, read raw
 * from a heap slot, the code of one, which is decoded here since the value is known to be an
 * integer.
 */
export function intDisplay(v: number | bigint, name: IntName | null = null): string {
  void name;
  if (typeof v === "bigint") return v.toString();
  if (Number.isSafeInteger(v) || !Number.isInteger(v)) return String(v);
  if (isBigCode(v)) return String(fromSlot(v));
  return BigInt(v).toString();
}

/**
 * `{:e}` / `{:.Ne}` of an integer, as Rust prints it: the exact digits with trailing zeros
 * dropped (`1234` is `1.234e3`, `1000` is `1e3`), or rounded to N decimals, half to even.
 */
export function intExponent(v: number | bigint, precision: number | null, e: "e" | "E"): string {
  const b = typeof v === "bigint" ? v : BigInt(v);
  const neg = b < 0n;
  let digits = (neg ? -b : b).toString();
  let exp = digits.length - 1;
  if (precision === null) digits = digits.replace(/0+$/, "") || "0";
  else if (digits.length > precision + 1) {
    const keep = BigInt(digits.slice(0, precision + 1));
    const dropped = digits.slice(precision + 1);
    const half = "5" + "0".repeat(dropped.length - 1);
    const up = dropped > half || (dropped === half && keep % 2n === 1n);
    let kept = (up ? keep + 1n : keep).toString();
    if (kept.length > precision + 1) {
      kept = kept.slice(0, precision + 1);
      exp++;
    }
    digits = kept;
  } else digits = digits.padEnd(precision + 1, "0");
  const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return `${neg ? "-" : ""}${mant}${e}${exp}`;
}

/** Shortest decimal digits and exponent of a finite positive number: value = 0.d1d2d3... × 10^exp. */
function shortestDigits(x: number, f32: boolean): { digits: string; exp: number } {
  let s: string;
  if (f32) {
    s = x.toExponential();
    for (let p = 1; p <= 9; p++) {
      const candidate = x.toExponential(p - 1);
      if (Math.fround(Number(candidate)) === x) {
        s = candidate;
        break;
      }
    }
  } else {
    s = x.toExponential();
  }
  const [mant, e] = s.split("e");
  const digits = mant.replace(".", "").replace(/0+$/, "") || "0";
  return { digits, exp: Number(e) + 1 };
}

/** Place digits (value 0.digits × 10^exp) as a plain decimal without exponent. */
function plainDecimal(digits: string, exp: number): string {
  if (exp <= 0) return "0." + "0".repeat(-exp) + digits;
  if (exp >= digits.length) return digits + "0".repeat(exp - digits.length);
  return digits.slice(0, exp) + "." + digits.slice(exp);
}

function special(x: number): string | null {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  return null;
}

/** Rust `{}` of an f64/f32: `8192`, `0.5`, `1000000000000000000000`, `0.1` for 0.1_f32. */
export function floatDisplay(x: number, f32: boolean): string {
  const sp = special(x);
  if (sp) return sp;
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  const neg = x < 0;
  const { digits, exp } = shortestDigits(Math.abs(x), f32);
  return (neg ? "-" : "") + plainDecimal(digits, exp);
}

/** Rust `{:?}` of a float: like Display but integral values keep `.0`, and very large or small use `1e16` / `1e-7`. */
export function floatDebug(x: number, f32: boolean): string {
  const sp = special(x);
  if (sp) return sp;
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const neg = x < 0;
  const a = Math.abs(x);
  const { digits, exp } = shortestDigits(a, f32);
  let body: string;
  if (a < 1e-4 || a >= 1e16) {
    const mant = digits.length > 1 ? digits[0] + "." + digits.slice(1) : digits;
    body = `${mant}e${exp - 1}`;
  } else {
    body = plainDecimal(digits, exp);
    if (!body.includes(".")) body += ".0";
  }
  return (neg ? "-" : "") + body;
}

/** Rust `{:.N}`: exact decimal expansion of the binary value, rounded half to even. */
export function floatFixed(x: number, precision: number): string {
  const sp = special(x);
  if (sp) return sp;
  const neg = x < 0 || Object.is(x, -0);
  const a = Math.abs(x);
  // Exact decimal expansion: a = m × 2^e with integer m.
  let text: string;
  if (a < 1e21 && precision <= 100) {
    text = exactFixed(a, precision);
  } else {
    text = exactFixed(a, precision);
  }
  return (neg ? "-" : "") + text;
}

function exactFixed(a: number, precision: number): string {
  if (a === 0) return precision > 0 ? "0." + "0".repeat(precision) : "0";
  // Decompose into mantissa and exponent exactly.
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, a);
  const hi = buf.getUint32(0);
  const lo = buf.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e: number;
  if (biased === 0) e = -1074;
  else {
    mant |= 1n << 52n;
    e = biased - 1075;
  }
  // value = mant × 2^e; scaled = value × 10^precision as a rational num/den.
  let num = mant * 10n ** BigInt(precision);
  let den = 1n;
  if (e >= 0) num <<= BigInt(e);
  else den <<= BigInt(-e);
  let q = num / den;
  const r = num % den;
  // Round half to even on the exact value.
  const twice = r * 2n;
  if (twice > den || (twice === den && (q & 1n) === 1n)) q += 1n;
  let s = q.toString();
  if (precision === 0) return s;
  if (s.length <= precision) s = "0".repeat(precision - s.length + 1) + s;
  return s.slice(0, s.length - precision) + "." + s.slice(s.length - precision);
}

/** Rust's `escape_debug` for the inside of a quoted string or char literal. */
export function escapeDebug(s: string, quote: '"' | "'"): string {
  let out = "";
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === "\\") out += "\\\\";
    else if (ch === quote) out += "\\" + ch;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (c === 0) out += "\\0";
    else if (c < 0x20 || c === 0x7f) out += `\\u{${c.toString(16)}}`;
    else out += ch;
  }
  return out;
}

/** Rust's Debug of a `Duration` held as nanoseconds: `10ms`, `1.5s`, `250µs`, `7ns`. */
export function durationDebug(ns: number): string {
  const trim = (v: number) => floatDisplay(Number(v.toFixed(9)), false);
  if (ns >= 1e9) return trim(ns / 1e9) + "s";
  if (ns >= 1e6) return trim(ns / 1e6) + "ms";
  if (ns >= 1e3) return trim(ns / 1e3) + "µs";
  return trim(ns) + "ns";
}
