// The annotated-program format of ../shared/spec/examples/README.md, judged exactly as
// ../shared/tools/conformance.mjs judges it, so the project's own test/programs and the spec's
// examples mean the same thing.

import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";

export interface Annotations {
  args: string[];
  expects: string[];
  errors: { code: string; line: number }[];
  panic: { code: string; line: number } | null;
}

export function annotations(text: string): Annotations {
  const lines = text.split("\n");
  const spec: Annotations = { args: [], expects: [], errors: [], panic: null };
  const argsMatch = (lines[0] ?? "").match(/^\s*\/\/\s*args:\s*(.*)$/);
  if (argsMatch) spec.args = argsMatch[1].trim().split(/\s+/).filter(Boolean);
  lines.forEach((line, i) => {
    const n = i + 1;
    let m;
    if ((m = line.match(/\/\/\s*expect:\s?(.*)$/))) spec.expects.push(m[1].replace(/\s+$/, ""));
    if ((m = line.match(/\/\/\s*error:\s*([A-Z]\d{4})\b/))) spec.errors.push({ code: m[1], line: n });
    if ((m = line.match(/\/\/\s*panic:\s*([A-Z]\d{4})\b/))) spec.panic = { code: m[1], line: n };
  });
  return spec;
}

interface JsonDiag {
  severity: string;
  code: string;
  line: number;
  message: string;
}

function jsonLines(text: string): JsonDiag[] {
  const out: JsonDiag[] = [];
  for (const line of text.split("\n")) {
    const t = line.trim();
    if (!t.startsWith("{")) continue;
    try {
      const o = JSON.parse(t);
      if (o && typeof o === "object" && "severity" in o) out.push(o);
    } catch {
      /* not a diagnostic line */
    }
  }
  return out;
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

const STARK = join(__dirname, "..", "bin", "stark.js");

/** Runs `stark VERB --format json ARGS FILE` in the file's folder, as the conformance tool does. */
export function spawnStark(verb: string, file: string, extra: string[], timeoutMs = 60000): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [STARK, verb, "--format", "json", ...extra, file], { cwd: dirname(file) });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr, timedOut });
    });
  });
}

export type Runner = (verb: string, file: string, args: string[]) => Promise<RunResult>;

/** The problems with one program; an empty list means it passes. */
export async function judge(file: string, runStark: Runner = spawnStark): Promise<{ problems: string[]; stdout: string }> {
  const spec = annotations(readFileSync(file, "utf8"));
  const problems: string[] = [];
  if (spec.errors.length > 0) {
    const r = await runStark("check", file, spec.args);
    if (r.timedOut) return { problems: ["timed out"], stdout: r.stdout };
    if (r.status !== 1) problems.push(`exit ${r.status}, expected 1`);
    if (r.stdout.trim() !== "") problems.push(`stdout not empty: ${JSON.stringify(r.stdout.slice(0, 200))}`);
    const diags = jsonLines(r.stderr + "\n" + r.stdout).filter((d) => d.severity === "error");
    for (const e of spec.errors) {
      if (!diags.some((d) => d.code === e.code && d.line === e.line)) problems.push(`missing ${e.code} at line ${e.line}`);
    }
    const annotated = new Set(spec.errors.map((e) => e.line));
    for (const d of diags) {
      if (!annotated.has(d.line)) problems.push(`unexpected ${d.code} at line ${d.line}: ${d.message}`);
    }
    if (diags.length === 0 && problems.length > 0) problems.push(`stderr: ${JSON.stringify(r.stderr.slice(0, 300))}`);
    return { problems, stdout: r.stdout };
  }
  const r = await runStark("run", file, spec.args);
  if (r.timedOut) return { problems: ["timed out"], stdout: r.stdout };
  const want = spec.panic ? 101 : 0;
  if (r.status !== want) problems.push(`exit ${r.status}, expected ${want}`);
  const got = r.stdout.split("\n");
  if (got.length && got[got.length - 1] === "") got.pop();
  const n = Math.max(got.length, spec.expects.length);
  for (let i = 0; i < n; i++) {
    if (got[i] !== spec.expects[i]) {
      problems.push(`stdout line ${i + 1}: got ${JSON.stringify(got[i])}, expected ${JSON.stringify(spec.expects[i])}`);
      break;
    }
  }
  const diags = jsonLines(r.stderr);
  if (spec.panic) {
    const p = diags.find((d) => d.severity === "panic");
    if (!p) problems.push(`no panic reported (stderr: ${JSON.stringify(r.stderr.slice(0, 300))})`);
    else if (p.code !== spec.panic.code || p.line !== spec.panic.line)
      problems.push(`panic ${p.code} at line ${p.line}, expected ${spec.panic.code} at line ${spec.panic.line}`);
  } else if (problems.length > 0) {
    problems.push(`stderr: ${JSON.stringify(r.stderr.slice(0, 300))}`);
  }
  return { problems, stdout: r.stdout };
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
