#!/usr/bin/env node
// Times the whole `stark check` process on gen.mjs's program: start-up (the snapshot when it is
// usable), parse, types, borrows, exit — what a user waits for. Wall time and the process's CPU
// time (user + system, from /usr/bin/time), median and best of RUNS runs.
//
//   npm run build && node bench/check/cli.mjs [RUNS] [LINES]
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const stark = join(here, "..", "..", "bin", "stark.js");
const runs = Number(process.argv[2] ?? 9);
const lines = process.argv[3] ?? "10000";
const file = join(mkdtempSync(join(tmpdir(), "stark-check-")), `big${lines}.stark`);
writeFileSync(file, execFileSync(process.execPath, [join(here, "gen.mjs"), lines], { encoding: "utf8", maxBuffer: 1 << 28 }));
if (!existsSync("/usr/bin/time")) throw new Error("cli.mjs needs /usr/bin/time (GNU time) for the child's CPU time");

const wall = [];
const cpu = [];
for (let i = 0; i < runs; i++) {
  // `stark` as the shell starts it (its first line picks the snapshot), under GNU time.
  const r = spawnSync("/usr/bin/time", ["-f", "%e %U %S", stark, "check", file], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`stark check exited ${r.status}: ${r.stderr.slice(-2000)}`);
  const [e, u, s] = r.stderr.trim().split("\n").pop().split(" ").map(Number);
  wall.push(e);
  cpu.push(u + s);
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
console.log(`stark check of ${lines} generated lines, ${runs} runs: wall median ${median(wall).toFixed(2)} s (best ${Math.min(...wall).toFixed(2)}), cpu median ${median(cpu).toFixed(2)} s (best ${Math.min(...cpu).toFixed(2)})`);
