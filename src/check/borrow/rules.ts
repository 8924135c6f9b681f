// The rules of LANGUAGE.md §4 checked at each CFG node against the dataflow facts, and the
// diagnostics that tell rustc's three-event story: where the value was moved or borrowed, the
// conflicting use (primary span), and where the borrow is used later or (lexical) ends.

import type { Binding, Span } from "../../syntax/ast";
import { lineCol } from "../../syntax/ast";
import type { Diagnostic, Label } from "../../diagnostics";
import { typeToString, type Type } from "../types";
import { BodyAnalysis, nodeUses, type MoveSite } from "./analyses";
import type { Cfg, Loan } from "./cfg";
import { hasDeref, hasIndex, isPrefix, localPlace, movePath, overlaps, placeToString, type Place } from "./places";
import { methodAfter, permissionNote, type PermAccess } from "./permissions";
import { isTensor } from "./typeinfo";

export type Model = "lexical" | "nll";

const line = (s: Span) => lineCol(s.file, s.start).line;
const text = (s: Span) => s.file.text.slice(s.start, s.end);

function diag(code: string, message: string, span: Span, label: string): Diagnostic {
  return { severity: "error", code, message, primary: { span, message: label }, labels: [], notes: [], help: [] };
}

type Access = "read" | "write" | "compound" | "move" | "shared" | "mut";

export class BodyChecker {
  readonly diags: Diagnostic[] = [];
  /** Places whose two-phase reservation conflicted (see checkNode "borrow"). */
  private readonly reservationErrors = new Set<string>();
  /** Receivers (by span start) whose reservation was reported: their activation is not checked again. */
  private readonly reservationReported = new Set<number>();
  private readonly seen = new Set<string>();
  private readonly loansOfVar = new Map<Binding, number[]>();
  /** Set by laterUse: the use it found is the end of the body keeping a `'static` value's borrows. */
  private laterHolderIsStatic = false;

  constructor(
    private readonly cfg: Cfg,
    private readonly an: BodyAnalysis,
    private readonly model: Model,
  ) {
    an.holders.forEach((hs, l) => {
      for (const h of hs) {
        const list = this.loansOfVar.get(h) ?? [];
        list.push(l);
        this.loansOfVar.set(h, list);
      }
    });
  }

  /**
   * The permissions note (LANGUAGE.md §4, issue 7): what the operation at n needed, what `p` had,
   * and the event that removed the rest. An addition to the three-event story, never instead of it.
   */
  private addPermissions(d: Diagnostic, n: number, p: Place, access: PermAccess): void {
    if (p.base.name === "<reference>") return; // a hidden binding (a reference that is a value) has no name to tell
    // A conflict (E0502, E0499, E0505, E0506) tells the borrow that took the permission, even
    // where the variable also lacks `mut` (that is E0596's own note).
    const conflict = d.code === "E0502" || d.code === "E0499" || d.code === "E0505" || d.code === "E0506";
    const note = permissionNote(this.cfg, this.an, this.model, p, n, access, access === "shared" || access === "mut" ? methodAfter(d.primary.span) : undefined, conflict);
    if (note) d.notes.push(note);
  }

  /** Adds `d` unless the same code was reported at the same span; returns it if added. */
  private report(d: Diagnostic): Diagnostic | null {
    const key = `${d.code}:${d.primary.span.start}:${d.primary.span.end}`;
    if (this.seen.has(key)) return null;
    this.seen.add(key);
    this.diags.push(d);
    return d;
  }

  /** Takes back a diagnostic a later, more precise one replaces. */
  private retract(d: Diagnostic | null): void {
    const i = d ? this.diags.indexOf(d) : -1;
    if (i < 0) return;
    this.diags.splice(i, 1);
    this.seen.delete(`${d!.code}:${d!.primary.span.start}:${d!.primary.span.end}`);
  }

  /**
   * Runs the checks in reverse postorder (rustc's order). A use of a moved value is reported once
   * per set of moves that reach it, as rustc does, so one move does not cascade into many errors.
   */
  run(): Diagnostic[] {
    const order = this.rpo();
    for (let i = 0; i < order.length; i++) {
      const n = order[i];
      // An assignment into a moved or uninitialized value is reported once, as that.
      const act = this.cfg.nodes[n].action;
      if (this.checkMoves(n) && act.kind === "assign") {
        // Assigning part of a moved value is also told as not `mut` (rustc; never-initialized is not).
        if (!act.isLet) this.checkAssignMutability(n, act.place, act.span, act.throughBox === true);
        continue;
      }
      this.checkNode(n);
    }
    this.checkStoresIntoSelf();
    return this.diags;
  }

  /** E0621: a `&mut self` method stores data borrowed from a reference parameter into `self` (see Cfg.storesIntoSelf). */
  private checkStoresIntoSelf(): void {
    const params = new Set(this.cfg.unstorableParams);
    if (!params.size) return;
    for (const st of this.cfg.storesIntoSelf ?? []) {
      const p = [...derivedFrom(this.cfg, st.vars)].find((b) => params.has(b));
      if (!p) continue;
      const d = diag("E0621", `this method stores data borrowed from \`${p.name}\` in \`self\`, which may outlive it`, st.span, `stores data borrowed from \`${p.name}\``);
      d.labels.push({ span: p.span, message: `\`${p.name}\` is a reference parameter` });
      d.notes.push("a reference parameter of a method may be a borrow shorter than `self` (in Rust its lifetime is its own), so `self` may not keep it");
      d.help.push(`store an owned value instead (e.g. \`${p.name}.clone()\`)`);
      this.report(d);
    }
  }

  private readonly reportedMoveSets = new Map<string, { used: Place; write: boolean; diag: Diagnostic | null }>();

  /** Reverse postorder from the entry; successors explored last-first so loop bodies come after their exits, as in rustc's MIR. */
  private rpo(): number[] {
    const nodes = this.cfg.nodes;
    const seen = new Uint8Array(nodes.length);
    // The DFS stack as two flat arrays (node, index of the next successor to explore): a straight
    // body is as deep as it is long, and an object per frame was garbage per node.
    const stackNode = new Int32Array(nodes.length);
    const stackNext = new Int32Array(nodes.length);
    const post: number[] = [];
    stackNode[0] = this.cfg.entry;
    stackNext[0] = nodes[this.cfg.entry].succ.length - 1;
    let depth = 1;
    seen[this.cfg.entry] = 1;
    while (depth > 0) {
      const top = depth - 1;
      const n = stackNode[top];
      if (stackNext[top] < 0) {
        post.push(n);
        depth--;
        continue;
      }
      const s = nodes[n].succ[stackNext[top]--];
      if (!seen[s]) {
        seen[s] = 1;
        stackNode[depth] = s;
        stackNext[depth] = nodes[s].succ.length - 1;
        depth++;
      }
    }
    return post.reverse();
  }

  // ───────────── moves and initialization ─────────────

  private accessOf(n: number): { place: Place; kind: Access; span: Span } | null {
    const a = this.cfg.nodes[n].action;
    switch (a.kind) {
      case "read":
        return { place: a.place, kind: "read", span: a.span };
      case "move":
        return { place: a.place, kind: "move", span: a.span };
      case "borrow": {
        const l = this.cfg.loans[a.loan];
        return { place: l.place, kind: l.mutable ? "mut" : "shared", span: a.span };
      }
      case "assign":
        return { place: a.place, kind: a.compound ? "compound" : "write", span: a.span };
      default:
        return null;
    }
  }

  private checkMoves(n: number): boolean {
    const acc = this.accessOf(n);
    if (!acc) return false;
    const act = this.cfg.nodes[n].action;
    if (act.kind === "read" && act.matched) return false; // reported at the pattern's first binding
    const { place } = acc;
    let kind = acc.kind;
    if (!this.cfg.bindingIndex.has(place.base)) return false;
    let sites = this.an.movedSites(place, n);
    if (kind === "write" && hasDeref(place)) {
      // `*r = v` writes where `r` points: a use of the reference `r`, an error once `r` was moved.
      const d = place.proj.findIndex((p) => p.kind === "deref");
      sites = this.an.movedSites({ base: place.base, proj: place.proj.slice(0, d) }, n);
      kind = "read";
    } else if (kind === "write") {
      // Assigning a whole place revives it; assigning part of a moved/uninitialized value does not.
      if (place.proj.length === 0) return false;
      sites = sites.filter((s) => s.path.proj.length < place.proj.length);
      if (!sites.length) return false;
    }
    if (!sites.length) return false;
    const setKey = sites.map((s) => s.id).sort((a, b) => a - b).join(",");
    // A partial assignment is a use of the value it is part of (`p` for `p.x = 1`), as in rustc.
    const used = kind === "write" ? localPlace(place.base) : movePath(place);
    const prev = this.reportedMoveSets.get(setKey);
    if (prev) {
      // rustc reports one use per set of moves: a use of the reported place or of a part of it
      // (`p` after `p.age`) is not told again; a use of another part (`p.tags` after `p.name`, the
      // second arm's binding after the first's) replaces the report, so the last such use is told.
      if (isPrefix(used, prev.used) || prev.write) return true;
      this.retract(prev.diag);
    }
    const entry = { used, write: kind === "write", diag: null as Diagnostic | null };
    this.reportedMoveSets.set(setKey, entry);
    const moves = sites.filter((s) => s.kind === "move");
    const name = placeToString(movePath(place));
    if (moves.length === 0) {
      const possibly = this.an.maybeAssigned(place.base, n);
      const state = possibly ? "is possibly-uninitialized" : "isn't initialized";
      const d = diag(
        "E0381",
        kind === "write" ? `partially assigned binding \`${place.base.name}\` isn't fully initialized` : `used binding \`${place.base.name}\` ${state}`,
        acc.span,
        `\`${place.base.name}\` used here but it ${state}`,
      );
      d.labels.push({ span: place.base.span, message: "binding declared here but left uninitialized" });
      this.addPermissions(d, n, place, kind === "write" ? "write" : kind);
      entry.diag = this.report(d);
      return true;
    }
    const partial = moves.some((s) => s.path.proj.length > place.proj.filter((p) => p.kind === "field").length);
    const borrowUse = kind === "shared" || kind === "mut";
    const what = partial ? "partially moved value" : "moved value";
    const msg = kind === "write" ? `assign to part of moved value: \`${placeToString(moves[0].path)}\`` : `${borrowUse ? "borrow" : "use"} of ${what}: \`${name}\``;
    const primaryLabel =
      kind === "write"
        ? "value partially assigned here after move"
        : `value ${borrowUse ? "borrowed" : "used"} here after ${partial ? "partial " : ""}move`;
    const d = diag("E0382", msg, acc.span, primaryLabel);
    const selfLoop = moves.some((s) => s.node === n);
    if (selfLoop && moves.length === 1) d.primary.message = "value moved here, in previous iteration of loop";
    for (const s of moves) {
      if (s.node === n) continue;
      const inLoop = this.cfg.nodes[s.node].loopDepth > 0 && s.node > n;
      const sa = this.cfg.nodes[s.node].action as { span: Span };
      d.labels.push({ span: sa.span, message: inLoop ? "value moved here, in previous iteration of loop" : "value moved here" });
    }
    const mv = this.cfg.nodes[moves[0].node].action as { ty?: Type };
    const movedName = placeToString(moves[0].path);
    if (mv.ty) d.notes.push(`move occurs because \`${movedName}\` has type \`${typeToString(mv.ty)}\`, which does not implement the \`Copy\` trait`);
    if (this.branchMove(moves, n)) d.notes.push("the value may have been moved: it is moved on some paths to this use and not on others");
    if (!selfLoop && mv.ty?.kind !== "ref") d.help.push(`consider cloning the value: \`${movedName}.clone()\``);
    this.addPermissions(d, n, place, kind);
    entry.diag = this.report(d);
    return true;
  }

  /** A move on only some paths reaching n (an `if` without the move in the other branch): n is reachable avoiding every move. */
  private branchMove(moves: MoveSite[], n: number): boolean {
    if (moves.some((m) => m.node >= n)) return false; // a loop: the story is "in previous iteration"
    const blocked = new Set(moves.map((m) => m.node));
    const seen = new Uint8Array(this.cfg.nodes.length);
    const stack = [this.cfg.entry];
    seen[this.cfg.entry] = 1;
    while (stack.length) {
      const x = stack.pop()!;
      if (x === n) return true;
      for (const s of this.cfg.nodes[x].succ) {
        if (seen[s] || blocked.has(s)) continue;
        seen[s] = 1;
        stack.push(s);
      }
    }
    return false;
  }

  // ───────────── borrows ─────────────

  private checkNode(n: number): void {
    const node = this.cfg.nodes[n];
    const a = node.action;
    switch (a.kind) {
      case "read":
        // A `let` pattern's value is read shallowly (rustc's fake read): a borrow of one of its
        // parts is the bindings' business (`let (ref mut s, ref l) = pair;`).
        this.conflict(n, a.place, "read", a.span, -1, a.shallow === true);
        break;
      case "move":
        // A move out of a borrow (`*self`, E0507) is also checked against the live borrows (E0505), as by rustc.
        if (this.checkMoveOutOfBorrow(n, a.place, a.span, a.ty, a.structUpdate, a.from)) {
          // (Not out of `v[i]`: that moves out of what `Index::index` returns, a reference of its own.)
          if (!hasIndex(a.place)) this.conflict(n, a.place, "move", a.span, -1);
          break;
        }
        if (this.checkClosureBound(n, a.place, "move", a.span, a.ty)) break;
        this.conflict(n, a.place, "move", a.span, -1);
        break;
      case "borrow": {
        const l = this.cfg.loans[a.loan];
        // A mutable capture of an immutable variable is reported inside the closure, where the mutation is.
        // rustc checks an access's permissions and its conflicts independently: both may be told.
        if ((l.mutable || l.needsMut) && l.origin !== "capture") this.checkMutability(n, l.place, a.span);
        if (l.mutable && l.origin !== "reservation" && this.checkClosureBound(n, l.place, "mut", a.span)) break;
        if (l.origin === "reservation") {
          // rustc checks a two-phase reservation as a shared access: a mutable borrow still live
          // here (`self.note(book.title.clone())` with `book` from a `&mut self` method) is its
          // E0499, and the activation after the arguments is not checked again.
          const before = this.diags.length;
          this.conflict(n, l.place, "shared", a.span, a.loan);
          if (this.diags.length > before) {
            this.reservationErrors.add(placeToString(l.place));
            this.reservationReported.add(l.span.start);
          }
          break;
        }
        if (l.activation && this.reservationReported.has(l.span.start)) break;
        const before = this.diags.length;
        this.conflict(n, l.place, l.mutable ? "mut" : "shared", a.span, a.loan);
        if (l.activation && this.diags.length > before) {
          // rustc checks the reservation itself as a shared access: a conflict with a mutable
          // loan (E0499) is its error there; a conflict with a shared loan (E0502) is found at
          // the activation, and rustc reports none of those for a place whose reservation
          // already conflicted (its `reservation_error_reported`).
          const key = placeToString(l.place);
          if (this.diags[before].code === "E0499") this.reservationErrors.add(key);
          else if (this.diags[before].code === "E0502" && this.reservationErrors.has(key)) this.diags.length = before;
        }
        break;
      }
      case "assign": {
        // `x += 1` reads, then writes: an error of the read (E0503: `x` is mutably borrowed) is the
        // statement's only one, as rustc does not check the write of a place+span already reported.
        const before = this.diags.length;
        if (a.compound) {
          this.conflict(n, a.place, "compound", a.span, -1);
          if (this.diags.length > before && this.diags[before].code === "E0503") break;
        }
        if (a.dropsOld) {
          // Dropping the old value comes first: when it is borrowed (E0506), that is the error.
          this.conflict(n, a.place, "write", a.span, -1);
          if (this.diags.length > before) break;
        }
        if (!a.isLet) this.checkAssignMutability(n, a.place, a.span, a.throughBox === true);
        if (!a.isLet && this.checkClosureBound(n, a.place, "write", a.span)) break;
        if (!a.compound && !a.dropsOld) this.conflict(n, a.place, "write", a.span, -1);
        break;
      }
      case "scopeEnd":
        if (a.temporaries) this.checkTemporaries(n, a.bindings, a.span);
        else if (a.reportDangling) this.checkDangling(n, a.bindings, a.span);
        break;
      case "return":
        if (a.intoStatic) this.checkIntoStatic(n, a.carried, a.span);
        else this.checkReturn(n, a.carried, a.span);
        break;
    }
  }

  /**
   * In a closure passed where `Fn`/`FnMut` is expected (cfg.closureBound): rustc fixes the
   * closure's trait from that bound, so an `Fn` closure may not assign or `&mut`-borrow what it
   * captured (E0594/E0596) and neither may give a captured value away (E0507). True when reported.
   */
  private checkClosureBound(n: number, p: Place, access: "move" | "mut" | "write", span: Span, ty?: Type): boolean {
    const bound = this.cfg.closureBound;
    if (!bound || !this.cfg.captured.has(p.base)) return false;
    if (access !== "move" && bound.kind !== "Fn") return false;
    // Through a `&` the other checks already said it; a move through a reference is E0507 anyway.
    const deciding = decidingDeref(p);
    if (deciding >= 0 && (access === "move" || !(p.proj[deciding] as { mutable: boolean }).mutable)) return false;
    const name = placeToString(p);
    // rustc's words: "`n`, as it is a captured variable" / "`s.a`, as `s` is a captured variable"
    // (E0596 puts "as mutable" after the name).
    const asCaptured = p.proj.length === 0 ? `\`${name}\`, as it is a captured variable` : `\`${name}\`, as \`${p.base.name}\` is a captured variable`;
    let d: Diagnostic;
    if (access === "move") {
      const reason = ty ? `move occurs because \`${name}\` has type \`${typeToString(ty)}\`, which does not implement the \`Copy\` trait` : "move out of the captured variable occurs here";
      const what = p.proj.length === 0 ? `\`${name}\`, a captured variable` : asCaptured;
      d = diag("E0507", `cannot move out of ${what} in an \`${bound.kind}\` closure`, span, reason);
      d.labels.push({ span: bound.closureSpan, message: `captured by this \`${bound.kind}\` closure` });
      d.notes.push(`the closure is passed where an \`${bound.kind}\` closure is expected, which may be called more than once, so it cannot give away what it captured`);
      d.help.push(`consider cloning the value: \`${text(span)}.clone()\``);
    } else {
      d =
        access === "write"
          ? diag("E0594", `cannot assign to ${asCaptured} in a \`Fn\` closure`, span, "cannot assign")
          : diag("E0596", `cannot borrow ${asCaptured.replace(", as", " as mutable, as")} in a \`Fn\` closure`, span, "cannot borrow as mutable");
      d.labels.push({ span: bound.closureSpan, message: "in this closure" });
      d.notes.push("the closure is passed where an `Fn` closure is expected, so it cannot change what it captures");
    }
    d.labels.push({ span: p.base.span, message: `\`${p.base.name}\` declared here, outside the closure` });
    if (bound.paramSpan) d.labels.push({ span: bound.paramSpan, message: access === "move" ? `\`${bound.kind}\` is expected here: \`FnOnce\` would allow the move` : "change this to accept `FnMut` instead of `Fn`" });
    this.addPermissions(d, n, p, access === "move" ? "move" : access);
    this.report(d);
    return true;
  }

  /** `from`: a pattern binding's scrutinee; rustc reports the move there and labels the binding. */
  private checkMoveOutOfBorrow(n: number, p: Place, span: Span, ty: Type, structUpdate = false, from?: Span): boolean {
    if (!hasDeref(p) && !hasIndex(p)) return false;
    const name = placeToString(p);
    // `|&s|`, `for &s in &v`: the reference has no name; the binding that takes the value does.
    const hidden = p.base.name === "<reference>";
    // A pattern binding (`from` set) is named by itself, as rustc does: "`label` has type `String`".
    const reason = `move occurs because \`${hidden || from ? text(span) : name}\` has type \`${typeToString(ty)}\`, which does not implement the \`Copy\` trait`;
    let msg: string;
    const di = p.proj.findIndex((x) => x.kind === "deref" || x.kind === "index");
    const first = p.proj[di];
    if (hidden) {
      const d = diag("E0507", `cannot move out of a ${first.kind === "deref" && first.mutable ? "mutable" : "shared"} reference`, from ?? span, from ? "the value is moved out of here" : reason);
      if (from) d.labels.push({ span, message: `data moved here; ${reason}` });
      // The receiver of a `self` method given a reference that is a value (`p.join(..).len()`).
      if (!from && sameSpan(p.base.span, span)) d.help.push("this method takes `self` by value, which moves it out of the reference: use a method taking `&self`, or call it on a clone (`.clone()`)");
      else d.help.push(`consider removing the \`&\` from the pattern, so that \`${text(span)}\` is a reference`);
      this.report(d);
      return true;
    }
    if (first.kind === "index") {
      const containerTy = di === 0 ? p.base.ty : undefined;
      if (containerTy?.kind === "array" && !from) {
        // rustc's own code for an array: the element is moved out of the array itself, not out of `Index::index`'s `&`.
        const reason = `move occurs because \`${p.base.name}[_]\` has type \`${typeToString(ty)}\`, which does not implement the \`Copy\` trait`;
        const d = diag("E0508", `cannot move out of type \`${typeToString(containerTy)}\`, a non-copy array`, span, reason);
        d.labels.push({ span, message: "cannot move out of here" });
        d.help.push(`consider borrowing here: \`&${text(span)}\``);
        this.addPermissions(d, n, p, "move");
        this.report(d);
        return true;
      }
      const container = p.proj.slice(0, di).length === 0 && p.base.ty ? typeToString(p.base.ty) : placeToString({ base: p.base, proj: p.proj.slice(0, di) });
      msg = `cannot move out of index of \`${container}\``;
    } else {
      msg = `cannot move out of \`${name}\` which is behind a ${first.kind === "deref" && first.mutable ? "mutable" : "shared"} reference`;
    }
    if (from) {
      const d = diag("E0507", msg, from, "the value is moved out of here");
      d.labels.push({ span, message: `data moved here; ${reason}` });
      d.help.push(`consider borrowing here: \`&${text(from)}\``);
      this.addPermissions(d, n, p, "move");
      this.report(d);
      return true;
    }
    const d = diag("E0507", msg, span, reason);
    const src = text(span);
    const last = p.proj[p.proj.length - 1];
    if (structUpdate && last.kind === "field") d.help.push(`give the field explicitly instead of taking it with \`..\`: \`${last.name}: ${name}.clone()\``);
    else if (first.kind === "index") d.help.push(`consider borrowing here: \`&${src}\``);
    // `*host` moves what `host` points to; `host.clone()` (method calls see through the reference) clones it.
    else d.help.push(`consider cloning the value: \`${/^\*[A-Za-z_][\w.]*$/.test(src) ? src.slice(1) : src}.clone()\``);
    this.addPermissions(d, n, p, "move");
    this.report(d);
    return true;
  }

  /** Writing through a parameter declared `&T` (or `&self`): the fix is in its declaration. */
  private mutableRefHelp(d: Diagnostic, p: Place, deciding: number): void {
    const param = deciding === 0 ? this.cfg.sharedRefParams?.get(p.base) : undefined;
    if (!param) return;
    d.labels.push({ span: param.span, message: `\`${p.base.name}\` is declared here as a \`&\` reference` });
    d.help.push(`consider changing this to be a mutable reference: \`${param.fix}\``);
  }

  /** E0596: `&mut` of something not mutable. Returns true when reported. */
  private checkMutability(n: number, p: Place, span: Span): boolean {
    const deciding = decidingDeref(p);
    if (deciding >= 0) {
      const pr = p.proj[deciding] as { kind: "deref"; mutable: boolean };
      if (pr.mutable) return false;
      const refPlace = { base: p.base, proj: p.proj.slice(0, deciding) };
      const d = diag(
        "E0596",
        `cannot borrow \`${placeToString(p)}\` as mutable, as it is behind a \`&\` reference`,
        span,
        `\`${placeToString(refPlace)}\` is a \`&\` reference, so the data it refers to cannot be borrowed as mutable`,
      );
      this.mutableRefHelp(d, p, deciding);
      this.addPermissions(d, n, p, "mut");
      this.report(d);
      return true;
    }
    if (p.base.mutable || p.base.name === "<iterator>") return false;
    // A binding never given a value yet is told as that (E0381), not as not `mut` (rustc).
    if (!this.an.maybeAssigned(p.base, n)) return false;
    // A variable captured by a closure is no local of the closure's body: each use is told there.
    const earlier = this.cfg.captured.has(p.base) ? undefined : this.notMutBorrows.get(p.base);
    if (earlier) {
      // rustc tells one E0596 per binding: with several, at the declaration, each borrow labelled.
      if (earlier.labels.every((l) => l.message !== "cannot borrow as mutable")) {
        earlier.labels.push({ span: earlier.primary.span, message: "cannot borrow as mutable" });
        earlier.primary = { span: p.base.span, message: "not mutable" };
        earlier.message = `cannot borrow \`${p.base.name}\` as mutable, as it is not declared as mutable`;
      }
      earlier.labels.push({ span, message: "cannot borrow as mutable" });
      return true;
    }
    const d = diag("E0596", `cannot borrow \`${placeToString(p)}\` as mutable, as it is not declared as mutable`, span, "cannot borrow as mutable");
    d.help.push(`consider changing this to be mutable: \`mut ${p.base.name}\``);
    this.addPermissions(d, n, p, "mut");
    if (this.report(d)) this.notMutBorrows.set(p.base, d);
    return true;
  }

  /** The E0596 told for each binding not declared `mut` (see checkMutability). */
  private readonly notMutBorrows = new Map<Binding, Diagnostic>();

  /** E0384 / E0594: assignment to an immutable binding or through a `&`. Returns true when reported. */
  private checkAssignMutability(n: number, p: Place, span: Span, throughBox: boolean): boolean {
    const deciding = decidingDeref(p);
    if (deciding >= 0) {
      const pr = p.proj[deciding] as { kind: "deref"; mutable: boolean };
      if (pr.mutable) return false;
      // In a closure, writing through a captured `&` is first a mutable capture of what it points
      // to, which rustc reports as the borrow (E0596).
      const inClosure = this.cfg.captured.has(p.base);
      const d = inClosure
        ? diag("E0596", `cannot borrow \`${placeToString(p)}\` as mutable, as it is behind a \`&\` reference`, span, "cannot borrow as mutable")
        : p.base.name === "<reference>"
          ? diag("E0594", "cannot assign to data in a `&` reference", span, "cannot assign")
          : diag("E0594", `cannot assign to \`${placeToString(p)}\`, which is behind a \`&\` reference`, span, "cannot assign");
      this.mutableRefHelp(d, p, deciding);
      this.addPermissions(d, n, p, "write");
      this.report(d);
      return true;
    }
    if (p.base.mutable) return false;
    if (p.proj.length === 0 && this.cfg.captured.has(p.base)) {
      const d = diag("E0594", `cannot assign to \`${p.base.name}\`, as it is not declared as mutable`, span, "cannot assign");
      d.help.push(`consider changing this to be mutable: \`mut ${p.base.name}\``);
      this.addPermissions(d, n, p, "write");
      this.report(d);
      return true;
    }
    if (p.proj.length === 0 && throughBox) {
      // `*b = v` writes into the Box's contents: not a second assignment of `b`, but still needs `mut b`.
      const d = diag("E0594", `cannot assign to \`*${p.base.name}\`, as \`${p.base.name}\` is not declared as mutable`, span, "cannot assign");
      d.help.push(`consider changing this to be mutable: \`mut ${p.base.name}\``);
      this.addPermissions(d, n, p, "write");
      this.report(d);
      return true;
    }
    if (p.proj.length === 0) {
      if (!this.an.maybeAssigned(p.base, n)) return false; // a deferred `let x;` gets its one assignment
      const d = diag("E0384", `cannot assign twice to immutable variable \`${p.base.name}\``, span, "cannot assign twice to immutable variable");
      d.labels.push({ span: p.base.span, message: `first assignment to \`${p.base.name}\`` });
      d.help.push(`consider making this binding mutable: \`mut ${p.base.name}\``);
      this.addPermissions(d, n, p, "write");
      this.report(d);
      return true;
    }
    if (!this.an.maybeAssigned(p.base, n)) return false; // a field of a binding never given a value: E0381
    const d = diag("E0594", `cannot assign to \`${placeToString(p)}\`, as \`${p.base.name}\` is not declared as mutable`, span, "cannot assign");
    d.help.push(`consider changing this to be mutable: \`mut ${p.base.name}\``);
    this.addPermissions(d, n, p, "write");
    this.report(d);
    return true;
  }

  private conflict(n: number, p: Place, kind: Access, span: Span, self: number, shallow = false): void {
    // Only the loans of p's base that reach n, in id order (a read or a shared borrow can only
    // conflict with a mutable loan). A shallow read does not see the loans of p's parts.
    for (const l of this.an.reachingLoans(p.base, n, kind === "read" || kind === "shared")) {
      if (shallow && this.cfg.loans[l].place.proj.length > p.proj.length) continue;
      if (this.conflictWith(n, p, kind, span, self, l)) return;
    }
  }

  /** Reports the conflict of the access at n with reaching loan l if there is one; true when reported. */
  private conflictWith(n: number, p: Place, kind: Access, span: Span, self: number, l: number): boolean {
    // The loan being created conflicts with itself only when it is still live from a previous iteration.
    const loan = this.cfg.loans[l];
    if (!overlaps(loan.place, p)) return false;
    // A tensor view keeps the storage it shares alive by itself (reference-counted, as in PyTorch):
    // it forbids changing the base in place and moving it away, not rebinding it (`x = x.t()`).
    if (loan.origin === "view" && kind === "write") return false;
    if (kind === "write" || kind === "compound") {
      // Overwriting a reference does not disturb reborrows of what it pointed to.
      const next = loan.place.proj[p.proj.length];
      if (loan.place.proj.length > p.proj.length && next && next.kind === "deref") return false;
    }
    if (!this.an.loanLive(l, n, this.model)) return false;
    this.reportConflict(n, p, kind, span, loan, self >= 0 ? this.cfg.loans[self] : undefined);
    if (l === self) {
      const d = this.diags[this.diags.length - 1];
      const what = loan.mutable ? "mutably borrowed" : "borrowed";
      if (d && d.labels[0]) d.labels[0].message = `\`${placeToString(loan.place)}\` was ${what} here in the previous iteration of the loop`;
    }
    return true;
  }

  private reportConflict(n: number, p: Place, kind: Access, span: Span, loan: Loan, created?: Loan): void {
    const name = placeToString(p);
    const lname = placeToString(loan.place);
    let d: Diagnostic;
    let laterMsg = "borrow later used here";
    if (created && uniqueCapture(created) && uniqueCapture(loan)) {
      d = diag("E0524", `two closures require unique access to \`${name}\` at the same time`, created.closureSpan ?? span, "second closure is constructed here");
      d.labels.push({ span: loan.closureSpan ?? loan.span, message: created === loan ? "first closure is constructed here, in the previous iteration of the loop" : "first closure is constructed here" });
      this.storyOfLoan(d, n, loan, "first borrow later used here", span);
      this.report(d);
      return;
    }
    if (created && uniqueCapture(created) && created !== loan) {
      // A closure mutating through a `&mut` needs unique access to what it points to (rustc's E0500).
      d = diag("E0500", `closure requires unique access to \`${name}\` but it is already borrowed`, created.closureSpan ?? span, "closure construction occurs here");
      d.labels.push({ span: loan.span, message: "borrow occurs here" });
      if (created.closureSpan && span.start !== created.closureSpan.start) d.labels.push({ span, message: `second borrow occurs due to use of \`${name}\` in closure` });
      this.storyOfLoan(d, n, loan, "first borrow later used here", span);
      this.addPermissions(d, n, p, kind);
      this.report(d);
      return;
    }
    const reserving = created?.origin === "reservation"; // the `&mut` receiver of a call, before its arguments
    if (uniqueCapture(loan) && (kind === "mut" || kind === "shared") && created !== loan) {
      const how = kind === "mut" || reserving ? "mutable" : "immutable";
      d = diag("E0501", `cannot borrow \`${name}\` as ${how} because previous closure requires unique access`, span, "borrow occurs here");
      d.labels.push({ span: loan.closureSpan ?? loan.span, message: "closure construction occurs here" });
      this.storyOfLoan(d, n, loan, "first borrow later used here", span);
      this.addPermissions(d, n, p, kind);
      this.report(d);
      return;
    }
    switch (kind) {
      case "mut":
        if (loan.mutable || loan.origin === "reservation") {
          d = diag("E0499", `cannot borrow \`${name}\` as mutable more than once at a time`, span, "second mutable borrow occurs here");
          d.labels.push({ span: loan.span, message: "first mutable borrow occurs here" });
          laterMsg = "first borrow later used here";
          if (hasIndex(p) && hasIndex(loan.place)) {
            // `&mut v[a]` and `&mut v[b]`: the checker cannot tell the indices apart (they may be equal).
            d.notes.push("two indices may name the same element, so each `&mut` of an element borrows the whole collection");
            d.help.push("use `.split_at_mut(position)` to obtain two mutable non-overlapping sub-slices, `.swap(a, b)` to exchange two elements, or change one element at a time");
          }
        } else {
          d = diag("E0502", `cannot borrow \`${name}\` as mutable because it is also borrowed as immutable`, span, "mutable borrow occurs here");
          d.labels.push({ span: loan.span, message: "immutable borrow occurs here" });
          laterMsg = "immutable borrow later used here";
        }
        break;
      case "shared":
        if (reserving) {
          d = diag("E0499", `cannot borrow \`${name}\` as mutable more than once at a time`, span, "second mutable borrow occurs here");
          d.labels.push({ span: loan.span, message: "first mutable borrow occurs here" });
          laterMsg = "first borrow later used here";
          break;
        }
        d = diag("E0502", `cannot borrow \`${name}\` as immutable because it is also borrowed as mutable`, span, "immutable borrow occurs here");
        d.labels.push({ span: loan.span, message: "mutable borrow occurs here" });
        laterMsg = "mutable borrow later used here";
        break;
      case "read":
        d = diag("E0503", `cannot use \`${name}\` because it was mutably borrowed`, span, `use of borrowed \`${lname}\``);
        d.labels.push({ span: loan.span, message: `\`${lname}\` is borrowed here` });
        break;
      case "move":
        d = diag("E0505", `cannot move out of \`${name}\` because it is borrowed`, span, `move out of \`${name}\` occurs here`);
        d.labels.push({ span: loan.span, message: `borrow of \`${lname}\` occurs here` });
        break;
      case "compound":
        if (loan.mutable) {
          d = diag("E0503", `cannot use \`${name}\` because it was mutably borrowed`, span, `use of borrowed \`${lname}\``);
          d.labels.push({ span: loan.span, message: `\`${lname}\` is borrowed here` });
          break;
        }
        d = diag("E0506", `cannot assign to \`${name}\` because it is borrowed`, span, `\`${name}\` is assigned to here but it was already borrowed`);
        d.labels.push({ span: loan.span, message: `\`${lname}\` is borrowed here` });
        break;
      case "write":
      default:
        d = diag("E0506", `cannot assign to \`${name}\` because it is borrowed`, span, `\`${name}\` is assigned to here but it was already borrowed`);
        d.labels.push({ span: loan.span, message: `\`${lname}\` is borrowed here` });
        break;
    }
    if (loan.origin === "capture" && loan.closureSpan && !sameSpan(loan.closureSpan, loan.span)) {
      // As rustc: the borrow is the closure's; the use inside its body is why.
      const l = d.labels.find((x) => x.span === loan.span);
      if (l) {
        l.span = closureHead(loan.closureSpan);
        d.labels.push({ span: loan.span, message: `first borrow occurs due to use of \`${lname}\` in closure` });
      }
    }
    this.storyOfLoan(d, n, loan, laterMsg, span);
    if ((kind === "mut" || kind === "write" || kind === "move") && this.an.holders[loan.id]?.some((h) => h.name === "<iterator>")) {
      // Iterator invalidation: the learner's question is why the loop still holds the borrow.
      d.notes.push(`a \`for\` loop's iterator borrows \`${lname}\` until the loop ends, so \`${lname}\` cannot change inside the loop`);
      d.help.push("loop over indices (`for i in 0..v.len()`) or over a copy, or collect the changes and apply them after the loop (`retain` removes elements)");
    }
    if (loan.origin === "view") {
      const holder = this.an.holders[loan.id]?.[0];
      const view = holder ? `\`${holder.name}\`` : "the view";
      if (!holder?.ty || isTensor(holder.ty)) {
        d.notes.push(`${view} is a view of \`${lname}\`: it shares \`${lname}\`'s storage, so changing \`${lname}\` would change ${view} too`);
        d.help.push(`to change \`${lname}\` while ${view} keeps its values, make ${view} an independent tensor: add \`.clone()\` where it is created`);
      } else {
        // A container the view went into (`views.push(data.view(..))`).
        d.notes.push(`${view} holds a view of \`${lname}\`: it shares \`${lname}\`'s storage, so changing \`${lname}\` would change what ${view} holds too`);
        d.help.push(`to change \`${lname}\` while ${view} keeps its values, store an independent tensor: add \`.clone()\` to the view before storing it`);
      }
    }
    this.addPermissions(d, n, p, reserving ? "mut" : kind);
    this.report(d);
  }

  /** Adds where the borrow is used later, or (lexical) where it ends, and the lexical/NLL note. */
  private storyOfLoan(d: Diagnostic, n: number, loan: Loan, laterMsg: string, primary: Span): void {
    const holders = this.an.holders[loan.id].filter((h) => this.cfg.bindingIndex.has(h));
    this.laterHolderIsStatic = false;
    const later = this.laterUse(n, holders);
    const nllLive = this.an.loanLive(loan.id, n, "nll");
    const returnedAt = later && this.laterHolderIsReturned ? this.returnSiteOf(loan, holders, primary) : null;
    if (returnedAt) {
      // NLL problem case #3: the reference returned on another path is what keeps the borrow.
      // (A tail `match` holding the error inside is no place to point at: the note says it.)
      if (returnedAt.end <= primary.start)
        d.labels.push({ span: returnedAt, message: "returning this value requires that the borrow lasts until the function returns" });
      d.notes.push("a reference the function returns on one path keeps what it borrows borrowed from where it was made to the end of the function, on every path (NLL's \"problem case #3\": rustc rejects this too)");
      d.help.push("look first without keeping a reference (`contains_key`, `iter().position(..)`), then take the reference once on the path that returns it");
    } else if (later && this.laterHolderIsStatic) {
      // Held by a `'static` trait object (a boxed closure stored where `Box<dyn ..>` is written): to the end.
      d.labels.push({ span: later, message: "the borrow lasts until here: a closure holding it was stored as a `'static` trait object" });
    } else if (later && this.laterIsDrop && (nllLive || this.model === "nll")) {
      const b = this.laterIsDrop;
      d.labels.push({ span: later, message: `${laterMsg.replace(/ later used here$/, "")} might be used here, when \`${b.name}\` is dropped and runs the destructor of its trait object` });
      d.notes.push(`\`${b.name}\` holds a trait object (\`dyn\`), whose destructor may use what it borrows, so the borrow lasts until \`${b.name}\` goes out of scope`);
    } else if (later && (nllLive || this.model === "nll")) d.labels.push({ span: later, message: laterMsg });
    if (this.model === "lexical" && !nllLive) {
      const h = holders.find((b) => this.an.holderLive(b, n, "lexical")) ?? holders[0];
      const end = h ? this.cfg.scopeEndSpan.get(h) : undefined;
      if (h && end) {
        const hn = h.name === "<iterator>" ? "the loop's iterator" : `\`${h.name}\``;
        d.labels.push({ span: end, message: `${hn} goes out of scope here, ending the borrow` });
        const uses = (this.cfg.uses.get(h) ?? []).filter((s) => s.start < primary.start && s.start > loan.span.start);
        const lastUse = uses.length ? Math.max(...uses.map(line)) : line(loan.span);
        d.notes.push(
          `this borrow lasts until ${hn} goes out of scope at line ${line(end)}; with --borrowck=nll it would end after its last use at line ${lastUse}`,
        );
      }
    }
  }

  /** Set by laterUse: the use it found is the drop of a variable holding a trait object. */
  private laterIsDrop: Binding | null = null;

  /** Set by laterUse: the use it found is a `return` of the function's returned reference. */
  private laterHolderIsReturned = false;

  /** The `return` (before `primary`) whose value carries `loan`, directly or through one of its holders. */
  private returnSiteOf(loan: Loan, holders: Binding[], primary: Span): Span | null {
    const hs = new Set(holders);
    for (const r of this.cfg.returnSites ?? []) {
      if (r.span.start >= primary.start) continue;
      if (r.loans.includes(loan.id) || r.vars.some((v) => hs.has(v))) return r.span;
    }
    return null;
  }

  /** The first use of any holder reachable from node n (including n itself when it uses one). */
  private laterUse(n: number, holders: Binding[]): Span | null {
    if (!holders.length) return null;
    const hs = new Set(holders);
    const seen = new Uint8Array(this.cfg.nodes.length);
    const queue = [...this.cfg.nodes[n].succ];
    for (const s of queue) seen[s] = 1;
    for (let i = 0; i < queue.length; i++) {
      const node = this.cfg.nodes[queue[i]];
      // A redefinition of the holder ends this borrow's story along this path.
      const a = node.action;
      if (nodeUses(this.cfg, node).some((b) => hs.has(b))) {
        this.laterHolderIsStatic = a.kind === "touch" && a.binding.name === "<'static>";
        this.laterHolderIsReturned = a.kind === "touch" && a.binding.name === "<returned>";
        this.laterIsDrop = a.kind === "touch" && !!this.cfg.dropUsers?.has(a.binding) ? a.binding : null;
        return (a as { span: Span }).span ?? null;
      }
      if (a.kind === "declare" && hs.has(a.binding)) continue;
      for (const s of node.succ) if (!seen[s]) {
        seen[s] = 1;
        queue.push(s);
      }
    }
    return null;
  }

  /** E0597: locals going out of scope while a live borrow points at them. */
  private checkDangling(n: number, bindings: Binding[], span: Span): void {
    for (const b of bindings) {
      for (const l of this.an.loansByBase.get(b) ?? []) {
        const loan = this.cfg.loans[l];
        if (hasDeref(loan.place) || loan.origin === "view") continue; // a view outlives its base's variable
        if (!this.an.loanLive(l, n, this.model, true)) continue;
        // The holders dying in this same scope do not count (locals of one block die together).
        const holders = this.an.holders[l];
        if (!holders.some((h) => this.an.holderLive(h, n, this.model, true))) continue;
        // A closure that ends up in a `'static` result (`-> Vec<Box<dyn Fn()>>`): rustc tells the
        // closure's E0373 at the return, not the local's end of scope.
        if (loan.origin === "capture" && this.cfg.returnsStatic && holders.some((h) => this.returnedVars().has(h))) continue;
        const d = diag("E0597", `\`${b.name}\` does not live long enough`, loan.span, "borrowed value does not live long enough");
        d.labels.push({ span, message: `\`${b.name}\` dropped here while still borrowed` });
        if (loan.origin === "capture" && loan.closureSpan) {
          if (!sameSpan(loan.closureSpan, loan.span)) d.labels.push({ span: loan.closureSpan, message: "value captured here" });
          d.help.push(`to let the closure outlive \`${b.name}\`, make it take ownership with the \`move\` keyword`);
        }
        const later = this.laterUse(n, holders);
        // A block's value (`let r = { let s = ..; &s };`) is used by whatever takes it after the `}`.
        const blockValue = holders.some((h) => h.name === "<block value>" && later && h.span.start === later.start);
        if (later && this.laterIsDrop) {
          d.labels.push({ span: later, message: `borrow might be used here, when \`${this.laterIsDrop.name}\` is dropped and runs the destructor of its trait object` });
          d.notes.push("values in a scope are dropped in the opposite order they are defined");
        } else if (later) d.labels.push({ span: later, message: blockValue ? "a value holding the borrow leaves the block here" : "borrow later used here" });
        this.lexicalHolderStory(d, n, holders, loan.span, span);
        this.addPermissions(d, n, localPlace(b), "drop");
        this.report(d);
        break;
      }
    }
  }

  /**
   * Under lexical, when the holder is not used any more (NLL would accept): where the holder goes
   * out of scope, ending the borrow, and the note naming both lines.
   */
  private lexicalHolderStory(d: Diagnostic, n: number, holders: Binding[], borrowSpan: Span, dropSpan: Span): void {
    if (this.model !== "lexical" || holders.some((h) => this.an.holderLive(h, n, "nll", true))) return;
    const h = holders.find((x) => this.an.holderLive(x, n, "lexical", true)) ?? holders[0];
    const end = h && this.cfg.scopeEndSpan.get(h);
    if (!end) return;
    const uses = (this.cfg.uses.get(h) ?? []).filter((u) => u.start > borrowSpan.start && u.start < dropSpan.start);
    const lastUse = uses.length ? Math.max(...uses.map(line)) : line(borrowSpan);
    d.labels.push({ span: end, message: `\`${h.name}\` goes out of scope here, ending the borrow` });
    d.notes.push(`this borrow lasts until \`${h.name}\` goes out of scope at line ${line(end)}; with --borrowck=nll it would end after its last use at line ${lastUse}`);
  }

  /** E0716: a statement's temporary freed at its end while a variable still holds a borrow of it. */
  private checkTemporaries(n: number, temps: Binding[], end: Span): void {
    for (const t of temps) {
      for (const l of this.an.loansByBase.get(t) ?? []) {
        const holders = this.an.holders[l];
        if (!this.an.loanLive(l, n, this.model, true)) continue;
        if (!holders.some((h) => this.an.holderLive(h, n, this.model, true))) continue;
        const d = diag("E0716", "temporary value dropped while borrowed", t.span, "creates a temporary value which is freed while still in use");
        d.labels.push({ span: end, message: "temporary value is freed at the end of this statement" });
        const later = this.laterUse(n, holders);
        if (later) d.labels.push({ span: later, message: "borrow later used here" });
        this.lexicalHolderStory(d, n, holders, t.span, end);
        d.notes.push("consider using a `let` binding to create a longer lived value");
        this.report(d);
        break;
      }
    }
  }

  /**
   * E0621: a `&self`/`&mut self` method returns data borrowed from another parameter. Callers take
   * its result to borrow only the receiver (Rust's elision rule), so this would outlive that borrow.
   */
  private checkReturnNotFromSelf(carried: { loans: number[]; vars: Binding[] }, loans: Set<number>, span: Span): boolean {
    const params = new Set(this.cfg.selfOnlyResult);
    const from = derivedFrom(this.cfg, [...carried.vars, ...[...loans].map((l) => this.cfg.loans[l].place.base)]);
    const p = [...from].find((b) => params.has(b));
    if (!p) return false;
    const d = diag("E0621", `this method returns data borrowed from \`${p.name}\`, but its result may only borrow \`self\``, span, `returns data borrowed from \`${p.name}\``);
    d.labels.push({ span: p.span, message: `\`${p.name}\` is a reference parameter` });
    d.notes.push("a method taking `&self` or `&mut self` returns a reference that borrows `self` only, as in Rust; callers may change or drop the other arguments while they use the result");
    d.help.push(`return an owned value instead (e.g. \`${p.name}.clone()\`), or make this a function without \`self\`, whose result borrows every reference parameter`);
    this.report(d);
    return true;
  }

  /**
   * E0597: a value borrowing a local (a closure's capture, a struct holding `&v`) stored into a
   * `'static` trait object (a `Box<dyn ..>` field or parameter). Borrows through references
   * (`&self.x`) are a lifetime error rustc reports without a code; they are left alone here.
   */
  private checkIntoStatic(n: number, carried: { loans: number[]; vars: Binding[] }, span: Span): void {
    const all = new Set(carried.loans);
    for (const v of carried.vars) for (const l of this.loansOfVar.get(v) ?? []) all.add(l);
    const told = new Set<Binding>(); // each borrowed local once, as rustc does
    for (const l of [...all].sort((a, b) => a - b)) {
      const loan = this.cfg.loans[l];
      if (hasDeref(loan.place) || loan.origin === "view" || !this.an.loanReaches(l, n)) continue;
      const b = loan.place.base;
      if (told.has(b) || !this.cfg.bindingIndex.has(b) || this.cfg.external.has(b) || this.cfg.captured.has(b)) continue;
      told.add(b);
      const d = diag("E0597", `\`${b.name}\` does not live long enough`, loan.span, "borrowed value does not live long enough");
      d.labels.push({ span: b.span, message: `binding \`${b.name}\` declared here` });
      const end = this.cfg.scopeEndSpan.get(b);
      if (end) d.labels.push({ span: end, message: `\`${b.name}\` dropped here while still borrowed` });
      // Stored later, through a variable (`let cb: Box<dyn Fn()> = ..; register(cb)`): point at the store too.
      if (span.end <= loan.span.start || span.start >= loan.span.end) d.labels.push({ span, message: `this requires that \`${b.name}\` is borrowed for \`'static\`` });
      // rustc labels the whole `Box::new(..)` "cast requires ..."; around the primary span that label would hide it.
      d.notes.push(`cast requires that \`${b.name}\` is borrowed for \`'static\`: a \`dyn\` type written in a struct field or a parameter (\`Box<dyn Fn(..)>\`) holds only values that borrow nothing`);
      if (loan.origin === "capture") d.help.push(`to force the closure to take ownership of \`${b.name}\`, use the \`move\` keyword`);
      this.report(d);
    }
  }

  private returned: Set<Binding> | null = null;

  /** The variables some `return` (or the tail) gives back. */
  private returnedVars(): Set<Binding> {
    if (!this.returned) {
      this.returned = new Set();
      for (const node of this.cfg.nodes) if (node.action.kind === "return") for (const v of node.action.carried.vars) this.returned.add(v);
    }
    return this.returned;
  }

  /** E0515 / E0373: returning a borrow of a local. */
  private checkReturn(n: number, carried: { loans: number[]; vars: Binding[] }, span: Span): void {
    const all = new Set(carried.loans);
    for (const v of carried.vars) for (const l of this.loansOfVar.get(v) ?? []) all.add(l);
    if (this.cfg.selfOnlyResult?.length && this.checkReturnNotFromSelf(carried, all, span)) return;
    for (const l of [...all].sort((a, b) => a - b)) {
      const loan = this.cfg.loans[l];
      if (hasDeref(loan.place) || loan.origin === "view") continue; // a returned view owns its storage
      if (!this.an.loanReaches(l, n)) continue;
      const b = loan.place.base;
      if (!this.cfg.bindingIndex.has(b) || this.cfg.external.has(b) || this.cfg.captured.has(b)) continue;
      if (loan.origin === "capture" && loan.closureSpan && !carried.loans.includes(l) && !this.cfg.returnsStatic) {
        // A borrowing closure stored in a variable and returned: rustc blames the borrowed local
        // (but a `'static` result, `-> Box<dyn Fn()>`, makes it the closure's E0373 below).
        const d = diag("E0597", `\`${b.name}\` does not live long enough`, loan.span, "borrowed value does not live long enough");
        d.labels.push({ span, message: "a value holding the borrow is returned here" });
        d.help.push(`to force the closure to take ownership of \`${b.name}\`, use the \`move\` keyword`);
        this.report(d);
        return;
      }
      if (loan.origin === "capture" && loan.closureSpan) {
        const d = diag(
          "E0373",
          `closure may outlive the current function, but it borrows \`${b.name}\`, which is owned by the current function`,
          closureHead(loan.closureSpan),
          `may outlive borrowed value \`${b.name}\``,
        );
        d.labels.push({ span: loan.span, message: `\`${b.name}\` is borrowed here` });
        d.help.push(`to force the closure to take ownership of \`${b.name}\` (and any other referenced variables), use the \`move\` keyword`);
        this.report(d);
        return;
      }
      const direct = carried.loans.includes(l) && loan.place.proj.length === 0 && loan.origin === "ref";
      const temporary = b.name === "<temporary>";
      const what = temporary ? "temporary value" : `local variable \`${b.name}\``;
      const d = diag(
        "E0515",
        direct ? `cannot return reference to ${what}` : `cannot return value referencing ${what}`,
        span,
        "returns a reference to data owned by the current function",
      );
      if (temporary && !direct) d.labels.push({ span: b.span, message: "temporary value created here" });
      else if (!direct) d.labels.push({ span: loan.span, message: `\`${b.name}\` is borrowed here` });
      if (temporary) d.help.push("return the value itself instead of a reference to it");
      this.report(d);
      return;
    }
  }
}

/** `vars` and every variable they derive from, followed back through the body's flows. */
function derivedFrom(cfg: Cfg, vars: Binding[]): Set<Binding> {
  const back = new Map<Binding, Binding[]>();
  cfg.varFlows.forEach((tos, from) => {
    for (const t of tos) {
      const l = back.get(t) ?? [];
      l.push(from);
      back.set(t, l);
    }
  });
  const seen = new Set<Binding>(vars);
  const work = [...vars];
  while (work.length) for (const f of back.get(work.pop()!) ?? []) if (!seen.has(f)) (seen.add(f), work.push(f));
  return seen;
}

/**
 * The deref that decides whether p may be written or borrowed mutably: the last `&` on the way
 * (behind any `&`, as in `**rr` with `rr: &&mut Vec`, it may not), else the first deref; -1: none.
 */
function decidingDeref(p: Place): number {
  let d = -1;
  for (let i = 0; i < p.proj.length; i++) {
    const pr = p.proj[i];
    if (pr.kind === "deref" && (d < 0 || pr.mutable === false)) d = i;
  }
  return d;
}

/** A closure's mutable capture of a place behind a `&mut` (`|| r.push(1)` captures `*r`): Rust calls it a unique borrow. */
function uniqueCapture(l: Loan): boolean {
  // Also a mutation of a captured binding not declared `mut` (E0596/E0594 inside the closure):
  // rustc then takes the capture as a unique borrow, and its conflicts are E0500/E0501.
  return l.origin === "capture" && l.mutable && (hasDeref(l.place) || !l.place.base.mutable);
}

export type { Label };

function sameSpan(a: Span, b: Span): boolean {
  return a.start === b.start && a.end === b.end;
}

/** A closure's `|params|` (with `move`): where rustc puts the closure's own borrow label. */
function closureHead(span: Span): Span {
  const text = span.file.text;
  let i = span.start;
  if (text.startsWith("move", i)) i += 4;
  while (i < span.end && /\s/.test(text[i])) i++;
  if (text[i] !== "|") return span;
  const close = text.indexOf("|", i + 1);
  return close < 0 || close >= span.end ? span : { file: span.file, start: span.start, end: close + 1 };
}
