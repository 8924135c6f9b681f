// The fast reading of `run`/`check` command lines must mean exactly what yargs reads, and leave
// everything else to yargs.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseFastArgs } from "./fastArgs";
import { runCli } from "./main";

describe("parseFastArgs", () => {
  test("run with flags before, between and after the file, and program arguments", () => {
    expect(parseFastArgs(["run", "--format", "json", "--gc-stress", "1", "a.stark", "x", "y", "--gc-trace"])).toEqual({
      command: "run",
      file: "a.stark",
      args: ["x", "y"],
      format: "json",
      borrowck: "lexical",
      gcTrace: true,
      gcStress: 1,
      maxTensorMemory: undefined,
      unchecked: false,
      heapReport: undefined,
    });
    expect(parseFastArgs(["--borrowck=nll", "run", "a.stark", "--max-tensor-memory=4096", "--heap-report", "h.html", "--unchecked"])).toMatchObject({
      borrowck: "nll",
      maxTensorMemory: 4096,
      heapReport: "h.html",
      unchecked: true,
    });
  });

  test("run FILE -- ARGS: everything after `--` is the program's", () => {
    expect(parseFastArgs(["run", "a.stark", "x", "--", "--gc-trace", "007"])).toMatchObject({ file: "a.stark", args: ["x", "--gc-trace", "007"], gcTrace: false });
    expect(parseFastArgs(["check", "a.stark", "--", "x"])).toBeNull();
  });

  test("check, with and without --explain-ownership", () => {
    expect(parseFastArgs(["check", "a.stark"])).toEqual({ command: "check", file: "a.stark", format: "text", borrowck: "lexical", explainOwnership: false });
    expect(parseFastArgs(["check", "--explain-ownership", "a.stark"])).toMatchObject({ explainOwnership: true });
  });

  test.each([
    [["--help"]],
    [["run", "--help", "a.stark"]],
    [["run"]],
    [["explain", "E0382"]],
    [["repl"]],
    [[]],
    [["run", "a.stark", "-x"]],
    [["run", "--gc-stress", "lots", "a.stark"]],
    [["run", "--gc-stress", "a.stark"]],
    [["run", "--format", "yaml", "a.stark"]],
    [["run", "--format", "json", "--format", "text", "a.stark"]],
    [["run", "--gcStress", "1", "a.stark"]],
    [["run", "--no-gc-trace", "a.stark"]],
    [["run", "--gc-trace", "false", "a.stark"]],
    [["run", "--explain-ownership", "a.stark"]],
    [["check", "--gc-trace", "a.stark"]],
    [["check", "a.stark", "extra"]],
  ])("leaves %j to yargs", (argv) => {
    expect(parseFastArgs(argv)).toBeNull();
  });
});

describe("runCli reads a command line the same with or without the fast path", () => {
  const dir = mkdtempSync(join(tmpdir(), "stark-fastargs-"));
  const program = join(dir, "panics.stark");
  writeFileSync(program, "fn main() {\n    let mut v: Vec<i64> = Vec::new();\n    for i in 0..1000 { v.push(i); }\n    print(v.len());\n    print(v[1000]);\n}\n");
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const echo = join(dir, "echo.stark");
  writeFileSync(echo, "fn main() {\n    for a in std::env::args().skip(1) {\n        print(f\"[{a}]\");\n    }\n}\n");
  const broken = join(dir, "broken.stark");
  writeFileSync(broken, "fn main() { let x: i32 = \"no\"; }\n");

  const runBoth = (argv: string[]) =>
    [false, true].map((yargsOnly) => {
      let stdout = "";
      let stderr = "";
      const code = runCli(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), stdoutIsTTY: false, stderrIsTTY: false, stdinIsTTY: false, env: { NO_COLOR: "1" } }, { yargsOnly });
      return { code, stdout, stderr };
    });

  test.each([
    [["run", program]],
    [["run", program, "one", "two words", "3"]],
    [["run", "--format", "json", program, "x"]],
    [["run", "--gc-stress", "1", "--gc-trace", program]],
    [["run", "--borrowck=nll", program]],
    [["check", program]],
    [["check", "--format", "json", broken]],
    [["run", broken]],
    [["run", join(dir, "missing.stark")]],
    [["check", "--explain-ownership", program]],
    [["run", echo, "a", "--", "007", "--gc-trace", "two words"]],
  ])("%j", (argv) => {
    const [fast, viaYargs] = runBoth(argv);
    expect(fast.code).toBe(viaYargs.code);
    expect(fast.stdout).toBe(viaYargs.stdout);
    // --gc-trace lines carry times; the rest must be identical.
    const untimed = (s: string) => s.replace(/@[\d.]+s .*$/gm, "@");
    expect(untimed(fast.stderr)).toBe(untimed(viaYargs.stderr));
  });
});

test("std::env::args() sees the program's path, then the arguments before and after `--`", () => {
  const dir = mkdtempSync(join(tmpdir(), "stark-envargs-"));
  try {
    const echo = join(dir, "echo.stark");
    writeFileSync(echo, "fn main() {\n    let args: Vec<String> = std::env::args().collect();\n    print(args.len());\n    for a in args.iter().skip(1) {\n        print(f\"[{a}]\");\n    }\n    print(args[0].ends_with(\"echo.stark\"));\n}\n");
    for (const yargsOnly of [false, true]) {
      let stdout = "";
      const code = runCli(["run", echo, "a", "--", "007", "--gc-trace", "two words"], { stdout: (s) => (stdout += s), stderr: () => undefined, stdoutIsTTY: false, stderrIsTTY: false, stdinIsTTY: false, env: { NO_COLOR: "1" } }, { yargsOnly });
      expect(code).toBe(0);
      expect(stdout).toBe("5\n[a]\n[007]\n[--gc-trace]\n[two words]\ntrue\n");
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
