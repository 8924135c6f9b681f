// The GC benchmarks of bench/gc/stark are the same program in STARK, CPython and Node: at small
// sizes all three print the same lines (run.mjs compares them at full size too), and the STARK
// versions end with a gc::stats() line that run.mjs can parse.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(__dirname, "../..");
const BENCH = join(ROOT, "bench/gc/stark");
const tmp = mkdtempSync(join(tmpdir(), "stark-gcbench-test-"));
const hasPython = spawnSync("python3", ["--version"]).status === 0;

function out(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: "" });
  return r.stdout;
}

function starkOut(name: string, consts: Record<string, number>): { lines: string; stats: string } {
  let text = readFileSync(join(BENCH, `${name}.stark`), "utf8");
  for (const [k, v] of Object.entries(consts)) text = text.replace(new RegExp(`const ${k}: i32 = \\d+;`), `const ${k}: i32 = ${v};`);
  const file = join(tmp, `${name}.stark`);
  writeFileSync(file, text);
  const stdout = out(process.execPath, [join(ROOT, "bin/stark.js"), "run", file]);
  const lines = stdout.split("\n");
  const statsAt = lines.findIndex((l) => l.startsWith("GCStats {"));
  expect(statsAt).toBe(lines.length - 2); // the last line printed, before the final newline
  return { lines: lines.filter((_, i) => i !== statsAt).join("\n"), stats: lines[statsAt] };
}

test("binary-trees N=6: STARK, Node and CPython agree", () => {
  const stark = starkOut("binary_trees", { MAX_DEPTH: 6 });
  const node = out(process.execPath, [join(BENCH, "binary_trees.js"), "6"]);
  expect(stark.lines).toBe(node);
  expect(node).toContain("stretch tree of depth 7 check: 255");
  expect(node).toContain("long lived tree of depth 6 check: 127");
  if (hasPython) expect(out("python3", [join(BENCH, "binary_trees.py"), "6"])).toBe(node);
  expect(stark.stats).toMatch(/bytes_allocated: [1-9]\d*/);
});

test("GCBench 8/6/6: STARK, Node and CPython agree", () => {
  const stark = starkOut("gcbench", { STRETCH_DEPTH: 8, LONG_LIVED_DEPTH: 6, MAX_DEPTH: 6 });
  const node = out(process.execPath, [join(BENCH, "gcbench.js"), "8", "6", "6"]);
  expect(stark.lines).toBe(node);
  expect(node).toContain("stretch tree of depth 8: 511 nodes");
  expect(node).toContain("long lived tree: 127 nodes, array[1000] = 0.001");
  if (hasPython) expect(out("python3", [join(BENCH, "gcbench.py"), "8", "6", "6"])).toBe(node);
});
