// PyTorch's tensor printing, ported from torch/_tensor_str.py (precision 4, threshold 1000,
// edgeitems 3, linewidth 80): one formatter for the whole tensor decides between integer mode
// (`1.`), fixed (`0.5000`) and scientific (`1.0000e-05`) and a common width; rows wrap at 80
// columns; tensors over 1000 elements show 3 leading and trailing entries per dimension.

import type { DType, Shape } from "./api";
import { TORCH_NAME, isFloat } from "./dtype";
import { numelOf } from "./shape";

const PRECISION = 4;
const THRESHOLD = 1000;
const EDGEITEMS = 3;
const LINEWIDTH = 80;

/** Reads the element at a multi-index. */
type Reader = (index: number[]) => number;

/** Python's `f"{x:.{p}f}"`: like toFixed but ties round half to even, and keeps `-0`. */
export function pyFixed(x: number, p: number): string {
  if (!Number.isFinite(x)) return pyNonFinite(x);
  let s = x.toFixed(p);
  if (Math.abs(x) < 1e21) {
    const exact = x.toFixed(Math.min(100, p + 60));
    const tail = exact.slice(exact.indexOf(".") + 1 + p);
    if (/^50*$/.test(tail)) {
      // An exact tie: toFixed rounded away from zero; Python rounds to the even neighbour.
      const truncated = exact.slice(0, exact.indexOf(".") + 1 + p).replace(/\.$/, "");
      const lastDigit = Number(truncated[truncated.length - 1]);
      if (lastDigit % 2 === 0) s = truncated;
    }
  }
  if ((x < 0 || Object.is(x, -0)) && !s.startsWith("-")) s = "-" + s;
  return s;
}

/** Python's `f"{x:.{p}e}"`: two-digit exponent at least, ties half to even. */
export function pyExp(x: number, p: number): string {
  if (!Number.isFinite(x)) return pyNonFinite(x);
  let s = x.toExponential(p);
  const exact = x.toExponential(Math.min(100, p + 40));
  const mant = exact.slice(0, exact.indexOf("e"));
  const tail = mant.slice(mant.indexOf(".") + 1 + p);
  if (/^50*$/.test(tail)) {
    const truncated = mant.slice(0, mant.indexOf(".") + 1 + p).replace(/\.$/, "");
    if (Number(truncated[truncated.length - 1]) % 2 === 0) s = truncated + exact.slice(exact.indexOf("e"));
  }
  const e = s.indexOf("e");
  const sign = s[e + 1];
  const digits = s.slice(e + 2).padStart(2, "0");
  s = s.slice(0, e) + "e" + sign + digits;
  if (Object.is(x, -0)) s = "-" + s;
  return s;
}

function pyNonFinite(x: number): string {
  return Number.isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf";
}

class Formatter {
  private intMode = true;
  private sciMode = false;
  private maxWidth = 1;

  constructor(
    private floating: boolean,
    values: number[],
  ) {
    if (!floating) {
      for (const v of values) this.maxWidth = Math.max(this.maxWidth, String(v).length);
      return;
    }
    const finite = values.filter((v) => Number.isFinite(v) && v !== 0);
    if (finite.length === 0) return;
    let min = Infinity;
    let max = 0;
    for (const v of finite) {
      const a = Math.abs(v);
      if (a < min) min = a;
      if (a > max) max = a;
      if (v !== Math.ceil(v)) this.intMode = false;
    }
    if (this.intMode) {
      if (max / min > 1000 || max > 1e8) {
        this.sciMode = true;
        for (const v of finite) this.maxWidth = Math.max(this.maxWidth, pyExp(v, PRECISION).length);
      } else {
        for (const v of finite) this.maxWidth = Math.max(this.maxWidth, pyFixed(v, 0).length + 1);
      }
    } else if (max / min > 1000 || max > 1e8 || min < 1e-4) {
      this.sciMode = true;
      for (const v of finite) this.maxWidth = Math.max(this.maxWidth, pyExp(v, PRECISION).length);
    } else {
      for (const v of finite) this.maxWidth = Math.max(this.maxWidth, pyFixed(v, PRECISION).length);
    }
  }

  width(): number {
    return this.maxWidth;
  }

  format(v: number): string {
    let s: string;
    if (!this.floating) s = String(v);
    else if (this.sciMode) s = pyExp(v, PRECISION);
    else if (this.intMode) {
      s = pyFixed(v, 0);
      if (Number.isFinite(v)) s += ".";
    } else s = pyFixed(v, PRECISION);
    return s.padStart(this.maxWidth, " ");
  }
}

/** The values the formatter sees: all of them, or only the printed edges when summarizing. */
function collect(shape: Shape, read: Reader, summarize: boolean): number[] {
  const out: number[] = [];
  const idx: number[] = new Array(shape.length).fill(0);
  const walk = (d: number): void => {
    if (d === shape.length) {
      out.push(read(idx));
      return;
    }
    for (const i of edgeIndices(shape[d], summarize)) {
      idx[d] = i;
      walk(d + 1);
    }
  };
  walk(0);
  return out;
}

function edgeIndices(n: number, summarize: boolean): number[] {
  const all = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);
  if (summarize && n > 2 * EDGEITEMS) return [...all(0, EDGEITEMS), ...all(n - EDGEITEMS, n)];
  return all(0, n);
}

function tensorStr(shape: Shape, read: Reader, indent: number, summarize: boolean, fmt: Formatter): string {
  const prefix: number[] = [];
  const rec = (dim: number, ind: number): string => {
    const rest = shape.length - dim;
    if (rest === 1) {
      const n = shape[dim];
      const elementsPerLine = Math.max(1, Math.floor((LINEWIDTH - ind) / (fmt.width() + 2)));
      const val = (i: number) => fmt.format(read([...prefix, i]));
      let data: string[];
      if (summarize && n > 2 * EDGEITEMS) {
        data = [];
        for (let i = 0; i < EDGEITEMS; i++) data.push(val(i));
        data.push(" ...");
        for (let i = n - EDGEITEMS; i < n; i++) data.push(val(i));
      } else {
        data = [];
        for (let i = 0; i < n; i++) data.push(val(i));
      }
      const lines: string[] = [];
      for (let i = 0; i < data.length; i += elementsPerLine) lines.push(data.slice(i, i + elementsPerLine).join(", "));
      return "[" + lines.join(",\n" + " ".repeat(ind + 1)) + "]";
    }
    const n = shape[dim];
    const slices: string[] = [];
    const sub = (i: number) => {
      prefix.push(i);
      const s = rec(dim + 1, ind + 1);
      prefix.pop();
      return s;
    };
    if (summarize && n > 2 * EDGEITEMS) {
      for (let i = 0; i < EDGEITEMS; i++) slices.push(sub(i));
      slices.push("...");
      for (let i = n - EDGEITEMS; i < n; i++) slices.push(sub(i));
    } else {
      for (let i = 0; i < n; i++) slices.push(sub(i));
    }
    return "[" + slices.join("," + "\n".repeat(rest - 1) + " ".repeat(ind + 1)) + "]";
  };
  if (shape.length === 0) return fmt.format(read([]));
  return rec(0, indent);
}

/**
 * `str(tensor)` in PyTorch. `int64Like` prints an i32 tensor without its dtype suffix — for
 * results PyTorch would give as int64 (argmax), whose dtype it never prints.
 */
export function formatTensor(dtype: DType, shape: Shape, read: Reader, int64Like = false): string {
  const prefix = "tensor(";
  const indent = prefix.length;
  const suffixes: string[] = [];
  const numel = numelOf(shape);
  const showDtype = dtype !== "f32" && !(dtype === "i32" && int64Like);
  let body: string;
  if (numel === 0) {
    if (shape.length !== 1) suffixes.push(`size=(${shape.join(", ")}${shape.length === 1 ? "," : ""})`);
    if (dtype !== "f32") suffixes.push(`dtype=${TORCH_NAME[dtype]}`);
    body = "[]";
  } else {
    if (showDtype) suffixes.push(`dtype=${TORCH_NAME[dtype]}`);
    const summarize = numel > THRESHOLD;
    const fmt = new Formatter(isFloat(dtype), collect(shape, read, summarize));
    body = tensorStr(shape, read, indent, summarize, fmt);
  }
  let out = prefix + body;
  let lastLineLen = out.length - out.lastIndexOf("\n") + 1;
  for (const s of suffixes) {
    if (lastLineLen + s.length + 2 > LINEWIDTH) {
      out += ",\n" + " ".repeat(indent) + s;
      lastLineLen = indent + s.length;
    } else {
      out += ", " + s;
      lastLineLen += s.length + 2;
    }
  }
  return out + ")";
}
