// `Dataset::from_csv`: a lazily read CSV file, iterated as batches of tensors (LANGUAGE.md §7).
//
// Nothing is read up front but the header. `batches(n)` opens the file and streams it in chunks
// through csv-parse as batches are asked for, so a file larger than memory can be iterated: what
// is held at any time is one chunk, the rows of the batch being built and, when shuffling, a
// bounded shuffle buffer. Malformed rows are P0501 naming the file, the row and the column.
//
// The dataset is a description (path, target column, transforms, shuffle seed); the builder
// methods return new datasets, and every `batches()` call is a fresh pass over the file.

import * as fs from "fs";
import { Parser } from "csv-parse";
import { StarkPanic } from "../diagnostics";
import type { DType, Tensor, TensorRuntime } from "../tensor/api";
import { MersenneTwister } from "../tensor/random";
import { ProgressBar, ProgressStream } from "./progress";

/** One row as `map` sees it: column name to value. */
export type Row = Record<string, number>;

export interface Batch {
  /** 0-based index of the batch within this pass. */
  id: number;
  /** [rows, features] */
  inputs: Tensor;
  /** [rows]: the target column ([rows, 0] when no target was chosen). */
  targets: Tensor;
}

export interface DatasetOptions {
  /** Bytes read from the file at a time (default 1 MiB). */
  chunkBytes?: number;
  /** dtype of the batch tensors (default f32). */
  dtype?: DType;
  /** Where the progress bar goes (default process.stderr); drawn only if it is a TTY. */
  progress?: ProgressStream | null;
  /** Called between two batches: the evaluator makes it the GC's batch boundary. */
  onBatchBoundary?: () => void;
}

interface Config {
  path: string;
  columns: string[];
  target: string | null;
  transforms: ((row: Row) => Row)[];
  shuffle: { seed: number; buffer: number } | null;
  options: DatasetOptions;
}

/** The default shuffle buffer: enough rows to mix well, few enough to bound memory. */
export const DEFAULT_SHUFFLE_BUFFER = 65536;

function csvPanic(message: string): StarkPanic {
  return new StarkPanic("P0501", message);
}

export class Dataset {
  /** Passes started so far: each epoch of a shuffled dataset gets its own order. */
  private epochs = 0;

  private constructor(
    private readonly rt: TensorRuntime,
    private readonly cfg: Config,
    /** Class labels of a non-numeric target column, in order of first appearance (shared by derived datasets). */
    private readonly labels: Map<string, number>,
  ) {}

  /** Opens `path` and reads its header row; the data rows are read later, by `batches`. */
  static fromCsv(rt: TensorRuntime, path: string, options: DatasetOptions = {}): Dataset {
    const columns = readHeader(path, options.chunkBytes ?? 1 << 20);
    return new Dataset(rt, { path, columns, target: null, transforms: [], shuffle: null, options }, new Map());
  }

  get path(): string {
    return this.cfg.path;
  }
  /** Column names from the header row. */
  get columns(): string[] {
    return this.cfg.columns.slice();
  }
  /** The class labels of a text target column seen so far, index order. */
  get classes(): string[] {
    return [...this.labels.keys()];
  }

  /** `.with_target(column)`: that column becomes `targets`, the others `inputs`. */
  withTarget(column: string): Dataset {
    if (!this.cfg.columns.includes(column)) {
      throw csvPanic(`${this.cfg.path}: no column named "${column}" (the header has ${this.cfg.columns.map((c) => `"${c}"`).join(", ")})`);
    }
    return this.derive({ target: column });
  }

  /** `.map(|row| ...)`: a transform applied to every row as it is read. */
  map(fn: (row: Row) => Row): Dataset {
    return this.derive({ transforms: [...this.cfg.transforms, fn] });
  }

  /**
   * `.map(|row: Vec<f64>| ...)`, the prelude's form: the row's values in header order (the target
   * included) in, a vector out whose first values keep the header's columns (the target stays at
   * its index) and whose extra values become new input features.
   */
  mapValues(fn: (values: number[]) => number[]): Dataset {
    const cols = this.cfg.columns;
    return this.map((row) => {
      const out = fn(cols.map((c) => row[c]));
      if (!Array.isArray(out) || out.length < cols.length) {
        throw csvPanic(
          `${this.cfg.path}: map() must return at least the ${cols.length} values of a row (got ${Array.isArray(out) ? out.length : typeof out})`,
        );
      }
      const mapped: Row = {};
      cols.forEach((c, i) => (mapped[c] = out[i]));
      for (let i = cols.length; i < out.length; i++) mapped[`#${i}`] = out[i];
      return mapped;
    });
  }

  /**
   * `.shuffle(seed)`: rows come in a deterministic pseudo-random order. A file that fits in the
   * buffer is fully shuffled; a larger one is shuffled within a sliding buffer of `buffer` rows.
   * Each pass over the data (epoch) gets its own order, the same on every run.
   */
  shuffle(seed: number, buffer = DEFAULT_SHUFFLE_BUFFER): Dataset {
    if (!Number.isInteger(buffer) || buffer < 1) throw csvPanic(`shuffle buffer must be a positive number of rows (got ${buffer})`);
    return this.derive({ shuffle: { seed, buffer } });
  }

  /** `.batches(n)`: one pass over the file, `n` rows per batch (the last may be smaller). */
  batches(n: number): BatchIterator {
    if (!Number.isInteger(n) || n < 1) throw new StarkPanic("P0105", `batch size must be a positive integer (got ${n})`);
    const epoch = this.epochs++;
    return new BatchIterator(this.rt, this.cfg, this.labels, n, epoch);
  }

  private derive(change: Partial<Config>): Dataset {
    // Class labels belong to a target column: a different target starts a fresh encoding.
    const sameTarget = change.target === undefined || change.target === this.cfg.target;
    return new Dataset(this.rt, { ...this.cfg, ...change }, sameTarget ? this.labels : new Map());
  }
}

/** Reads records from the file chunk by chunk; each record comes with its 1-based line number. */
class RecordReader {
  private readonly fd: number;
  private readonly parser: Parser;
  private eof = false;
  bytesRead = 0;
  readonly size: number;

  constructor(
    private readonly path: string,
    private readonly chunkBytes: number,
  ) {
    try {
      this.fd = fs.openSync(path, "r");
      this.size = fs.fstatSync(this.fd).size;
    } catch (e) {
      throw csvPanic(`${path}: cannot open the file (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
    // No `info` and no `trim`: both cost a third of the parse time on large files. Rows are
    // numbered by counting records, and Number() ignores surrounding spaces by itself.
    this.parser = new Parser({ relax_column_count: true, skip_empty_lines: true, bom: true, record_delimiter: ["\r\n", "\n", "\r"] });
    this.parser.on("error", () => {}); // errors are read synchronously from `parser.errored`
  }

  /** Records returned so far (the header is record 1). */
  records = 0;

  /** The next record's fields, or null at the end of the file. */
  next(): string[] | null {
    for (;;) {
      const r = this.parser.read() as string[] | null;
      if (r !== null) {
        this.records++;
        return r;
      }
      this.checkError();
      if (this.eof) return null;
      // A fresh buffer per chunk: the parser may keep a reference to a partial record's bytes.
      const chunk = Buffer.allocUnsafe(this.chunkBytes);
      let n: number;
      try {
        n = fs.readSync(this.fd, chunk, 0, chunk.length, null);
      } catch (e) {
        throw csvPanic(`${this.path}: read failed (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
      }
      this.bytesRead += n;
      if (n === 0) {
        this.eof = true;
        this.parser.end();
      } else {
        // write() parses synchronously; the records are read back at the top of the loop.
        this.parser.write(chunk.subarray(0, n));
      }
    }
  }

  private checkError(): void {
    const err = this.parser.errored as (Error & { lines?: number }) | null;
    if (err) {
      this.close();
      const line = err.lines !== undefined ? ` at line ${err.lines}` : "";
      throw csvPanic(`${this.path}: malformed CSV${line}: ${err.message}`);
    }
  }

  close(): void {
    try {
      fs.closeSync(this.fd);
    } catch {
      // already closed
    }
  }
}

function readHeader(path: string, chunkBytes: number): string[] {
  const reader = new RecordReader(path, Math.min(chunkBytes, 1 << 16));
  try {
    const header = reader.next();
    if (!header) throw csvPanic(`${path}: the file is empty (a header row naming the columns is required)`);
    const names = header.map((h) => h.trim());
    const seen = new Set<string>();
    names.forEach((name, i) => {
      if (name === "") throw csvPanic(`${path}: column ${i + 1} of the header has no name`);
      if (seen.has(name)) throw csvPanic(`${path}: the header names column "${name}" twice`);
      seen.add(name);
    });
    return names;
  } finally {
    reader.close();
  }
}

/** A parsed row: features in column order and the target (NaN without one). */
interface ParsedRow {
  features: number[];
  target: number;
}

export class BatchIterator implements IterableIterator<Batch> {
  private readonly reader: RecordReader;
  private readonly progress: ProgressBar | null;
  private readonly rng: MersenneTwister | null;
  private readonly shuffleBuffer: ParsedRow[] = [];
  private drained = false;
  private done = false;
  private nextId = 0;
  private rowsOut = 0;
  private featureCount = -1;
  private readonly dtype: DType;

  constructor(
    private readonly rt: TensorRuntime,
    private readonly cfg: Config,
    private readonly labels: Map<string, number>,
    private readonly batchSize: number,
    epoch: number,
  ) {
    this.reader = new RecordReader(cfg.path, cfg.options.chunkBytes ?? 1 << 20);
    this.reader.next(); // the header
    this.dtype = cfg.options.dtype ?? "f32";
    // Mix the epoch into the seed so that every pass has its own order, reproducibly.
    this.rng = cfg.shuffle ? new MersenneTwister((cfg.shuffle.seed * 1000003 + epoch * 7919) >>> 0) : null;
    const stream = cfg.options.progress === undefined ? process.stderr : cfg.options.progress;
    this.progress = stream ? ProgressBar.forStream(stream, `${basename(cfg.path)} epoch ${epoch + 1}`) : null;
  }

  /** Bytes of the file read so far (shows the laziness). */
  get bytesRead(): number {
    return this.reader.bytesRead;
  }

  /** True once the pass has ended or was stopped: the file is closed. */
  get closed(): boolean {
    return this.done;
  }

  [Symbol.iterator](): IterableIterator<Batch> {
    return this;
  }

  next(): IteratorResult<Batch> {
    if (this.done) return { done: true, value: undefined };
    if (this.nextId > 0) this.cfg.options.onBatchBoundary?.();
    const rows: ParsedRow[] = [];
    while (rows.length < this.batchSize) {
      const row = this.nextRow();
      if (!row) break;
      rows.push(row);
    }
    if (rows.length === 0) {
      this.finish();
      return { done: true, value: undefined };
    }
    const batch = this.toBatch(rows);
    this.rowsOut += rows.length;
    this.progress?.update(this.reader.bytesRead / Math.max(1, this.reader.size), `batch ${batch.id + 1}, ${this.rowsOut} rows`);
    return { done: false, value: batch };
  }

  /** Stops early (a `break` out of the loop): closes the file. */
  return(): IteratorResult<Batch> {
    this.finish();
    return { done: true, value: undefined };
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.reader.close();
    this.progress?.finish();
  }

  /** The next row in the pass's order: file order, or through the shuffle buffer. */
  private nextRow(): ParsedRow | null {
    if (!this.rng) return this.readRow();
    const buf = this.shuffleBuffer;
    const cap = this.cfg.shuffle!.buffer;
    while (!this.drained && buf.length < cap) {
      const r = this.readRow();
      if (!r) this.drained = true;
      else buf.push(r);
    }
    if (buf.length === 0) return null;
    // Swap a random buffered row to the end and take it; its place is refilled on the next call.
    const j = this.rng.nextU32() % buf.length;
    const last = buf.length - 1;
    [buf[j], buf[last]] = [buf[last], buf[j]];
    return buf.pop()!;
  }

  private readRow(): ParsedRow | null {
    const fields = this.reader.next();
    if (!fields) return null;
    const cols = this.cfg.columns;
    // Data rows are numbered from 1, after the header (blank lines are not rows).
    const where = `${this.cfg.path}: row ${this.reader.records - 1}`;
    if (fields.length !== cols.length) {
      this.finish();
      throw csvPanic(`${where} has ${fields.length} field${fields.length === 1 ? "" : "s"}, but the header names ${cols.length} columns`);
    }
    const target = this.cfg.target;
    const values: number[] = new Array(cols.length);
    for (let c = 0; c < cols.length; c++) {
      const text = fields[c];
      // Number("") and Number("  ") are 0: an empty field is an error, not a zero.
      const v = Number(text);
      if (Number.isNaN(v) || (v === 0 && text.trim() === "")) {
        if (/^\s*nan\s*$/i.test(text)) values[c] = NaN;
        else if (cols[c] === target && text.trim() !== "") values[c] = this.labelIndex(text.trim());
        else {
          this.finish();
          const found = text.trim() === "" ? "an empty field" : JSON.stringify(text.trim());
          throw csvPanic(`${where}, column "${cols[c]}": expected a number, found ${found}`);
        }
      } else values[c] = v;
    }
    if (this.cfg.transforms.length === 0) return this.split(values, where);
    let row: Row = {};
    cols.forEach((c, i) => (row[c] = values[i]));
    for (const fn of this.cfg.transforms) row = fn(row);
    return this.splitRow(row, where);
  }

  private labelIndex(text: string): number {
    let k = this.labels.get(text);
    if (k === undefined) {
      k = this.labels.size;
      this.labels.set(text, k);
    }
    return k;
  }

  private split(values: number[], where: string): ParsedRow {
    const t = this.cfg.target === null ? -1 : this.cfg.columns.indexOf(this.cfg.target);
    const features = t < 0 ? values : values.filter((_, i) => i !== t);
    return this.checked({ features, target: t < 0 ? NaN : values[t] }, where);
  }

  private splitRow(row: Row, where: string): ParsedRow {
    const target = this.cfg.target;
    const features: number[] = [];
    for (const [k, v] of Object.entries(row)) {
      if (k === target) continue;
      if (typeof v !== "number") {
        this.finish();
        throw csvPanic(`${where}, column "${k}": map() returned ${typeof v}, expected a number`);
      }
      features.push(v);
    }
    if (target !== null && typeof row[target] !== "number") {
      this.finish();
      throw csvPanic(`${where}: map() dropped the target column "${target}"`);
    }
    return this.checked({ features, target: target === null ? NaN : row[target] }, where);
  }

  /** Every row of a pass must have the same number of features (map may change it, consistently). */
  private checked(row: ParsedRow, where: string): ParsedRow {
    if (this.featureCount < 0) this.featureCount = row.features.length;
    else if (row.features.length !== this.featureCount) {
      this.finish();
      throw csvPanic(`${where}: map() produced ${row.features.length} features, earlier rows had ${this.featureCount}`);
    }
    return row;
  }

  private toBatch(rows: ParsedRow[]): Batch {
    const f = this.featureCount;
    const flat = new Array<number>(rows.length * f);
    for (let i = 0; i < rows.length; i++) {
      const feats = rows[i].features;
      for (let j = 0; j < f; j++) flat[i * f + j] = feats[j];
    }
    const inputs = reshaped(this.rt, flat, [rows.length, f], this.dtype);
    const targets =
      this.cfg.target === null
        ? this.rt.zeros([rows.length, 0], this.dtype)
        : reshaped(this.rt, rows.map((r) => r.target), [rows.length], this.dtype);
    return { id: this.nextId++, inputs, targets };
  }
}

function reshaped(rt: TensorRuntime, flat: number[], shape: number[], dtype: DType): Tensor {
  if (flat.length === 0) return rt.zeros(shape, dtype);
  const t = rt.from(flat, dtype);
  if (shape.length === 1) return t;
  const r = t.reshape(shape);
  if (r !== t) t.free();
  return r;
}

function basename(p: string): string {
  const i = p.lastIndexOf("/");
  return i < 0 ? p : p.slice(i + 1);
}
