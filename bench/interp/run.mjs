#!/usr/bin/env node
// Interpreter speed, side by side with CPython: each program in bench/interp/ as NAME.stark and
// NAME.py, run RUNS times each (wall time of the whole process, median), with the ratio
// STARK/CPython. Also checks that both print the same thing, and times `stark run
// examples/hello.stark` against `node -e 0` (start-up cost), which each row also shows subtracted.
//
// STARK runs the way a user runs the `stark` command: `bin/stark.js run NAME.stark`, executed
// through its `#!/bin/sh` line, which starts node from the start-up snapshot when it can
// (scripts/snapshot/; the first line of output says whether it did). `--plain` times `node
// bin/stark.js` instead, the path without the snapshot. Python runs as `python3 NAME.py`.
//
//   npm run bench:interp [-- --runs 5] [-- --plain] [-- NAME...]

import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "../..");
const launcher = join(root, "bin/stark.js");

const argv = process.argv.slice(2);
let runs = 5;
let plain = false;
const only = [];
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === "--runs") runs = Number(argv[++i]);
  else if (argv[i] === "--plain") plain = true;
  else only.push(argv[i]);
}
/** The command and leading arguments of `stark`. */
const [starkCmd, ...starkPrefix] = plain ? [process.execPath, launcher] : [launcher];
const stark = (...args) => [starkCmd, [...starkPrefix, ...args]];

function time(cmd, args, cwd) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", maxBuffer: 1 << 26 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { ms, out: r.stdout, err: r.stderr, status: r.status };
}

function median(cmd, args, cwd) {
  const samples = [];
  let last;
  for (let i = 0; i < runs; i++) {
    last = time(cmd, args, cwd);
    samples.push(last.ms);
  }
  samples.sort((a, b) => a - b);
  return { ms: samples[samples.length >> 1], last };
}

const python = spawnSync("python3", ["--version"], { encoding: "utf8" });
const havePython = python.status === 0;
const probe = spawnSync(...stark("run", join(root, "examples/hello.stark")), { encoding: "utf8", env: { ...process.env, STARK_SNAPSHOT_DEBUG: "1" } });
const firstLine = (probe.stderr ?? "").split("\n")[0];
const how = plain
  ? "node bin/stark.js (no snapshot)"
  : firstLine === "snapshot: used"
    ? "bin/stark.js (start-up snapshot)"
    : `bin/stark.js WITHOUT the snapshot (${firstLine.startsWith("snapshot: ") ? firstLine.slice(10) : "none built, NODE_OPTIONS set, or another node or CPU"})`;
console.log(`node ${process.version}${havePython ? `, ${python.stdout.trim()}` : ", no python3 (ratios skipped)"}; median of ${runs} runs`);
console.log(`stark: ${how}\n`);

const names = readdirSync(here)
  .filter((f) => f.endsWith(".stark"))
  .map((f) => f.slice(0, -6))
  .filter((n) => only.length === 0 || only.includes(n));

// Start-up (loading the CLI, checking the prelude) is part of every STARK time: measured once
// here so each row can also show what the program itself took.
const hello = join(root, "examples/hello.stark");
const startup = existsSync(hello) ? median(...stark("run", hello), root).ms : 0;

const rows = [];
for (const name of names) {
  const s = median(...stark("run", `${name}.stark`), here);
  const row = { program: name, stark_ms: s.ms.toFixed(0), after_startup_ms: Math.max(0, s.ms - startup).toFixed(0) };
  if (s.last.status !== 0) row.note = `stark exit ${s.last.status}: ${s.last.err.split("\n")[0]}`;
  if (havePython && existsSync(join(here, `${name}.py`))) {
    const p = median("python3", [`${name}.py`], here);
    row.cpython_ms = p.ms.toFixed(0);
    row.ratio = (s.ms / p.ms).toFixed(2);
    if (!row.note && s.last.out !== p.last.out) row.note = "OUTPUT DIFFERS";
  }
  rows.push(row);
}
console.table(rows);

if (existsSync(hello)) {
  const n = median(process.execPath, ["-e", "0"], root);
  console.log(`\nstart-up: stark run examples/hello.stark ${startup.toFixed(0)} ms, node -e 0 ${n.ms.toFixed(0)} ms, ratio ${(startup / n.ms).toFixed(2)}`);
  if (process.env.NODE_EXTRA_CA_CERTS && !plain) {
    console.log("(NODE_EXTRA_CA_CERTS is set: `node -e 0` parses those certificates at start, the stark launcher drops the variable)");
  }
  console.log("after_startup_ms: the STARK time less that start-up (the program's own run time, roughly)");
}
console.log("\ntarget: every ratio <= 0.5 (twice as fast as CPython), start-up ratio <= 2");
