// The terminal side of the REPL on node:readline: prompts (`>> `, `.. ` while brackets or a
// string are open), history in ~/.stark_history (STARK_HISTORY overrides), tab completion,
// colours only on a terminal without NO_COLOR, Ctrl-C to drop the input being typed, Ctrl-D to
// leave. Works the same on piped stdin (no prompts then), which is how the tests drive it.

import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import * as readline from "node:readline";
import type { Readable, Writable } from "node:stream";
import { isIncompleteInput } from "../syntax/parser";
import { COLOR, PLAIN } from "../cli/render";
import { ReplCommands } from "./commands";
import { complete } from "./complete";
import { ReplEngine } from "./engine";
import { terminalInterrupts } from "./interrupt";

export interface ReplIo {
  input: Readable;
  output: Writable;
  errors: Writable;
  /** Whether input and output are a terminal (prompts, colours, line editing). */
  terminal: boolean;
  env: Record<string, string | undefined>;
  borrowck?: "lexical" | "nll";
}

const PROMPT = ">> ";
const MORE = ".. ";
const HISTORY_LIMIT = 1000;

export function historyPath(env: Record<string, string | undefined>): string {
  return env.STARK_HISTORY || join(env.HOME || homedir(), ".stark_history");
}

/** Runs the REPL until `:quit` or end of input; resolves to the exit code (0). */
export function startRepl(io: ReplIo): Promise<number> {
  const style = io.terminal && !io.env.NO_COLOR ? COLOR : PLAIN;
  const write = (s: string) => io.output.write(s);
  // Keys typed while a program ran are replayed into readline once it is listening again.
  let rlRef: readline.Interface | null = null;
  const interrupts = io.terminal ? terminalInterrupts((typed) => rlRef?.write(typed)) : null;
  const engine = new ReplEngine({ stdout: write, stderr: (s) => io.errors.write(s), borrowck: io.borrowck, interrupts });
  const commands = new ReplCommands(engine, style);
  const histFile = historyPath(io.env);
  const history = loadHistory(histFile);

  const rl = readline.createInterface({
    input: io.input,
    output: io.terminal ? io.output : undefined,
    terminal: io.terminal,
    history: [...history].reverse(),
    historySize: HISTORY_LIMIT,
    completer: (line: string) => complete(engine, line),
  });
  rlRef = rl;

  if (io.terminal) write(`STARK REPL — :help for commands, Ctrl-D to leave\n`);
  let buffer = "";
  const prompt = () => {
    if (!io.terminal) return;
    rl.setPrompt(buffer ? MORE : PROMPT);
    rl.prompt();
  };

  return new Promise((resolve) => {
    let closed = false;
    const finish = () => {
      if (closed) return;
      closed = true;
      resolve(0);
    };

    let quitting = false;
    rl.on("line", (line) => {
      // readline may still deliver lines it had buffered when `:quit` closed it.
      if (quitting) return;
      buffer = buffer ? buffer + "\n" + line : line;
      if (!buffer.trim().startsWith(":") && isIncompleteInput(buffer)) {
        prompt();
        return;
      }
      const input = buffer;
      buffer = "";
      if (input.trim()) saveHistory(histFile, input);
      let reply;
      try {
        reply = commands.handle(input);
      } catch (e) {
        // A bug in the interpreter: say so, keep the session.
        const message = e instanceof Error ? e.message : String(e);
        reply = { out: "", err: `${style.red("internal error")}: ${message}\nThis is a bug in STARK, not in your input.\n` };
        if (io.env.STARK_DEBUG && e instanceof Error && e.stack) reply.err += e.stack + "\n";
      }
      if (reply.out) write(reply.out);
      if (reply.err) io.errors.write(reply.err);
      if (reply.quit) {
        quitting = true;
        rl.close();
        return;
      }
      prompt();
    });

    // Ctrl-C: drop the input being typed (a half-written multi-line input too) and keep going.
    rl.on("SIGINT", () => {
      buffer = "";
      write("^C\n");
      prompt();
    });

    rl.on("close", () => {
      if (buffer.trim() && !quitting) {
        // End of input inside an unfinished input: check it anyway so the user sees why.
        const reply = commands.handle(buffer);
        if (reply.out) write(reply.out);
        if (reply.err) io.errors.write(reply.err);
      }
      if (io.terminal) write("\n");
      interrupts?.close();
      finish();
    });

    prompt();
  });
}

function loadHistory(path: string): string[] {
  try {
    if (!existsSync(path)) return [];
    const lines = readFileSync(path, "utf8").split("\n").filter((l) => l.length > 0);
    return lines.slice(-HISTORY_LIMIT).map(unescapeEntry);
  } catch {
    return [];
  }
}

/** One entry per line; a multi-line input keeps its newlines as `\n` escapes. */
function saveHistory(path: string, entry: string): void {
  try {
    appendFileSync(path, escapeEntry(entry) + "\n");
  } catch {
    // No writable home: history is a convenience, the session goes on without it.
  }
}

function escapeEntry(s: string): string {
  return s.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

function unescapeEntry(s: string): string {
  return s.replace(/\\(\\|n)/g, (_m, c: string) => (c === "n" ? "\n" : "\\"));
}
