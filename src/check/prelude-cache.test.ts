// The prelude's parse cache: a cached read must give the same AST as parsing, with every span
// pointing at one shared SourceFile, and a damaged cache must only cost a parse.

import { readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeSourceFile, type Program, type SourceFile } from "../syntax/ast";
import { parse } from "../syntax/parser";
import { parsePrelude } from "./prelude-cache";

const text = readFileSync(join(__dirname, "..", "..", "stdlib", "prelude.stark"), "utf8");

/** The AST as plain data, with each span's file replaced by its name. */
function shape(p: Program): unknown {
  return JSON.parse(JSON.stringify(p, (k, v) => (k === "file" ? (v as SourceFile).name : typeof v === "bigint" ? `${v}n` : v)));
}

function spanFiles(p: Program): Set<unknown> {
  const files = new Set<unknown>();
  const seen = new Set<object>();
  const walk = (o: unknown): void => {
    if (!o || typeof o !== "object" || seen.has(o)) return;
    seen.add(o);
    const r = o as Record<string, unknown>;
    if (typeof r.start === "number" && typeof r.end === "number" && r.kind === undefined) files.add(r.file);
    for (const k in r) if (k !== "file") walk(r[k]);
  };
  walk(p);
  return files;
}

/** The cache file written last (other processes may keep caches of other parser builds). */
function newestCacheFile(): string | undefined {
  const files = readdirSync(tmpdir()).filter((f) => f.startsWith("stark-prelude-") && f.endsWith(".v8"));
  return files.sort((a, b) => statSync(join(tmpdir(), b)).mtimeMs - statSync(join(tmpdir(), a)).mtimeMs)[0];
}

test("a cached prelude is the same AST as a fresh parse, every span sharing one file", () => {
  const fresh = parse(makeSourceFile("<prelude>", text)).program!;
  parsePrelude(makeSourceFile("<prelude>", text)); // writes the cache if it is missing
  const cached = parsePrelude(makeSourceFile("<prelude>", text));
  expect(cached.diagnostics).toEqual([]);
  expect(shape(cached.program!)).toEqual(shape(fresh));
  const files = spanFiles(cached.program!);
  expect(files.size).toBe(1);
  const [file] = [...files] as SourceFile[];
  expect(file.name).toBe("<prelude>");
  expect(file.text).toBe(text);
});

test("a damaged cache file is ignored: the prelude is parsed again and the cache rewritten", () => {
  for (const f of readdirSync(tmpdir())) {
    if (!f.startsWith("stark-prelude-") || !f.endsWith(".v8")) continue;
    try {
      unlinkSync(join(tmpdir(), f));
    } catch {
      /* another process removed it first */
    }
  }
  parsePrelude(makeSourceFile("<prelude>", text));
  const name = newestCacheFile()!;
  expect(name).toBeDefined();
  writeFileSync(join(tmpdir(), name), "not a V8 serialization");
  const again = parsePrelude(makeSourceFile("<prelude>", text));
  expect(again.diagnostics).toEqual([]);
  expect(again.program?.kind).toBe("Program");
  expect(readFileSync(join(tmpdir(), name)).length).toBeGreaterThan(1000);
  expect(shape(parsePrelude(makeSourceFile("<prelude>", text)).program!)).toEqual(shape(again.program!));
});

test("a cache holding another text is not used for this one", () => {
  const other = text + "\nfn extra_for_the_cache_test() -> i32 { 7 }\n";
  const p = parsePrelude(makeSourceFile("<prelude>", other)).program!;
  expect(JSON.stringify(shape(p))).toContain("extra_for_the_cache_test");
  // and the real prelude still reads back without it
  expect(JSON.stringify(shape(parsePrelude(makeSourceFile("<prelude>", text)).program!))).not.toContain("extra_for_the_cache_test");
});

test("a prelude edited to the same length is parsed again, not served from the cache", () => {
  // The cache key covers the prelude's length, not its text: a same-length edit shares the key.
  const edited = text.replace(/fn (\w)/, "fn q");
  expect(edited.length).toBe(text.length);
  expect(edited).not.toBe(text);
  parsePrelude(makeSourceFile("<prelude>", text)); // the cache now holds the real prelude
  const p = parsePrelude(makeSourceFile("<prelude>", edited)).program!;
  expect(shape(p)).toEqual(shape(parse(makeSourceFile("<prelude>", edited)).program!));
  expect(shape(parsePrelude(makeSourceFile("<prelude>", text)).program!)).toEqual(shape(parse(makeSourceFile("<prelude>", text)).program!));
});
