// Issue 4 item 6: every managed value really lives in the arena, the GC modes are unobservable,
// and exhausting max_heap_size is panic P0201. Runs the built CLI (dist/) in child processes.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(__dirname, "../..");
const STARK = join(ROOT, "bin/stark.js");
const PROGRAMS = join(__dirname, "programs");
const tmp = mkdtempSync(join(tmpdir(), "stark-gc-"));

function stark(file: string, ...flags: string[]) {
  const r = spawnSync(process.execPath, [STARK, "run", ...flags, file], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function writeProgram(name: string, text: string): string {
  const file = join(tmp, name);
  writeFileSync(file, text);
  return file;
}

interface Sample { reason: string; arena: number; js: number }

describe("a million small structs live in the arena, not the JS heap", () => {
  const N = 1_000_000;
  let samples: Sample[];
  let out: string;

  beforeAll(() => {
    const r = spawnSync(process.execPath, ["--expose-gc", join(__dirname, "arena-probe.js"), join(PROGRAMS, "million_structs.stark")], {
      encoding: "utf8",
      maxBuffer: 1 << 24,
    });
    const result = JSON.parse(r.stdout);
    expect(result.error).toBeUndefined();
    expect(result.panic).toBeNull();
    samples = result.samples;
    out = result.out;
  });

  test("the program runs to the right answer", () => {
    expect(out).toContain(`${N / 2} ${(N / 2) * (N / 2 - 1)}`); // sum of y - x = i over even i
    expect(samples).toHaveLength(3);
  });

  test("the arena grows by at least the structs' payload (two i64 slots each) and shrinks by half", () => {
    const [empty, full, halved] = samples;
    const grown = full.arena - empty.arena;
    expect(grown).toBeGreaterThanOrEqual(N * 16); // payload alone: x and y
    expect(grown).toBeLessThanOrEqual(N * 64); // header + slots + the Vec's pointer, generously
    // every_other keeps half the points (and a Vec half the size): about half the bytes remain.
    expect(halved.arena / full.arena).toBeGreaterThan(0.4);
    expect(halved.arena / full.arena).toBeLessThan(0.6);
    // gc::heap_size() as the program saw it agrees with the heap's own statistics.
    expect(out).toContain(`full ${full.arena}`);
    expect(out).toContain(`halved ${halved.arena}`);
  });

  test("the JS heap grows by a small fraction of the arena's growth", () => {
    const [empty, full] = samples;
    const arenaGrowth = full.arena - empty.arena;
    const jsGrowth = full.js - empty.js;
    // A million JS objects of two numbers would take >= 16 MB of V8 heap (>= 16 bytes each, more
    // than half the arena's growth); the arena keeps them out of it entirely.
    expect(jsGrowth).toBeLessThan(arenaGrowth * 0.1);
    expect(jsGrowth).toBeLessThan(4 * N); // < 4 bytes per struct
  });
});

// A local slot whose value was moved out (by `drop(v)`, a call argument or `for p in v`) is
// cleared, so the moved value is garbage at the next collection, not when the function returns.
test("drop(v) makes v's objects garbage at the next collection", () => {
  const file = writeProgram(
    "drop_then_collect.stark",
    `struct Point { x: i64, y: i64 }
fn main() {
    let mut v: Vec<Point> = Vec::new();
    for i in 0..50000 { v.push(Point { x: i, y: i }); }
    gc::collect();
    let before = gc::heap_size();
    drop(v);
    gc::collect();
    print(gc::heap_size() * 10 < before);
}
`,
  );
  const r = stark(file);
  expect(r.status).toBe(0);
  expect(r.stdout.trim()).toBe("true");
});

// The collector scans a Vec's whole backing array: clear/truncate must empty the removed slots.
test("Vec::clear makes its elements garbage at the next collection", () => {
  const file = writeProgram(
    "clear_then_collect.stark",
    `struct Point { x: i64, y: i64 }
fn main() {
    let mut v: Vec<Point> = Vec::new();
    for i in 0..50000 { v.push(Point { x: i, y: i }); }
    gc::collect();
    let before = gc::heap_size();
    v.clear();
    gc::collect();
    print(f"{v.len()} {gc::heap_size() * 2 < before}");
}
`,
  );
  const r = stark(file);
  expect(r.status).toBe(0);
  expect(r.stdout.trim()).toBe("0 true");
});

test("Vec::truncate makes the removed elements garbage and keeps the rest", () => {
  const file = writeProgram(
    "truncate_then_collect.stark",
    `struct Point { x: i64, y: i64 }
fn main() {
    let mut v: Vec<Point> = Vec::new();
    for i in 0..50000 { v.push(Point { x: i, y: i }); }
    gc::collect();
    let before = gc::heap_size();
    v.truncate(10);
    gc::collect();
    let mut sum = 0;
    for p in v.iter() { sum = sum + p.x + p.y; }
    print(f"{v.len()} {sum} {gc::heap_size() * 2 < before}");
}
`,
  );
  const r = stark(file);
  expect(r.status).toBe(0);
  expect(r.stdout.trim()).toBe("10 90 true");
});

const SEED = resolve(ROOT, "../shared/spec/examples/seed_gc_config.stark");
const CONFORMANCE = resolve(ROOT, "../shared/tools/conformance.mjs");
(existsSync(SEED) && existsSync(CONFORMANCE) ? test : test.skip)("seed_gc_config.stark passes the conformance tool", () => {
  const r = spawnSync(process.execPath, [CONFORMANCE, SEED], { encoding: "utf8", cwd: ROOT });
  expect(r.stdout + r.stderr).toContain("1 passed, 0 failed");
  expect(r.status).toBe(0);
});

describe("every GCMode gives the same output (LANGUAGE.md §5)", () => {
  const template = readFileSync(join(PROGRAMS, "modes_workload.stark"), "utf8");
  const configs: Record<string, string> = {
    default: "",
    Throughput: "gc::configure(GCConfig { mode: GCMode::Throughput });",
    LowLatency: "gc::configure(GCConfig { mode: GCMode::LowLatency, young_gen_size: 65536, pause_target: Duration::milliseconds(1) });",
    Memory: "gc::configure(GCConfig { mode: GCMode::Memory });",
    Training: "gc::configure(GCConfig { mode: GCMode::Training });",
    Inference: "gc::configure(GCConfig { mode: GCMode::Inference, young_gen_size: 32768 });",
  };
  const outputs: Record<string, { stdout: string; collections: number }> = {};

  beforeAll(() => {
    for (const [mode, config] of Object.entries(configs)) {
      const r = stark(writeProgram(`modes_${mode}.stark`, template.replace("MODE_CONFIG", config)), "--gc-trace");
      expect({ mode, status: r.status, stderr: r.status === 0 ? "" : r.stderr }).toEqual({ mode, status: 0, stderr: "" });
      outputs[mode] = { stdout: r.stdout, collections: r.stderr.split("\n").filter((l) => l.startsWith("gc ")).length };
    }
  });

  test.each(Object.keys(configs).filter((m) => m !== "default"))("%s prints what the default heap prints", (mode) => {
    expect(outputs[mode].stdout).toBe(outputs.default.stdout);
  });

  test("the output is the program's real answer, and the small-nursery modes did collect", () => {
    expect(outputs.default.stdout).toContain("round 35: 124750"); // 0 + 1 + ... + 499
    expect(outputs.default.stdout).toContain("k0 = 748500"); // six rounds ≡ 0 (mod 7)
    expect(outputs.LowLatency.collections).toBeGreaterThan(0);
    expect(outputs.Memory.collections).toBeGreaterThan(0);
  });

  test("under --gc-stress 1 the output is unchanged too", () => {
    const r = stark(writeProgram("modes_stress.stark", template.replace("MODE_CONFIG", "")), "--gc-stress", "1");
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(outputs.default.stdout);
  });
});

test("exceeding a small max_heap_size is panic P0201 with the limit and live size", () => {
  const file = writeProgram(
    "oom.stark",
    `fn main() {
    gc::configure(GCConfig { mode: GCMode::Memory, max_heap_size: Some(1048576) });
    let mut keep: Vec<Vec<i64>> = Vec::new();
    for i in 0..1000000 {
        keep.push(vec![i, i, i, i]);
    }
    print(keep.len());
}
`,
  );
  const r = stark(file);
  expect(r.status).toBe(101);
  expect(r.stdout).toBe("");
  expect(r.stderr).toContain("P0201");
  expect(r.stderr).toMatch(/managed heap limit 1048576 bytes reached \(live: \d+ bytes\)/);
  expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/); // no JavaScript stack trace reaches the user
});
