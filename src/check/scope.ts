// Item namespaces: what a name means at module level (the prelude, the user program, `mod`s).
//
// Types and values share one table per module (STARK has no name that is both), except that a
// tuple struct is both its type and its constructor, which one entry covers.

import type { ConstDecl, EnumDecl, FnDecl, StructDecl, TraitDecl } from "../syntax/ast";
import type { BuiltinName } from "./types";

export type ItemEntry =
  | { kind: "struct"; decl: StructDecl }
  | { kind: "enum"; decl: EnumDecl }
  | { kind: "trait"; decl: TraitDecl }
  /** A free function; `native` is its qualified name when it has no body. */
  | { kind: "fn"; decl: FnDecl; native: string | null }
  | { kind: "const"; decl: ConstDecl }
  | { kind: "mod"; scope: ModuleScope }
  | { kind: "variant"; decl: EnumDecl; index: number }
  /** A natively implemented type of the standard library (`Vec`, `String`, ...). */
  | { kind: "builtin"; name: BuiltinName | "Tensor" | "Array" }
  /** A primitive type name (`i32`, `f64`, `bool`, `char`, `str`). */
  | { kind: "prim"; name: string };

export class ModuleScope {
  readonly items = new Map<string, ItemEntry>();
  /** `use` declarations resolved lazily: name → path. */
  readonly uses = new Map<string, { path: string[]; glob: boolean }>();
  readonly globs: string[][] = [];

  constructor(
    /** Qualified prefix for natives declared here: "" at top level, "gc" in `mod gc`. */
    readonly path: string,
    /** Where names not found here are looked up (the prelude for the user program). */
    readonly parent: ModuleScope | null,
  ) {}

  /** Every name visible from here (for "did you mean" suggestions). */
  *names(): Iterable<string> {
    for (const k of this.items.keys()) yield k;
    for (const k of this.uses.keys()) yield k;
    if (this.parent) yield* this.parent.names();
  }
}

/** Edit distance, bounded: names farther than `max` are not suggestions. */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1;
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (cur[j] < best) best = cur[j];
    }
    if (best > max) return max + 1;
    prev = cur;
  }
  return prev[b.length];
}

/** The closest candidate within a third of the name's length (rustc's rule of thumb). */
export function closestName(name: string, candidates: Iterable<string>): string | null {
  const max = Math.max(1, Math.floor(name.length / 3));
  let best: string | null = null;
  let bestD = max + 1;
  for (const c of candidates) {
    if (c === name || c.startsWith("__")) continue;
    const d = editDistance(name, c, max);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best;
}
