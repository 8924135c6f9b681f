// The start-up snapshot (scripts/snapshot/, bin/stark.js): a process started from it must behave
// exactly like one started the normal way, and every reason not to use it must fall back.
//
// Each test works on its own copy of the installation (dist/, bin/, scripts/snapshot/) with a
// snapshot built for it, so that a rebuild of the shared dist/ cannot make it stale midway.

import { spawnSync, SpawnSyncReturns } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const repo = resolve(__dirname, "../..");
jest.setTimeout(240_000);

/** A copy of the installation with its own snapshot; returns its root. */
function install(parent: string): string {
  const root = join(parent, "stark");
  for (const part of ["bin", "scripts/snapshot", "package.json", "docs/errors"]) cpSync(join(repo, part), join(root, part), { recursive: true });
  cpSync(join(repo, "dist"), join(root, "dist"), { recursive: true, filter: (src) => !src.includes(join("dist", "snapshot")) });
  symlinkSync(join(repo, "node_modules"), join(root, "node_modules"));
  chmodSync(join(root, "bin/stark.js"), 0o755);
  const built = spawnSync(process.execPath, [join(root, "scripts/snapshot/build.mjs")], { encoding: "utf8" });
  if (!existsSync(join(root, "dist/snapshot/cli.blob"))) throw new Error(`snapshot not built: ${built.stdout}${built.stderr}`);
  return root;
}

const PROGRAMS: Record<string, string> = {
  // The tensor runtime and its wasm kernels load at run time, never into the snapshot.
  "tensors.stark":
    "fn main() {\n    let a = Tensor::from([[1.0, 2.0], [3.0, 4.0]]);\n    let b = Tensor::rand([2, 2]);\n    print(a.matmul(&a));\n    print(b);\n    let c = Tensor::ones([2, 3]);\n    print(Tensor::concat(vec![a, c], 0));\n}\n",
  // The ML library is compiled from dist/ on first use, sharing the bundled modules' instances.
  "ml.stark":
    "fn main() {\n    let model = Gc::new(nn::Linear::new(2, 1));\n    let mut w = model.weight();\n    torch::no_grad(|| w.fill_(0.5));\n    let x = Tensor::from([[1.0, 3.0]]);\n    let y = model.forward(&x);\n    y.sum().backward();\n    let mut opt = optim::SGD::new(model.parameters(), 0.1);\n    opt.step();\n    print(w);\n    let v: Vec<i64> = vec![1, 2];\n    print(v[3]);\n}\n",
  "hello.stark": 'print("Hello, STARK!");\nfn main() {\n    let v = vec![1, 2, 3];\n    print(f"{v:?} has {v.len()} items");\n    print(Some("tiny"));\n}\n',
  "panic.stark": "fn get(v: &Vec<i32>, i: usize) -> i32 {\n    v[i]\n}\nfn main() {\n    let v = vec![1, 2];\n    print(get(&v, 1));\n    print(get(&v, 5));\n}\n",
  "deep.stark": "fn sum(n: u64) -> u64 {\n    if n == 0 { 0 } else { n + sum(n - 1) }\n}\nfn main() {\n    print(sum(10000));\n}\n",
  "type_error.stark": 'fn main() {\n    let x: i32 = "five";\n    print(x);\n}\n',
  "syntax_error.stark": "fn main() {\n    let x = ;\n}\n",
  "borrow_error.stark": "fn main() {\n    let s = String::from(\"hi\");\n    let t = s;\n    print(s);\n    print(t);\n}\n",
  "gc.stark":
    "struct Node {\n    value: i64,\n    next: Option<Box<Node>>,\n}\nfn main() {\n    let mut total = 0;\n    let mut keep = Vec::new();\n    for i in 0..20000 {\n        let n = Node { value: i, next: None };\n        total += n.value;\n        if i % 100 == 0 {\n            keep.push(n);\n        }\n    }\n    gc::collect_young();\n    gc::collect();\n    print(total);\n    print(keep.len());\n}\n",
};

let parent: string;
let root: string;

beforeAll(() => {
  parent = mkdtempSync(join(tmpdir(), "stark-snapshot-test-"));
  root = install(parent);
  for (const [name, text] of Object.entries(PROGRAMS)) writeFileSync(join(parent, name), text);
});

afterAll(() => {
  rmSync(parent, { recursive: true, force: true });
});

type Run = Pick<SpawnSyncReturns<string>, "status" | "stdout" | "stderr">;

/** `stark ARGS` as a user runs it: the launcher itself, through its shell line. */
function viaLauncher(args: string[], env: NodeJS.ProcessEnv = {}, input?: string): Run & { snapshot: boolean } {
  const r = spawnSync(join(root, "bin/stark.js"), args, { cwd: parent, encoding: "utf8", input, env: { ...process.env, NODE_OPTIONS: "", STARK_SNAPSHOT_DEBUG: "1", ...env } });
  const used = r.stderr.startsWith("snapshot: used\n");
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.replace(/^snapshot: [^\n]*\n/, ""), snapshot: used };
}

/** `node bin/stark.js ARGS`: the normal path, no snapshot. */
function viaNode(args: string[], input?: string): Run {
  const r = spawnSync(process.execPath, [join(root, "bin/stark.js"), ...args], { cwd: parent, encoding: "utf8", input, env: { ...process.env, NODE_OPTIONS: "" } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("a process started from the snapshot", () => {
  const cases: [string, string[], number][] = [
    ["a program", ["run", "hello.stark"], 0],
    ["a panic with its STARK trace", ["run", "panic.stark"], 101],
    ["a type error", ["run", "type_error.stark"], 1],
    ["tensors (seeded rand, kernels, a P0401 panic)", ["run", "tensors.stark"], 101],
    ["a syntax error (Ohm loads at run time)", ["check", "syntax_error.stark"], 1],
    ["a borrow error as JSON lines", ["check", "--format", "json", "borrow_error.stark"], 1],
    ["program arguments after the file", ["run", "hello.stark", "a", "c d"], 0],
    ["a usage error (yargs loads at run time)", ["run"], 2],
    ["a missing file", ["run", "nope.stark"], 2],
    ["stark explain", ["explain", "E0382"], 0],
    ["--gc-stress", ["run", "--gc-stress", "1", "gc.stark"], 0],
    ["--explain-ownership (src/teach loads at run time)", ["check", "--explain-ownership", "borrow_error.stark"], 1],
    ["--unchecked", ["run", "--unchecked", "borrow_error.stark"], 101],
    ["the ML library (compiled from dist/ on first use) and a panic after it", ["run", "ml.stark"], 101],
  ];

  test.each(cases)("prints what the normal path prints: %s", (_, args, status) => {
    const fromSnapshot = viaLauncher(args);
    const normal = viaNode(args);
    expect(fromSnapshot.snapshot).toBe(true);
    expect(normal.status).toBe(status);
    expect({ status: fromSnapshot.status, stdout: fromSnapshot.stdout, stderr: fromSnapshot.stderr }).toEqual(normal);
  });

  test("the bundle carries the source of the modules priming evaluated only, line for line without comments", () => {
    const bundle = readFileSync(join(root, "dist/snapshot/bundle.js"), "utf8");
    // Left out: compiled from dist/ on first use.
    for (const lazy of ["dist/src/ml/nn.js", "dist/src/repl/engine.js", "dist/src/teach/unchecked.js", "dist/src/syntax/syntaxError.js"]) {
      expect(bundle).toContain(`"${lazy}": [null, {`);
    }
    const key = "dist/src/cli/pipeline.js";
    const start = bundle.indexOf(`"${key}": [function (exports, require, module, __filename, __dirname) {\n`);
    expect(start).toBeGreaterThan(0);
    const body = bundle.slice(bundle.indexOf("\n", start) + 1).split("\n");
    const original = readFileSync(join(root, key), "utf8").replace(/^\/\/# sourceMappingURL=.*$/m, "").split("\n");
    // The same lines hold the same code, so a JavaScript stack trace keeps its line numbers.
    const code = (line: string) => line.replace(/\/\/.*$|\s+/g, "");
    for (let i = 0; i < original.length; i++) {
      const kept = original[i].trim();
      if (kept.startsWith("//") || kept.startsWith("*") || kept.startsWith("/*")) expect(body[i].trim()).toBe("");
      else if (!original[i].includes("//")) expect(code(body[i])).toBe(code(original[i]));
    }
    expect(original.some((line) => line.trim().startsWith("//"))).toBe(true);
  });

  test("the blob leaves out Node's code caches of its built-in modules (read at every start, used by none of a run's modules)", () => {
    // The list is last in the blob: an empty one is a zero count (scripts/snapshot/blob.mjs).
    const blob = readFileSync(join(root, "dist/snapshot/cli.blob"));
    expect(blob.subarray(blob.length - 8)).toEqual(Buffer.alloc(8));
    // The ML library loads at run time with built-in modules no bundled module needs (node:zlib).
    const r = viaLauncher(["run", "ml.stark"]);
    expect(r.snapshot).toBe(true);
    expect(r.stdout).toBe(viaNode(["run", "ml.stark"]).stdout);
    expect(r.stdout).toContain("tensor([[0.4000, 0.2000]])");
  });

  test("priming leaves no STARK session reachable from a module (its heap's arena would be in the blob)", () => {
    // Node's own part is ~4 MB and STARK's modules and prelude ~1 MB; a session kept alive by a
    // module-level reference brings its 32 MB nursery along.
    expect(statSync(join(root, "dist/snapshot/cli.blob")).size).toBeLessThan(12 * 1024 * 1024);
  });

  test("the panic's trace names STARK functions, not JavaScript", () => {
    const r = viaLauncher(["run", "panic.stark"]);
    expect(r.stderr).toMatch(/get/);
    expect(r.stderr).toMatch(/panic\.stark:2:/);
    expect(r.stderr).not.toMatch(/bundle\.js|\.ts:|at Object\./);
  });

  test("--gc-trace prints one line per collection, as the normal path does", () => {
    const fromSnapshot = viaLauncher(["run", "--gc-trace", "gc.stark"]);
    const normal = viaNode(["run", "--gc-trace", "gc.stark"]);
    expect(fromSnapshot.snapshot).toBe(true);
    // Pause times and timestamps differ from run to run; the collections do not.
    const shape = (s: string) => s.replace(/@[\d.]+s/g, "@T").replace(/pause [\d.]+ ms/g, "pause P");
    expect(shape(fromSnapshot.stderr)).toEqual(shape(normal.stderr));
    expect(fromSnapshot.stderr).toMatch(/^gc 1 @/);
    expect(fromSnapshot.stdout).toEqual(normal.stdout);
  });

  test("stdin and stdout are the process's own (piped REPL input)", () => {
    const fromSnapshot = viaLauncher(["repl"], {}, "let x = 40 + 2;\nprint(x);\n");
    const normal = viaNode(["repl"], "let x = 40 + 2;\nprint(x);\n");
    expect(fromSnapshot.snapshot).toBe(true);
    expect(fromSnapshot.stdout).toContain("42");
    expect({ status: fromSnapshot.status, stdout: fromSnapshot.stdout, stderr: fromSnapshot.stderr }).toEqual(normal);
  });

  test("the launcher also finds the snapshot through a symlink (node_modules/.bin/stark, a global install)", () => {
    const link = join(parent, "stark-link");
    symlinkSync(join(root, "bin/stark.js"), link);
    const r = spawnSync(link, ["run", "hello.stark"], { cwd: parent, encoding: "utf8", env: { ...process.env, NODE_OPTIONS: "", STARK_SNAPSHOT_DEBUG: "1" } });
    expect(r.stderr).toBe("snapshot: used\n");
    expect(r.stdout).toBe(viaNode(["run", "hello.stark"]).stdout);
  });

  test("the launcher drops NODE_EXTRA_CA_CERTS, which costs node a parse of the file at every start", () => {
    // Node warns about a certificate file it cannot read, before any of STARK's code runs.
    const env = { NODE_EXTRA_CA_CERTS: join(parent, "no-such-certificates.pem") };
    const plain = spawnSync(process.execPath, ["-e", "0"], { encoding: "utf8", env: { ...process.env, ...env } });
    expect(plain.stderr).toMatch(/extra certs/);
    for (const extra of [{}, { STARK_NO_SNAPSHOT: "1" }]) {
      const r = viaLauncher(["run", "hello.stark"], { ...env, ...extra });
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
    }
  });

  test("the launcher asks glibc for huge pages for the blob's buffers, unless GLIBC_TUNABLES is set", () => {
    // The shell's trace (sh -x) shows what the launcher exported before it started node.
    const { GLIBC_TUNABLES: _, ...environment } = process.env;
    const traced = (env: NodeJS.ProcessEnv) =>
      spawnSync("sh", ["-x", join(root, "bin/stark.js"), "run", "hello.stark"], { cwd: parent, encoding: "utf8", env: { ...environment, NODE_OPTIONS: "", ...env } });
    const own = traced({});
    expect(own.stderr).toMatch(/^\+ export GLIBC_TUNABLES=glibc\.malloc\.hugetlb=1:glibc\.malloc\.mmap_threshold=33554432$/m);
    expect(own.stdout).toContain("Hello, STARK!");
    const users = traced({ GLIBC_TUNABLES: "glibc.malloc.hugetlb=0" });
    expect(users.stderr).not.toMatch(/export GLIBC_TUNABLES/);
    expect(users.stderr).toMatch(/--snapshot-blob/);
    expect(users.stdout).toBe(own.stdout);
  });

  test("every run starts from the same state (no run leaves anything behind for the next)", () => {
    const first = viaLauncher(["run", "hello.stark"]);
    const second = viaLauncher(["run", "hello.stark"]);
    expect(second).toEqual(first);
  });
});

describe("falling back to the normal path", () => {
  const expected = () => viaNode(["run", "panic.stark"]);

  test("with NODE_OPTIONS set (node would refuse the snapshot under other V8 flags)", () => {
    const r = viaLauncher(["run", "panic.stark"], { NODE_OPTIONS: "--max-old-space-size=512" });
    expect(r.snapshot).toBe(false);
    expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual(expected());
  });

  test("with STARK_NO_SNAPSHOT set", () => {
    const r = viaLauncher(["run", "panic.stark"], { STARK_NO_SNAPSHOT: "1" });
    expect(r.snapshot).toBe(false);
    expect(r.status).toBe(101);
  });

  test("on a CPU with other features than the build's", () => {
    const cpu = join(root, "dist/snapshot/cpu");
    // The launcher remembers a match per boot (cpu-ok-BOOTID); a new blob starts without one.
    for (const f of readdirSync(join(root, "dist/snapshot"))) if (f.startsWith("cpu-ok-")) rmSync(join(root, "dist/snapshot", f));
    renameSync(cpu, `${cpu}.real`);
    try {
      writeFileSync(cpu, "flags\t\t: fpu an-imaginary-feature\n");
      const r = viaLauncher(["run", "panic.stark"]);
      expect(r.snapshot).toBe(false);
      expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual(expected());
    } finally {
      renameSync(`${cpu}.real`, cpu);
    }
  });

  test("when a node binary other than the build's is on the PATH", () => {
    const stamp = join(root, "dist/snapshot/node.stamp");
    const later = new Date(Date.now() + 60_000);
    utimesSync(stamp, later, later);
    try {
      const r = viaLauncher(["run", "hello.stark"]);
      expect(r.snapshot).toBe(false);
      expect(r.stdout).toContain("Hello, STARK!");
    } finally {
      // The build copies the mtime with `touch -r`; restore it the same way.
      spawnSync("touch", ["-r", join(root, "dist/snapshot/node"), stamp]);
    }
    expect(viaLauncher(["run", "hello.stark"]).snapshot).toBe(true);
  });

  test("when dist/ changed since the snapshot was built (stale), saying why under STARK_SNAPSHOT_DEBUG", () => {
    const module = join(root, "dist/src/cli/render.js");
    const later = new Date(Date.now() + 120_000);
    utimesSync(module, later, later);
    const r = spawnSync(join(root, "bin/stark.js"), ["run", "panic.stark"], { cwd: parent, encoding: "utf8", env: { ...process.env, NODE_OPTIONS: "", STARK_SNAPSHOT_DEBUG: "1" } });
    expect(r.stderr).toMatch(/^snapshot: not used \(dist\/src\/cli\/render\.js changed since the snapshot was built\); starting normally\n/);
    const normal = expected();
    expect(r.status).toBe(normal.status);
    expect(r.stdout).toBe(normal.stdout);
    expect(r.stderr.replace(/^snapshot: [^\n]*\n/, "")).toBe(normal.stderr);
    // A rebuild makes it current again.
    spawnSync(process.execPath, [join(root, "scripts/snapshot/build.mjs")], { encoding: "utf8" });
    expect(viaLauncher(["run", "hello.stark"]).snapshot).toBe(true);
  });

  test("when the installation moved after the build", () => {
    const moved = join(parent, "moved");
    renameSync(root, moved);
    try {
      const r = spawnSync(join(moved, "bin/stark.js"), ["run", "hello.stark"], { cwd: parent, encoding: "utf8", env: { ...process.env, NODE_OPTIONS: "", STARK_SNAPSHOT_DEBUG: "1" } });
      expect(r.stderr).toMatch(/^snapshot: not used \(built for .*, run from .*moved\); starting normally\n$/);
      expect(r.status).toBe(0);
      expect(r.stdout).toContain("Hello, STARK!");
    } finally {
      renameSync(moved, root);
    }
  });

  test("without the file of the V8 flags the blob was built with (node would refuse other flags)", () => {
    const flags = join(root, "dist/snapshot/flags");
    expect(readFileSync(flags, "utf8")).toMatch(/^(--[a-z0-9-]+(=\S+)?( --[a-z0-9-]+(=\S+)?)*)?\n$/);
    // Launchers from before the flags file start dist/snapshot/stark.blob without flags: the
    // blob has another name, so that they take the normal path instead of node refusing it.
    expect(existsSync(join(root, "dist/snapshot/stark.blob"))).toBe(false);
    renameSync(flags, `${flags}.away`);
    try {
      const r = viaLauncher(["run", "panic.stark"]);
      expect(r.snapshot).toBe(false);
      expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual(expected());
    } finally {
      renameSync(`${flags}.away`, flags);
    }
    expect(viaLauncher(["run", "hello.stark"]).snapshot).toBe(true);
  });

  test("where the stack cannot be 8 MB (the blob's V8 stack limit must stay inside it)", () => {
    const sh = (limit: string) =>
      spawnSync("sh", ["-c", `${limit} exec "$0" "$@"`, join(root, "bin/stark.js"), "run", "deep.stark"], { cwd: parent, encoding: "utf8", env: { ...process.env, NODE_OPTIONS: "", STARK_SNAPSHOT_DEBUG: "1" } });
    // Recursion 10,000 deep fits the blob's stack but not Node's default one.
    const small = sh("ulimit -Ss 4096; ulimit -Hs 4096;");
    expect(small.stderr).not.toMatch(/^snapshot: used/);
    expect(small.status).toBe(101);
    expect(small.stderr).toMatch(/P0106/);
    const raised = sh("ulimit -Ss 2048;");
    expect(raised.stderr).toMatch(/^snapshot: used/);
    expect({ status: raised.status, stdout: raised.stdout }).toEqual({ status: 0, stdout: "50005000\n" });
  });

  test("when there is no snapshot", () => {
    const blob = join(root, "dist/snapshot/cli.blob");
    renameSync(blob, `${blob}.away`);
    try {
      const r = viaLauncher(["run", "panic.stark"]);
      expect(r.snapshot).toBe(false);
      expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual(expected());
    } finally {
      renameSync(`${blob}.away`, blob);
    }
  });
});
