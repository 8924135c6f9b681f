// parse → check (types) → borrowck → run. Filled in as the stages land.

import type { SourceFile } from "../syntax/ast";
import { Diagnostic, StarkPanic } from "../diagnostics";

export interface CompileOptions {
  borrowck: "lexical" | "nll";
}

export interface Compiled {
  file: SourceFile;
  diagnostics: Diagnostic[];
}

export interface RunOptions {
  stdout(s: string): void;
  stderr(s: string): void;
  args: string[];
  gcTrace: boolean;
  gcStress?: number;
  maxTensorMemory?: number;
}

export function compile(file: SourceFile, _options: CompileOptions): Compiled {
  return { file, diagnostics: [] };
}

export function execute(_compiled: Compiled, _options: RunOptions): { panic: StarkPanic | null } {
  throw new Error("the evaluator is not wired in yet");
}
