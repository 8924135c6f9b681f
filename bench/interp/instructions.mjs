#!/usr/bin/env node
// Instructions executed by one program's `execute()` alone, counted by callgrind: the CPU work of
// the run (V8's compiler threads included, since valgrind runs the threads one at a time)
// without start-up or checking, and far steadier than a time on a loaded machine. The program is
// compiled first and examples/hello.stark run once, so the evaluator's shared code is loaded;
// counting is switched on around `execute()` with callgrind_control.
//
//   node bench/interp/instructions.mjs [--root DIR] [--sync] [FILE]       (default: strings.stark)
//
// Needs valgrind; takes about a minute for strings.stark. `--root` names another build (a
// directory with dist/ and package.json) to compare with. Valgrind runs V8's concurrent compiles
// far slower against the main thread than a real run does, so the split between the tiers shifts
// (more iterations run before optimized code is ready) and two runs of one build differ by as much as
// a quarter: compare builds with it, not tiers. `--sync` runs V8's optimizing compiles on the main
// thread (`--no-concurrent-recompilation --no-concurrent-osr`), where optimized code is ready at
// the same iteration every time: the count then repeats to within about 0.3%. It counts
// TurboFan's work as if it held up the loop, which a real run does on another core while the
// loop goes on in a slower tier: a change that shrinks the loop's work but grows a compile can
// lower this count and still slow real runs. Confirm with whole runs, interleaved.

import { execSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);

if (argv[0] === "--child") {
  // Inside valgrind: compile, warm the shared code with hello, count execute() only.
  const [, root, file] = argv;
  const require = createRequire(join(root, "package.json"));
  const { compile, execute } = require(join(root, "dist/src/cli/pipeline.js"));
  const { makeSourceFile } = require(join(root, "dist/src/syntax/ast.js"));
  const quiet = { stdout: () => {}, stderr: () => {}, args: [] };
  const load = (f) => compile(makeSourceFile(f, readFileSync(f, "utf8")), { borrowck: "lexical" });
  execute(load(join(root, "examples/hello.stark")), quiet);
  const program = load(file);
  execSync(`callgrind_control -i on ${process.pid}`, { stdio: "ignore" });
  execute(program, quiet);
  execSync(`callgrind_control -i off ${process.pid}`, { stdio: "ignore" });
} else {
  let root = resolve(here, "../..");
  let file = join(here, "strings.stark");
  const v8Flags = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--root") root = resolve(argv[++i]);
    else if (argv[i] === "--sync") v8Flags.push("--no-concurrent-recompilation", "--no-concurrent-osr");
    else file = resolve(argv[i]);
  }
  const out = join(mkdtempSync(join(tmpdir(), "stark-cg-")), "callgrind.out");
  const r = spawnSync(
    "valgrind",
    ["--tool=callgrind", "--instr-atstart=no", `--callgrind-out-file=${out}`, process.execPath, ...v8Flags, fileURLToPath(import.meta.url), "--child", root, file],
    { encoding: "utf8" },
  );
  const refs = /I\s+refs:\s+([\d,]+)/.exec(r.stderr ?? "");
  if (r.status !== 0 || !refs) {
    process.stderr.write(r.stderr ?? "valgrind did not run\n");
    process.exit(1);
  }
  const mode = v8Flags.length > 0 ? ", compiles on the main thread" : "";
  console.log(`${file}: ${(Number(refs[1].replace(/,/g, "")) / 1e6).toFixed(0)} M instructions in execute() (${root}${mode})`);
}
