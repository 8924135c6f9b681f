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
  // Optimal string alignment distance: a swap of two neighbours (`cuont`) counts as one edit.
  const A = a.toLowerCase();
  const B = b.toLowerCase();
  let prev2: number[] = [];
  let prev = Array.from({ length: B.length + 1 }, (_, i) => i);
  for (let i = 1; i <= A.length; i++) {
    const cur = [i];
    let best = i;
    for (let j = 1; j <= B.length; j++) {
      const cost = A[i - 1] === B[j - 1] ? 0 : 1;
      let d = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && A[i - 1] === B[j - 2] && A[i - 2] === B[j - 1]) d = Math.min(d, prev2[j - 2] + 1);
      cur[j] = d;
      if (d < best) best = d;
    }
    if (best > max) return max + 1;
    prev2 = prev;
    prev = cur;
  }
  return prev[B.length];
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
