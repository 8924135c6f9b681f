// Host (JavaScript) errors raised while a program runs reach the user as STARK panics with a
// STARK stack trace: only V8's stack exhaustion is a stack overflow (P0106); any other
// RangeError is an internal error, reported like the evaluator's other `internal:` panics.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "./main";

function run(text: string) {
  const dir = mkdtempSync(join(tmpdir(), "stark-host-errors-"));
  const path = join(dir, "p.stark");
  writeFileSync(path, text);
  let out = "";
  let err = "";
  const code = runCli(["run", path], { stdout: (s) => (out += s), stderr: (s) => (err += s), stdoutIsTTY: false, stderrIsTTY: false, stdinIsTTY: false, env: {} });
  rmSync(dir, { recursive: true, force: true });
  return { code, out, err };
}

test("a RangeError that is not stack exhaustion is an internal panic, not a stack overflow", () => {
  // String::repeat past V8's string length limit throws RangeError("Invalid string length").
  const r = run(`fn big(s: String) -> String {
    s.repeat(1000000000)
}
fn main() {
    let s = big(String::from("abc"));
    print(s.len());
}
`);
  expect(r.code).toBe(101);
  expect(r.out).toBe("");
  expect(r.err).toMatch(/^panic\[P0105\]: internal: Invalid string length/);
  expect(r.err).not.toContain("P0106");
  expect(r.err).toMatch(/stack trace \(innermost first\):\n\s+0: big at .*p\.stark:5:13\n\s+1: main at /);
  expect(r.err).not.toMatch(/\n\s+at .*\.(js|ts):\d+/); // no JavaScript stack trace
});

test("unbounded recursion is still a stack overflow", () => {
  const r = run(`fn down(n: i64) -> i64 { if n == 0 { 0 } else { down(n - 1) + 1 } }
fn main() { print(down(100000000)); }
`);
  expect(r.code).toBe(101);
  expect(r.err).toMatch(/^panic\[P0106\]: stack overflow/);
});
