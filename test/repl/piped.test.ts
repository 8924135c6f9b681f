// The REPL front end driven through piped stdin, in-process: multi-line input, history file,
// Ctrl-D (end of input) leaving cleanly, and no colours or prompts when not on a terminal.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { startRepl } from "../../src/repl/frontend";

async function drive(lines: string, env: Record<string, string> = {}) {
  const input = new PassThrough();
  const output = new PassThrough();
  const errors = new PassThrough();
  let out = "";
  let err = "";
  output.on("data", (d) => (out += d));
  errors.on("data", (d) => (err += d));
  const home = mkdtempSync(join(tmpdir(), "stark-repl-"));
  const done = startRepl({ input, output, errors, terminal: false, env: { HOME: home, ...env } });
  input.end(lines);
  const code = await done;
  return { code, out, err, home };
}

test("multi-line input continues while brackets are open", async () => {
  const r = await drive("fn add(a: i32,\n       b: i32) -> i32 {\n  a + b\n}\nadd(2, 3)\n");
  expect(r.err).toBe("");
  expect(r.out).toBe("5\n");
  expect(r.code).toBe(0);
});

test("errors go to stderr with the earlier input named, values to stdout, no colour when piped", async () => {
  const r = await drive("let v = vec![1, 2];\nlet w = v;\nprint(v.len());\nw.len()\n");
  expect(r.out).toBe("2\n");
  expect(r.err).toContain("error[E0382]");
  expect(r.err).toContain("<repl:2>:1:9");
  expect(r.err).not.toContain("\x1b[");
});

test(":quit stops reading; history is written and kept across sessions", async () => {
  const hist = join(mkdtempSync(join(tmpdir(), "stark-hist-")), "h");
  writeFileSync(hist, "let old = 1;\n");
  const r = await drive("let a = 1;\nfn f() {\n}\n:quit\nprint(99);\n", { STARK_HISTORY: hist });
  expect(r.out).not.toContain("99");
  const saved = readFileSync(hist, "utf8");
  expect(saved).toBe("let old = 1;\nlet a = 1;\nfn f() {\\n}\n:quit\n");
});

test("end of input inside an open bracket reports the unclosed delimiter", async () => {
  const r = await drive("let v = vec![1,\n");
  expect(r.err).toContain("E0001");
  expect(r.code).toBe(0);
});
