// A disk cache of the prelude's parsed AST. Parsing the prelude with the Ohm grammar costs far
// more than checking it, and it happens on every start, so the parse result is kept as JSON in
// the temp directory, keyed by the prelude text and the parser's build. A missing, stale or
// unreadable cache just means parsing again.

import { createHash } from "node:crypto";
import { readFileSync, statSync, writeFileSync, renameSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Diagnostic } from "../diagnostics";
import type { Program, SourceFile } from "../syntax/ast";
import { parse } from "../syntax/parser";

function parserStamp(): string {
  const parts: string[] = [];
  for (const m of ["../syntax/parser", "../syntax/semantics", "../syntax/grammar"]) {
    try {
      const st = statSync(require.resolve(m));
      parts.push(`${st.size}:${st.mtimeMs}`);
    } catch {
      parts.push("?");
    }
  }
  return parts.join("|");
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

function revive(text: string, file: SourceFile): Program {
  return JSON.parse(text, (_k, v) => {
    if (v && typeof v === "object" && !Array.isArray(v)) {
      if (typeof v.$big === "string") return BigInt(v.$big);
      if (typeof v.start === "number" && typeof v.end === "number" && Object.keys(v).length === 2) v.file = file;
    }
    return v;
  });
}
