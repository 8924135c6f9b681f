// A run loads the tensor runtime (src/tensor) only when its program first uses a tensor, and
// then resets it to the run's limit and seed, so that runs in one process repeat.

let loads = 0;
jest.mock("../tensor", () => {
  loads++;
  return jest.requireActual("../tensor");
});

import { makeSourceFile } from "../syntax/ast";
import { compile, execute } from "./pipeline";

function runProgram(text: string, maxTensorMemory?: number): { out: string; panic: string | null } {
  const compiled = compile(makeSourceFile("t.stark", text), { borrowck: "lexical" });
  const errors = compiled.diagnostics.filter((d) => d.severity === "error");
  if (errors.length) throw new Error(`does not compile: ${errors[0].code} ${errors[0].message}`);
  let out = "";
  const { panic } = execute(compiled, { stdout: (s) => (out += s), stderr: (s) => (out += s), args: [], gcTrace: false, maxTensorMemory });
  return { out, panic: panic ? `${panic.code} ${panic.message}` : null };
}

const RANDOM = "fn main() {\n    let t = Tensor::rand([2, 2]);\n    print(t);\n}\n";

test("a program without tensors does not load the tensor runtime", () => {
  expect(runProgram('fn main() {\n    let v = vec![1, 2];\n    print(f"{v:?}");\n}\n')).toEqual({ out: "[1, 2]\n", panic: null });
  expect(loads).toBe(0);
});

test("the first tensor loads it, seeded for this run: two runs in one process print the same", () => {
  const first = runProgram(RANDOM);
  expect(loads).toBe(1);
  expect(first.panic).toBeNull();
  expect(first.out).toMatch(/^tensor\(\[\[/);
  // A program that reseeds leaves the runtime in another state; the next run starts over.
  runProgram("fn main() {\n    torch::manual_seed(7);\n    print(Tensor::rand([1]));\n}\n");
  expect(runProgram(RANDOM)).toEqual(first);
  expect(loads).toBe(1);
});

test("--max-tensor-memory applies to the run that asked for it only", () => {
  const big = "fn main() {\n    let t = Tensor::zeros([1000, 1000]);\n    print(t.sum());\n}\n";
  expect(runProgram(big, 1024).panic).toMatch(/^P0202 /);
  expect(runProgram(big).panic).toBeNull();
});
