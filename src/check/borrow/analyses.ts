// The three dataflow analyses over one body's CFG:
//
//  - scope:    which bindings are in scope (the lexical liveness rule: a borrow stored in a
//              variable lasts until the variable goes out of scope);
//  - liveness: which bindings may still be used later (the NLL rule: a borrow lasts until the
//              last use of a reference derived from it) — backward;
//  - moves:    which move sites (and never-initialized declarations) may reach each point, plus
//              which bindings may already have been assigned (E0384);
//  - loans:    which loans may reach each point, and which are still temporaries of their
//              statement. A loan is live at a point when it reaches it and either is still a
//              temporary or one of its holder variables is live there (by the chosen rule).

import type { Binding } from "../../syntax/ast";
import type { Cfg, CfgNode } from "./cfg";
import { GenKill, solve, solveTogether, type Effect, type SliceSets, type Solved } from "./dataflow";
import { hasDeref, hasIndex, isPrefix, movePath, type Place } from "./places";

/** The empty list a per-node lookup falls back to (one shared array, not a new one per node). */
const NONE: readonly number[] = [];
const NONE_B: readonly Binding[] = [];

export interface MoveSite {
  id: number;
  node: number;
  /** Move path (local + fields). */
  path: Place;
  kind: "move" | "uninit";
}

/** Bindings a node uses (for liveness and "borrow later used here"). */
export function nodeUses(cfg: Cfg, node: CfgNode): Binding[] {
  const a = node.action;
  switch (a.kind) {
    case "read":
    case "move":
      return [a.place.base];
    case "borrow":
      return [cfg.loans[a.loan].place.base];
    case "assign":
      return a.compound || a.place.proj.length > 0 ? [a.place.base] : [];
    case "touch":
      return [a.binding];
    case "return":
      return a.carried.vars;
    default:
      return [];
  }
}

/** The fewest loans for which an NLL body gets the window of loans whose holder has not died. */
export const DEATH_WINDOW_FROM = 128;

export class BodyAnalysis {
  readonly nB: number;
  readonly scope: { before: SliceSets; after: SliceSets };
  readonly sites: MoveSite[] = [];
  readonly sitesByBinding = new Map<Binding, number[]>();
  /** The move site at each node, plus one (0: none); an array, as the moves analysis asks at every node. */
  private readonly siteAt: Int32Array;
  readonly moves: { before: SliceSets; after: SliceSets };
  /** Every holder (transitively through variable flows) of each loan. */
  readonly holders: Binding[][];
  /** Loans held only by one variable: killed when that variable is overwritten. */
  readonly soleHeld = new Map<Binding, number[]>();
  /** Loans by borrowed local, for conflict queries. */
  readonly loansByBase = new Map<Binding, number[]>();
  /**
   * The loans analysis numbers its bits by borrowed local, not by loan id: each local's mutable
   * loans, then its shared ones, take consecutive bits, so the loans of one local that reach a
   * point are read off one range of the state (skipping empty parts whole) instead of testing
   * every loan the local ever had (quadratic in a long body).
   */
  private readonly loanBit: Int32Array;
  private readonly loanOfBit: Int32Array;
  /** Per borrowed local: its mutable loans' bits are [lo, mid), its shared ones' [mid, hi). */
  private readonly loanRange = new Map<Binding, { lo: number; mid: number; hi: number }>();
  private readonly loansSolved: { before: SliceSets; after: SliceSets };
  /** Whether the loans analysis has the NLL window of loans whose holder has not died. */
  private readonly deathWindow: boolean;

  /**
   * `model`: the liveness rule the checker will ask about. Under "nll", in a body with at least
   * `deathWindowFrom` loans, a third window of the loans analysis drops a loan where its only
   * holder dies, so that conflict checks enumerate the loans that may be live, not every loan that
   * still reaches (all of a long body's dead borrows). A small body does without: listing all its
   * reaching loans is cheap, and the window's cost (a cold `stark check` of many small functions
   * paid ~20% more for it) is not.
   */
  constructor(
    readonly cfg: Cfg,
    model: "lexical" | "nll" = "lexical",
    { deathWindowFrom = DEATH_WINDOW_FROM }: { deathWindowFrom?: number } = {},
  ) {
    this.deathWindow = model === "nll" && cfg.loans.length >= deathWindowFrom;
    this.nB = cfg.bindings.length;
    this.siteAt = new Int32Array(cfg.nodes.length);
    const bindingIndex = cfg.bindingIndex;
    const nB = this.nB;

    const scopeAnalysis: Effect = (node, kill, gen) => {
      const a = node.action;
      if (a.kind === "declare") {
        const i = bindingIndex.get(a.binding);
        if (i !== undefined) gen(i);
      } else if (a.kind === "scopeEnd") {
        for (let j = 0; j < a.bindings.length; j++) {
          const i = bindingIndex.get(a.bindings[j]);
          if (i !== undefined) kill(i);
        }
      }
    };

    // Move sites.
    // Indexed loops over the nodes here and in the rules: this runs once per body, often before V8
    // optimizes it, and an unoptimized for-of allocates an iterator result per node.
    for (let k = 0; k < cfg.nodes.length; k++) {
      const node = cfg.nodes[k];
      const a = node.action;
      if (a.kind === "move" && !hasDeref(a.place) && !hasIndex(a.place)) this.addSite(node.id, movePath(a.place), "move");
      else if (a.kind === "declare" && !a.init) this.addSite(node.id, { base: a.binding, proj: [] }, "uninit");
    }
    const movesAnalysis = this.movesAnalysis();

    // Holders of loans, closed over variable flows.
    // Visited bindings are stamped with the loan's id + 1 (one array for all loans, not a Set each).
    const seenFor = new Int32Array(this.nB);
    const stack: Binding[] = [];
    this.holders = cfg.loans.map((l) => {
      const direct = cfg.loanHolders.get(l.id);
      if (!direct) return [];
      const out: Binding[] = [];
      for (const b of direct) stack.push(b);
      while (stack.length) {
        const b = stack.pop()!;
        const i = cfg.bindingIndex.get(b);
        if (i === undefined ? out.includes(b) : seenFor[i] === l.id + 1) continue;
        if (i !== undefined) seenFor[i] = l.id + 1;
        out.push(b);
        for (const n of cfg.varFlows.get(b) ?? NONE_B) stack.push(n);
      }
      return out.length === 1 ? [out[0]] : out; // most loans have one holder: a one-slot list, kept with the analysis
    });
    this.holders.forEach((hs, l) => {
      if (hs.length === 1) {
        const list = this.soleHeld.get(hs[0]) ?? [];
        list.push(l);
        this.soleHeld.set(hs[0], list);
      }
      const base = cfg.loans[l].place.base;
      const list = this.loansByBase.get(base) ?? [];
      list.push(l);
      this.loansByBase.set(base, list);
    });

    const nL = cfg.loans.length;
    this.loanBit = new Int32Array(nL);
    this.loanOfBit = new Int32Array(nL);
    let bit = 0;
    for (const [base, list] of this.loansByBase) {
      const lo = bit;
      for (const l of list) if (cfg.loans[l].mutable) this.loanOfBit[(this.loanBit[l] = bit++)] = l;
      const mid = bit;
      for (const l of list) if (!cfg.loans[l].mutable) this.loanOfBit[(this.loanBit[l] = bit++)] = l;
      this.loanRange.set(base, { lo, mid, hi: bit });
    }
    const loanBit = this.loanBit;
    const soleHeld = this.soleHeld;
    // Loans held by several variables, by each of them.
    const sharedHeld = new Map<Binding, number[]>();
    this.holders.forEach((hs, l) => {
      if (hs.length > 1) for (const h of hs) (sharedHeld.get(h) ?? sharedHeld.set(h, []).get(h)!).push(l);
    });
    const loanStmt = cfg.loans.map((l) => l.stmt);
    // The loans of places behind a reference held in each variable (`*cur`, `(*cur).next`).
    const derefLoans = new Map<Binding, number[]>();
    cfg.loans.forEach((l) => {
      if (l.place.proj.some((p) => p.kind === "deref")) (derefLoans.get(l.place.base) ?? derefLoans.set(l.place.base, []).get(l.place.base)!).push(l.id);
    });
    // The loans of each variable's own value (`&v`, `&v.items`, not through a reference).
    const ownLoans = new Map<Binding, number[]>();
    cfg.loans.forEach((l) => {
      if (!l.place.proj.some((p) => p.kind === "deref")) (ownLoans.get(l.place.base) ?? ownLoans.set(l.place.base, []).get(l.place.base)!).push(l.id);
    });
    const holders = this.holders;
    const deaths = this.deathWindow ? this.holderDeaths() : null;
    // Bit loanBit[l]: loan l reaches; bit nL + loanBit[l]: it is still a temporary of its
    // statement; under NLL, bit 2nL + loanBit[l]: it reaches and its holder has not died since.
    const C = 2 * nL;
    const killReach = (kill: (bit: number) => void, l: number) => {
      kill(loanBit[l]);
      if (deaths) kill(C + loanBit[l]);
    };
    const loansAnalysis: Effect = (node, kill, gen) => {
      const a = node.action;
      if (a.kind === "borrow") {
        gen(loanBit[a.loan]);
        gen(nL + loanBit[a.loan]);
        if (deaths) gen(C + loanBit[a.loan]);
      } else if (a.kind === "endTemps") {
        // A temporary loan no variable holds is dead for good once its statement is done: it
        // stops reaching too, so it does not ride along in every state to the end of the body.
        for (const l of a.loans) {
          kill(nL + loanBit[l]);
          if (holders[l].length === 0) killReach(kill, l);
        }
      } else if ((a.kind === "assign" && !a.compound && a.place.proj.length === 0) || a.kind === "declare") {
        const b = a.kind === "assign" ? a.place.base : a.binding;
        const sole = soleHeld.get(b) ?? NONE;
        for (let i = 0; i < sole.length; i++) if (loanStmt[sole[i]] !== node.stmt) killReach(kill, sole[i]);
        // Overwriting (or declaring anew) a reference ends the loans taken through it (`cur = &mut
        // node.next` walking a list): what they borrow is no longer reached through `b`; rustc
        // kills them too.
        for (const l of derefLoans.get(b) ?? NONE) killReach(kill, l);
        // Overwriting a borrowed variable (E0506 there) ends the borrows of its old value, as in
        // rustc: they point at nothing any more, so later uses do not cascade into more errors.
        if (a.kind === "assign") for (const l of ownLoans.get(b) ?? NONE) killReach(kill, l);
      } else if (a.kind === "scopeEnd") {
        // A loan whose only holder goes out of scope is dead under both rules: dropping it here
        // keeps the set of reaching loans small in long bodies (conflict checks scan it).
        for (let j = 0; j < a.bindings.length; j++) {
          const sole = soleHeld.get(a.bindings[j]) ?? NONE;
          for (let i = 0; i < sole.length; i++) killReach(kill, sole[i]);
        }
        // So is a loan all of whose holders leave scope here (`let a = &v; let b = a;` in one block).
        if (a.bindings.length > 1) {
          const ending = new Set(a.bindings);
          for (const b of a.bindings) for (const l of sharedHeld.get(b) ?? NONE) if (holders[l][0] === b && holders[l].every((h) => ending.has(h))) killReach(kill, l);
        }
      }
      const dying = deaths?.[node.id] ?? NONE;
      for (let i = 0; i < dying.length; i++) kill(C + loanBit[dying[i]]);
    };

    // The three forward analyses share one traversal.
    const [scope, moves, loans] = solveTogether(cfg.nodes, "forward", [
      { width: nB, effect: scopeAnalysis },
      movesAnalysis,
      { width: deaths ? 3 * nL : 2 * nL, effect: loansAnalysis },
    ]);
    this.scope = scope;
    this.moves = moves;
    this.loansSolved = loans;
  }

  /**
   * The loans of local `base` that reach node n (only its mutable ones when `mutableOnly`: all a
   * read or a shared borrow can conflict with), in id order.
   */
  reachingLoans(base: Binding, node: number, mutableOnly: boolean): number[] {
    const out: number[] = [];
    const r = this.loanRange.get(base);
    if (!r) return out;
    const hi = mutableOnly ? r.mid : r.hi;
    const st = this.loansSolved.before;
    if (this.deathWindow) {
      // The loans whose holder may still be live, and those still temporaries (live regardless).
      const nL = this.cfg.loans.length;
      st.bitsIn(node, 2 * nL + r.lo, 2 * nL + hi, out);
      st.bitsIn(node, nL + r.lo, nL + hi, out);
      for (let i = 0; i < out.length; i++) out[i] = this.loanOfBit[out[i] % nL];
      if (out.length > 1) return [...new Set(out)].sort((x, y) => x - y);
      return out;
    }
    st.bitsIn(node, r.lo, hi, out);
    for (let i = 0; i < out.length; i++) out[i] = this.loanOfBit[out[i]];
    if (!mutableOnly && out.length > 1) out.sort((x, y) => x - y);
    return out;
  }

  /**
   * Under NLL, the nodes where the only holder of a loan dies, and the loans that die there: its
   * last uses (live before, not after) and the entries of branches it is not live into. A holder
   * dead here and live again later is assigned in between, which kills its old loans anyway —
   * except an assignment in the statement that made the loan (`r = if c { &v } else { &w }` in a
   * loop), where the old analysis let last iteration's `&v` ride along on the `&w` path; dropping
   * it there, as rustc does, is the one way this window can differ from "reaches".
   */
  private holderDeaths(): (number[] | undefined)[] {
    const cfg = this.cfg;
    const deaths: (number[] | undefined)[] = new Array(cfg.nodes.length);
    const die = (node: number, b: Binding) => {
      const loans = this.soleHeld.get(b);
      if (!loans) return;
      const list = (deaths[node] ??= []);
      for (const l of loans) list.push(l);
    };
    for (const node of cfg.nodes) {
      for (const b of nodeUses(cfg, node)) {
        const i = cfg.bindingIndex.get(b);
        if (i !== undefined && this.soleHeld.has(b) && !this.live.after.has(node.id, i)) die(node.id, b);
      }
    }
    this.live.branchDeaths((node, i) => {
      if (!this.live.after.has(node, i)) die(node, cfg.bindings[i]);
    });
    return deaths;
  }

  /**
   * Which bindings may still be used later (backward). Solved on first use: the NLL rule needs it
   * everywhere, the lexical rule only to word a diagnostic, so a clean lexical check skips it.
   */
  get live(): Solved {
    return (this.liveSolved ??= this.solveLiveness());
  }
  private liveSolved: Solved | undefined;

  private solveLiveness(): Solved {
    const cfg = this.cfg;
    const bindingIndex = cfg.bindingIndex;
    // Definitions kill, then uses gen (a node that reads and writes x keeps x live).
    return solve(
      cfg.nodes,
      new GenKill("backward", this.nB, cfg.nodes, (node, kill, gen) => {
        const a = node.action;
        if (a.kind === "declare") {
          const i = bindingIndex.get(a.binding);
          if (i !== undefined) kill(i);
        } else if (a.kind === "assign" && !a.compound && a.place.proj.length === 0) {
          const i = bindingIndex.get(a.place.base);
          if (i !== undefined) kill(i);
        }
        for (const b of nodeUses(cfg, node)) {
          const i = bindingIndex.get(b);
          if (i !== undefined) gen(i);
        }
      }),
    );
  }

  private addSite(node: number, path: Place, kind: MoveSite["kind"]): void {
    const id = this.sites.length;
    this.sites.push({ id, node, path, kind });
    this.siteAt[node] = id + 1;
    const l = this.sitesByBinding.get(path.base) ?? [];
    l.push(id);
    this.sitesByBinding.set(path.base, l);
  }

  /** The move/initialization analysis (forward): move sites and never-initialized declarations that may reach each point. */
  private movesAnalysis(): { width: number; effect: Effect } {
    const cfg = this.cfg;
    const nS = this.sites.length;
    const bindingIndex = cfg.bindingIndex;
    const sitesByBinding = this.sitesByBinding;
    const sites = this.sites;
    const siteAt = this.siteAt;
    const effect: Effect = (node, kill, gen) => {
      const a = node.action;
      switch (a.kind) {
        case "move": {
          const site = siteAt[node.id] - 1;
          if (site >= 0) gen(site);
          break;
        }
        case "declare": {
          for (const id of sitesByBinding.get(a.binding) ?? NONE) kill(id);
          const i = bindingIndex.get(a.binding);
          if (a.init) {
            if (i !== undefined) gen(nS + i);
          } else {
            if (i !== undefined) kill(nS + i);
            const site = siteAt[node.id] - 1;
            if (site >= 0) gen(site);
          }
          break;
        }
        case "assign": {
          if (!hasDeref(a.place) && !hasIndex(a.place)) {
            for (const id of sitesByBinding.get(a.place.base) ?? NONE) if (isPrefix(a.place, sites[id].path)) kill(id);
            if (a.place.proj.length === 0) {
              const i = bindingIndex.get(a.place.base);
              if (i !== undefined) gen(nS + i);
            }
          }
          break;
        }
        case "scopeEnd":
          for (const b of a.bindings) {
            for (const id of sitesByBinding.get(b) ?? NONE) kill(id);
            const i = bindingIndex.get(b);
            if (i !== undefined) kill(nS + i);
          }
          break;
      }
    };
    return { width: nS + this.nB, effect };
  }

  /** Is binding b live at the entry of node n under the given rule? */
  holderLive(b: Binding, node: number, model: "lexical" | "nll", after = false): boolean {
    const i = this.cfg.bindingIndex.get(b);
    if (i === undefined) return false;
    const sets = model === "lexical" ? this.scope : this.live;
    return (after ? sets.after : sets.before).has(node, i);
  }

  /** Does loan l reach the entry of node n (live or not)? The cheap first test before loanLive. */
  loanReaches(l: number, node: number): boolean {
    return this.loansSolved.before.has(node, this.loanBit[l]);
  }

  /** Is loan l live at the entry of node n (or its exit when `after`)? */
  loanLive(l: number, node: number, model: "lexical" | "nll", after = false): boolean {
    const nL = this.cfg.loans.length;
    const st = after ? this.loansSolved.after : this.loansSolved.before;
    const bit = this.loanBit[l];
    if (!st.has(node, bit)) return false;
    if (st.has(node, nL + bit)) return true;
    for (const h of this.holders[l]) if (this.holderLive(h, node, model, after)) return true;
    return false;
  }

  /** Move sites that may have moved (part of) `p` before node n. */
  movedSites(p: Place, node: number): MoveSite[] {
    // Asked at every access: most places were never moved, so nothing is allocated for them.
    let mp: Place | null = null;
    let out: MoveSite[] | null = null;
    for (const id of this.sitesByBinding.get(p.base) ?? NONE) {
      if (!this.moves.before.has(node, id)) continue;
      const s = this.sites[id];
      mp ??= movePath(p);
      if (isPrefix(s.path, mp) || isPrefix(mp, s.path)) (out ??= []).push(s);
    }
    return out ?? [];
  }

  maybeAssigned(b: Binding, node: number): boolean {
    const i = this.cfg.bindingIndex.get(b);
    return i !== undefined && this.moves.before.has(node, this.sites.length + i);
  }
}
