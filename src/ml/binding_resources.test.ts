// The ML binding lets go of JS-side state with its managed owner: a `for batch in ds.batches(n)`
// loop left early (break, return, `?`, a panic) closes its file at once, and a dead `Dataset`
// releases its JS state and its `map` closure. Programs run in a REPL session over the
// generational heap, so a panicking input can be followed by more.

import * as fs from "fs";
import * as path from "path";
import { createHeap } from "../../heap";
import { CheckSession } from "../check";
import { Session } from "../eval";
import { mlBindingStats } from "../eval/natives_ml";
import { makeSourceFile } from "../syntax/ast";
import { parse } from "../syntax/parser";

const IRIS = JSON.stringify(path.join(__dirname, "../../test/fixtures/ml/iris.csv"));

function session() {
  const check = new CheckSession();
  const heap = createHeap();
  let out = "";
  const s = new Session({ heap, stdout: (t) => (out += t), stderr: () => {} });
  let n = 0;
  const run = (text: string): string | null => {
    const program = parse(makeSourceFile(`<input ${n++}>`, text)).program!;
    expect(check.check(program).diagnostics).toEqual([]);
    const r = s.run(program, false);
    return r.panic ? r.panic.code : null;
  };
  return { run, heap, stats: () => mlBindingStats(s.rt), output: () => out };
}

/** Open file descriptors of this process (Linux). */
function openFds(): number {
  return fs.readdirSync("/proc/self/fd").length;
}

test("leaving a batches() loop early closes its file: break, return, ? and a panic", () => {
  const { run, stats } = session();
  const fdsBefore = openFds();
  expect(
    run(`
fn first_id(ds: Gc<Dataset>) -> usize {
    for batch in ds.batches(2) {
        return batch.id;
    }
    0
}
fn checked(ds: Gc<Dataset>) -> Result<usize, String> {
    for batch in ds.batches(3) {
        let r: Result<usize, String> = Err(f"stop at {batch.id}");
        let x = r?;
        print(x);
    }
    Ok(0)
}
let ds = Dataset::from_csv(${IRIS}).with_target("species");
for _ in 0..50 {
    for batch in ds.batches(4) {
        if batch.id == 1 { break; }
    }
    let a = first_id(ds);
    let b = checked(ds);
}
// Adapters over the iterator pass the close on to it.
for (i, batch) in ds.batches(5).enumerate() {
    if i == 2 { break; }
}`),
  ).toBeNull();
  expect(stats().openIterators).toBe(0);
  expect(openFds()).toBe(fdsBefore);
  expect(run(`for batch in ds.batches(8) { let v: Vec<i32> = Vec::new(); let x = v[batch.id]; }`)).toBe("P0103");
  expect(stats().openIterators).toBe(0);
  expect(openFds()).toBe(fdsBefore);
  // A loop run to its end closes the file too.
  expect(run(`let mut rows = 0; for batch in ds.batches(50) { rows += batch.inputs.shape()[0]; } print(rows);`)).toBeNull();
  expect(stats().openIterators).toBe(0);
});

test("a dead Dataset releases its JS state and its map closure; a live one keeps them", () => {
  const { run, heap, stats, output } = session();
  expect(
    run(`
fn churn() {
    for _ in 0..40 {
        let scale = 2.0;
        let d = Dataset::from_csv(${IRIS}).with_target("species").map(move |row| { let mut r = row; r[0] = r[0] * scale; r }).shuffle(1);
        for batch in d.batches(150) { let n = batch.id; }
    }
}
fn kept() {
    let keep = Dataset::from_csv(${IRIS}).with_target("species").map(|row| { let mut r = row; r[0] = 0.0; r });
    churn();
    gc::collect();
    // keep's closure survived (and may have moved) while the 40 other datasets died
    for batch in keep.batches(150) { print(batch.inputs.sum_dim(0).get([0])); }
}
kept();`),
  ).toBeNull();
  expect(output().trim()).toBe("0");
  heap.collectFull();
  expect(stats()).toEqual({ openIterators: 0, liveIterators: 0, liveDatasets: 0, closureRoots: 0 });
});
