// The REPL's text layer: turns one complete input (code or a `:command`) into the text the user
// sees. No I/O of its own, so tests can drive it line by line; the terminal front end is
// frontend.ts.

import { existsSync, statSync } from "node:fs";
import { lineCol, type Span } from "../syntax/ast";
import type { Diagnostic } from "../diagnostics";
import { renderDiagnostic, renderPanic, type Style } from "../cli/render";
import { explain, knownCodes } from "../cli/explain";
import { ReplEngine, type InputResult } from "./engine";

export const COMMANDS: { name: string; args: string; help: string }[] = [
  { name: ":help", args: "", help: "this list" },
  { name: ":type", args: "EXPR", help: "the type of an expression, without running it" },
  { name: ":vars", args: "", help: "each variable with its type and ownership state" },
  { name: ":heap", args: "", help: "managed heap: generations, occupancy, live objects by type" },
  { name: ":gc", args: "", help: "collect now and show the collector's statistics" },
  { name: ":explain", args: "CODE", help: "explain an error or panic code (E0382, P0103, ...)" },
  { name: ":load", args: "FILE", help: "run a file's items and statements into the session" },
  { name: ":reset", args: "", help: "forget every definition and value" },
  { name: ":quit", args: "", help: "leave the REPL (or Ctrl-D)" },
];

export interface Reply {
  /** What to print on stdout (values, command output). */
  out: string;
  /** What to print on stderr (diagnostics, panics). */
  err: string;
  quit?: boolean;
}

export class ReplCommands {
  constructor(
    readonly engine: ReplEngine,
    private readonly style: Style,
  ) {}

  /** Handle one complete input. Never throws for bad input. */
  handle(input: string): Reply {
    const text = input.trim();
    if (!text) return { out: "", err: "" };
    if (text.startsWith(":")) return this.command(text);
    return this.renderResult(this.engine.evaluate(input));
  }

  private command(text: string): Reply {
    const space = text.search(/\s/);
    const name = space < 0 ? text : text.slice(0, space);
    const arg = space < 0 ? "" : text.slice(space + 1).trim();
    switch (name) {
      case ":help":
      case ":h":
      case ":?":
        return { out: this.help(), err: "" };
      case ":quit":
      case ":q":
      case ":exit":
        return { out: "", err: "", quit: true };
      case ":type":
      case ":t": {
        if (!arg) return usage(":type EXPR");
        const r = this.engine.typeOf(arg);
        if (r.type === null) return { out: "", err: this.renderDiags(r.diagnostics) };
        return { out: `${arg}: ${this.style.bold(r.type)}\n`, err: "" };
      }
      case ":vars":
        return { out: this.vars(), err: "" };
      case ":heap":
        return { out: this.heap(), err: "" };
      case ":gc":
        return { out: this.gc(), err: "" };
      case ":explain": {
        if (!arg) return usage(":explain CODE");
        const page = explain(arg);
        if (!page) return { out: "", err: `no explanation for '${arg}'; known codes: ${knownCodes().join(", ")}\n` };
        return { out: page.text.endsWith("\n") ? page.text : page.text + "\n", err: "" };
      }
      case ":load": {
        if (!arg) return usage(":load FILE");
        if (!existsSync(arg) || !statSync(arg).isFile()) return { out: "", err: `cannot read '${arg}': no such file\n` };
        return this.renderResult(this.engine.load(arg));
      }
      case ":reset":
        this.engine.reset();
        return { out: "session reset\n", err: "" };
      default:
        return { out: "", err: `unknown command '${name}'; :help lists the commands\n` };
    }
  }

  private help(): string {
    const rows = COMMANDS.map((c) => `  ${`${c.name} ${c.args}`.padEnd(16)} ${c.help}`);
    return [
      "Type STARK items and statements; each input is checked and run in one session.",
      "A final expression without `;` shows its value. Brackets left open continue on the next line.",
      "Ctrl-C cancels the input being typed, Ctrl-D leaves.",
      "",
      ...rows,
      "",
    ].join("\n");
  }

  private vars(): string {
    const vars = this.engine.vars();
    if (!vars.length) return "no variables\n";
    const w1 = Math.max(...vars.map((v) => v.name.length));
    const w2 = Math.max(...vars.map((v) => v.type.length));
    return vars.map((v) => `  ${v.name.padEnd(w1)}  ${v.type.padEnd(w2)}  ${v.state}`).join("\n") + "\n";
  }

  private heap(): string {
    const s = this.engine.gcStats();
    const t = this.engine.tensorStats();
    const objects = this.engine.liveObjects().filter((o) => o.count > 0);
    const lines = [
      `mode ${s.mode}`,
      `  young generation  ${kib(s.youngUsed)} in use`,
      `  old generation    ${kib(s.oldUsed)} in use`,
      `  heap              ${kib(s.heapUsed)} used of ${kib(s.heapCommitted)} committed`,
      `  tensor storage    ${kib(t.liveBytes)} in ${t.liveTensors} tensor${t.liveTensors === 1 ? "" : "s"} (outside the managed heap)`,
    ];
    if (objects.length) {
      lines.push("live objects by type:");
      const w = Math.max(...objects.map((o) => o.name.length));
      for (const o of objects) lines.push(`  ${o.name.padEnd(w)}  ${String(o.count).padStart(6)}  ${kib(o.bytes)}`);
    } else lines.push("no live objects");
    return lines.join("\n") + "\n";
  }

  private gc(): string {
    this.engine.collect();
    const s = this.engine.gcStats();
    return (
      [
        `collected. young collections ${s.youngCollections}, full collections ${s.fullCollections}`,
        `  pauses: total ${s.totalPauseMs.toFixed(3)} ms, max ${s.maxPauseMs.toFixed(3)} ms, p99 ${s.p99PauseMs.toFixed(3)} ms`,
        `  allocated ${kib(s.bytesAllocated)}, promoted ${kib(s.bytesPromoted)}, heap now ${kib(s.heapUsed)}`,
      ].join("\n") + "\n"
    );
  }

  renderResult(r: InputResult): Reply {
    let err = this.renderDiags(r.diagnostics);
    if (r.panic) err += renderPanic(r.panic, this.style);
    if (r.interrupted) err += `${this.style.yellow("interrupted")}: stopped by Ctrl-C; this input's definitions were dropped, the session goes on\n`;
    const out = r.value !== null ? r.value + "\n" : "";
    return { out, err };
  }

  renderDiags(ds: Diagnostic[]): string {
    return ds.map((d) => this.renderDiag(d)).join("");
  }

  /**
   * rustc's layout for the input's own file, plus, for each label in an earlier input (where a
   * value was moved or borrowed, two inputs ago), rustc's `:::` block for a label in another file.
   */
  renderDiag(d: Diagnostic): string {
    let text = renderDiagnostic(d, this.style);
    const elsewhere = d.labels.filter((l) => l.span.file !== d.primary.span.file);
    if (!elsewhere.length) return text;
    const here = d.labels.filter((l) => l.span.file === d.primary.span.file).map((l) => l.span);
    const gutter = Math.max(...[d.primary.span, ...here, ...elsewhere.map((l) => l.span)].map((s) => String(lineCol(s.file, s.start).line).length));
    const extra = elsewhere.map((l) => this.labelElsewhere(l.span, l.message, gutter)).join("");
    // Put them before the notes, right after the code frame.
    const noteAt = text.search(/\n\s*= (note|help)/);
    if (noteAt < 0) return text + extra;
    text = text.slice(0, noteAt + 1) + extra + text.slice(noteAt + 1);
    return text;
  }

  private labelElsewhere(span: Span, message: string, gutter: number): string {
    const { line, column } = lineCol(span.file, span.start);
    const start = span.file.lineStarts[line - 1] ?? 0;
    const next = span.file.lineStarts[line];
    const src = span.file.text.slice(start, next === undefined ? span.file.text.length : next - 1);
    const width = Math.max(1, Math.min(span.end, start + src.length) - span.start);
    const pad = " ".repeat(gutter);
    const b = this.style.blue;
    return [
      `${pad}${b(":::")} ${span.file.name}:${line}:${column}`,
      `${pad} ${b("|")}`,
      `${b(`${String(line).padEnd(gutter)} |`)} ${src}`,
      `${pad} ${b("|")} ${" ".repeat(column - 1)}${b("-".repeat(width))} ${b(message)}`,
      "",
    ].join("\n");
  }
}

function usage(form: string): Reply {
  return { out: "", err: `usage: ${form}\n` };
}

function kib(bytes: number): string {
  return bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(2)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
}
