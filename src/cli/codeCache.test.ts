// bin/code-cache.js: a second start reuses the code V8 made in the first, and output is unchanged.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
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
