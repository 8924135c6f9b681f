// The JavaScript tier (codegen.ts) against the closure compiler: every annotated program of the
// evaluator and language corpora prints the same and panics with the same code at the same line
// with the tier on and off, and the tier really takes the functions it is meant to take.

import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { compile } from "../cli/pipeline";
import { createHeap } from "../../heap";
import { lineCol, makeSourceFile } from "../syntax/ast";
import { codegenStats } from "./codegen";
import { run } from "./index";

const ROOT = resolve(__dirname, "../..");

function execute(path: string, codegen: boolean, stress = false, text = readFileSync(path, "utf8")) {
  const saved = process.env.STARK_CODEGEN;
  process.env.STARK_CODEGEN = codegen ? "1" : "0";
  try {
    const compiled = compile(makeSourceFile(path, text), { borrowck: "lexical" });
    if (!compiled.program || compiled.diagnostics.some((d) => d.severity === "error")) return null;
    let stdout = "";
    const heap = stress ? createHeap({}, { stress: 1 }) : undefined;
    const r = run(compiled.program, { heap, stdout: (s) => (stdout += s), stderr: () => {} });
    const panic = r.panic ? `${r.panic.code} ${r.panic.span ? lineCol(r.panic.span.file, r.panic.span.start).line : "?"}` : null;
    return { stdout, panic };
  } finally {
    if (saved === undefined) delete process.env.STARK_CODEGEN;
    else process.env.STARK_CODEGEN = saved;
  }
}

const corpus = ["test/programs/eval", "test/programs/lang"].flatMap((dir) =>
  readdirSync(join(ROOT, dir))
    .filter((n) => n.endsWith(".stark"))
    .sort()
    .map((n) => join(dir, n)),
);

describe("the JS tier prints and panics exactly as the closure compiler does", () => {
  // deep_recursion.stark needs the JS tier's smaller frames (the closure compiler's run out first).
  const comparable = corpus.filter((p) => !p.endsWith("deep_recursion.stark") && !/gc::stats|gc::heap_size|max_heap_size|\/\/ args:/.test(readFileSync(join(ROOT, p), "utf8")));
  test.each(comparable)("%s", (rel) => {
    const path = join(ROOT, rel);
    const closures = execute(path, false);
    if (closures === null) return; // a compile error: the corpus suite reports it
    const generated = execute(path, true);
    expect(generated).toEqual(closures);
  });
});

test("numeric functions, loops and recursion are compiled to JS; tensor code is not", () => {
  const before = codegenStats.generated;
  const out = execute(join(ROOT, "test/programs/eval/codegen_paths.stark"), true);
  expect(out?.panic).toBeNull();
  for (const name of ["step", "first_over", "grid", "collatz", "shadow", "mixed", "swap_ends", "main"]) expect(codegenStats.names).toContain(name);
  expect(codegenStats.generated - before).toBeGreaterThanOrEqual(8);
  execute(join(ROOT, "test/programs/eval/codegen_patterns.stark"), true);
  for (const name of ["area", "classify", "drain", "first_even"]) expect(codegenStats.names).toContain(name);
  const declined = codegenStats.declined;
  execute(join(ROOT, "test/programs/eval/tensors_ownership.stark"), true);
  expect(codegenStats.declined).toBeGreaterThan(declined);
});

test("generated code keeps every pointer rooted: the JS tier under stress GC prints what the closures print", () => {
  for (const rel of ["test/programs/eval/codegen_paths.stark", "test/programs/eval/codegen_patterns.stark", "test/programs/lang/algo_sieve.stark", "test/programs/lang/for_iter_mut.stark", "test/programs/lang/gc_graph_cycle.stark"]) {
    const path = join(ROOT, rel);
    expect(execute(path, true, true)).toEqual(execute(path, false));
  }
});

test("STARK_CODEGEN=0 leaves every function to the closure compiler", () => {
  const before = codegenStats.generated;
  execute(join(ROOT, "test/programs/eval/codegen_paths.stark"), false);
  expect(codegenStats.generated).toBe(before);
});

// Struct literals (with defaults), enum variants of every shape, Box::new of a managed value and
// `String + &str` / `+=` with an argument that allocates, `match m.get(&k)`, `if let`.
const ALLOCATING = `struct Point { x: i32, y: i32 = 7, on: bool = true }

struct Named { name: String, p: Point, tag: Option<i64> }

enum Shape {
    Dot,
    Line(Box<Shape>, Box<Shape>),
    Rect { w: f64, h: f64 },
}

fn label(i: i32) -> String {
    f"n{i}"
}

fn point(i: i32) -> Point {
    Point { x: i }
}

fn named(i: i32) -> Named {
    Named { name: label(i), p: point(i), tag: if i % 2 == 0 { Some(i as i64 * 10) } else { None } }
}

fn tree(d: i32) -> Shape {
    if d == 0 {
        Shape::Rect { w: 1.5, h: 2.0 }
    } else if d == 1 {
        Shape::Dot
    } else {
        Shape::Line(Box::new(tree(d - 1)), Box::new(tree(d - 2)))
    }
}

fn count(s: &Shape) -> f64 {
    match s {
        Shape::Dot => 1.0,
        Shape::Line(a, b) => count(a) + count(b),
        Shape::Rect { w, h } => w * h,
    }
}

fn main() {
    let mut total = 0;
    for i in 0..50 {
        let n = named(i);
        total += n.p.x + n.p.y + n.name.len() as i32;
        if n.p.on {
            total += 1;
        }
        match n.tag {
            Some(t) => total += t as i32,
            None => total -= 1,
        }
    }
    print(total);
    print(count(&tree(12)));
    let mut s = String::from("ab");
    s = s + "cd";
    s += &label(3);
    print(s);
    let mut m: Map<String, String> = Map::new();
    let mut total2 = 0;
    for i in 0..30 {
        let k = label(i % 7);
        let prev = match m.get(&k) {
            Some(v) => v.len() as i32,
            None => 0,
        };
        total2 += prev;
        m.insert(k, f"{i - 7}{i - 7}");
    }
    print(total2);
    for i in 0..2 {
        if let Some(v) = m.get(&label(i * 6 + 3)) {
            print(v);
        } else {
            print("none");
        }
    }
}
`;

/** The generated source of each function (STARK_CODEGEN_DUMP) while `fn` runs. */
function dumped(fn: () => void): Map<string, string> {
  const saved = process.env.STARK_CODEGEN_DUMP;
  process.env.STARK_CODEGEN_DUMP = "1";
  let text = "";
  const spy = jest.spyOn(process.stderr, "write").mockImplementation((s: string | Uint8Array) => ((text += String(s)), true));
  try {
    fn();
  } finally {
    spy.mockRestore();
    if (saved === undefined) delete process.env.STARK_CODEGEN_DUMP;
    else process.env.STARK_CODEGEN_DUMP = saved;
  }
  const out = new Map<string, string>();
  for (const part of text.split(/^\/\/ /m).slice(1)) out.set(part.slice(0, part.indexOf("\n")), part);
  return out;
}

test("struct literals, variant constructors, Box::new and variant tags in patterns are generated inline and keep their values rooted", () => {
  const path = join(ROOT, "alloc.stark");
  const expected = { stdout: "7740\n411\nabcdn3\n72\n1717\nnone\n", panic: null };
  expect(execute(path, false, false, ALLOCATING)).toEqual(expected);
  expect(execute(path, false, true, ALLOCATING)).toEqual(expected);
  let generated: ReturnType<typeof execute> = null;
  const src = dumped(() => (generated = execute(path, true, false, ALLOCATING)));
  expect(generated).toEqual(expected);
  expect(execute(path, true, true, ALLOCATING)).toEqual(expected);
  for (const name of ["point", "named", "tree"]) {
    expect(src.get(name)).toContain("heap.alloc(");
    // No closure-compiled fallback (`k3(f)`) is left in them.
    expect(src.get(name)).not.toMatch(/\bk\d+\(f\)/);
  }
  // `match m.get(&k)` and `if let Some(v) = m.get(&k)` look the entry up without building the
  // `Option`: `MapOps.get` gives the value or undefined.
  expect(src.get("main")!.match(/\bk\d+\.get\(/g)).toHaveLength(2);
  // `Shape::Dot` is a tag comparison and `Shape::Line(a, b)` binds its fields inline; only the
  // struct-like `Shape::Rect { w, h }` arm calls the closure compiler's matcher.
  expect(src.get("count")!.match(/\(f, f\[\d+\], 0, -1\)/g)).toHaveLength(1);
});
