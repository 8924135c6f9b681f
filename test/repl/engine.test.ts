// The REPL session: state, moves and borrows carried across inputs, discarded erroneous inputs.
import { ReplEngine } from "../../src/repl/engine";
import { ReplCommands } from "../../src/repl/commands";
import { complete } from "../../src/repl/complete";
import { PLAIN } from "../../src/cli/render";

function session() {
  let out = "";
  const engine = new ReplEngine({ stdout: (s) => (out += s), stderr: (s) => (out += s) });
  const commands = new ReplCommands(engine, PLAIN);
  return { engine, commands, printed: () => out };
}

test("a final expression shows its Debug form, a statement shows nothing", () => {
  const { engine } = session();
  expect(engine.evaluate("let v = vec![1, 2, 3];").value).toBeNull();
  expect(engine.evaluate("v").value).toBe("[1, 2, 3]");
  expect(engine.evaluate("v.len() * 2").value).toBe("6");
  expect(engine.evaluate("Some(String::from(\"a\"))").value).toBe('Some("a")');
  expect(engine.evaluate("v.len();").value).toBeNull();
});

test("showing a value does not move it", () => {
  const { engine } = session();
  engine.evaluate("let s = String::from(\"hi\");");
  expect(engine.evaluate("s").value).toBe('"hi"');
  const again = engine.evaluate("let t = s;");
  expect(again.diagnostics).toEqual([]);
});

test("reusing a value moved two inputs earlier is E0382 pointing at the moving input", () => {
  const { engine } = session();
  engine.evaluate("let v = vec![1];");
  const moved = engine.evaluate("let w = v;");
  engine.evaluate("let x = 1;");
  const r = engine.evaluate("let n = v.len();");
  expect(r.diagnostics.map((d) => d.code)).toEqual(["E0382"]);
  const label = r.diagnostics[0].labels.find((l) => /moved here/.test(l.message))!;
  expect(label.span.file.name).toBe(`<repl:${moved.input}>`);
  expect(r.diagnostics[0].primary.span.file.name).toBe(`<repl:${r.input}>`);
  // A position in a note that is in another input is named with that input.
  for (const n of r.diagnostics[0].notes) if (/\bat \d+:\d+/.test(n) || /moved at/.test(n)) expect(n).toContain(`moved at <repl:${moved.input}>:1:9`);
});

test("a borrow taken in one input is live in the next (lexical rules for top-level bindings)", () => {
  const { engine, commands } = session();
  engine.evaluate("let mut v = vec![1];");
  engine.evaluate("let r = &v;");
  const r = engine.evaluate("v.push(2);");
  expect(r.diagnostics.map((d) => d.code)).toEqual(["E0502"]);
  const text = commands.renderDiags(r.diagnostics);
  expect(text).toContain("<repl:2>");
  expect(text).not.toContain("goes out of scope here");
});

test("an input with an error changes nothing and the session goes on", () => {
  const { engine } = session();
  engine.evaluate("let a = 1;");
  const bad = engine.evaluate("let b = 2; let c: i32 = \"no\";");
  expect(bad.diagnostics.map((d) => d.code)).toEqual(["E0308"]);
  // `b` was discarded with its input
  expect(engine.evaluate("b").diagnostics.length).toBeGreaterThan(0);
  expect(engine.evaluate("a + 1").value).toBe("2");
  // a failed move does not count either
  engine.evaluate("let v = vec![1];");
  engine.evaluate("let w = v; let z: bool = 3;");
  expect(engine.evaluate("v.len()").value).toBe("1");
});

test("a panic is reported and the session goes on", () => {
  const { engine } = session();
  engine.evaluate("let v: Vec<i32> = Vec::new();");
  const r = engine.evaluate("v[3]");
  expect(r.panic?.code).toBe("P0103");
  expect(engine.evaluate("v.len()").value).toBe("0");
});

test("functions and structs defined in one input are used in later ones", () => {
  const { engine } = session();
  expect(engine.evaluate("struct P { x: i32 }\nfn mk(x: i32) -> P { P { x } }").diagnostics).toEqual([]);
  expect(engine.evaluate("let p = mk(4);").diagnostics).toEqual([]);
  expect(engine.evaluate("p.x + 1").value).toBe("5");
});

test(":vars shows type and ownership state", () => {
  const { commands } = session();
  commands.handle("let v = vec![1];");
  commands.handle("let w = v;");
  commands.handle("let s = String::from(\"a\");");
  commands.handle("let r = &s;");
  commands.handle("let mut m = vec![2];");
  commands.handle("let q = &mut m;");
  const out = commands.handle(":vars").out;
  expect(out).toMatch(/v\s+Vec<i32>\s+moved at input 2/);
  expect(out).toMatch(/w\s+Vec<i32>\s+owned/);
  expect(out).toMatch(/s\s+String\s+borrowed shared by `r`/);
  expect(out).toMatch(/m\s+Vec<i32>\s+borrowed mutably by `q`/);
});

test("a move in an earlier input is shown in rustc's `:::` block for another file", () => {
  const { commands } = session();
  commands.handle("let v = vec![1, 2, 3];");
  commands.handle("let w = v;");
  const err = commands.handle("print(v.len());").err;
  expect(err).toContain(" --> <repl:3>:1:7");
  expect(err).toContain(" ::: <repl:2>:1:9\n  |\n1 | let w = v;\n  |         - value moved here\n");
  // The notes stay after both code frames.
  expect(err.indexOf(":::")).toBeLessThan(err.indexOf("= note"));
});

test(":type checks without running or changing the session", () => {
  const { commands, printed } = session();
  commands.handle("fn f(x: i32) -> f64 { print(x); 1.5 }");
  expect(commands.handle(":type f(2)").out).toBe("f(2): f64\n");
  expect(printed()).toBe("");
  expect(commands.handle(":type nope").err).toContain("E0425");
});

test(":heap, :gc, :explain, :reset, :quit and unknown commands", () => {
  const { commands } = session();
  commands.handle("let v = vec![String::from(\"a\")];");
  expect(commands.handle(":heap").out).toMatch(/young generation[\s\S]*old generation[\s\S]*tensor storage/);
  expect(commands.handle(":gc").out).toMatch(/full collections 1/);
  expect(commands.handle(":explain E0382").out).toContain("E0382");
  expect(commands.handle(":explain X").err).toContain("no explanation");
  expect(commands.handle(":reset").out).toContain("reset");
  expect(commands.handle("v").err).toContain("E0425");
  expect(commands.handle(":quit").quit).toBe(true);
  expect(commands.handle(":frobnicate").err).toContain("unknown command");
});

test("completion: commands, names in scope, methods after a dot", () => {
  const { engine } = session();
  engine.evaluate("let values = vec![1];");
  expect(complete(engine, ":he")[0]).toEqual([":help", ":heap"]);
  expect(complete(engine, "let y = val")[0]).toContain("values");
  const [methods, prefix] = complete(engine, "values.pu");
  expect(prefix).toBe("pu");
  expect(methods).toContain("push");
});

test("Ctrl-C (an interrupt source) stops a running loop and keeps the session", () => {
  let out = "";
  const flag = new Int32Array(new SharedArrayBuffer(4));
  let runs = 0;
  const engine = new ReplEngine({
    stdout: (s) => (out += s),
    stderr: (s) => (out += s),
    // as if Ctrl-C were pressed at once during the second run
    interrupts: { flag, start: () => ++runs === 2 && Atomics.store(flag, 0, 1), stop: () => {}, close: () => {} },
  });
  engine.evaluate("let a = 5;");
  const r = engine.evaluate("let mut i = 0; loop { i += 1; }");
  expect(r.interrupted).toBe(true);
  expect(r.diagnostics).toEqual([]);
  expect(engine.evaluate("a").value).toBe("5");
  expect(engine.evaluate("i").diagnostics.map((d) => d.code)).toEqual(["E0425"]);
});

test(":load runs a file's items and statements into the session, not its main", () => {
  const { commands } = session();
  const dir = require("node:fs").mkdtempSync(require("node:path").join(require("node:os").tmpdir(), "stark-load-"));
  const file = require("node:path").join(dir, "lib.stark");
  require("node:fs").writeFileSync(file, "fn double(x: i32) -> i32 { x * 2 }\nlet base = 20;\nfn main() { print(999); }\n");
  const loaded = commands.handle(`:load ${file}`);
  expect(loaded.err).toBe("");
  expect(loaded.out).toBe("");
  expect(commands.handle("double(base) + 2").out).toBe("42\n");
  expect(commands.handle(":load /no/such/file.stark").err).toContain("cannot read");
});
