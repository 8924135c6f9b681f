// `stark run --unchecked`: a program the borrow checker rejects runs anyway, with run-time
// tracking of moves and freed tensor storage (src/teach/unchecked.ts); never the default.
// Golden files: test/repl/unchecked/NAME.stark → NAME.txt (stdout, then stderr).
// STARK_UPDATE_GOLDEN=1 rewrites them.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../../src/cli/main";

const dir = join(__dirname, "unchecked");

function run(args: string[]) {
  let out = "";
  let err = "";
  const code = runCli(args, { stdout: (s) => (out += s), stderr: (s) => (err += s), stdoutIsTTY: false, stderrIsTTY: false, stdinIsTTY: false, env: {} });
  return { code, out, err };
}

function program(text: string): string {
  const p = join(mkdtempSync(join(tmpdir(), "stark-unchecked-")), "p.stark");
  writeFileSync(p, text);
  return p;
}

const goldens = readdirSync(dir).filter((f) => f.endsWith(".stark"));

test.each(goldens)("golden: %s", (name) => {
  const path = join(dir, name);
  const r = run(["run", "--unchecked", path]);
  const text = `exit ${r.code}\n--- stdout\n${r.out}--- stderr\n${r.err.split(path).join(name)}`;
  const golden = join(dir, name.replace(/\.stark$/, ".txt"));
  if (process.env.STARK_UPDATE_GOLDEN) writeFileSync(golden, text);
  expect(text).toBe(readFileSync(golden, "utf8"));
});

test("the seed's use-after-free: stops at the second use, naming where it was dropped", () => {
  const r = run(["run", "--unchecked", join(dir, "seed_memory_safety_err_use_after_drop.stark")]);
  expect(r.code).toBe(101);
  expect(r.err).toMatch(/^warning: running UNCHECKED: the borrow checker rejects this program \(E0382 at line 4\)/);
  expect(r.err).toContain("panic[P0105]: use of `tensor` after it was dropped at 3:10");
  expect(r.err).toContain("use_after_drop.stark:4:11");
});

test("the seed's dangling reference: stops at the use, naming where the storage was freed", () => {
  const r = run(["run", "--unchecked", join(dir, "seed_memory_safety_err_dangling.stark")]);
  expect(r.code).toBe(101);
  expect(r.err).toContain("use of tensor storage freed at 6:5 (end of scope of `tensor`)");
  expect(r.err).toContain("dangling.stark:7:11");
});

test("a panic in a called function carries the STARK stack trace, and --format json works", () => {
  const r = run(["--format", "json", "run", "--unchecked", join(dir, "seed_ownership_err_moved.stark")]);
  expect(r.code).toBe(101);
  const panic = JSON.parse(r.err.split("\n").find((l) => l.startsWith("{"))!);
  expect(panic.code).toBe("P0105");
  expect(panic.message).toContain("use of `tensor1` after it was moved at 3:19");
  expect(JSON.stringify(panic)).toContain("ownership_example");
});

test("the check is dynamic: a program whose moves all happen on branches not taken runs to the end", () => {
  const f = program("fn main() {\n    let v = vec![1, 2];\n    let go = v.len() > 5;\n    if go {\n        let w = v;\n        print(w.len());\n    }\n    print(v.len());\n}\n");
  expect(run(["check", f]).code).toBe(1);
  const r = run(["run", "--unchecked", f]);
  expect(r.err).toMatch(/running UNCHECKED.*E0382/);
  expect(r.out).toBe("2\n");
  expect(r.code).toBe(0);
});

test("recursion: each call has its own moved variables", () => {
  const f = program(
    "fn f(n: i32) -> i32 {\n    let v = vec![n];\n    let w = v;\n    if n > 0 { return f(n - 1) + w.len() as i32; }\n    let u = v;\n    0\n}\nfn main() {\n    print(f(3));\n}\n",
  );
  const r = run(["run", "--unchecked", f]);
  expect(r.code).toBe(101);
  expect(r.err).toContain("use of `v` after it was moved at 3:13");
  // The innermost call panics; the three callers are in the trace.
  expect(r.err.match(/ f at /g)?.length).toBe(4);
});

test("without --unchecked the same program does not run; type errors stop --unchecked too", () => {
  const f = program("fn main() {\n    let t = Tensor::rand([2]);\n    drop(t);\n    print(t.shape());\n}\n");
  const plain = run(["run", f]);
  expect(plain.code).toBe(1);
  expect(plain.out).toBe("");
  const typed = run(["run", "--unchecked", program("fn main() {\n    let x: i32 = \"s\";\n}\n")]);
  expect(typed.code).toBe(1);
  expect(typed.err).toContain("E0308");
  expect(typed.err).not.toContain("UNCHECKED");
});

test("a correct program runs under --unchecked exactly as it does checked (the banner aside)", () => {
  const f = join(__dirname, "../../examples/tour/01_ownership.stark");
  const checked = run(["run", f]);
  const unchecked = run(["run", "--unchecked", f]);
  expect(unchecked.code).toBe(checked.code);
  expect(unchecked.out).toBe(checked.out);
  expect(unchecked.err).toMatch(/running UNCHECKED: the borrow checker finds no error in this program/);
});

test("every program of the borrow corpus runs under --unchecked without an internal error", () => {
  const corpus = join(__dirname, "..", "programs", "borrow");
  const files = readdirSync(corpus).filter((f) => f.endsWith(".stark"));
  expect(files.length).toBeGreaterThan(100);
  const bad: string[] = [];
  for (const f of files) {
    const r = run(["run", "--unchecked", join(corpus, f)]);
    if (r.err.includes("internal error") || ![0, 1, 101].includes(r.code)) bad.push(`${f}: exit ${r.code}: ${r.err.slice(0, 300)}`);
    // A program the borrow checker rejects is announced as such.
    if (r.code !== 1) expect(r.err).toMatch(/^warning: running UNCHECKED/);
  }
  expect(bad).toEqual([]);
}, 120_000);
