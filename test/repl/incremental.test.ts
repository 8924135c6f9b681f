// The REPL checks each input against a summary of the session's top level (src/repl/engine.ts,
// TopLevelState), not against every earlier input: the borrow checker's work per input stays
// flat over a long session, and the cross-input ownership rules still hold.
import { ReplEngine } from "../../src/repl/engine";

function session(borrowck: "lexical" | "nll" = "lexical") {
  let out = "";
  const engine = new ReplEngine({ stdout: (s) => (out += s), stderr: (s) => (out += s), borrowck });
  return { engine, printed: () => out, clear: () => (out = "") };
}

/** One round of a typical session: shadowing lets, reads, a move, a borrow, an update. */
const round = (i: number) => [
  `let mut v = vec![${i}, ${i + 1}];`,
  "v.push(9);",
  "total += v.len();",
  `let s = String::from("r${i}");`,
  "let t = s;",
  "print(t.len());",
  "let r = &t;",
  "r.len()",
];

test.each(["lexical", "nll"] as const)("a session of 200 inputs (%s): the borrow checker's work per input does not grow", (model) => {
  const { engine } = session(model);
  expect(engine.evaluate("let mut total: usize = 0;").diagnostics).toEqual([]);
  const perRound: number[] = [];
  for (let i = 0; i < 25; i++) {
    let work = 0;
    for (const input of round(i)) {
      const r = engine.evaluate(input);
      expect(r.diagnostics).toEqual([]);
      expect(r.panic).toBeNull();
      work += engine.lastCheckedStatements;
    }
    perRound.push(work);
  }
  expect(engine.inputsSoFar).toBe(201);
  // Flat after the first round: the same statement count for round 2 and round 25.
  expect(perRound[24]).toBe(perRound[1]);
  expect(perRound[1]).toBeLessThan(8 * 12);
  expect(engine.evaluate("total").value).toBe(String(25 * 3));
});

test("after 200 inputs: E0382 still names the input where the move happened", () => {
  const { engine } = session();
  engine.evaluate("let mut total: usize = 0;");
  let lastMoveOfS = 0;
  for (let i = 0; i < 25; i++) for (const input of round(i)) {
    const r = engine.evaluate(input);
    if (input === "let t = s;") lastMoveOfS = r.input;
  }
  const moved = engine.evaluate("let keep = t;");
  // `t` is borrowed by `r` (a top-level borrow lasts the session under lexical rules).
  expect(moved.diagnostics.map((d) => d.code)).toEqual(["E0505"]);
  const s = engine.evaluate("let u = String::from(\"x\");");
  const m = engine.evaluate("let w = u;");
  for (let i = 0; i < 10; i++) engine.evaluate(`print(${i});`);
  const r = engine.evaluate("print(u.len());");
  expect(s.diagnostics).toEqual([]);
  expect(r.diagnostics.map((d) => d.code)).toEqual(["E0382"]);
  const label = r.diagnostics[0].labels.find((l) => /moved here/.test(l.message))!;
  expect(label.span.file.name).toBe(`<repl:${m.input}>`);
  // The round's own moves: `s` moved by `let t = s;` of the last round.
  const again = engine.evaluate("print(s);");
  expect(again.diagnostics.map((d) => d.code)).toEqual(["E0382"]);
  expect(again.diagnostics[0].labels.find((l) => /moved here/.test(l.message))!.span.file.name).toBe(`<repl:${lastMoveOfS}>`);
});

test("a variable moved and then assigned again is usable; assigned on one branch only, it is not", () => {
  const { engine } = session();
  engine.evaluate("let mut a = vec![1];");
  engine.evaluate("let b = a;");
  for (let i = 0; i < 5; i++) engine.evaluate("print(b.len());");
  expect(engine.evaluate("a = vec![2, 3];").diagnostics).toEqual([]);
  expect(engine.evaluate("a.len()").value).toBe("2");
  engine.evaluate("let c = a;");
  expect(engine.evaluate("if c.len() > 5 { a = vec![1]; }").diagnostics).toEqual([]);
  expect(engine.evaluate("a.len()").diagnostics.map((d) => d.code)).toEqual(["E0382"]);
});

test("borrows carry across inputs: a shared borrow blocks mutation, also after an erroneous input", () => {
  const { engine } = session();
  engine.evaluate("let mut v = vec![1];");
  engine.evaluate("let r = &v;");
  expect(engine.evaluate("let z: i32 = \"no\";").diagnostics.map((d) => d.code)).toEqual(["E0308"]);
  for (let i = 0; i < 5; i++) engine.evaluate(`print(r.len() + ${i});`);
  const bad = engine.evaluate("v.push(2);");
  expect(bad.diagnostics.map((d) => d.code)).toEqual(["E0502"]);
  expect(bad.diagnostics[0].labels.some((l) => l.span.file.name === "<repl:2>")).toBe(true);
  // The shadowed `r` can no longer be named, but under lexical rules a top-level borrow lasts
  // the session, so `v` stays borrowed.
  engine.evaluate("let r = 5;");
  expect(engine.evaluate("v.push(3);").diagnostics.map((d) => d.code)).toEqual(["E0502"]);
});

test("under --borrowck=nll a borrow ends after its last use, across inputs", () => {
  const { engine } = session("nll");
  engine.evaluate("let mut v = vec![1];");
  engine.evaluate("let r = &v;");
  expect(engine.evaluate("print(r.len());").diagnostics).toEqual([]);
  expect(engine.evaluate("v.push(2);").diagnostics).toEqual([]);
  expect(engine.evaluate("v.len()").value).toBe("2");
});

test(":vars after a long session shows the live bindings' states", () => {
  const { engine } = session();
  engine.evaluate("let mut total: usize = 0;");
  for (let i = 0; i < 10; i++) for (const input of round(i)) engine.evaluate(input);
  const vars = new Map(engine.vars().map((v) => [v.name, v.state]));
  expect(vars.get("s")).toMatch(/^moved at input \d+$/);
  expect(vars.get("t")).toMatch(/borrowed shared by `r`/);
  expect(vars.get("v")).toBe("owned");
});

test("an erroneous input is forgotten without re-checking the session (one check call per input)", () => {
  const { engine } = session();
  for (let i = 0; i < 50; i++) engine.evaluate(`let x${i % 5} = ${i};`);
  const check = (engine as unknown as { check: { check: (...a: unknown[]) => unknown } }).check;
  const spy = jest.spyOn(check, "check");
  expect(engine.evaluate("let bad: i32 = \"no\";").diagnostics.map((d) => d.code)).toEqual(["E0308"]);
  expect(engine.evaluate("let ok = x4 + 1;").diagnostics).toEqual([]);
  expect(spy).toHaveBeenCalledTimes(2);
  spy.mockRestore();
  expect(engine.evaluate("ok").value).toBe("50");
});

test("what an erroneous or panicking input defined is gone: items, impl methods, shadowing lets", () => {
  const { engine } = session();
  engine.evaluate("struct P { x: i32 }");
  engine.evaluate("let a = 1;");
  // An impl on an existing type, in an input with an error: its method must not stay behind.
  const bad = engine.evaluate("impl P { fn get(&self) -> i32 { self.x } }\nfn broken() -> i32 { \"s\" }");
  expect(bad.diagnostics.map((d) => d.code)).toContain("E0308");
  expect(engine.evaluate("P { x: 3 }.get()").diagnostics.map((d) => d.code)).toEqual(["E0599"]);
  expect(engine.evaluate("broken()").diagnostics.map((d) => d.code)).toEqual(["E0425"]);
  // A shadowing let in a panicking input: the earlier `a` is back.
  const p = engine.evaluate("let a = \"shadow\"; let v: Vec<i32> = Vec::new(); v[3];");
  expect(p.panic?.code).toBe("P0103");
  expect(engine.evaluate("a + 1").value).toBe("2");
  // And the same definitions are accepted once correct.
  expect(engine.evaluate("impl P { fn get(&self) -> i32 { self.x } }").diagnostics).toEqual([]);
  expect(engine.evaluate("P { x: 3 }.get()").value).toBe("3");
  expect(engine.typeOf("a").type).toBe("i32");
  expect(engine.evaluate("let b = a;").diagnostics).toEqual([]);
});

test("a partial move stays in effect after the variable that took the part is shadowed", () => {
  const { engine } = session();
  engine.evaluate("struct P { name: String, age: i32 }");
  engine.evaluate("let p = P { name: String::from(\"ada\"), age: 36 };");
  const took = engine.evaluate("let n = p.name;");
  engine.evaluate("let n = 5;");
  for (let i = 0; i < 3; i++) engine.evaluate(`print(p.age + ${i});`);
  const r = engine.evaluate("print(p.name.len());");
  expect(r.diagnostics.map((d) => d.code)).toEqual(["E0382"]);
  expect(r.diagnostics[0].labels.some((l) => l.span.file.name === `<repl:${took.input}>`)).toBe(true);
  expect(engine.evaluate("p.age").value).toBe("36");
});

test("under NLL a dormant borrow revived in a later input conflicts with every kind of access made meanwhile", () => {
  const { engine } = session("nll");
  engine.evaluate("let mut v = vec![1, 2];");
  engine.evaluate("let m = &mut v;");
  // m is not used again yet, so under NLL its borrow has ended — for now.
  for (const input of ["print(v.len());", "v.push(3);", "v = vec![9];", "let mut v = vec![1, 2];"]) expect(engine.evaluate(input).diagnostics).toEqual([]);
  for (let i = 0; i < 5; i++) engine.evaluate(`print(${i});`);
  const r = engine.evaluate("m.push(1);");
  expect(new Set(r.diagnostics.map((d) => d.code))).toEqual(new Set(["E0502", "E0499", "E0506"]));
  // The shadowing `v` is a different variable: free to use.
  expect(engine.evaluate("v.push(5);").diagnostics).toEqual([]);
});
