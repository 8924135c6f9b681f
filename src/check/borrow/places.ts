// Places: what a borrow or a move is about. A place is a local variable followed by projections —
// field access (`s.a.b`, tuple fields are named "0", "1"), a deref of a reference (`*r`), or an
// index (`v[i]`). As rustc does, an index projection stands for the whole indexed object when
// deciding conflicts, so `&mut v[0]` and `&v[1]` conflict.

import type { Binding } from "../../syntax/ast";

export type Projection =
  | { kind: "field"; name: string }
  /** Deref of a reference; `mutable` is the reference's mutability. */
  | { kind: "deref"; mutable: boolean }
  | { kind: "index" };

export interface Place {
  base: Binding;
  proj: Projection[];
}

export function localPlace(base: Binding): Place {
  return { base, proj: [] };
}

export function project(p: Place, pr: Projection): Place {
  return { base: p.base, proj: [...p.proj, pr] };
}

/** The projections that matter for conflicts: everything before the first index. */
function conflictProj(p: Place): Projection[] {
  const i = p.proj.findIndex((x) => x.kind === "index");
  return i < 0 ? p.proj : p.proj.slice(0, i);
}

function sameProj(a: Projection, b: Projection): boolean {
  if (a.kind !== b.kind) return false;
  return a.kind !== "field" || a.name === (b as { name: string }).name;
}

/** Two places overlap when one is a prefix of the other (disjoint fields do not overlap). */
export function overlaps(a: Place, b: Place): boolean {
  if (a.base !== b.base) return false;
  const pa = conflictProj(a);
  const pb = conflictProj(b);
  const n = Math.min(pa.length, pb.length);
  for (let i = 0; i < n; i++) if (!sameProj(pa[i], pb[i])) return false;
  return true;
}

/** Is `prefix` a prefix of (or equal to) `p`? Both are move paths (fields only). */
export function isPrefix(prefix: Place, p: Place): boolean {
  if (prefix.base !== p.base || prefix.proj.length > p.proj.length) return false;
  for (let i = 0; i < prefix.proj.length; i++) if (!sameProj(prefix.proj[i], p.proj[i])) return false;
  return true;
}

/** The move path of a place: the local and its leading field projections (stops at a deref or index). */
export function movePath(p: Place): Place {
  const i = p.proj.findIndex((x) => x.kind !== "field");
  return i < 0 ? p : { base: p.base, proj: p.proj.slice(0, i) };
}

export function hasDeref(p: Place): boolean {
  return p.proj.some((x) => x.kind === "deref");
}

export function hasIndex(p: Place): boolean {
  return p.proj.some((x) => x.kind === "index");
}

/** Render a place as rustc does in messages: `x`, `s.a`, `*r`, `(*r).a` is written `r.a`, `v[..]`. */
export function placeToString(p: Place): string {
  let s = p.base.name;
  let derefPending = 0;
  for (const pr of p.proj) {
    if (pr.kind === "deref") derefPending++;
    else if (pr.kind === "field") {
      derefPending = 0; // field access auto-derefs, as users write it
      const dot = pr.name.indexOf(".");
      // A variant's field (`Variant.i`, from a pattern) reads as rustc writes it: `(x as Variant).i`.
      s = dot < 0 ? `${s}.${pr.name}` : `(${s} as ${pr.name.slice(0, dot)}).${pr.name.slice(dot + 1)}`;
    } else {
      derefPending = 0;
      s += "[..]";
    }
  }
  return "*".repeat(derefPending) + s;
}

export function placeKey(p: Place, id: (b: Binding) => number): string {
  return id(p.base) + p.proj.map((x) => (x.kind === "field" ? "." + x.name : x.kind === "deref" ? "*" : "[]")).join("");
}
