// Permissions (Aquascope's R/W/O) of a place at a point of a body, from the checker's own facts,
// and the sentence an ownership diagnostic carries about them: which permissions the operation
// needed, which the place had, and the event that removed the missing ones —
//
//   `t` has R; `fill_` needs R+W; W was removed: borrowed by `r` at 3:13
//
// The model (LANGUAGE.md §4): an initialized variable has R and O, and W when declared `mut`; a
// (maybe) moved or uninitialized one has nothing; a live shared borrow of it removes W and O; a
// live mutable borrow removes all three; through a reference `*r` has R, W for `&mut`, never O.
// `stark check --explain-ownership` (src/teach/ownership.ts) prints the same sentence at an error.

import type { Span } from "../../syntax/ast";
import { lineCol } from "../../syntax/ast";
import type { BodyAnalysis } from "./analyses";
import type { Cfg, Loan } from "./cfg";
import { hasDeref, overlaps, placeToString, type Place } from "./places";

export interface Perms {
  r: boolean;
  w: boolean;
  o: boolean;
}

export type PermAccess = "read" | "write" | "compound" | "move" | "shared" | "mut" | "drop";

/** What each kind of operation needs. */
const NEEDS: Record<PermAccess, { needs: Perms; what: string }> = {
  read: { needs: { r: true, w: false, o: false }, what: "using it" },
  shared: { needs: { r: true, w: false, o: false }, what: "borrowing it" },
  mut: { needs: { r: true, w: true, o: false }, what: "borrowing it mutably" },
  write: { needs: { r: false, w: true, o: false }, what: "assigning to it" },
  compound: { needs: { r: true, w: true, o: false }, what: "updating it" },
  move: { needs: { r: true, w: false, o: true }, what: "moving it" },
  drop: { needs: { r: false, w: false, o: true }, what: "dropping it at the end of its scope" },
};

export function permString(p: Perms): string {
  return `${p.r ? "R" : "-"}${p.w ? "W" : "-"}${p.o ? "O" : "-"}`;
}

export function permWords(p: Perms): string {
  const parts = [p.r && "R", p.w && "W", p.o && "O"].filter(Boolean);
  return parts.length ? parts.join("+") : "no permissions";
}

/** Recognizes the sentence `permissionNote` writes (for views that show it again). */
export function isPermissionNote(note: string): boolean {
  return /^`[^`]+` has (no permissions|[RWO](\+[RWO])*); .+ needs /.test(note);
}

const pos = (s: Span) => {
  const p = lineCol(s.file, s.start);
  return `${p.line}:${p.column}`;
};

/** Who holds a loan, for "borrowed by `r`". */
export function holderName(cfg: Cfg, loan: Loan): string {
  const holders = cfg.loanHolders.get(loan.id);
  if (holders && holders.size)
    return [...holders].map((b) => (b.name === "<iterator>" ? "the `for` loop" : b.name === "<block value>" ? "the block's value" : `\`${b.name}\``)).join(", ");
  return "a temporary";
}

/**
 * The permissions `p` has at the entry of node `n`, with the event behind each missing one
 * (`byLoan`: a live borrow, rather than a missing `mut`, is named as what removed W).
 */
export function permissionsAt(
  cfg: Cfg,
  an: BodyAnalysis,
  model: "lexical" | "nll",
  p: Place,
  n: number,
  byLoan = false,
): { perms: Perms; removed: { r?: string; w?: string; o?: string } } {
  const removed: { r?: string; w?: string; o?: string } = {};
  if (hasDeref(p)) {
    // Through a reference: R, W only through `&mut`, never O.
    let last: { mutable: boolean } | null = null;
    let refPlace: Place = p;
    for (let i = 0; i < p.proj.length; i++) {
      const pr = p.proj[i];
      if (pr.kind === "deref") {
        last = pr;
        refPlace = { base: p.base, proj: p.proj.slice(0, i) };
      }
    }
    const w = !!last?.mutable;
    if (!w) removed.w = `\`${placeToString(refPlace)}\` is a \`&\` reference`;
    removed.o = `\`${placeToString(p)}\` is behind a reference, which does not own it`;
    return { perms: { r: true, w, o: false }, removed };
  }
  const perms: Perms = { r: true, w: p.base.mutable, o: true };
  if (!p.base.mutable) removed.w = `\`${p.base.name}\` is not declared \`mut\``;
  const sites = an.movedSites(p, n);
  if (sites.length) {
    const move = sites.find((s) => s.kind === "move");
    const why = move ? `moved at ${pos((cfg.nodes[move.node].action as { span: Span }).span)}` : `\`${p.base.name}\` is not yet initialized`;
    return { perms: { r: false, w: false, o: false }, removed: { r: why, w: removed.w ?? why, o: why } };
  }
  for (const l of an.loansByBase.get(p.base) ?? []) {
    const loan = cfg.loans[l];
    if (!overlaps(loan.place, p) || !an.loanLive(l, n, model)) continue;
    const by = holderName(cfg, loan);
    if (loan.mutable) {
      const why = `mutably borrowed by ${by} at ${pos(loan.span)}`;
      perms.r = perms.w = perms.o = false;
      removed.r = why;
      if (byLoan && !p.base.mutable) removed.w = why;
      removed.w ??= why;
      removed.o = why;
      break;
    }
    const why = `borrowed by ${by} at ${pos(loan.span)}`;
    perms.w = perms.o = false;
    if (byLoan && !p.base.mutable) removed.w = why;
    removed.w ??= why;
    removed.o ??= why;
  }
  return { perms, removed };
}

/**
 * The sentence for an operation `access` on `p` at node `n`, or null when the place had every
 * permission it needed (the error is about something else, e.g. a borrow outliving its value).
 * `op` names the operation when known (a method: "`fill_`").
 */
export function permissionNote(cfg: Cfg, an: BodyAnalysis, model: "lexical" | "nll", p: Place, n: number, access: PermAccess, op?: string, byLoan = false): string | null {
  const { perms, removed } = permissionsAt(cfg, an, model, p, n, byLoan);
  const need = NEEDS[access];
  const missing = (["r", "w", "o"] as const).filter((k) => need.needs[k] && !perms[k]);
  if (!missing.length) return null;
  const subject = placeToString(p);
  let note = `\`${subject}\` has ${permWords(perms)}; ${op ?? need.what} needs ${permWords(need.needs)}`;
  // Group the missing permissions by the event that removed them.
  const byWhy = new Map<string, string[]>();
  for (const k of missing) {
    const why = removed[k] ?? "not available here";
    byWhy.set(why, [...(byWhy.get(why) ?? []), k.toUpperCase()]);
  }
  for (const [why, ks] of byWhy) {
    const isEvent = /^(moved|borrowed|mutably borrowed) /.test(why);
    note += isEvent ? `; ${ks.join("+")} ${ks.length > 1 ? "were" : "was"} removed: ${why}` : `; ${ks.join("+")}: ${why}`;
  }
  return note;
}

/** The method called on the primary span's place (`t.fill_(..)` → "`fill_`"), if any. */
export function methodAfter(span: Span): string | undefined {
  const m = /^\.(\w+)\s*\(/.exec(span.file.text.slice(span.end, span.end + 40));
  return m ? `\`${m[1]}\`` : undefined;
}

