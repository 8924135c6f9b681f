// A disk cache of the prelude's parsed AST. Parsing the prelude happens on every start and, even
// with the fast parser (cold, before V8 has optimized it), costs more than reading it back, so the
// parse result is kept in the temp directory, keyed by the parser's build, the Node version and
// the prelude's length, and used only when the prelude text it was made from is the same. A
// missing, stale or unreadable cache just means parsing again.
//
// The format is V8's structured serialization (node:v8), not JSON: the deserializer is C++ and
// keeps shared references, so the one SourceFile every span points at comes back shared and no
// JavaScript walk has to re-attach it to thousands of spans or revive bigints. Reading the
// cache this way costs ≈ 7 ms at start instead of ≈ 28 ms for JSON.parse plus that walk.

import { readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deserialize, serialize } from "node:v8";
import type { Diagnostic } from "../diagnostics";
import type { Program, SourceFile } from "../syntax/ast";
import { parse } from "../syntax/parser";

/**
 * The parser's build: size and mtime of every module that shapes the AST. A rebuild touches the
 * mtimes, which costs one parse after it; hashing the modules' contents instead (node:crypto)
 * would cost every start several milliseconds.
 */
function parserStamp(): string {
  // V8's serialization format may change between Node versions.
  let stamp = process.version + ";";
  for (const m of ["../syntax/parser", "../syntax/fastParser", "../syntax/tokens", "../syntax/fstring", "../syntax/semantics", "../syntax/astBuild", "../syntax/grammar", "../syntax/ast"]) {
    try {
      const s = statSync(require.resolve(m));
      stamp += `${s.size}.${s.mtimeMs};`;
    } catch {
      stamp += "?;";
    }
  }
  return stamp;
}

/** Two FNV-1a hashes with different offsets: 64 bits, as hex (a cache key, not security). */
function hash64(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return (a >>> 0).toString(16).padStart(8, "0") + (b >>> 0).toString(16).padStart(8, "0");
}

/** Removes caches of other prelude/parser versions so the temp dir does not fill up. */
function removeStale(keep: string): void {
  try {
    for (const f of readdirSync(tmpdir())) {
      if (f.startsWith("stark-prelude-") && (f.endsWith(".v8") || f.endsWith(".json")) && f !== keep) unlinkSync(join(tmpdir(), f));
    }
  } catch {
    /* another process may have removed it first */
  }
}

export function parsePrelude(file: SourceFile): { program: Program | null; diagnostics: Diagnostic[] } {
  // The key covers the parser's build and the prelude's length, not its text: hashing 40 KB of
  // prelude at every start costs more than the rest of the lookup. A prelude edited to the same
  // length still cannot be served stale, because a hit must carry exactly this text (below).
  const key = hash64(parserStamp() + "\0" + file.text.length);
  const name = `stark-prelude-${key}.v8`;
  const path = join(tmpdir(), name);
  try {
    const program = deserialize(readFileSync(path)) as Program;
    // The key does not cover the text itself: a cached AST is used only for exactly this text.
    if (program && program.kind === "Program" && program.span.file.text === file.text) return { program, diagnostics: [] };
  } catch {
    /* no cache yet */
  }
  const parsed = parse(file);
  if (parsed.program && parsed.diagnostics.length === 0) {
    try {
      const tmp = `${path}.${process.pid}.tmp`;
      writeFileSync(tmp, serialize(parsed.program));
      renameSync(tmp, path);
      removeStale(name);
    } catch {
      /* a read-only temp dir only costs speed */
    }
  }
  return parsed;
}
