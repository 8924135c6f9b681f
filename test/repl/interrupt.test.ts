// Ctrl-C during a run (src/repl/interrupt.ts): a worker thread reads the terminal device while a
// program runs and sets a shared flag the evaluator's safepoints check. Here a FIFO stands in for
// the terminal, and another process "presses" Ctrl-C (byte 0x03) while the main thread is busy.
import { spawn, spawnSync } from "node:child_process";
import { closeSync, constants, mkdtempSync, openSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ReplEngine } from "../../src/repl/engine";
import { terminalInterrupts } from "../../src/repl/interrupt";

const hasMkfifo = spawnSync("sh", ["-c", "command -v mkfifo"]).status === 0;
const maybe = hasMkfifo ? test : test.skip;
if (!hasMkfifo) console.warn("test/repl/interrupt.test.ts skipped: mkfifo is not available");

maybe("Ctrl-C typed while a program runs stops it; the session and the keys typed meanwhile survive", async () => {
  const fifo = join(mkdtempSync(join(tmpdir(), "stark-intr-")), "tty");
  spawnSync("mkfifo", [fifo]);
  // Keep a writer open so the reader never sees end-of-file between writes.
  const holder = openSync(fifo, constants.O_RDWR);
  const typed: string[] = [];
  const source = terminalInterrupts((t) => typed.push(t), fifo)!;
  expect(source).not.toBeNull();
  let out = "";
  const engine = new ReplEngine({ stdout: (s) => (out += s), stderr: (s) => (out += s), interrupts: source });
  try {
    expect(engine.evaluate("let kept = 41;").diagnostics).toEqual([]);
    // Another process types "ab", then Ctrl-C, while this thread is busy in the loop below.
    const child = spawn("sh", ["-c", `sleep 0.7; printf 'ab\\003' > '${fifo}'`], { stdio: "ignore" });
    const started = Date.now();
    const r = engine.evaluate("let mut spins = 0; loop { spins += 1; }");
    const ms = Date.now() - started;
    expect(r.interrupted).toBe(true);
    expect(ms).toBeGreaterThanOrEqual(500);
    await new Promise((resolve) => child.on("exit", resolve));
    // The session goes on: earlier bindings kept, the interrupted input's dropped.
    expect(engine.evaluate("kept + 1").value).toBe("42");
    expect(engine.evaluate("spins").diagnostics.map((d) => d.code)).toEqual(["E0425"]);
    // A short run afterwards is not interrupted by the old Ctrl-C.
    expect(engine.evaluate("let mut n = 0; while n < 100000 { n += 1; } n").value).toBe("100000");
    // The other keys come back to the REPL once the run is over.
    for (let i = 0; i < 50 && typed.join("") !== "ab"; i++) await new Promise((res) => setTimeout(res, 20));
    expect(typed.join("")).toBe("ab");
  } finally {
    source.close();
    closeSync(holder);
  }
}, 20_000);

test("no terminal device: no interrupt source (piped sessions cannot be interrupted by a key)", () => {
  expect(terminalInterrupts(() => {}, "/no/such/tty")).toBeNull();
});
