// The 64-bit representation (int64.ts): one canonical form per value, exact arithmetic on the
// slow path, Rust's casts, and heap-slot codes that round-trip and compare like their values.

import { StarkPanic } from "../diagnostics";
import type { Span } from "../syntax/ast";
import { intDisplay, intExponent } from "./numfmt";
import type { Runtime } from "./runtime";
import { BIG_BASE, bigSlot, canon, castInt, floatToWide, fromSlot, isBigCode, toSlot, wideArith, wideBits, wideDivRem, wideNeg, wideNot, wrap64 } from "./int64";

const span = null as unknown as Span;
const rt = {
  panic(code: string, message: string): never {
    throw new StarkPanic(code, message, null);
  },
} as unknown as Runtime;

function panicOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof StarkPanic) return `${e.code}: ${e.message}`;
    throw e;
  }
  return "no panic";
}

describe("canonical form", () => {
  test("a safe integer is a number, anything beyond ±(2^53 - 1) a bigint", () => {
    expect(canon(9007199254740991n)).toBe(9007199254740991);
    expect(canon(-9007199254740991n)).toBe(-9007199254740991);
    expect(canon(9007199254740992n)).toBe(9007199254740992n);
    expect(canon(-9007199254740992n)).toBe(-9007199254740992n);
    expect(canon(0n)).toBe(0);
  });

  test("results that come back into the safe range become numbers again", () => {
    expect(wideArith(rt, "-", 9007199254740993n, 10, "u64", span)).toBe(9007199254740983);
    expect(wideArith(rt, "+", 2n ** 60n, -(2n ** 60n), "i64", span)).toBe(0);
    expect(wideDivRem(rt, "/", 2n ** 62n, 2n ** 40n, "u64", span)).toBe(2 ** 22);
  });
});

describe("exact arithmetic", () => {
  test("20! and the products near 2^64 are exact", () => {
    let acc: number | bigint = 1;
    for (let i = 2; i <= 20; i++) acc = wideArith(rt, "*", acc, i, "u64", span);
    expect(acc).toBe(2432902008176640000n);
    expect(wideArith(rt, "+", 2n ** 63n, 2n ** 63n - 1n, "u64", span)).toBe(2n ** 64n - 1n);
  });

  test("leaving the type's real range is P0101 with Rust's message", () => {
    expect(panicOf(() => wideArith(rt, "+", 2n ** 64n - 1n, 1, "u64", span))).toBe("P0101: attempt to add with overflow");
    expect(panicOf(() => wideArith(rt, "-", 0, 1, "usize", span))).toBe("P0101: attempt to subtract with overflow");
    expect(panicOf(() => wideArith(rt, "*", 2n ** 62n, 2, "i64", span))).toBe("P0101: attempt to multiply with overflow");
    expect(panicOf(() => wideNeg(rt, -(2n ** 63n), "i64", span))).toBe("P0101: attempt to negate with overflow");
    expect(panicOf(() => wideDivRem(rt, "/", -(2n ** 63n), -1, "i64", span))).toBe("P0101: attempt to divide with overflow");
    expect(panicOf(() => wideDivRem(rt, "%", -(2n ** 63n), -1, "i64", span))).toBe("P0101: attempt to calculate the remainder with overflow");
    expect(panicOf(() => wideDivRem(rt, "/", 2n ** 60n, 0, "u64", span))).toBe("P0102: attempt to divide by zero");
  });

  test("division truncates toward zero, the remainder takes the dividend's sign", () => {
    expect(wideDivRem(rt, "/", -(2n ** 63n), 7, "i64", span)).toBe(-1317624576693539401n);
    expect(wideDivRem(rt, "%", -(2n ** 63n), 10, "i64", span)).toBe(-8);
  });

  test("bit operations in two's complement of 64 bits", () => {
    expect(wideBits("<<", 3, 62, "u64")).toBe(3n * 2n ** 62n);
    expect(wideBits("<<", 2n ** 63n, 1, "u64")).toBe(0);
    expect(wideBits(">>", -(2n ** 63n), 62, "i64")).toBe(-2);
    expect(wideBits("^", 2n ** 64n - 1n, 2n ** 63n, "u64")).toBe(2n ** 63n - 1n);
    expect(wideNot(0, "u64")).toBe(2n ** 64n - 1n);
    expect(wideNot(-(2n ** 63n), "i64")).toBe(2n ** 63n - 1n);
    expect(wrap64("i64", 2n ** 64n - 1n)).toBe(-1);
  });
});

describe("casts", () => {
  test("to a narrower integer the low bits are kept; between 64-bit types the bits are reinterpreted", () => {
    expect(castInt(2n ** 64n - 1n, "i32")).toBe(-1);
    expect(castInt(0xcbf29ce484222325n, "u8")).toBe(0x25);
    expect(castInt(-(2n ** 63n), "u64")).toBe(2n ** 63n);
    expect(castInt(-1, "u64")).toBe(2n ** 64n - 1n);
    expect(castInt(2n ** 63n, "i64")).toBe(-(2n ** 63n));
  });

  test("a float saturates at the real bounds, NaN is 0, negatives are 0 for unsigned types", () => {
    expect(floatToWide(1e20, "u64")).toBe(2n ** 64n - 1n);
    expect(floatToWide(-1e19, "i64")).toBe(-(2n ** 63n));
    expect(floatToWide(1e19, "i64")).toBe(2n ** 63n - 1n);
    expect(floatToWide(-1.5, "u64")).toBe(0);
    expect(floatToWide(NaN, "i64")).toBe(0);
    expect(floatToWide(9.3e18, "u64")).toBe(9300000000000000000n);
    expect(floatToWide(-7.9, "i64")).toBe(-7);
  });
});

describe("heap slot codes", () => {
  test("a big value round-trips through its code; numbers are their own slot word", () => {
    const v = 18446744073709551615n;
    const w = toSlot(v);
    expect(typeof w).toBe("number");
    expect(isBigCode(w)).toBe(true);
    expect(fromSlot(w)).toBe(v);
    expect(toSlot(42)).toBe(42);
    expect(fromSlot(42)).toBe(42);
    expect(fromSlot(-9007199254740991)).toBe(-9007199254740991);
  });

  test("equal values get equal codes (so raw slot words hash and compare as the values do)", () => {
    expect(bigSlot(2n ** 60n + 7n)).toBe(bigSlot(2n ** 60n + 7n));
    expect(bigSlot(2n ** 60n + 7n)).not.toBe(bigSlot(2n ** 60n + 8n));
  });

  test("codes lie in one binade above 2^60, away from round numbers", () => {
    const w = bigSlot(-(2n ** 63n));
    expect(w).toBeGreaterThanOrEqual(BIG_BASE);
    expect(w).toBeLessThan(2 ** 61);
    expect(isBigCode(2 ** 60)).toBe(false);
    expect(isBigCode(2 ** 61)).toBe(false);
  });
});

describe("formatting", () => {
  test("Display of both forms, and of a code read raw from a slot", () => {
    expect(intDisplay(2n ** 64n - 1n)).toBe("18446744073709551615");
    expect(intDisplay(-9007199254740991)).toBe("-9007199254740991");
    expect(intDisplay(bigSlot(-(2n ** 63n)))).toBe("-9223372036854775808");
  });

  test("{:e} of an integer: exact digits, trailing zeros dropped, or rounded half to even", () => {
    expect(intExponent(9007199254740993n, null, "e")).toBe("9.007199254740993e15");
    expect(intExponent(1000, null, "e")).toBe("1e3");
    expect(intExponent(-(2n ** 63n), null, "E")).toBe("-9.223372036854775808E18");
    expect(intExponent(125, 1, "e")).toBe("1.2e2");
    expect(intExponent(135, 1, "e")).toBe("1.4e2");
    expect(intExponent(999, 1, "e")).toBe("1.0e3");
    expect(intExponent(7, 2, "e")).toBe("7.00e0");
  });
});
