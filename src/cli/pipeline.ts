// parse → check (types) → borrowck → run: the whole pipeline for one program.

import type { Program, SourceFile } from "../syntax/ast";
import { Diagnostic, StarkPanic } from "../diagnostics";
import { parse } from "../syntax/parser";
import { checkProgram, CheckResult } from "../check";
import { checkBorrows } from "../check/borrow";

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

export function execute(_compiled: Compiled, _options: RunOptions): { panic: StarkPanic | null } {
  throw new Error("the evaluator is not wired in yet");
}
