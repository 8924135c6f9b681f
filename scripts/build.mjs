#!/usr/bin/env node
// The whole build, run by `npm install` (prepare) and `npm test`:
// 1. TypeScript -> dist/ (type-checks everything),
// 2. every build step that a folder declares in a `build.mjs` of its own (the wasm kernels),
// 3. the grammar and prelude are copied beside the compiled code,
// 4. the V8 start-up snapshot of the CLI (scripts/snapshot/build.mjs; its failure only costs speed).
import { execFileSync } from "node:child_process";
import { existsSync, cpSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: "inherit" });

// tsc emits JavaScript even when it reports type errors; the remaining steps still run so one
// error does not hide others, and the build fails at the end.
let failed = false;
try {
  run(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.json"]);
} catch {
  failed = true;
}

for (const step of ["src/tensor/kernels/build.mjs", "src/syntax/build.mjs"]) {
  if (existsSync(join(root, step))) run(process.execPath, [join(root, step)]);
}

// Non-TS assets the compiled code reads at run time.
for (const asset of ["src/syntax/stark.ohm", "stdlib/prelude.stark", "stdlib/collections.stark"]) {
  const from = join(root, asset);
  if (!existsSync(from)) continue;
  const to = join(root, "dist", asset);
  mkdirSync(dirname(to), { recursive: true });
  cpSync(from, to);
}

// Last, as it loads the compiled modules and the assets: the start-up snapshot `stark` starts from.
run(process.execPath, [join(root, "scripts/snapshot/build.mjs")]);

if (failed) {
  console.error("build: TypeScript reported errors (see above)");
  process.exit(1);
}
