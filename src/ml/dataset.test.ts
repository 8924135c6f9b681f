import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { StarkPanic } from "../diagnostics";
import { Runtime } from "../tensor/runtime";
import type { Tensor } from "../tensor/api";
import { Batch, Dataset } from "./dataset";

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "stark-csv-"));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

let fileCount = 0;
function csv(text: string): string {
  const p = path.join(tmp, `data${fileCount++}.csv`);
  fs.writeFileSync(p, text);
  return p;
}

function rowsOf(t: Tensor): number[][] {
  if (t.shape.length === 1) return Array.from({ length: t.shape[0] }, (_, i) => [t.get([i])]);
  const [r, c] = t.shape;
  return Array.from({ length: r }, (_, i) => Array.from({ length: c }, (_, j) => t.get([i, j])));
}

/** Runs a pass, returning (inputs, targets) rows per batch and freeing every tensor. */
function collect(batches: Iterable<Batch>): { ids: number[]; inputs: number[][][]; targets: number[][] } {
  const out = { ids: [] as number[], inputs: [] as number[][][], targets: [] as number[][] };
  for (const b of batches) {
    out.ids.push(b.id);
    out.inputs.push(rowsOf(b.inputs));
    out.targets.push(b.targets.shape[1] === 0 ? [] : rowsOf(b.targets).map((r) => r[0]));
    b.inputs.free();
    b.targets.free();
  }
  return out;
}

function expectP0501(f: () => unknown, message: RegExp): void {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(StarkPanic);
    expect((e as StarkPanic).code).toBe("P0501");
    expect((e as StarkPanic).message).toMatch(message);
    return;
  }
  throw new Error("expected P0501");
}

const quiet = { progress: null };

describe("Dataset.fromCsv", () => {
  test("header names columns; with_target splits inputs and targets; the last batch is partial", () => {
    const rt = new Runtime({ kernels: false });
    const p = csv("x1,y,x2\n1,10,2\n3,20,4\n5,30,6\n7,40,8\n9,50,10\n");
    const ds = Dataset.fromCsv(rt, p, quiet).withTarget("y");
    expect(ds.columns).toEqual(["x1", "y", "x2"]);
    const r = collect(ds.batches(2));
    expect(r.ids).toEqual([0, 1, 2]);
    expect(r.inputs).toEqual([[[1, 2], [3, 4]], [[5, 6], [7, 8]], [[9, 10]]]);
    expect(r.targets).toEqual([[10, 20], [30, 40], [50]]);
    expect(rt.memoryStats().liveTensors).toBe(0);
  });

  test("without a target every column is an input and targets are empty", () => {
    const rt = new Runtime({ kernels: false });
    const r = collect(Dataset.fromCsv(rt, csv("a,b\n1,2\n3,4\n"), quiet).batches(8));
    expect(r.inputs).toEqual([[[1, 2], [3, 4]]]);
    expect(r.targets).toEqual([[]]);
  });

  test("quoted fields, spaces, CRLF line ends and a BOM are read as numbers", () => {
    const rt = new Runtime({ kernels: false });
    const r = collect(Dataset.fromCsv(rt, csv('\ufeff"a", b\r\n"1.5", -2e3\r\n\r\n 3 ,4\r\n'), quiet).batches(8));
    expect(r.inputs).toEqual([[[1.5, -2000], [3, 4]]]);
  });

  test("a text target column becomes class indices in order of first appearance", () => {
    const rt = new Runtime({ kernels: false });
    const ds = Dataset.fromCsv(rt, csv("f,species\n1,setosa\n2,virginica\n3,setosa\n4,versicolor\n"), quiet).withTarget("species");
    expect(collect(ds.batches(4)).targets).toEqual([[0, 1, 0, 2]]);
    expect(ds.classes).toEqual(["setosa", "virginica", "versicolor"]);
  });

  test("map transforms every row, and may add features", () => {
    const rt = new Runtime({ kernels: false });
    const ds = Dataset.fromCsv(rt, csv("a,b,t\n1,2,0\n3,4,1\n"), quiet)
      .withTarget("t")
      .map((row) => ({ ...row, a: row.a * 10, ab: row.a * row.b }));
    expect(collect(ds.batches(2)).inputs).toEqual([[[10, 2, 2], [30, 4, 12]]]);
  });

  test("mapValues takes and returns the row as a vector in header order", () => {
    const rt = new Runtime({ kernels: false });
    const ds = Dataset.fromCsv(rt, csv("a,t,b\n1,0,2\n3,1,4\n"), quiet)
      .withTarget("t")
      .mapValues(([a, t, b]) => [a / 4, t, b * 2, a + b]);
    const r = collect(ds.batches(2));
    expect(r.inputs).toEqual([[[0.25, 4, 3], [0.75, 8, 7]]]);
    expect(r.targets).toEqual([[0, 1]]);
    const short = Dataset.fromCsv(rt, csv("a,t\n1,0\n"), quiet).withTarget("t").mapValues(([a]) => [a]);
    expectP0501(() => collect(short.batches(1)), /map\(\) must return at least the 2 values of a row \(got 1\)/);
  });

  test("with_target of a missing column names the columns there are", () => {
    const rt = new Runtime({ kernels: false });
    expectP0501(() => Dataset.fromCsv(rt, csv("a,b\n1,2\n"), quiet).withTarget("label"), /no column named "label" \(the header has "a", "b"\)/);
  });
});

describe("shuffle", () => {
  const rt = new Runtime({ kernels: false });
  const n = 100;
  const file = () => csv("i,t\n" + Array.from({ length: n }, (_, i) => `${i},${i % 3}`).join("\n") + "\n");
  const order = (ds: Dataset) => collect(ds.batches(7)).inputs.flat().map((r) => r[0]);

  test("is a deterministic permutation; seeds and epochs differ", () => {
    const p = file();
    const a = Dataset.fromCsv(rt, p, quiet).withTarget("t").shuffle(42);
    const first = order(a);
    const second = order(a); // the next epoch
    const again = order(Dataset.fromCsv(rt, p, quiet).withTarget("t").shuffle(42));
    const other = order(Dataset.fromCsv(rt, p, quiet).withTarget("t").shuffle(43));
    const sorted = Array.from({ length: n }, (_, i) => i);
    expect([...first].sort((x, y) => x - y)).toEqual(sorted);
    expect(first).not.toEqual(sorted);
    expect(again).toEqual(first);
    expect(other).not.toEqual(first);
    expect(second).not.toEqual(first);
    expect([...second].sort((x, y) => x - y)).toEqual(sorted);
  });

  test("a bounded buffer never emits a row it has not read yet, and still permutes", () => {
    const buffer = 8;
    const got = order(Dataset.fromCsv(rt, file(), quiet).withTarget("t").shuffle(1, buffer));
    expect([...got].sort((x, y) => x - y)).toEqual(Array.from({ length: n }, (_, i) => i));
    got.forEach((row, pos) => expect(row).toBeLessThan(pos + buffer));
    expect(got).not.toEqual(Array.from({ length: n }, (_, i) => i));
  });
});

describe("malformed input is P0501 naming file, row and column", () => {
  const rt = new Runtime({ kernels: false });
  const pass = (text: string) => () => collect(Dataset.fromCsv(rt, csv(text), quiet).withTarget("t").batches(2));

  test("a non-numeric feature", () => {
    expectP0501(pass("a,b,t\n1,2,0\n3,x4,1\n"), /data\d+\.csv: row 2, column "b": expected a number, found "x4"/);
  });
  test("an empty field", () => {
    expectP0501(pass("a,b,t\n1,,0\n"), /row 1, column "b": expected a number, found an empty field/);
  });
  test("too few or too many fields", () => {
    expectP0501(pass("a,b,t\n1,2,0\n1,2\n"), /row 2 has 2 fields, but the header names 3 columns/);
    expectP0501(pass("a,b,t\n1,2,0,9\n"), /row 1 has 4 fields/);
  });
  test("a broken quote", () => {
    expectP0501(pass('a,b,t\n1,"2"x,0\n'), /malformed CSV at line 2/);
  });
  test("a missing, empty or badly headed file", () => {
    expectP0501(() => Dataset.fromCsv(rt, path.join(tmp, "nope.csv")), /nope.csv: cannot open the file \(ENOENT\)/);
    expectP0501(() => Dataset.fromCsv(rt, csv("")), /the file is empty/);
    expectP0501(() => Dataset.fromCsv(rt, csv("a,a\n1,2\n")), /names column "a" twice/);
  });
  test("nothing leaks when a pass fails half-way", () => {
    const before = rt.memoryStats().liveTensors;
    const it = Dataset.fromCsv(rt, csv("a,t\n1,0\n2,1\n3,x\n"), quiet).batches(2);
    const b = it.next().value as Batch;
    b.inputs.free();
    b.targets.free();
    expect(() => it.next()).toThrow(StarkPanic);
    expect(rt.memoryStats().liveTensors).toBe(before);
  });
});

describe("laziness, the GC boundary and the progress bar", () => {
  const rt = new Runtime({ kernels: false });
  const big = () => csv("a,t\n" + Array.from({ length: 20000 }, (_, i) => `${i},${i % 2}`).join("\n") + "\n");

  test("a batch reads only the chunks it needs", () => {
    const p = big();
    const it = Dataset.fromCsv(rt, p, { progress: null, chunkBytes: 4096 }).withTarget("t").batches(10);
    const b = it.next().value as Batch;
    expect(b.inputs.get([9, 0])).toBe(9);
    expect(it.bytesRead).toBeLessThanOrEqual(8192);
    expect(it.bytesRead).toBeLessThan(fs.statSync(p).size / 10);
    b.inputs.free();
    b.targets.free();
    it.return();
  });

  test("onBatchBoundary runs between batches", () => {
    let boundaries = 0;
    const ds = Dataset.fromCsv(rt, csv("a,t\n1,0\n2,0\n3,0\n4,1\n5,1\n"), { progress: null, onBatchBoundary: () => boundaries++ });
    const seen: number[] = [];
    for (const b of ds.withTarget("t").batches(2)) {
      seen.push(boundaries);
      b.inputs.free();
      b.targets.free();
    }
    expect(seen).toEqual([0, 1, 2]);
    expect(boundaries).toBe(3);
  });

  test("a TTY gets a bar that is erased at the end; a pipe gets nothing", () => {
    const p = big();
    let clock = 0;
    const tty = { isTTY: true, columns: 80, text: "", write(s: string) { this.text += s; } };
    const pipe = { isTTY: false, text: "", write(s: string) { this.text += s; } };
    for (const stream of [tty, pipe]) {
      const ds = Dataset.fromCsv(rt, p, { progress: stream, chunkBytes: 8192 }).withTarget("t");
      const realNow = Date.now;
      Date.now = () => (clock += 1000);
      try {
        collect(ds.batches(1000));
      } finally {
        Date.now = realNow;
      }
    }
    expect(pipe.text).toBe("");
    expect(tty.text).toMatch(/data\d+\.csv epoch 1 \[=*>? *\] +\d+% batch \d+, \d+ rows/);
    expect(tty.text).toMatch(/100% batch 20, 20000 rows/);
    expect(tty.text.endsWith("\r\x1b[K")).toBe(true);
  });
});
