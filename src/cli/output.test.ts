// `stark run` writes its output to file descriptors 1 and 2 directly (src/cli/main.ts, writeFd).
// These tests run the real command in a child process, since that path is the process's own.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const BIN = resolve(__dirname, "../../bin/stark.js");
let dir = "";
let program = "";

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "stark-output-"));
  program = join(dir, "many.stark");
  writeFileSync(program, "fn main() {\n    for i in 0..300000 {\n        print(i);\n    }\n}\n");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("large output through a pipe arrives whole and in order", () => {
  const r = spawnSync(process.execPath, [BIN, "run", program], { encoding: "utf8", maxBuffer: 1 << 26 });
  expect(r.status).toBe(0);
  const lines = r.stdout.split("\n");
  expect(lines.length).toBe(300001);
  expect(lines[0]).toBe("0");
  expect(lines[299999]).toBe("299999");
  expect(r.stderr).toBe("");
});

test("a reader that goes away ends the output quietly (stark run x | head -1)", async () => {
  const child = spawn(process.execPath, [BIN, "run", program], { stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  child.stderr.on("data", (d) => (err += d));
  const first = await new Promise<string>((done) => child.stdout.once("data", (d) => done(String(d))));
  child.stdout.destroy();
  const code = await new Promise<number | null>((done) => child.on("close", done));
  expect(first.startsWith("0\n")).toBe(true);
  expect(code).toBe(0);
  expect(err).not.toMatch(/internal error|EPIPE|\n\s+at /);
});
