// The REPL's use of the evaluator: one persistent Session, inputs checked one at a time by a
// CheckSession; globals, functions and closures defined by earlier inputs stay usable.

import { CheckSession } from "../check";
import { makeSourceFile } from "../syntax/ast";
import { parse } from "../syntax/parser";
import { Session } from "./index";

test("globals, functions and closures carry across inputs", () => {
  const check = new CheckSession();
  let out = "";
  const session = new Session({ stdout: (s) => (out += s), stderr: () => {} });
  const inputs = [
    "let mut v = vec![1, 2];",
    "fn add(a: i32) -> i32 { a + 1 }",
    "v.push(add(41));",
    "print(v);",
    "let k = 7; let c = |x: i32| x * k;",
    "print(c(6));",
    "print(v[5]);",
    "print(v.len());",
  ];
  const panics: string[] = [];
  inputs.forEach((text, i) => {
    const program = parse(makeSourceFile(`<repl:${i}>`, text)).program!;
    expect(check.check(program).diagnostics).toEqual([]);
    const r = session.run(program, false);
    if (r.panic) panics.push(`${r.panic.code} ${r.panic.message}`);
  });
  expect(out).toBe("[1, 2, 42]\n42\n3\n");
  // A panic ends that input only; the session goes on.
  expect(panics).toEqual(["P0103 index out of bounds: the len is 3 but the index is 5"]);
});
