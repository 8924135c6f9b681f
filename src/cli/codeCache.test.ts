// bin/code-cache.js: a second start reuses the code V8 made in the first, and output is unchanged.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = join(__dirname, "..", "..");
const hello = join(root, "examples", "hello.stark");

test("the first run writes the cache, the second runs from it with the same output", () => {
  const dir = mkdtempSync(join(tmpdir(), "stark-code-cache-"));
  const start = (env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [join(root, "bin", "stark.js"), "run", hello], { encoding: "utf8", env: { ...process.env, TMPDIR: dir, STARK_CODE_CACHE_DEBUG: "1", ...env } });
  const first = start();
  expect(first.status).toBe(0);
  expect(first.stderr).toMatch(/code cache: .*main\.js missing/);
  expect(readdirSync(dir).some((f) => f.startsWith("stark-code-cache-"))).toBe(true);
  const second = start();
  expect(second.status).toBe(0);
  expect(second.stdout).toBe(first.stdout);
  expect(second.stderr).not.toMatch(/rejected/);
  const uncached = start({ STARK_NO_CODE_CACHE: "1" });
  expect(uncached.stdout).toBe(first.stdout);
  expect(uncached.stderr).toBe("");
  rmSync(dir, { recursive: true, force: true });
});

/** The module paths a cache file in `dir` holds (its header is a JSON list of [path, key, length]). */
function cachedModules(dir: string): string[] {
  const file = readdirSync(dir).find((f) => f.startsWith("stark-code-cache-") && f.endsWith(".bin"))!;
  const buf = readFileSync(join(dir, file));
  return (JSON.parse(buf.toString("utf8", 4, 4 + buf.readUInt32LE(0))) as [string][]).map(([path]) => path);
}

test("the cache holds the modules of the run that wrote it: the Ohm semantics only after a syntax error", () => {
  const dir = mkdtempSync(join(tmpdir(), "stark-code-cache-"));
  const start = (file: string) => spawnSync(process.execPath, [join(root, "bin", "stark.js"), "run", file], { encoding: "utf8", env: { ...process.env, TMPDIR: dir } });
  expect(start(hello).status).toBe(0);
  const afterHello = cachedModules(dir);
  expect(afterHello.some((p) => p.endsWith("main.js"))).toBe(true);
  // A valid program is parsed by the fast parser alone; the Ohm semantics and the syntax-error
  // explainer load only when it stops.
  expect(afterHello.some((p) => /semantics\.js$|syntaxError\.js$/.test(p))).toBe(false);
  const bad = join(dir, "bad.stark");
  writeFileSync(bad, "fn main() { let x = ; }\n");
  const r = start(bad);
  expect(r.status).not.toBe(0);
  expect(r.stderr).toMatch(/E0001/);
  expect(cachedModules(dir).some((p) => p.endsWith("semantics.js"))).toBe(true);
  rmSync(dir, { recursive: true, force: true });
});
