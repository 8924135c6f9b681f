// A disk cache of the prelude's parsed AST. Parsing the prelude with the Ohm grammar costs far
// more than checking it, and it happens on every start, so the parse result is kept as JSON in
// the temp directory, keyed by the prelude text and the parser's build. A missing, stale or
// unreadable cache just means parsing again.

import { createHash } from "node:crypto";
import { readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Diagnostic } from "../diagnostics";
import type { Program, SourceFile } from "../syntax/ast";
import { parse } from "../syntax/parser";

/** The parser's build: its modules' contents (not mtimes — every rebuild touches those). */
function parserStamp(): string {
  const h = createHash("sha1");
  for (const m of ["../syntax/parser", "../syntax/semantics", "../syntax/astBuild", "../syntax/grammar"]) {
    try {
      h.update(readFileSync(require.resolve(m)));
    } catch {
      h.update("?");
    }
  }
  return h.digest("hex");
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
  const key = createHash("sha1").update(file.text).update(parserStamp()).digest("hex").slice(0, 20);
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
