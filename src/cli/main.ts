// The `stark` command: run, check, explain, repl (LANGUAGE.md §1).
//
// `runCli` does all the work against an `Io` so that tests can drive it in-process; `main` binds
// it to the real process. Exit codes: 0 ok, 1 compile-time error(s), 101 panic, 2 usage error.

import { existsSync, readFileSync, statSync, writeSync } from "node:fs";
import { isatty } from "node:tty";
import { setFlagsFromString } from "node:v8";
import type { Argv } from "yargs";
import { makeSourceFile } from "../syntax/ast";
import { Diagnostic, StarkPanic } from "../diagnostics";
import { diagnosticJson, panicJson, renderDiagnostic, renderPanic, Style, styleFor } from "./render";
import { explain, knownCodes } from "./explain";
import { compile, execute, RunOptions } from "./pipeline";
import { parseFastArgs, FastCheck, FastRun } from "./fastArgs";

// Loaded only by the commands that use them, to keep `stark run` starting fast.
/* eslint-disable @typescript-eslint/no-require-imports */
const loadYargs = () => require("yargs") as (argv: string[]) => Argv;
const loadTeachOwnership = () => require("../teach/ownership") as typeof import("../teach/ownership");
const loadTeachUnchecked = () => require("../teach/unchecked") as typeof import("../teach/unchecked");
/* eslint-enable @typescript-eslint/no-require-imports */

export interface Io {
  stdout(s: string): void;
  stderr(s: string): void;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  /** Whether stdin is a terminal (bare `stark` starts the REPL only then). */
  stdinIsTTY: boolean;
  env: Record<string, string | undefined>;
  /**
   * Starts the interactive REPL (src/repl) on the process's terminal. The REPL is asynchronous,
   * so `runCli` only starts it; `main` supplies this, in-process tests drive src/repl directly.
   */
  startRepl?(options: { borrowck: "lexical" | "nll" }): void;
}

export const EXIT_OK = 0;
export const EXIT_COMPILE_ERROR = 1;
export const EXIT_USAGE = 2;
export const EXIT_PANIC = 101;

class UsageError extends Error {}

interface CommonArgs {
  file: string;
  format: "text" | "json";
  borrowck: "lexical" | "nll";
}

export interface CliOptions {
  /** Read every command line with yargs, skipping the fast path (src/cli/fastArgs.ts); for tests. */
  yargsOnly?: boolean;
}

export function runCli(argv: string[], io: Io, options: CliOptions = {}): number {
  const errStyle: Style = styleFor(io.stderrIsTTY, io.env);
  let exit = EXIT_OK;

  const report = (diags: Diagnostic[], format: "text" | "json") => {
    for (const d of diags) io.stderr(format === "json" ? diagnosticJson(d) + "\n" : renderDiagnostic(d, errStyle) + "\n");
    const errors = diags.filter((d) => d.severity === "error").length;
    if (errors && format === "text") {
      io.stderr(errStyle.red("error") + `: could not compile due to ${errors} previous error${errors === 1 ? "" : "s"}\n`);
    }
  };

  const readSource = (path: string) => {
    if (!existsSync(path) || !statSync(path).isFile()) throw new UsageError(`cannot read '${path}': no such file`);
    return makeSourceFile(path, readFileSync(path, "utf8"));
  };

  const checkAndMaybeRun = (args: CommonArgs, run: RunOptions | null): number => {
    const file = readSource(args.file);
    const compiled = compile(file, { borrowck: args.borrowck });
    report(compiled.diagnostics, args.format);
    if (compiled.diagnostics.some((d) => d.severity === "error")) return EXIT_COMPILE_ERROR;
    if (!run) return EXIT_OK;
    const outcome = execute(compiled, run);
    if (outcome.panic) {
      io.stderr(args.format === "json" ? panicJson(outcome.panic) + "\n" : renderPanic(outcome.panic, errStyle));
      return EXIT_PANIC;
    }
    return EXIT_OK;
  };

  // `stark check --explain-ownership`: the permission view (src/teach), also for a program with
  // borrow errors (that is when it helps most); a syntax or type error stops it as usual.
  const explainOwnershipOf = (args: CommonArgs): number => {
    const file = readSource(args.file);
    const compiled = compile(file, { borrowck: args.borrowck });
    if (!compiled.program || !compiled.checked || compiled.checked.diagnostics.some((d) => d.severity === "error")) {
      report(compiled.diagnostics, args.format);
      return EXIT_COMPILE_ERROR;
    }
    io.stdout(loadTeachOwnership().explainOwnership(compiled.program, compiled.checked, args.borrowck, compiled.diagnostics));
    const errors = compiled.diagnostics.filter((d) => d.severity === "error");
    if (errors.length) {
      report(compiled.diagnostics, args.format);
      return EXIT_COMPILE_ERROR;
    }
    return EXIT_OK;
  };

  // `stark run --unchecked`: what the borrow checker prevents, shown at run time (src/teach).
  const runUnchecked = (args: CommonArgs, programArgs: string[]): number => {
    const file = readSource(args.file);
    const compiled = compile(file, { borrowck: args.borrowck });
    if (!compiled.program || !compiled.checked || compiled.checked.diagnostics.some((d) => d.severity === "error")) {
      report(compiled.diagnostics, args.format);
      return EXIT_COMPILE_ERROR;
    }
    if (compiled.diagnostics.some((d) => d.severity === "error" && d.code === "E0001")) {
      report(compiled.diagnostics, args.format);
      return EXIT_COMPILE_ERROR;
    }
    const borrowErrors = compiled.diagnostics.filter((d) => d.severity === "error");
    const teach = loadTeachUnchecked();
    io.stderr(errStyle.yellow("warning") + `: ${teach.uncheckedBanner(borrowErrors)}\n`);
    const outcome = teach.runUnchecked(compiled.program, compiled.checked, { stdout: io.stdout, stderr: io.stderr, args: programArgs, model: args.borrowck });
    if (outcome.panic) {
      io.stderr(args.format === "json" ? panicJson(outcome.panic) + "\n" : renderPanic(outcome.panic, errStyle));
      return EXIT_PANIC;
    }
    return EXIT_OK;
  };

  // The two everyday commands, from either reading of the command line.
  const runCommand = (a: FastRun): number => {
    if (a.unchecked) return runUnchecked(a, a.args);
    return checkAndMaybeRun(a, {
      stdout: io.stdout,
      stderr: io.stderr,
      args: a.args,
      gcTrace: a.gcTrace,
      gcStress: a.gcStress,
      maxTensorMemory: a.maxTensorMemory,
      heapReport: a.heapReport,
    });
  };
  const checkCommand = (a: FastCheck): number => (a.explainOwnership ? explainOwnershipOf(a) : checkAndMaybeRun(a, null));

  const parseWithYargs = () =>
    loadYargs()(argv)
    .parserConfiguration({ "populate--": true })
    .scriptName("stark")
    .usage("$0 <command> [options]")
    .option("format", { choices: ["text", "json"] as const, default: "text" as const, describe: "how diagnostics are printed" })
    .option("borrowck", { choices: ["lexical", "nll"] as const, default: "lexical" as const, describe: "borrow model (LANGUAGE.md §4.3)" })
    .command(
      "run <file> [args..]",
      "check and run a program",
      (y) =>
        y
          .positional("file", { type: "string", demandOption: true })
          .positional("args", { type: "string", array: true, default: [] as string[] })
          .option("gc-trace", { type: "boolean", default: false, describe: "print one line per collection on stderr" })
          .option("gc-stress", { type: "number", describe: "collect at every safepoint after N allocations, verifying the heap" })
          .option("max-tensor-memory", { type: "number", describe: "tensor storage limit in bytes" })
          .option("unchecked", { type: "boolean", default: false, describe: "run even if the borrow check fails, stopping at the first use of moved or freed data" })
          .option("heap-report", { type: "string", describe: "write an HTML report of the heap and its collections to this file" }),
      (a) => {
        const common = a as unknown as CommonArgs;
        exit = runCommand({
          command: "run",
          file: common.file,
          format: common.format,
          borrowck: common.borrowck,
          // `stark run FILE -- ARGS`: yargs keeps what follows `--` apart ("populate--").
          args: [...(a.args as string[]), ...((a["--"] as string[] | undefined) ?? [])].map(String),
          unchecked: Boolean(a.unchecked),
          gcTrace: Boolean(a["gc-trace"]),
          gcStress: a["gc-stress"] as number | undefined,
          maxTensorMemory: a["max-tensor-memory"] as number | undefined,
          heapReport: a["heap-report"] as string | undefined,
        });
      },
    )
    .command(
      "check <file>",
      "check a program (types and borrows) without running it",
      (y) =>
        y
          .positional("file", { type: "string", demandOption: true })
          .option("explain-ownership", { type: "boolean", default: false, describe: "print each line's permissions (R/W/O) per variable" }),
      (a) => {
        const common = a as unknown as CommonArgs;
        exit = checkCommand({ command: "check", file: common.file, format: common.format, borrowck: common.borrowck, explainOwnership: Boolean(a["explain-ownership"]) });
      },
    )
    .command(
      "explain <code>",
      "explain an error or panic code (E0382, P0103, ...)",
      (y) => y.positional("code", { type: "string", demandOption: true }),
      (a) => {
        const page = explain(String(a.code));
        if (!page) {
          const codes = knownCodes();
          throw new UsageError(`no explanation for '${a.code}'${codes.length ? `; known codes: ${codes.join(", ")}` : ""}`);
        }
        io.stdout(page.text.endsWith("\n") ? page.text : page.text + "\n");
      },
    )
    .command("repl", "start the interactive REPL", {}, (a) => {
      if (!io.startRepl) throw new UsageError("the REPL is not available here");
      io.startRepl({ borrowck: (a as unknown as CommonArgs).borrowck });
    })
    .command("$0", false, {}, (a) => {
      if (!io.stdinIsTTY || !io.startRepl) throw new UsageError("give a command: stark run FILE");
      io.startRepl({ borrowck: (a as unknown as CommonArgs).borrowck });
    })
    .strict()
    .help()
    .version(false)
    .exitProcess(false)
    .fail((msg, err) => {
      if (err) throw err;
      throw new UsageError(msg);
    })
    .parseSync();

  try {
    const fast = options.yargsOnly ? null : parseFastArgs(argv);
    if (fast) exit = fast.command === "run" ? runCommand(fast) : checkCommand(fast);
    else parseWithYargs();
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`${errStyle.red("error")}: ${e.message}\n`);
      if (!(e.message.startsWith("cannot read") || e.message.startsWith("no explanation"))) io.stderr("run `stark --help` for usage\n");
      return EXIT_USAGE;
    }
    if (e instanceof StarkPanic) {
      io.stderr(renderPanic(e, errStyle));
      return EXIT_PANIC;
    }
    // A bug in the interpreter itself: say so plainly, without a JavaScript stack trace.
    const message = e instanceof Error ? e.message : String(e);
    io.stderr(`${errStyle.red("internal error")}: ${message}\nThis is a bug in STARK, not in your program.\n`);
    if (io.env.STARK_DEBUG && e instanceof Error && e.stack) io.stderr(e.stack + "\n");
    return EXIT_PANIC;
  }
  return exit;
}

/**
 * Writes all of `text` to a file descriptor synchronously. `stark run` writes straight to fds 1
 * and 2 instead of through `process.stdout`/`stderr`: creating those streams loads Node's stream
 * machinery, a few ms of every start. A reader that went away (`stark run x | head`) ends the
 * output quietly, as it does for a Rust program; a non-blocking pipe that is full is retried.
 */
function writeFd(fd: number, text: string): void {
  let bytes = Buffer.from(text);
  while (bytes.length > 0) {
    try {
      bytes = bytes.subarray(writeSync(fd, bytes));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EAGAIN") continue;
      if (code === "EPIPE") return;
      throw e;
    }
  }
}

export function main(argv: string[]): void {
  // `stark check` is one pass over the program and then the process exits: V8's optimizing
  // compiler (TurboFan) would spend more compiling the checker's hot functions than they save in
  // that pass (checking a 10,000-line program took half the CPU with it off; see
  // bench/check/README.md). Baseline code (Sparkplug) still runs. Not for `run`, whose program
  // needs the interpreter optimized, and set only here, on the real process, not in runCli,
  // which tests drive in-process.
  if (argv.find((a) => !a.startsWith("-")) === "check") setFlagsFromString("--max-opt=1");
  // Output is buffered and written once at exit or when large, so printing in a loop is cheap.
  let out = "";
  const flush = () => {
    if (out) writeFd(1, out);
    out = "";
  };
  const io: Io = {
    stdout: (s) => {
      out += s;
      if (out.length > 1 << 16) flush();
    },
    stderr: (s) => {
      flush();
      writeFd(2, s);
    },
    stdoutIsTTY: isatty(1),
    // isatty, not `process.stdin/stderr.isTTY`: creating those streams loads net/readline, a few
    // ms of start-up that a run which reads no input and prints no error does not need.
    stderrIsTTY: isatty(2),
    stdinIsTTY: isatty(0),
    env: process.env,
  };
  let repl: { borrowck: "lexical" | "nll" } | null = null;
  io.startRepl = (options) => {
    repl = options;
  };
  const code = runCli(argv, io);
  flush();
  process.exitCode = code;
  if (repl) {
    startProcessRepl(repl);
    return;
  }
  // Everything is written (synchronously) and nothing is pending, so exit now rather than let
  // Node tear the environment and the V8 heap down first (about 1 ms of a hello run, 4 ms of the
  // strings benchmark, by hyperfine).
  process.exit(code);
}

/** The REPL on the process's own stdin/stdout (loaded only when used). */
function startProcessRepl(options: { borrowck: "lexical" | "nll" }): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startRepl } = require("../repl/frontend") as typeof import("../repl/frontend");
  const terminal = Boolean(process.stdin.isTTY && process.stdout.isTTY);
  void startRepl({ input: process.stdin, output: process.stdout, errors: process.stderr, terminal, env: process.env, borrowck: options.borrowck }).then((code) => {
    process.exitCode = code;
  });
}
