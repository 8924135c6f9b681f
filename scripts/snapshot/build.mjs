#!/usr/bin/env node
// Build step (run by scripts/build.mjs last, after tsc and the assets): the V8 start-up snapshot
// the `stark` command starts from (ARCHITECTURE.md, "Start-up").
//
// 1. Bundle: every dist/ module the CLI can reach through relative `require`s (static or lazy)
//    becomes one function in dist/snapshot/bundle.js, with scripts/snapshot/runtime.js as its
//    loader — a snapshot can only be built from a script that requires built-in modules.
//    A probe run of that bundle in a plain process primes as the builder will (step 2) and
//    lists the modules priming evaluated; the bundle is then written again with only their
//    source, without comments and indentation (trivia.mjs): V8 keeps the bundle's text in the
//    snapshot, and every start pays for its pages. The other modules (ML, REPL, teaching views,
//    the syntax-error explainer, the tensor runtime) are compiled from dist/ on first use.
// 2. `node --snapshot-blob dist/snapshot/cli.blob --build-snapshot bundle.js` evaluates the
//    modules every run loads, reads the prelude and runs warm-up.stark (so that the functions
//    a run calls are compiled), then V8 serializes the heap, bytecode included.
// 3. Node's code caches of its own built-in modules are dropped from the blob (blob.mjs: 2.7 of
//    7 MB, read at every start, needed by none of the modules a run loads). The blob is tried
//    once; if it does not start, it is removed and `stark` starts normally.
// 4. The launcher (bin/stark.js) uses the blob only where node would accept it: with the node
//    binary it was built by (dist/snapshot/node links to it, node.stamp has its mtime), on a
//    CPU with the same features (dist/snapshot/cpu) and with the V8 flags it was built with
//    (dist/snapshot/flags, V8_FLAGS below).
//
// Any failure here only costs speed: the build goes on and says so.

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { dropBuiltinCodeCache } from "./blob.mjs";
import { stripTrivia } from "./trivia.mjs";

const root = realpathSync(join(dirname(fileURLToPath(import.meta.url)), "..", ".."));
const outDir = join(root, "dist", "snapshot");
/**
 * The blob. Launchers from before dist/snapshot/flags existed start `stark.blob` without flags,
 * which node would refuse for this one: under another name they take the normal path instead.
 */
const BLOB = join(outDir, "cli.blob");
const MAIN = "dist/src/cli/main.js";
const PRELUDE_CHECKER = "dist/src/check/index.js";
/**
 * Modules evaluated only at run time: the tensor runtime creates its WebAssembly memory when it
 * loads, and wasm.ts reads `globalThis.WebAssembly`, which the snapshot builder does not have.
 */
const RUN_TIME_ONLY = ["dist/src/tensor/index.js", "dist/src/tensor/wasm.js"];
/**
 * V8 flags the blob is built and started with (node refuses a blob under other flags; the
 * launcher reads them from dist/snapshot/flags). Measured on `stark run hello.stark` with
 * callgrind (README.md of src/cli):
 * --no-rehash-snapshot: keep the hash seed the blob was built with instead of drawing a new one
 *   and rehashing every string and hash table of the heap at each start (≈ 17 M instructions of
 *   ≈ 208 M). A seed fixed per installation only matters against hash flooding by untrusted
 *   input, which a STARK program run from the command line does not take.
 * --stack-size=3900: room for recursion as deep as Rust programs go. V8's default (984 KB) holds
 *   about 4,700 nested calls of a small STARK function, this about 19,000 (Rust's 8 MB main
 *   stack holds more). The launcher sets the stack limit to 8 MB before it starts the blob, and
 *   uses the blob only where that is allowed, so V8's limit stays well inside the real stack.
 * (Sparkplug is turned off per command at run time, by runtime.js: see `main` there.)
 */
const V8_FLAGS = ["--no-rehash-snapshot", "--stack-size=3900"];
/** Files read while priming, besides the modules: a change to them makes the blob stale. */
const PRIMED_FILES = ["dist/stdlib/prelude.stark"];

const keyOf = (file) => relative(root, file).split(sep).join("/");

/** `require("./x")` / `require("../y")` with a literal request, anywhere in a module. */
const RELATIVE_REQUIRE = /\brequire\("(\.\.?\/[^"]*)"\)/g;

function resolveModule(fromFile, request) {
  const base = resolve(dirname(fromFile), request);
  for (const candidate of [base, `${base}.js`, join(base, "index.js")]) {
    if (candidate.endsWith(".js") && existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return null;
}

/** Every module reachable from the CLI's entry: key → { source, requests: {request: key} }. */
function collectModules() {
  const modules = new Map();
  const queue = [join(root, MAIN)];
  while (queue.length) {
    const file = queue.pop();
    const key = keyOf(file);
    if (modules.has(key)) continue;
    const source = readFileSync(file, "utf8");
    const requests = {};
    for (const [, request] of source.matchAll(RELATIVE_REQUIRE)) {
      const target = resolveModule(file, request);
      // A request that does not name a .js module here (JSON, a missing file) is left to Node.
      if (!target || !target.startsWith(join(root, "dist") + sep)) continue;
      requests[request] = keyOf(target);
      queue.push(target);
    }
    modules.set(key, { source, requests });
  }
  return modules;
}

function stamp(key) {
  const s = statSync(join(root, key));
  return [key, s.size, s.mtimeMs];
}

/** The bundle's text; `kept` (keys) are bundled with their source, the rest by their requests only. */
function bundle(modules, { probe, kept }) {
  const build = {
    probe,
    root,
    main: MAIN,
    prelude: PRELUDE_CHECKER,
    prime: [MAIN],
    runTimeOnly: RUN_TIME_ONLY,
    stamps: [...modules.keys(), ...PRIMED_FILES].map(stamp),
    warmUp: "scripts/snapshot/warm-up.stark",
  };
  const parts = [
    '"use strict";',
    "// Generated by scripts/snapshot/build.mjs from dist/: do not edit.",
    `const BUILD = ${JSON.stringify(build)};`,
    "const MODULES = {",
  ];
  for (const [key, { source, requests }] of modules) {
    if (kept && !kept.has(key)) {
      parts.push(`${JSON.stringify(key)}: [null, ${JSON.stringify(requests)}],`);
      continue;
    }
    // The source map comment would point at a file beside the bundle that does not exist.
    const body = source.replace(/^\/\/# sourceMappingURL=.*$/m, "");
    parts.push(`${JSON.stringify(key)}: [function (exports, require, module, __filename, __dirname) {\n${kept ? stripTrivia(body, key) : body}\n}, ${JSON.stringify(requests)}],`);
  }
  parts.push("};");
  parts.push(readFileSync(join(root, "scripts/snapshot/runtime.js"), "utf8"));
  return asciiOnly(parts.join("\n"));
}

/**
 * V8 keeps the bundle's source in the snapshot (functions compile from it), as two bytes a
 * character if any character is not ASCII: the comments' dashes and arrows alone doubled it to
 * 3 MB. Each non-ASCII character becomes a \uXXXX escape, which means the same character in a
 * string, template, regular expression or identifier and is inert in a comment. A character
 * after a backslash or outside the BMP would need more care; the bundle then has none to check.
 */
function asciiOnly(text) {
  return text.replace(/[^\x00-\x7f]/g, (c, at) => {
    if (text[at - 1] === "\\" || (c >= "\ud800" && c <= "\udfff")) throw new Error(`cannot escape the character at ${at} of the bundle`);
    return "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0");
  });
}

/** The modules priming evaluates, from a plain process running the whole bundle as a probe. */
function probe(bundlePath, modules) {
  const probePath = `${bundlePath}.${process.pid}.probe.js`;
  writeFileSync(probePath, bundle(modules, { probe: true, kept: null }));
  try {
    const r = spawnSync(process.execPath, [probePath], { cwd: root, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`the probe run exited ${r.status}: ${(r.stderr || "").slice(0, 2000)}`);
    return new Set(JSON.parse(r.stdout));
  } finally {
    rmSync(probePath, { force: true });
  }
}

/** Starts a process from the blob on a tiny program: it must take the snapshot path and succeed. */
function tryBlob(blob) {
  const program = join(tmpdir(), `stark-snapshot-probe-${process.pid}.stark`);
  writeFileSync(program, 'let greeting = "ok";\nprint(f"{greeting}");\n');
  try {
    const r = spawnSync(process.execPath, [...V8_FLAGS, "--snapshot-blob", blob, "--", "run", program], {
      encoding: "utf8",
      env: { ...process.env, STARK_SNAPSHOT_DEBUG: "1" },
    });
    if (r.status === 0 && r.stdout === "ok\n" && r.stderr === "snapshot: used\n") return null;
    return `exit ${r.status}, stdout ${JSON.stringify(r.stdout)}, stderr ${JSON.stringify(r.stderr.slice(0, 2000))}`;
  } finally {
    rmSync(program, { force: true });
  }
}

/** Marks the node binary this blob belongs to, for the launcher's shell test (-ef, -nt, -ot). */
function markNode() {
  const node = realpathSync(process.execPath);
  const link = join(outDir, "node");
  const stampFile = join(outDir, "node.stamp");
  // Made beside and renamed into place, as two builds may run at once.
  symlinkSync(node, `${link}.${process.pid}.tmp`);
  renameSync(`${link}.${process.pid}.tmp`, link);
  writeFileSync(stampFile, `${process.version} ${process.arch} ${node}\n`);
  // `touch -r` copies the mtime to the nanosecond, as the shell's -nt/-ot compare it; utimes
  // through Node rounds it to a double.
  if (spawnSync("touch", ["-r", node, stampFile]).status !== 0) {
    const { atime, mtime } = statSync(node);
    utimesSync(stampFile, atime, mtime);
  }
}

/**
 * V8 stamps a snapshot with the CPU features it detected, and node refuses to start from it on
 * a CPU with others (an installation shared by machines, a container image built elsewhere).
 * The launcher compares this line of /proc/cpuinfo; without /proc/cpuinfo it cannot, and trusts.
 */
function markCpu() {
  let line;
  try {
    line = readFileSync("/proc/cpuinfo", "utf8").split("\n").find((l) => /^(flags|Features)\s*:/.test(l));
  } catch {
    return;
  }
  if (line) writeFileSync(join(outDir, "cpu"), line + "\n");
}

/** Removes the blob and its markers, including the launcher's per-boot CPU matches (cpu-ok-*). */
function removeBlob() {
  for (const f of readdirSync(outDir)) {
    if (["cli.blob", "stark.blob", "flags", "node", "node.stamp", "cpu"].includes(f) || f.startsWith("cpu-ok-")) rmSync(join(outDir, f), { force: true });
  }
}

function main() {
  mkdirSync(outDir, { recursive: true });
  // Markers first: without them the launcher never looks at a half-written blob.
  removeBlob();
  const t0 = Date.now();
  const bundlePath = join(outDir, "bundle.js");
  const modules = collectModules();
  const kept = probe(bundlePath, modules);
  writeFileSync(`${bundlePath}.${process.pid}.tmp`, bundle(modules, { probe: false, kept }));
  renameSync(`${bundlePath}.${process.pid}.tmp`, bundlePath);

  const tmpBlob = `${BLOB}.${process.pid}.tmp`;
  const built = spawnSync(process.execPath, [...V8_FLAGS, "--snapshot-blob", tmpBlob, "--build-snapshot", bundlePath], { cwd: root, encoding: "utf8" });
  const failure = built.status !== 0 ? `node --build-snapshot exited ${built.status}: ${(built.stderr || "").slice(0, 2000)}` : (dropBuiltinCodeCache(tmpBlob), tryBlob(tmpBlob));
  if (failure) {
    rmSync(tmpBlob, { force: true });
    console.warn(`start-up snapshot: not built (${failure}); \`stark\` starts without it`);
    return;
  }
  renameSync(tmpBlob, BLOB);
  writeFileSync(join(outDir, "flags"), V8_FLAGS.join(" ") + "\n");
  markNode();
  markCpu();
  const mb = (statSync(BLOB).size / (1 << 20)).toFixed(1);
  console.log(`start-up snapshot: dist/snapshot/cli.blob (${modules.size} modules, ${mb} MB, ${Date.now() - t0} ms)`);
}

try {
  main();
} catch (e) {
  removeBlob();
  console.warn(`start-up snapshot: not built (${e && e.message}); \`stark\` starts without it`);
}
