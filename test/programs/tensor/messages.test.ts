// The annotated programs beside this file check panic and error codes and lines; this checks the
// words. Shape and dtype messages must name both shapes (LANGUAGE.md §6) and use PyTorch's
// wording, which learners will search for. Expected texts are what PyTorch 1.13 prints for the
// same operation (python3 -c "import torch; torch.ones(2,3) + torch.ones(3,2)").

import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(__dirname, "../../..");
const CLI = join(ROOT, "bin/stark.js");
const HERE = __dirname;
const scratch = mkdtempSync(join(tmpdir(), "stark-tensor-messages-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function run(verb: "run" | "check", file: string): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, verb, file], { encoding: "utf8", timeout: 60000 });
  return { status: r.status, stderr: r.stderr };
}

/** Runs a one-off program whose `main` is `body`. */
function runBody(body: string): { status: number | null; stderr: string } {
  const file = join(scratch, `p${Math.random().toString(36).slice(2)}.stark`);
  writeFileSync(file, `fn main() {\n${body}\n}\n`);
  return run("run", file);
}

describe("tensor panic messages", () => {
  test("matmul names both shapes as PyTorch does", () => {
    const r = run("run", join(HERE, "ops_matmul_shape_p0401.stark"));
    expect(r.status).toBe(101);
    expect(r.stderr).toContain("panic[P0401]: mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)");
  });

  test("reshape names the shape and the element count", () => {
    const r = run("run", join(HERE, "reshape_p0401.stark"));
    expect(r.status).toBe(101);
    expect(r.stderr).toContain("shape '[4, 2]' is invalid for input of size 6");
  });

  test("a broadcast failure names both shapes", () => {
    const r = run("run", join(HERE, "ops_broadcast_p0401.stark"));
    expect(r.status).toBe(101);
    expect(r.stderr).toContain("[2, 3]");
    expect(r.stderr).toContain("[3, 2]");
  });

  // PyTorch compares from the last dimension and reports the first mismatch it meets there:
  // [2, 3] + [3, 2] fails at dimension 1 (3 vs 2), not at dimension 0 (2 vs 3); src/tensor/shape.ts
  // broadcastShapes scans the same way.
  test("a broadcast failure reports the dimension PyTorch reports", () => {
    const r = run("run", join(HERE, "ops_broadcast_p0401.stark"));
    expect(r.stderr).toContain("The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 1");
  });

  test("a rank-changing broadcast failure reports the output dimension", () => {
    const r = runBody("    let a = Tensor::ones([2, 3]);\n    let b = Tensor::ones([4]);\n    print(&a + &b);");
    expect(r.status).toBe(101);
    expect(r.stderr).toContain("The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1");
  });

  test("a float-only op on an i32 tensor names the op and the dtype", () => {
    const r = run("run", join(HERE, "dtype_i32_float_ops_p0402.stark"));
    expect(r.status).toBe(101);
    expect(r.stderr).toContain("panic[P0402]: sqrt() needs a floating-point tensor (f32 or f64), but got i32");
  });

  test("an i32 rand says why it is refused", () => {
    const r = run("run", join(HERE, "dtype_i32_rand_p0402.stark"));
    expect(r.status).toBe(101);
    expect(r.stderr).toMatch(/panic\[P0402\].*rand.*i32/);
  });

  test("a static dtype mismatch names both tensor types", () => {
    const r = run("check", join(HERE, "dtype_add_static_err.stark"));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("error[E0308]");
    expect(r.stderr).toContain("expected `Tensor`, found `Tensor<f64>`");
  });

  test("storage exhaustion names the limit and the flag", () => {
    const r = spawnSync(process.execPath, [CLI, "run", "--max-tensor-memory", "1000000", join(HERE, "memory_limit_p0202.stark")], { encoding: "utf8" });
    expect(r.status).toBe(101);
    expect(r.stderr).toContain("1000000");
    expect(r.stderr).toContain("--max-tensor-memory");
  });

  test("an out-of-bounds t[i] points at the index expression", () => {
    const r = run("run", join(HERE, "indexing_out_of_bounds.stark"));
    expect(r.status).toBe(101);
    expect(r.stderr).toContain("index 2 is out of bounds for dimension 0 with size 2");
    expect(r.stderr).toMatch(/indexing_out_of_bounds\.stark:5:\d+/);
    expect(r.stderr).toContain("stack trace");
  });
});

describe("static shape errors", () => {
  test("+ of static shapes that cannot broadcast shows both shapes", () => {
    const r = run("check", join(HERE, "static_shape_add_err.stark"));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("error[E0308]");
    expect(r.stderr).toContain("[2, 3]");
    expect(r.stderr).toContain("[3, 2]");
  });

  test("matmul of static shapes names both and the differing inner dimension", () => {
    const r = run("check", join(HERE, "static_shape_matmul_err.stark"));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("[2, 3] @ [2, 3]");
    expect(r.stderr).toContain("inner dimensions differ: 3 and 2");
  });
});

describe("messages of the shape ops beyond §6 and of batched matmul", () => {
  test("a batched matmul names both whole shapes", () => {
    const r = run("run", join(HERE, "matmul_batch_mismatch_p0401.stark"));
    expect(r.status).toBe(101);
    expect(r.stderr).toContain("panic[P0401]: mat1 and mat2 shapes cannot be multiplied (3x4 and 5x2) (shapes [2, 3, 4] and [2, 5, 2])");
  });

  test("batch dimensions that do not broadcast are named with both shapes", () => {
    const r = run("run", join(HERE, "matmul_batch_broadcast_p0401.stark"));
    expect(r.stderr).toContain("the batch dimensions [2] and [3] cannot broadcast (shapes [2, 3, 4] and [3, 4, 2])");
  });

  test("stack names the first shape and the odd one out, as torch.stack does", () => {
    const r = run("run", join(HERE, "shape_op_errors_p0401.stark"));
    expect(r.stderr).toContain("stack expects each tensor to be equal size, but got [2, 3] at entry 0 and [3, 3] at entry 1");
  });

  test("view of a non-contiguous tensor says why and points at reshape", () => {
    const r = run("run", join(HERE, "view_non_contiguous_p0401.stark"));
    expect(r.stderr).toContain("view size is not compatible with input tensor's size and stride (shape [3, 2], strides [1, 3])");
    expect(r.stderr).toContain("use reshape()");
  });

  test("a dimension out of range uses PyTorch's words", () => {
    const r = run("run", join(HERE, "negative_dims_count_from_end.stark"));
    expect(r.stderr).toContain("Dimension out of range (expected to be in range of [-3, 2], but got -4)");
  });

  test("a view's borrow error says the view shares the base's storage", () => {
    const r = run("check", join(HERE, "view_borrows_base_err.stark"));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("`at` is a view of `a`: it shares `a`'s storage, so changing `a` would change `at` too");
    expect(r.stderr).toContain("make `at` an independent tensor: add `.clone()` where it is created");
  });

  test("a second backward through freed saved tensors is P0105 in PyTorch's words", () => {
    const r = run("run", join(HERE, "../ml/backward_twice_p0105.stark"));
    expect(r.status).toBe(101);
    expect(r.stderr).toContain("panic[P0105]: Trying to backward through the graph a second time");
  });
});
