// `stark explain CODE`: prints docs/errors/CODE.md.

import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

/** docs/ sits at the package root, beside dist/; this file runs from dist/src/cli/. */
function docsDir(): string {
  for (const up of ["../../..", "../.."]) {
    const dir = join(__dirname, up, "docs", "errors");
    if (existsSync(dir)) return dir;
  }
  return join(__dirname, "../../../docs/errors");
}

export function knownCodes(): string[] {
  const dir = docsDir();
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /^[EP]\d{4}\.md$/.test(f))
    .map((f) => f.slice(0, 5))
    .sort();
}

/** The page for CODE, or null when there is none. Accepts `e0382`, `E0382`, `0382` (an E code). */
export function explain(code: string): { code: string; text: string } | null {
  let c = code.trim().toUpperCase();
  if (/^\d{4}$/.test(c)) c = "E" + c;
  if (!/^[EP]\d{4}$/.test(c)) return null;
  const path = join(docsDir(), `${c}.md`);
  if (!existsSync(path)) return null;
  return { code: c, text: readFileSync(path, "utf8") };
}
