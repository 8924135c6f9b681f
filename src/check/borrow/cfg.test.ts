// Unit tests of the CFG lowering and of the per-statement facts, on parsed and type-checked programs.

import type { FnDecl, Program } from "../../syntax/ast";
import { makeSourceFile } from "../../syntax/ast";
import { parse } from "../../syntax/parser";
import { checkProgram } from "../index";
import type { Cfg } from "./cfg";
import { BodyAnalysis, DEATH_WINDOW_FROM } from "./analyses";
import { analyzeBorrows, placeToString, type BodyFacts } from "./index";

function compile(src: string): Program {
  const parsed = parse(makeSourceFile("t.stark", src));
  if (!parsed.program) throw new Error(parsed.diagnostics.map((d) => d.message).join("; "));
  const checked = checkProgram(parsed.program);
  const errors = checked.diagnostics.filter((d) => d.severity === "error");
  if (errors.length) throw new Error(errors.map((d) => d.message).join("; "));
  return parsed.program;
}

function bodyOf(src: string, name = "main", model: "lexical" | "nll" = "nll"): BodyFacts {
  const program = compile(src);
  const r = analyzeBorrows(program, checkProgram(program), { model });
  const b = r.bodies.find((x) => x.name === name);
  if (!b) throw new Error(`no body ${name}`);
  return b;
}

const kinds = (cfg: Cfg) => cfg.nodes.map((n) => n.action.kind);

/** Is there a path from a to b? */
function reaches(cfg: Cfg, a: number, b: number): boolean {
  const seen = new Set([a]);
  const stack = [a];
  while (stack.length) {
    const x = stack.pop()!;
    if (x === b) return true;
    for (const s of cfg.nodes[x].succ) if (!seen.has(s)) seen.add(s), stack.push(s);
  }
  return false;
}

describe("CFG lowering", () => {
  it("gives a loop a back edge: the body reaches itself", () => {
    const { cfg } = bodyOf(`fn main() {
    let v = vec![1];
    let mut i = 0;
    while i < 3 {
        let r = &v;
        i += r.len();
    }
}`);
    const borrow = cfg.nodes.find((n) => n.action.kind === "borrow")!;
    expect(borrow.loopDepth).toBe(1);
    const succ = borrow.succ[0];
    expect(reaches(cfg, succ, borrow.id)).toBe(true);
  });

  it("keeps the two arms of an if on separate paths that join", () => {
    const { cfg } = bodyOf(`fn eat(s: String) {}
fn main() {
    let s = String::from("a");
    if 1 < 2 {
        eat(s);
    } else {
        let t = &s;
    }
}`);
    const move = cfg.nodes.find((n) => n.action.kind === "move")!;
    const print = cfg.nodes.find((n) => n.action.kind === "borrow")!;
    expect(reaches(cfg, move.id, print.id)).toBe(false);
    expect(reaches(cfg, print.id, move.id)).toBe(false);
    expect(reaches(cfg, move.id, cfg.exit)).toBe(true);
  });

  it("drops a block's locals at its closing brace, and an early return skips the rest", () => {
    const { cfg } = bodyOf(`fn f(flag: bool) -> i32 {
    {
        let a = 1;
        if flag {
            return a;
        }
    }
    2
}
fn main() {}`, "f");
    const ends = cfg.nodes.filter((n) => n.action.kind === "scopeEnd");
    expect(ends.some((n) => n.action.kind === "scopeEnd" && n.action.bindings.some((b) => b.name === "a"))).toBe(true);
    const returns = cfg.nodes.filter((n) => n.action.kind === "return");
    expect(returns.length).toBe(2);
    for (const r of returns) expect(r.succ).toEqual([cfg.exit]);
  });

  it("records a deferred let as an uninitialized declaration", () => {
    const { cfg } = bodyOf(`fn main() {
    let x: i32;
    x = 1;
    print(x);
}`);
    const decl = cfg.nodes.find((n) => n.action.kind === "declare")!;
    expect(decl.action.kind === "declare" && decl.action.init).toBe(false);
    expect(kinds(cfg)).toContain("assign");
  });

  it("evaluates a two-phase receiver borrow after the arguments", () => {
    const { cfg } = bodyOf(`fn main() {
    let mut v = vec![1];
    v.push(v.len());
}`);
    const borrows = cfg.nodes.filter((n) => n.action.kind === "borrow").map((n) => (n.action.kind === "borrow" ? cfg.loans[n.action.loan] : null)!);
    // The receiver is reserved first (a shared-like loan), `v.len()` borrows shared, then the `&mut` activates.
    expect(borrows.map((l) => [l.origin, l.mutable])).toEqual([["reservation", false], ["autoref", false], ["autoref", true]]);
  });
});

describe("per-statement facts", () => {
  it("knows which places are moved after each statement", () => {
    const src = `struct P {
    a: String,
    b: String,
}
fn main() {
    let p = P { a: String::from("a"), b: String::from("b") };
    let x = p.a;
    print(x);
}`;
    const program = compile(src);
    const r = analyzeBorrows(program, checkProgram(program), { model: "nll" });
    const main = r.bodies.find((b) => b.name === "main")!;
    const fn = program.body.find((i) => i.kind === "FnDecl" && i.name.name === "main") as FnDecl;
    const [first, second] = fn.body!.stmts;
    expect(main.movedAfter(main.stmtNodes.get(first)!).map(placeToString)).toEqual([]);
    expect(main.movedAfter(main.stmtNodes.get(second)!).map(placeToString)).toEqual(["p.a"]);
  });

  it("knows which loans are live after each statement, by the chosen model", () => {
    const src = `fn main() {
    let mut v = vec![1];
    let r = &v;
    print(r.len());
    v.push(2);
}`;
    for (const model of ["lexical", "nll"] as const) {
      const program = compile(src);
      const r = analyzeBorrows(program, checkProgram(program), { model });
      const main = r.bodies.find((b) => b.name === "main")!;
      const fn = program.body.find((i) => i.kind === "FnDecl") as FnDecl;
      const afterPrint = main.liveLoansAfter(main.stmtNodes.get(fn.body!.stmts[2])!);
      const onV = afterPrint.filter((l) => placeToString(l.place) === "v");
      // Lexical: `r` still holds its borrow of `v`; NLL: the borrow ended at its last use.
      expect(onV.length).toBe(model === "lexical" ? 1 : 0);
      expect(r.diagnostics.map((d) => d.code)).toEqual(model === "lexical" ? ["E0502"] : []);
    }
  });
});

describe("loans a conflict check visits", () => {
  // Each `rK` dies at its last use, so under NLL the push conflicts with none of them; a conflict
  // check must not visit them all either (that made a long body quadratic).
  const src = [
    "fn main() {",
    "    let mut v = vec![1];",
    "    let mut n = 0;",
    ...[0, 1, 2, 3].flatMap((k) => [`    let r${k} = &v;`, `    n += r${k}.len();`, `    v.push(${k});`]),
    "    let keep = &v;",
    "    let mut i = 0;",
    "    while i < 2 {",
    "        if i == 0 {",
    "            n += keep.len();",
    "        }",
    "        i += 1;",
    "    }",
    "    print(n);",
    "}",
  ].join("\n");

  it("under NLL: only loans whose holder may be live, or still temporaries of their statement", () => {
    const { cfg } = bodyOf(src, "main", "nll");
    // A body this small lists every reaching loan by default; the window is forced on here.
    expect(cfg.loans.length).toBeLessThan(DEATH_WINDOW_FROM);
    const analysis = new BodyAnalysis(cfg, "nll", { deathWindowFrom: 0 });
    const plain = new BodyAnalysis(cfg, "nll");
    const v = cfg.bindings.find((b) => b.name === "v")!;
    const pushes = cfg.nodes.filter((n) => n.action.kind === "borrow" && cfg.loans[n.action.loan].mutable && cfg.loans[n.action.loan].place.base === v);
    expect(pushes).toHaveLength(4);
    for (const n of pushes) {
      const visited = analysis.reachingLoans(v, n.id, false);
      expect(plain.reachingLoans(v, n.id, false).length).toBeGreaterThan(visited.length);
      // Still reaching: every earlier `&v` (nothing reassigns or drops the rK before the end).
      const reaching = cfg.loans.filter((l) => l.place.base === v && analysis.loanReaches(l.id, n.id)).map((l) => l.id);
      expect(reaching.length).toBeGreaterThan(visited.length);
      // Visited: exactly the live ones — here none of the earlier borrows, only the push's own.
      const live = cfg.loans.filter((l) => l.place.base === v && analysis.loanLive(l.id, n.id, "nll")).map((l) => l.id);
      expect(visited.filter((l) => analysis.loanLive(l, n.id, "nll"))).toEqual(live);
      expect(visited.every((l) => cfg.loans[l].mutable || !analysis.loanReaches(l, n.id) || analysis.loanLive(l, n.id, "nll"))).toBe(true);
    }
    // `keep` is live around the loop until its last iteration, though it dies on the if's other arm
    // (a death on a branch): its loan is visited inside the loop and not after it.
    const keepLoan = cfg.loans.find((l) => l.place.base === v && !l.mutable && cfg.loanHolders.get(l.id)?.has(cfg.bindings.find((b) => b.name === "keep")!))!;
    const on = (name: string) =>
      cfg.nodes.filter((n) => {
        const a = n.action;
        const base = a.kind === "read" || a.kind === "move" || a.kind === "assign" ? a.place.base : a.kind === "borrow" ? cfg.loans[a.loan].place.base : null;
        return base?.name === name;
      });
    const print = on("n").pop()!;
    expect(analysis.loanReaches(keepLoan.id, print.id)).toBe(true);
    expect(analysis.reachingLoans(v, print.id, false)).not.toContain(keepLoan.id);
    const inLoop = on("i").find((n) => n.loopDepth > 0)!;
    expect(analysis.reachingLoans(v, inLoop.id, false)).toContain(keepLoan.id);
  });

  it("under the lexical rule: every loan that reaches (its holder is in scope)", () => {
    const { cfg, analysis } = bodyOf(src.replace(/    v\.push\(\d\);\n/g, ""), "main", "lexical");
    const v = cfg.bindings.find((b) => b.name === "v")!;
    const last = cfg.nodes.length - 1;
    const reaching = cfg.loans.filter((l) => l.place.base === v && analysis.loanReaches(l.id, last)).map((l) => l.id);
    expect(reaching.length).toBeGreaterThan(3);
    expect(analysis.reachingLoans(v, last, false)).toEqual(reaching);
  });

  it("a loan whose holders all leave scope together stops reaching there", () => {
    const src = ["fn main() {", "    let mut v = vec![1];", "    {", "        let a = &v;", "        let b = a;", "        print(b.len());", "    }", "    v.push(2);", "}"].join("\n");
    for (const model of ["lexical", "nll"] as const) {
      const { cfg, analysis } = bodyOf(src, "main", model);
      const v = cfg.bindings.find((b) => b.name === "v")!;
      const shared = cfg.loans.find((l) => l.place.base === v && !l.mutable && (cfg.loanHolders.get(l.id)?.size ?? 0) > 0)!;
      expect(analysis.holders[shared.id].map((h) => h.name).sort()).toEqual(["a", "b"]);
      const push = cfg.nodes.find((n) => n.action.kind === "borrow" && cfg.loans[n.action.loan].mutable)!;
      expect(analysis.loanReaches(shared.id, push.id)).toBe(false);
      expect(analysis.reachingLoans(v, push.id, false)).not.toContain(shared.id);
    }
  });
});
