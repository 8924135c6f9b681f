// Prelude function bodies are type-checked on first use, not at every start: a program checks
// and runs only the prelude bodies it reaches, with the same results as checking them all.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

type CheckModule = typeof import("./index");
type CliModule = typeof import("../cli/main");

/** Runs `text` through the CLI with a fresh prelude; returns the output and the lazy-check counts. */
function runFresh(text: string) {
  let check!: CheckModule;
  let cli!: CliModule;
  jest.isolateModules(() => {
    check = require("./index");
    cli = require("../cli/main");
  });
  const dir = mkdtempSync(join(tmpdir(), "stark-prelude-lazy-"));
  const path = join(dir, "p.stark");
  writeFileSync(path, text);
  let out = "";
  let err = "";
  const code = cli.runCli(["run", path], { stdout: (s) => (out += s), stderr: (s) => (err += s), stdoutIsTTY: false, stderrIsTTY: false, stdinIsTTY: false, env: {} });
  rmSync(dir, { recursive: true, force: true });
  return { code, out, err, all: check.checkAllPreludeBodies() };
}

test("a program that uses no prelude function with a body checks none of them", () => {
  const r = runFresh(`print("hi"); print(vec![1, 2]); print(Some(3));\n`);
  expect(r.out).toBe("hi\n[1, 2]\nSome(3)\n");
  expect(r.all.total).toBeGreaterThan(10);
  expect(r.all.checkedBefore).toBe(0);
});

test("the prelude bodies a program calls are checked, and only those", () => {
  const r = runFresh(`let a: Option<i32> = Some(4);
print(a.map(|x| x * 2).unwrap_or(0));
let n: Option<i32> = None;
print(n.unwrap_or(7));
`);
  expect(r.err).toBe("");
  expect(r.out).toBe("8\n7\n");
  expect(r.all.checkedBefore).toBeGreaterThanOrEqual(2);
  expect(r.all.checkedBefore).toBeLessThan(r.all.total);
});

test("checking every prelude body finds no error in the prelude", () => {
  const r = runFresh(`print(1);\n`);
  expect(r.all.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
});
