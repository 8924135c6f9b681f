// One diagnostic type for every stage (parse, resolve, types, borrows) and one panic type for
// the run time. Stages never throw JavaScript errors for bad input: they return diagnostics,
// and the CLI turns them into exit codes (LANGUAGE.md §1).

import type { Span } from "./syntax/ast";

export interface Label {
  span: Span;
  message: string;
}

export interface Diagnostic {
  severity: "error" | "warning";
  /** "E0382", "E0001", ... — documented in docs/errors/CODE.md. */
  code: string;
  /** One sentence, lower-case start, no trailing period, as rustc writes them. */
  message: string;
  /** Where the problem is; its label (may be "") is printed under the carets. */
  primary: Label;
  /** Other places that tell the story ("value moved here", "borrow later used here"). */
  labels: Label[];
  /** `= note: ...` lines. */
  notes: string[];
  /** `= help: ...` lines (a mechanical fix where there is one). */
  help: string[];
}

export function error(code: string, message: string, span: Span, label = ""): Diagnostic {
  return { severity: "error", code, message, primary: { span, message: label }, labels: [], notes: [], help: [] };
}

/** One frame of a STARK stack trace (innermost first). */
export interface StackFrame {
  /** Function name as written: `main`, `Model::forward`, `<closure>`, `<top level>`. */
  function: string;
  /** The call site or panic site inside that function. */
  span: Span;
}

/**
 * A STARK runtime panic (LANGUAGE.md §4.5). Thrown by the evaluator and the stdlib, caught only
 * by the CLI/REPL, which prints `panic[CODE]: message`, the source line and the STARK trace.
 */
export class StarkPanic extends Error {
  readonly code: string;
  /** The panic site; filled in by the evaluator if the raiser (a native) does not know it. */
  span: Span | null;
  /** Innermost first; filled in by the evaluator as the panic unwinds through STARK frames. */
  readonly trace: StackFrame[] = [];

  constructor(code: string, message: string, span: Span | null = null) {
    super(message);
    this.code = code;
    this.span = span;
    this.name = "StarkPanic";
  }
}
