// Golden tests of `stark check --explain-ownership` (src/teach/ownership.ts): each
// test/repl/ownership/NAME.stark has its expected output in NAME.txt (UPDATE_GOLDEN=1 rewrites).
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../../src/cli/main";

const dir = join(__dirname, "ownership");

function explain(path: string): { out: string; code: number } {
  let out = "";
  const code = runCli(["check", "--explain-ownership", path], {
    stdout: (s) => (out += s),
    stderr: () => {},
    stdoutIsTTY: false,
    stderrIsTTY: false,
    stdinIsTTY: false,
    env: {},
  });
  // Paths differ between machines: show the file name only.
  return { out: out.split(dir + "/").join(""), code };
}

for (const name of readdirSync(dir).filter((f) => f.endsWith(".stark"))) {
  test(`--explain-ownership ${name}`, () => {
    const { out } = explain(join(dir, name));
    const golden = join(dir, name.replace(/\.stark$/, ".txt"));
    if (process.env.UPDATE_GOLDEN || !existsSync(golden)) writeFileSync(golden, out);
    expect(out).toBe(readFileSync(golden, "utf8"));
  });
}

test("a program with a borrow error exits 1 and still explains; a clean one exits 0", () => {
  expect(explain(join(dir, "borrow_then_mutate.stark")).code).toBe(1);
  expect(explain(join(dir, "moves_and_branches.stark")).code).toBe(0);
});

test("the error line says what was needed, what was there and what took it away", () => {
  const { out } = explain(join(dir, "borrow_then_mutate.stark"));
  expect(out).toContain("`t` has R; `fill_` needs R+W; W was removed: borrowed by `r` at 3:13");
});
