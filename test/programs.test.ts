// Runs every annotated STARK program — test/programs/**, examples/** and the spec's examples in
// ../shared/spec/examples (through the spec's own conformance tool) — against the built CLI.
//
// test/known-failures.txt lists the programs not yet expected to pass (features still being
// built). A listed program that passes fails the suite too, so the list only ever shrinks.

import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { cpus } from "node:os";
import { join, relative, resolve } from "node:path";
import { annotations, judge, mapLimit } from "./conformance";
import { StarkPool } from "./pool";

const ROOT = resolve(__dirname, "..");
const SPEC_EXAMPLES = resolve(ROOT, "../shared/spec/examples");
const CONFORMANCE = resolve(ROOT, "../shared/tools/conformance.mjs");

function collect(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) collect(p, out);
    else if (p.endsWith(".stark")) out.push(p);
  }
  return out;
}

/** Paths relative to the repository root; `#` starts a comment. */
function knownFailures(): Set<string> {
  const text = readFileSync(join(ROOT, "test/known-failures.txt"), "utf8");
  return new Set(
    text
      .split("\n")
      .map((l) => l.replace(/#.*/, "").trim())
      .filter(Boolean),
  );
}

const known = knownFailures();
const WORKERS = Math.max(2, cpus().length);
const pool = new StarkPool(WORKERS);
afterAll(() => pool.close());
const runStark = pool.run.bind(pool);
const programs = [...collect(join(ROOT, "test/programs")), ...collect(join(ROOT, "examples"))];
const name = (p: string) => relative(ROOT, p);

describe("annotated programs", () => {
  let results: Map<string, string[]>;

  beforeAll(async () => {
    const judged = await mapLimit(programs, WORKERS, async (p) => [name(p), (await judge(p, runStark)).problems] as const);
    results = new Map(judged);
  }, 600000);

  test("the corpus is not empty", () => expect(programs.length).toBeGreaterThan(0));

  test.each(programs.length ? programs.map(name) : ["(none)"])("%s", (file) => {
    if (!programs.length) return;
    const problems = results.get(file)!;
    if (known.has(file)) {
      if (problems.length === 0) throw new Error(`${file} passes now: remove it from test/known-failures.txt`);
    } else if (problems.length > 0) {
      throw new Error(problems.join("\n"));
    }
  });
});

// The collector must never change what a program prints (LANGUAGE.md §5). Every program that
// runs is run again with a collection at every safepoint after each allocation, the heap verified
// after every collection and freed memory poisoned: output and exit status must be identical.
describe("under GC stress (--gc-stress 1: collect at every safepoint, verify, poison)", () => {
  const runnable = programs.filter((p) => annotations(readFileSync(p, "utf8")).errors.length === 0 && !known.has(name(p)));
  let mismatches: Map<string, string>;

  beforeAll(async () => {
    const out = await mapLimit(runnable, WORKERS, async (p) => {
      const args = annotations(readFileSync(p, "utf8")).args;
      const [normal, stressed] = [await runStark("run", p, args), await runStark("run", p, [...args, "--gc-stress", "1"])];
      const same = normal.stdout === stressed.stdout && normal.status === stressed.status;
      return [name(p), same ? "" : `normal exit ${normal.status}, stressed exit ${stressed.status}\n${stressed.stderr.slice(0, 400)}`] as const;
    });
    mismatches = new Map(out);
  }, 900000);

  test.each(runnable.length ? runnable.map(name) : ["(none)"])("%s", (file) => {
    if (!runnable.length) return;
    const problem = mismatches.get(file);
    if (problem) throw new Error(problem);
  });
});

const haveSpec = existsSync(SPEC_EXAMPLES) && existsSync(CONFORMANCE);
(haveSpec ? describe : describe.skip)("the spec's examples (../shared/tools/conformance.mjs)", () => {
  test("fail only where test/known-failures.txt says so", () => {
    const r = spawnSync(process.execPath, [CONFORMANCE, "-v", SPEC_EXAMPLES], { cwd: ROOT, encoding: "utf8", timeout: 600000 });
    const lines = r.stdout.split("\n");
    const summary = lines.filter((l) => /^\d+ passed, \d+ failed$/.test(l)).pop();
    expect(summary).toBeDefined();
    console.log(`spec examples: ${summary}`);
    const status = (prefix: string) =>
      new Set(lines.filter((l) => l.startsWith(prefix)).map((l) => l.slice(prefix.length).split(": ")[0].trim()));
    const failed = status("FAIL ");
    const passed = status("ok   ");
    const unexpected = [...failed].filter((f) => !known.has(f));
    const nowPassing = [...passed].filter((f) => known.has(f));
    const details = lines.filter((l) => unexpected.some((f) => l.startsWith(`FAIL ${f}:`)));
    expect({ unexpected: details, nowPassing }).toEqual({ unexpected: [], nowPassing: [] });
  });
});
