// Tab completion for the REPL: `:commands` at the start of a line, method names after `name.`,
// otherwise the names in scope (variables, items) and keywords.

import { COMMANDS } from "./commands";
import type { ReplEngine } from "./engine";

const KEYWORDS = ["let", "mut", "fn", "struct", "enum", "impl", "trait", "match", "if", "else", "while", "for", "in", "loop", "return", "break", "continue", "print", "eprint", "vec!"];

/** readline's completer contract: candidates and the text they replace. */
export function complete(engine: ReplEngine, line: string): [string[], string] {
  if (/^\s*:\w*$/.test(line)) {
    const word = line.trim();
    return [COMMANDS.map((c) => c.name).filter((c) => c.startsWith(word)), word];
  }
  const method = /([A-Za-z_]\w*)\.(\w*)$/.exec(line);
  if (method) {
    const [, receiver, prefix] = method;
    return [engine.methodsOf(receiver).filter((m) => m.startsWith(prefix)), prefix];
  }
  const word = /[A-Za-z_]\w*$/.exec(line)?.[0] ?? "";
  const names = [...engine.names(), ...KEYWORDS].filter((n) => n.startsWith(word));
  return [[...new Set(names)].sort(), word];
}
