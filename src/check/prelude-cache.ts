// A disk cache of the prelude's parsed AST. Parsing the prelude happens on every start and, even
// with the fast parser (cold, before V8 has optimized it), costs more than reading it back from
// JSON (≈ 60 M instructions more for `stark run hello.stark`), so the parse result is kept in
// the temp directory, keyed by the prelude text and the parser's build. A missing, stale or
// unreadable cache just means parsing again.

import { readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Diagnostic } from "../diagnostics";
import type { Program, SourceFile } from "../syntax/ast";
import { parse } from "../syntax/parser";

/**
 * The parser's build: size and mtime of every module that shapes the AST. A rebuild touches the
 * mtimes, which costs one parse after it; hashing the modules' contents instead (node:crypto)
 * would cost every start several milliseconds.
 */
function parserStamp(): string {
  let stamp = "";
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
      if (f.startsWith("stark-prelude-") && f.endsWith(".json") && f !== keep) unlinkSync(join(tmpdir(), f));
    }
  } catch {
    /* another process may have removed it first */
  }
}

export function parsePrelude(file: SourceFile): { program: Program | null; diagnostics: Diagnostic[] } {
  const key = hash64(file.text + "\0" + parserStamp());
  const path = join(tmpdir(), `stark-prelude-${key}.json`);
  try {
    const program = revive(readFileSync(path, "utf8"), file);
    if (program && program.kind === "Program") return { program, diagnostics: [] };
  } catch {
    /* no cache yet */
  }
  const parsed = parse(file);
  if (parsed.program && parsed.diagnostics.length === 0) {
    try {
      const tmp = `${path}.${process.pid}.tmp`;
      writeFileSync(tmp, serialize(parsed.program));
      renameSync(tmp, path);
      removeStale(`stark-prelude-${key}.json`);
    } catch {
      /* a read-only temp dir only costs speed */
    }
  }
  return parsed;
}

function serialize(p: Program): string {
  return JSON.stringify(p, (k, v) => {
    if (k === "file") return undefined;
    if (typeof v === "bigint") return { $big: v.toString() };
    return v;
  });
}

/** Plain JSON.parse (fast), then one walk that re-attaches the file to spans and revives bigints. */
function revive(text: string, file: SourceFile): Program {
  const root = JSON.parse(text);
  const stack: Record<string, unknown>[] = [root];
  while (stack.length) {
    const o = stack.pop()!;
    if (Array.isArray(o)) {
      for (let i = 0; i < o.length; i++) {
        const v = o[i];
        if (v && typeof v === "object") stack.push(v);
      }
      continue;
    }
    if (typeof o.start === "number" && typeof o.end === "number" && o.kind === undefined) o.file = file;
    for (const k in o) {
      const v = o[k] as Record<string, unknown> | null;
      if (!v || typeof v !== "object") continue;
      if (typeof v.$big === "string") o[k] = BigInt(v.$big);
      else stack.push(v);
    }
  }
  return root as Program;
}
