// The module loader inside the start-up snapshot (see scripts/snapshot/build.mjs, which wraps
// this file together with the bundled dist/ modules into dist/snapshot/bundle.js).
//
// While the snapshot is being built, Node lets a script `require` only built-in modules, so the
// bundle carries every dist/ module the CLI can load as a function, and this loader gives each
// one the CommonJS environment it would have had: `exports`, `module`, a `require` that maps its
// relative requests to other bundled modules, and its real `__filename`/`__dirname` (the
// prelude, the grammar recipe, the wasm kernels and docs/errors are found beside them, as on
// the normal path). Anything else (yargs, ohm-js, csv-parse, node: modules loaded late) is
// loaded at run time through `Module.createRequire`, exactly as the normal path loads it.
//
// Bound by the bundle: BUILD (the build's root, stamps and module lists) and MODULES
// (key → [wrapper function, {request: key}]). A module the snapshot's priming does not evaluate
// (the ML library, the REPL, the teaching views, the syntax-error explainer, the tensor runtime)
// has no wrapper in the bundle, only its requests: its source is read from dist/ and compiled
// on first use, so the snapshot does not carry its text, while it still shares the bundled
// modules' instances (one `values`, one `diagnostics`...) with everything else.

/* global BUILD, MODULES */
const nodeFs = require("node:fs");
const nodePath = require("node:path");
const NodeModule = require("node:module");
const v8 = require("node:v8");
const vm = require("node:vm");
const builtinRequire = require;

/**
 * True while the snapshot is built, and in the build's probe run (BUILD.probe: a plain process
 * that primes as the builder would and lists the modules that priming evaluated); false once a
 * process starts from the snapshot.
 */
let building = BUILD.probe || v8.startupSnapshot.isBuildingSnapshot();
/** key → the module record ({ exports, ... }) of every module evaluated so far. */
const evaluated = new Map();
/** filename → a `require` of Node's own loader, for requests the bundle does not hold. */
const hostRequires = new Map();

const filenameOf = (key) => nodePath.join(BUILD.root, key);

function hostRequire(filename, request) {
  if (building) {
    // Only built-in modules can be loaded while the snapshot is built.
    if (NodeModule.isBuiltin(request)) return builtinRequire(request);
    throw new Error(`snapshot: '${request}' (required by ${filename}) can only be loaded at run time`);
  }
  let req = hostRequires.get(filename);
  if (!req) hostRequires.set(filename, (req = NodeModule.createRequire(filename)));
  return req(request);
}

function evaluate(key) {
  const done = evaluated.get(key);
  if (done) return done.exports;
  const [bundled, requests] = MODULES[key];
  const filename = filenameOf(key);
  const wrapper = bundled || compileFromDisk(filename);
  const dirname = nodePath.dirname(filename);
  const module = { id: filename, filename, path: dirname, exports: {}, loaded: false };
  const require = (request) => {
    const target = requests[request];
    return target === undefined ? hostRequire(filename, request) : load(target);
  };
  require.resolve = (request) => {
    const target = requests[request];
    return target === undefined ? NodeModule.createRequire(filename).resolve(request) : filenameOf(target);
  };
  module.require = require;
  // Registered before it runs, so that a cycle sees the partly filled exports, as in Node.
  evaluated.set(key, module);
  // A module body runs once: without this reference its bytecode need not stay in the snapshot.
  MODULES[key][0] = null;
  wrapper.call(module.exports, module.exports, require, module, filename, dirname);
  module.loaded = true;
  return module.exports;
}

/** The CommonJS wrapper of a module left out of the bundle (the stamps say it is unchanged). */
function compileFromDisk(filename) {
  const source = nodeFs.readFileSync(filename, "utf8");
  return vm.compileFunction(source, ["exports", "require", "module", "__filename", "__dirname"], { filename });
}

/**
 * `require` of a bundled module. A module that creates per-process state the snapshot cannot
 * hold when it loads (BUILD.runTimeOnly: the tensor runtime's WebAssembly memory and kernels)
 * is, while building, a stand-in that evaluates the module on first use — which is at run time.
 */
function load(key) {
  if (building && BUILD.runTimeOnly.includes(key) && !evaluated.has(key)) return runTimeStandIn(key);
  return evaluate(key);
}

function runTimeStandIn(key) {
  const real = () => {
    if (building) throw new Error(`snapshot: ${key} was used while building; it must load at run time`);
    return evaluate(key);
  };
  return new Proxy(
    {},
    {
      get: (_, name) => real()[name],
      has: (_, name) => name in real(),
      ownKeys: () => Reflect.ownKeys(real()),
      getOwnPropertyDescriptor: (_, name) => {
        const d = Reflect.getOwnPropertyDescriptor(real(), name);
        return d && { ...d, configurable: true };
      },
    },
  );
}

/**
 * Why this snapshot must not run here, or null. It holds the dist/ modules and the prelude as
 * they were at build time, with their paths: a moved installation or a rebuilt dist/ (tsc alone
 * does not rebuild the blob) falls back to the normal path.
 */
function staleReason(root) {
  if (root !== BUILD.root) return `built for ${BUILD.root}, run from ${root}`;
  // The file names are joined while building: 118 path.join calls at every start cost more
  // than the stat calls (their normalization loop even got optimized by TurboFan).
  for (const [filename, size, mtimeMs, key] of stampedFiles) {
    const s = nodeFs.statSync(filename, { throwIfNoEntry: false });
    if (!s) return `${key} is missing`;
    if (s.size !== size || s.mtimeMs !== mtimeMs) return `${key} changed since the snapshot was built`;
  }
  return null;
}

/** BUILD.stamps with each file's full name: [filename, size, mtimeMs, key]. */
const stampedFiles = BUILD.stamps.map(([key, size, mtimeMs]) => [filenameOf(key), size, mtimeMs, key]);

/**
 * The installation this process was started for: the launcher passes ROOT/dist/snapshot/cli.blob.
 * A blob started from elsewhere by hand belongs to the installation that built it.
 */
function installationRoot() {
  const i = process.execArgv.indexOf("--snapshot-blob");
  const blob = i >= 0 ? process.execArgv[i + 1] : null;
  try {
    const path = nodePath.resolve(blob, "../../..");
    // Usually the launcher names the build's own path: no realpath (a system call per component).
    if (path === BUILD.root) return path;
    const root = nodeFs.realpathSync(path);
    if (nodeFs.existsSync(nodePath.join(root, "bin", "code-cache.js"))) return root;
  } catch {
    /* no such path */
  }
  return BUILD.root;
}

/** Today's path without the snapshot: the code cache and the dist/ modules from disk. */
function startNormally(root, argv) {
  const req = NodeModule.createRequire(nodePath.join(root, "bin", "stark.js"));
  req("./code-cache.js");
  req("../dist/src/cli/main.js").main(argv);
}

function main() {
  building = false;
  const argv = process.argv.slice(1);
  // Most functions of a run are called a few times: Sparkplug's baseline compiles of them cost
  // more than they save (hello: 187 -> 167 M instructions, fib 440 -> 423 M), and hot code still
  // goes to TurboFan. `stark check` keeps it: its one pass over a big program gains from it.
  if (argv.find((a) => !a.startsWith("-")) === "run") v8.setFlagsFromString("--no-sparkplug");
  const root = installationRoot();
  let cli;
  try {
    const why = staleReason(root);
    if (why) throw new Error(why);
    cli = evaluate(BUILD.main);
  } catch (e) {
    if (process.env.STARK_SNAPSHOT_DEBUG) process.stderr.write(`snapshot: not used (${e && e.message}); starting normally\n`);
    startNormally(root, argv);
    return;
  }
  if (process.env.STARK_SNAPSHOT_DEBUG) process.stderr.write("snapshot: used\n");
  cli.main(argv);
}

/**
 * Runs the warm-up program (scripts/snapshot/warm-up.stark) through the CLI as `stark check FILE`
 * and `stark run FILE` would, output discarded: V8 keeps in the snapshot the bytecode of every
 * function that ran, so a run does not compile the command line reader, parser, checker and
 * evaluator again. Running programs one after another in a process is what the test pool does
 * all day; the state left behind is the prelude with the bodies this program used already
 * checked, as a later program would have left it. Its heap is garbage once it returns; the
 * tensor runtime is not touched (a program loads it on first use).
 */
function warmUp() {
  const { runCli } = evaluate(BUILD.main);
  let output = "";
  const io = {
    stdout: (s) => (output += s),
    stderr: (s) => (output += s),
    stdoutIsTTY: false,
    stderrIsTTY: false,
    stdinIsTTY: false,
    env: {},
  };
  for (const command of ["check", "run"]) {
    const code = runCli([command, filenameOf(BUILD.warmUp)], io);
    if (code !== 0) throw new Error(`snapshot: \`stark ${command}\` of the warm-up program exited ${code}: ${output.slice(-2000)}`);
  }
}

if (building) {
  // Prime the snapshot with what every run repeats: evaluating the modules `stark run` loads,
  // reading the prelude (parsed, its items collected; bodies are checked on first use) and
  // compiling the functions a run calls. Nothing per-run is kept: no heap arena, tensor
  // memory, argv, env, clock or tty.
  for (const key of BUILD.prime) evaluate(key);
  // What a run-time-only module requires is ordinary code: only the module's own body waits.
  for (const key of BUILD.runTimeOnly) for (const dependency of Object.values(MODULES[key][1])) load(dependency);
  evaluate(BUILD.prelude).loadPrelude();
  warmUp();
  // Every start runs these first: compiled now, their bytecode is in the snapshot.
  const why = staleReason(installationRoot());
  if (why) throw new Error(`snapshot: stale while building: ${why}`);
  if (BUILD.probe) process.stdout.write(JSON.stringify([...evaluated.keys()]));
  else v8.startupSnapshot.setDeserializeMainFunction(main);
}
