// parse → check (types) → borrowck → run: the whole pipeline for one program.

import type { Program, SourceFile } from "../syntax/ast";
import { Diagnostic, StarkPanic } from "../diagnostics";
import { parse } from "../syntax/parser";
import { checkProgram, CheckResult } from "../check";
import { checkBorrows } from "../check/borrow";
import { run } from "../eval";
import { createHeap, GCEvent, HeapExhaustedError } from "../../heap";
import { RunTensors } from "./runTensors";
import { writeFileSync } from "node:fs";
import type { HeapRecorder as HeapRecorderType } from "../teach/heapReport";

// `--heap-report` only: not loaded by an ordinary run.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const loadHeapReport = () => require("../teach/heapReport") as typeof import("../teach/heapReport");

export interface CompileOptions {
  borrowck: "lexical" | "nll";
}

export interface Compiled {
  file: SourceFile;
  diagnostics: Diagnostic[];
  program: Program | null;
  checked: CheckResult | null;
}

export interface RunOptions {
  stdout(s: string): void;
  stderr(s: string): void;
  args: string[];
  gcTrace: boolean;
  gcStress?: number;
  maxTensorMemory?: number;
  /** `--heap-report PATH`: write the GC made visible (src/teach/heapReport.ts) after the run. */
  heapReport?: string;
}

const hasErrors = (ds: Diagnostic[]) => ds.some((d) => d.severity === "error");

/**
 * Runs every compile-time stage that can run: a syntax error stops at parsing, a type error
 * before borrow checking (the borrow checker needs a fully typed program).
 */
export function compile(file: SourceFile, options: CompileOptions): Compiled {
  const parsed = parse(file);
  if (!parsed.program || hasErrors(parsed.diagnostics)) {
    return { file, diagnostics: parsed.diagnostics, program: parsed.program, checked: null };
  }
  const program = parsed.program;
  const checked = checkProgram(program);
  const diagnostics = [...parsed.diagnostics, ...checked.diagnostics];
  if (!hasErrors(diagnostics)) diagnostics.push(...checkBorrows(program, checked, { model: options.borrowck }));
  diagnostics.sort((a, b) => a.primary.span.start - b.primary.span.start);
  return { file, diagnostics, program, checked };
}

/** Runs a program that compiled without errors on a fresh managed heap. */
export function execute(compiled: Compiled, options: RunOptions): { panic: StarkPanic | null } {
  if (!compiled.program) throw new Error("execute() needs a compiled program");
  const stress = options.gcStress ?? 0;
  const heap = createHeap({}, { stress, verify: stress > 0 });
  if (options.gcTrace) {
    let n = 0;
    heap.onEvent((e) => options.stderr(gcTraceLine(++n, e)));
  }
  const report = options.heapReport ? loadHeapReport() : null;
  // The tensor runtime loads when the program first uses it, reset to this run's limit and seed.
  const tensors = new RunTensors(options.maxTensorMemory ?? null);
  const recorder: HeapRecorderType | null = report ? new report.HeapRecorder(() => tensors.memoryStats().liveBytes) : null;
  if (recorder) heap.onEvent(recorder.record);
  try {
    const result = run(compiled.program, { heap, tensors, stdout: options.stdout, stderr: options.stderr, args: options.args });
    if (recorder && report && options.heapReport) {
      // Live objects by type are counted by a full collection: take one for the table, after
      // the time series is copied so that it does not show up as the program's own.
      const samples = [...recorder.samples];
      const stats = heap.stats();
      heap.collectFull("heap report");
      const html = report.renderHeapReport({
        program: compiled.file.name,
        samples,
        config: heap.config(),
        stats,
        live: heap.liveByLayout(),
        tensors: tensors.memoryStats(),
      });
      writeFileSync(options.heapReport, html);
    }
    return result;
  } catch (e) {
    if (e instanceof HeapExhaustedError) {
      return { panic: new StarkPanic("P0201", `out of memory: managed heap limit ${e.limit} bytes reached (live: ${e.live} bytes)`) };
    }
    throw e;
  }
}

const mib = (bytes: number) => `${(bytes / (1 << 20)).toFixed(2)} MiB`;

/** One `--gc-trace` line, in the spirit of Go's GODEBUG=gctrace=1. */
export function gcTraceLine(n: number, e: GCEvent): string {
  return (
    `gc ${n} @${(e.atMs / 1000).toFixed(3)}s ${e.kind} (${e.reason}): pause ${e.pauseMs.toFixed(3)} ms, ` +
    `heap ${mib(e.heapBefore)} -> ${mib(e.heapAfter)} (young ${mib(e.youngAfter)}, old ${mib(e.oldAfter)}), ` +
    `promoted ${(e.promoted / 1024).toFixed(1)} KiB\n`
  );
}
