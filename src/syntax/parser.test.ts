// Parser tests: every example of the spec parses; AST shapes (precedence, patterns, closures,
// f-strings, turbofish, shape types, tuple fields, the struct-literal-in-condition rule, comments);
// spans; E0001 messages and positions; and the annotated programs of test/programs/syntax/.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { makeSourceFile, lineCol } from "./ast";
import type { BlockExpr, Expr, ExprStmt, FnDecl, FStrLit, Item, LetStmt, Pattern, Program, SourceFile, Span, Stmt, TypeExpr } from "./ast";
import {
  parse, parseExpression, parseExpressionWithOhm, parseItemsOrStatements, parseItemsOrStatementsWithOhm, parseWithOhm,
  isIncompleteInput,
} from "./parser";
import { fastParse } from "./fastParser";

const EXAMPLES = "/work/shared/spec/examples";
const ROOT = resolve(__dirname, "../..");
const SYNTAX_PROGRAMS = join(ROOT, "test/programs/syntax");

function starkFiles(dir: string): string[] {
  const out: string[] = [];
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...starkFiles(p));
    else if (name.endsWith(".stark")) out.push(p);
  }
  return out;
}

function ok(src: string): Program {
  const r = parse(makeSourceFile("t.stark", src));
  if (!r.program) throw new Error("unexpected syntax error: " + r.diagnostics.map((d) => d.message).join("; "));
  expect(r.diagnostics).toEqual([]);
  return r.program;
}

/** The initializer of the first `let` in a program. */
function init(src: string): Expr {
  const s = ok(src).body[0] as LetStmt;
  expect(s.kind).toBe("LetStmt");
  return s.init!;
}

function expr(src: string): Expr {
  const r = parseExpression(makeSourceFile("e.stark", src));
  if (!r.expr) throw new Error("unexpected syntax error: " + r.diagnostics.map((d) => d.message).join("; "));
  return r.expr;
}

function fnBody(src: string): BlockExpr {
  const f = ok(src).body.find((x) => x.kind === "FnDecl") as FnDecl;
  return f.body!;
}

/** Source text covered by a span. */
function text(s: Span): string {
  return s.file.text.slice(s.start, s.end);
}

/** Strip spans and checker fields so shapes compare structurally. */
function shape(x: unknown): unknown {
  if (typeof x === "bigint") return Number(x);
  if (Array.isArray(x)) return x.map(shape);
  if (x && typeof x === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) {
      if (k === "span" || k === "closeSpan" || k === "file" || k === "binding") continue;
      out[k] = shape(v);
    }
    return out;
  }
  return x;
}

/** A compact rendering of an expression tree: `(+ a (* b c))`. */
function sexp(e: Expr | TypeExpr | Pattern): string {
  switch (e.kind) {
    case "BinaryExpr": return `(${e.op} ${sexp(e.left)} ${sexp(e.right)})`;
    case "UnaryExpr": return `(${e.op} ${sexp(e.operand)})`;
    case "RefExpr": return `(&${e.mutable ? "mut" : ""} ${sexp(e.operand)})`;
    case "DerefExpr": return `(* ${sexp(e.operand)})`;
    case "CastExpr": return `(as ${sexp(e.expr)} ${sexp(e.target)})`;
    case "PathExpr": return e.segments.map((s) => s.name.name + (s.args ? `::<${s.args.map(sexp).join(", ")}>` : "")).join("::");
    case "PathType": return e.segments.map((s) => s.name.name + (s.args ? `<${s.args.map(sexp).join(", ")}>` : "")).join("::");
    case "ShapeType": return `[${e.dims.join(", ")}]`;
    case "IntLit": return String(e.value) + (e.suffix ?? "");
    case "FloatLit": return String(e.value) + (e.suffix ? "_" + e.suffix : "f");
    case "BoolLit": return String(e.value);
    case "StrLit": return JSON.stringify(e.value);
    case "MethodCallExpr": return `(.${e.method.name}${e.typeArgs ? `::<${e.typeArgs.map(sexp).join(", ")}>` : ""} ${[e.receiver, ...e.args].map(sexp).join(" ")})`;
    case "CallExpr": return `(call ${[e.callee, ...e.args].map(sexp).join(" ")})`;
    case "FieldExpr": return `(. ${sexp(e.object)} ${e.field.name})`;
    case "TupleFieldExpr": return `(. ${sexp(e.object)} ${e.index})`;
    case "IndexExpr": return `(index ${sexp(e.object)} ${sexp(e.index)})`;
    case "RangeExpr": return `(${e.inclusive ? "..=" : ".."} ${e.start ? sexp(e.start) : "_"} ${e.end ? sexp(e.end) : "_"})`;
    case "AssignExpr": return `(${e.op} ${sexp(e.target)} ${sexp(e.value)})`;
    case "TryExpr": return `(? ${sexp(e.expr)})`;
    case "ParenExpr": return `(paren ${sexp(e.expr)})`;
    case "TupleExpr": return `(tuple ${e.elems.map(sexp).join(" ")})`;
    case "RefType": return `&${e.mutable ? "mut " : ""}${sexp(e.inner)}`;
    default: return e.kind;
  }
}

// ───────────────────────────── whole files ─────────────────────────────

describe("the spec's examples", () => {
  const files = starkFiles(EXAMPLES);
  (files.length ? test.each(files) : test.skip.each(["(examples folder missing)"]))("%s parses", (f) => {
    const r = parse(makeSourceFile(f, readFileSync(f, "utf8")));
    expect(r.diagnostics).toEqual([]);
    expect(r.program!.body.length).toBeGreaterThan(0);
  });
});

// ───────────────────────────── expressions ─────────────────────────────

describe("precedence and associativity", () => {
  test.each([
    ["a + b * c", "(+ a (* b c))"],
    ["a * b + c", "(+ (* a b) c)"],
    ["a - b - c", "(- (- a b) c)"],
    ["-x.y()", "(- (.y x))"],
    ["!a.b", "(! (. a b))"],
    ["a as f64 * b", "(* (as a f64) b)"],
    ["a * b as f64", "(* a (as b f64))"],
    ["-x as f64", "(as (- x) f64)"],
    ["&mut v[0]", "(&mut (index v 0))"],
    ["*r + 1", "(+ (* r) 1)"],
    ["a == b && c < d || e", "(|| (&& (== a b) (< c d)) e)"],
    ["a | b ^ c & d", "(| a (^ b (& c d)))"],
    ["a << 2 + 1", "(<< a (+ 2 1))"],
    ["a + b == c", "(== (+ a b) c)"],
    ["x @ w + b", "(+ (@ x w) b)"],
    ["0..n + 1", "(.. 0 (+ n 1))"],
    ["a..=b", "(..= a b)"],
    ["..5", "(.. _ 5)"],
    ["3..", "(.. 3 _)"],
    ["a = b = c", "(= a (= b c))"],
    ["x += y * 2", "(+= x (* y 2))"],
    ["x <<= 1", "(<<= x 1)"],
    ["a < -1", "(< a (- 1))"],
    ["f(x)?.len()", "(.len (? (call f x)))"],
    ["(a + b) * c", "(* (paren (+ a b)) c)"],
    ["&&x", "(& (& x))"],
  ])("%s", (src, want) => {
    expect(sexp(expr(src))).toBe(want);
  });

  test("comparison operators do not chain", () => {
    const r = parseExpression(makeSourceFile("e", "a < b < c"));
    expect(r.expr).toBeNull();
    expect(r.diagnostics[0].message).toBe("comparison operators cannot be chained");
    expect(r.diagnostics[0].primary.span.start).toBe(6);
  });
});

describe("literals", () => {
  test.each([
    ["42", "IntLit", 42, null],
    ["1_000_000", "IntLit", 1000000, null],
    ["0xFF", "IntLit", 255, null],
    ["0b1010", "IntLit", 10, null],
    ["7u8", "IntLit", 7, "u8"],
    ["3usize", "IntLit", 3, "usize"],
    ["1f32", "IntLit", 1, "f32"],
    ["1.0", "FloatLit", 1, null],
    ["1e-3", "FloatLit", 0.001, null],
    ["2.5e10", "FloatLit", 2.5e10, null],
    ["0.5f64", "FloatLit", 0.5, "f64"],
  ])("%s", (src, kind, value, suffix) => {
    const e = expr(src) as Expr & { value: bigint | number; suffix: string | null };
    expect(e.kind).toBe(kind);
    expect(Number(e.value)).toBe(value);
    expect(e.suffix).toBe(suffix);
  });

  test("a range of integers is not a float", () => {
    expect(sexp(expr("1..2"))).toBe("(.. 1 2)");
  });

  test("string escapes are decoded", () => {
    const e = expr(String.raw`"a\n\t\\\"\0\'\u{1F600}"`);
    expect(e).toMatchObject({ kind: "StrLit", value: "a\n\t\\\"\0'\u{1F600}" });
  });

  test("chars and booleans", () => {
    expect(expr("'a'")).toMatchObject({ kind: "CharLit", value: "a" });
    expect(expr(String.raw`'\n'`)).toMatchObject({ kind: "CharLit", value: "\n" });
    expect(expr("true")).toMatchObject({ kind: "BoolLit", value: true });
  });
});

describe("postfix expressions", () => {
  test("tuple fields: t.0.1 is two accesses", () => {
    expect(sexp(expr("t.0.1"))).toBe("(. (. t 0) 1)");
  });
  test("method call with turbofish", () => {
    expect(sexp(expr("v.iter().collect::<Vec<i32>>()"))).toBe("(.collect::<Vec<i32>> (.iter v))");
  });
  test("path with turbofish and static shape", () => {
    const e = expr("Tensor::<f32, [2, 3]>::zeros()");
    expect(sexp(e)).toBe("(call Tensor::<f32, [2, 3]>::zeros)");
    const callee = (e as Extract<Expr, { kind: "CallExpr" }>).callee as Extract<Expr, { kind: "PathExpr" }>;
    expect(callee.segments[0].args![1]).toMatchObject({ kind: "ShapeType", dims: [2, 3] });
  });
  test("calling a field: (self.f)(x)", () => {
    expect(sexp(expr("(self.f)(x)"))).toBe("(call (paren (. self f)) x)");
  });
  test("a method on an integer literal", () => {
    expect(sexp(expr("1.max(2)"))).toBe("(.max 1 2)");
  });
});

describe("struct literals", () => {
  test("shorthand fields and ..base", () => {
    const e = expr("Point { x, y: 2, ..base }");
    expect(shape(e)).toEqual({
      kind: "StructLitExpr",
      path: { kind: "PathExpr", segments: [{ name: { name: "Point" }, args: null }] },
      fields: [
        { name: { name: "x" }, value: { kind: "PathExpr", segments: [{ name: { name: "x" }, args: null }] } },
        { name: { name: "y" }, value: { kind: "IntLit", value: 2, suffix: null } },
      ],
      base: { kind: "PathExpr", segments: [{ name: { name: "base" }, args: null }] },
    });
  });

  test("not in an `if` condition: the `{` starts the body", () => {
    const body = fnBody("fn main() { if x == S { 1 } else { 2 } }");
    const e = body.tail as Extract<Expr, { kind: "IfExpr" }>;
    expect(e.kind).toBe("IfExpr");
    expect(sexp(e.cond)).toBe("(== x S)");
  });

  test("allowed in a condition inside parentheses", () => {
    const body = fnBody("fn main() { if x == (S { a: 1 }) { } }");
    const e = body.tail as Extract<Expr, { kind: "IfExpr" }>;
    expect((e.cond as Extract<Expr, { kind: "BinaryExpr" }>).right).toMatchObject({ kind: "ParenExpr", expr: { kind: "StructLitExpr" } });
  });

  test("not in `for` and `match` heads either", () => {
    const body = fnBody("fn main() { for i in 0..n { } match v { _ => 1 } }");
    expect(body.stmts[0]).toMatchObject({ kind: "ExprStmt", expr: { kind: "ForExpr", iter: { kind: "RangeExpr" } } });
    expect(body.tail).toMatchObject({ kind: "MatchExpr", scrutinee: { kind: "PathExpr" } });
  });
});

describe("statements and blocks", () => {
  test("block-like expression statements need no `;`", () => {
    const body = fnBody("fn main() { if a { b(); } loop { break; } while c { } x = 1; }");
    expect(body.stmts.map((s) => (s as ExprStmt).expr.kind)).toEqual(["IfExpr", "LoopExpr", "WhileExpr", "AssignExpr"]);
    expect(body.tail).toBeNull();
  });

  test("a block's last expression is its tail; a trailing block-like statement is too", () => {
    expect(fnBody("fn f() -> i32 { let a = 1; a + 1 }").tail).toMatchObject({ kind: "BinaryExpr" });
    expect(fnBody("fn f() -> i32 { if c { 1 } else { 2 } }").tail).toMatchObject({ kind: "IfExpr" });
    expect(fnBody("fn f() { g(); }").tail).toBeNull();
  });

  test("a block-like statement ends the statement: `*x = 1` on the next line is not a multiplication", () => {
    const body = fnBody("fn f() { if c { } *x = 1; }");
    expect(body.stmts).toHaveLength(2);
    expect(sexp((body.stmts[1] as ExprStmt).expr)).toBe("(= (* x) 1)");
  });

  test("a block-like expression followed by a method call continues", () => {
    const body = fnBody("fn f() { match x { _ => 1 }.to_string(); }");
    expect((body.stmts[0] as ExprStmt).expr).toMatchObject({ kind: "MethodCallExpr", receiver: { kind: "MatchExpr" } });
  });

  test("let forms", () => {
    const body = fnBody("fn f() { let x; let mut y: i32 = 0; let (a, b) = t; let Some(v) = o else { return; }; }");
    const lets = body.stmts as LetStmt[];
    expect(lets[0]).toMatchObject({ init: null, ty: null, pat: { kind: "BindPat", mutable: false } });
    expect(lets[1]).toMatchObject({ pat: { kind: "BindPat", mutable: true }, ty: { kind: "PathType" } });
    expect(lets[2].pat).toMatchObject({ kind: "TuplePat", elems: [{ kind: "BindPat" }, { kind: "BindPat" }] });
    expect(lets[3]).toMatchObject({ pat: { kind: "TupleStructPat" }, elseBlock: { kind: "BlockExpr" } });
  });

  test("labels, loop values, if let, while let", () => {
    const body = fnBody("fn f() { let v = 'outer: loop { break 'outer 5; }; if let Some(x) = o { } while let Some(y) = s.pop() { continue; } }");
    const loop = (body.stmts[0] as LetStmt).init as Extract<Expr, { kind: "LoopExpr" }>;
    expect(loop.label).toMatchObject({ name: "outer" });
    expect(loop.body.stmts[0]).toMatchObject({ expr: { kind: "BreakExpr", label: { name: "outer" }, value: { kind: "IntLit" } } });
    expect((body.stmts[1] as ExprStmt).expr.kind).toBe("IfLetExpr");
    expect(body.tail!.kind).toBe("WhileLetExpr");
  });

  test("else if chains", () => {
    const e = fnBody("fn f() { if a { } else if b { } else { } }").tail as Extract<Expr, { kind: "IfExpr" }>;
    expect(e.else).toMatchObject({ kind: "IfExpr", else: { kind: "BlockExpr" } });
  });

  test("match arms: guards, or-patterns, commas optional after blocks", () => {
    const m = expr("match x { 1 | 2 => a, n if n > 5 => { b } _ => c }") as Extract<Expr, { kind: "MatchExpr" }>;
    expect(m.arms).toHaveLength(3);
    expect(m.arms[0].pat).toMatchObject({ kind: "OrPat", alts: [{ kind: "LitPat" }, { kind: "LitPat" }] });
    expect(m.arms[1].guard).toMatchObject({ kind: "BinaryExpr", op: ">" });
    expect(m.arms[2].pat.kind).toBe("WildcardPat");
  });

  test("Windows line endings, tabs and a byte-order mark are whitespace", () => {
    const p = ok("\uFEFFfn main() {\r\n\tlet x = 1;\r\n}\r\n");
    expect((p.body[0] as FnDecl).body!.stmts).toHaveLength(1);
    expect(parseWithOhm(makeSourceFile("t", "\uFEFFfn main() {\r\n\tlet x = 1;\r\n}\r\n")).program).not.toBeNull();
  });

  test("comments: line, block and nested block", () => {
    const p = ok("// one\nfn /* two /* nested */ still */ main() { // three\n let x = 1; /* four */ }\n");
    expect(p.body).toHaveLength(1);
    expect((p.body[0] as FnDecl).name.name).toBe("main");
  });
});

describe("patterns", () => {
  function pat(src: string): Pattern {
    const m = expr(`match v { ${src} => 0 }`) as Extract<Expr, { kind: "MatchExpr" }>;
    return m.arms[0].pat;
  }
  test.each([
    ["_", { kind: "WildcardPat" }],
    ["x", { kind: "BindPat", name: { name: "x" }, mutable: false, byRef: "none" }],
    ["mut x", { kind: "BindPat", mutable: true }],
    ["ref x", { kind: "BindPat", byRef: "ref" }],
    ["ref mut x", { kind: "BindPat", byRef: "refMut" }],
    ["n @ 1..=5", { kind: "BindPat", sub: { kind: "RangePat", inclusive: true } }],
    ["-1", { kind: "LitPat", negative: true, value: { kind: "IntLit" } }],
    ["'a'..='z'", { kind: "RangePat", start: { value: { kind: "CharLit", value: "a" } }, end: { value: { value: "z" } } }],
    ["None", { kind: "PathPat", path: { segments: [{ name: { name: "None" } }] } }],
    ["GCMode::Training", { kind: "PathPat", path: { segments: [{}, { name: { name: "Training" } }] } }],
    ["Some(x)", { kind: "TupleStructPat", elems: [{ kind: "BindPat" }] }],
    ["Shape::Rect { w, h: 0, .. }", { kind: "StructPat", rest: true, fields: [{ pat: { kind: "BindPat" } }, { pat: { kind: "LitPat" } }] }],
    ["(a, .., z)", { kind: "TuplePat", elems: [{ kind: "BindPat" }, { kind: "RestPat" }, { kind: "BindPat" }] }],
    ["&(a, b)", { kind: "RefPat", mutable: false, pat: { kind: "TuplePat" } }],
    ["\"hi\"", { kind: "LitPat", value: { kind: "StrLit", value: "hi" } }],
  ])("%s", (src, want) => {
    expect(pat(src)).toMatchObject(want);
  });

  test("every binding gets its own Binding object", () => {
    const p = pat("(a, b)") as Extract<Pattern, { kind: "TuplePat" }>;
    const [a, b] = p.elems as Extract<Pattern, { kind: "BindPat" }>[];
    expect(a.binding).toMatchObject({ name: "a", mutable: false });
    expect(a.binding).not.toBe(b.binding);
    expect(text(a.binding.span)).toBe("a");
  });
});

describe("closures", () => {
  test("typed parameters", () => {
    const c = expr("|a, b: i32| a + b") as Extract<Expr, { kind: "ClosureExpr" }>;
    expect(c.params.map((p) => p.ty === null)).toEqual([true, false]);
    expect(sexp(c.body)).toBe("(+ a b)");
  });
  test("move, no parameters, return type", () => {
    const c = expr("move || -> i32 { 1 }") as Extract<Expr, { kind: "ClosureExpr" }>;
    expect(c).toMatchObject({ isMove: true, params: [], ret: { kind: "PathType" }, body: { kind: "BlockExpr" } });
  });
  test("closure as an argument", () => {
    expect(sexp(expr("v.iter().map(|x| x * 2)"))).toBe("(.map (.iter v) ClosureExpr)");
  });
});

describe("f-strings", () => {
  test("text, expressions, specs and escaped braces", () => {
    const f = expr('f"a {x} b {y.len():.3} {z:>8} {w:?} {{lit}}"') as FStrLit;
    expect(f.kind).toBe("FStrLit");
    const parts = f.parts.map((p) => (typeof p === "string" ? p : { e: sexp(p.expr), spec: p.spec && { ...p.spec } }));
    expect(parts).toEqual([
      "a ",
      { e: "x", spec: null },
      " b ",
      { e: "(.len y)", spec: { debug: false, precision: 3, align: null, width: null, fill: " ", sign: false, raw: ".3" } },
      " ",
      { e: "z", spec: { debug: false, precision: null, align: ">", width: 8, fill: " ", sign: false, raw: ">8" } },
      " ",
      { e: "w", spec: { debug: true, precision: null, align: null, width: null, fill: " ", sign: false, raw: "?" } },
      " {lit}",
    ]);
  });

  test("nested expressions: paths, calls with strings, indexing", () => {
    const f = expr('f"{Vec::<i32>::new().len()} {m.get("a")} {v[i + 1]:05}"') as FStrLit;
    const exprs = f.parts.filter((p) => typeof p !== "string") as { expr: Expr; spec: unknown }[];
    expect(exprs.map((p) => sexp(p.expr))).toEqual(['(.len (call Vec::<i32>::new))', '(.get m "a")', "(index v (+ i 1))"]);
    expect(exprs[2].spec).toMatchObject({ fill: "0", width: 5 });
  });

  test("spans inside f-strings point into the file", () => {
    const src = 'let s = f"x = {foo + 1}";';
    const f = init(src) as FStrLit;
    const part = f.parts[1] as { expr: Expr };
    expect(text(part.expr.span)).toBe("foo + 1");
    expect(part.expr.span.start).toBe(src.indexOf("foo"));
  });
});

describe("types", () => {
  function ty(src: string): TypeExpr {
    return (ok(`let x: ${src} = y;`).body[0] as LetStmt).ty!;
  }
  test.each([
    ["Vec<Vec<i32>>", { kind: "PathType", segments: [{ name: { name: "Vec" }, args: [{ kind: "PathType" }] }] }],
    ["Map", { kind: "PathType", segments: [{ name: { name: "Map" }, args: null }] }],
    ["Tensor<f32, [N, 784]>", { kind: "PathType", segments: [{ args: [{}, { kind: "ShapeType", dims: ["N", 784] }] }] }],
    ["[f32; 1024]", { kind: "ArrayType", elem: { kind: "PathType" }, len: { kind: "IntLit" } }],
    ["&[f32]", { kind: "RefType", inner: { kind: "SliceType", elem: { kind: "PathType" } } }],
    ["Add<Output = T>", { kind: "PathType", segments: [{ name: { name: "Add" }, args: [], bindings: [{ name: { name: "Output" }, ty: { kind: "PathType" } }] }] }],
    ["fn(i32) -> i32", { kind: "FnPtrType", params: [{ kind: "PathType" }], ret: { kind: "PathType" } }],
    ["impl Fn(i32) -> i32", { kind: "ImplTraitType", bounds: [{ segments: [{ name: { name: "Fn" }, fnSugar: { params: [{}], ret: {} } }] }] }],
    ["Box<dyn Fn(i32) -> i32>", { segments: [{ args: [{ kind: "DynTraitType" }] }] }],
    ["&mut Tensor", { kind: "RefType", mutable: true }],
    ["(i32, f64)", { kind: "TupleType", elems: [{}, {}] }],
    ["()", { kind: "TupleType", elems: [] }],
    ["gc::GCConfig", { kind: "PathType", segments: [{ name: { name: "gc" } }, { name: { name: "GCConfig" } }] }],
    ["!", { kind: "NeverType" }],
    ["_", { kind: "InferType" }],
  ])("%s", (src, want) => {
    expect(ty(src)).toMatchObject(want);
  });
});

// ───────────────────────────── items ─────────────────────────────

describe("items", () => {
  test("functions: generics, self receivers, body-less signatures", () => {
    const p = ok(`
      trait Shape: Display + Clone {
          fn area(&self) -> f64;
          fn grow(&mut self, by: f64) { }
          fn into_inner(self) -> f64;
          fn name() -> String { "s" }
      }
      fn max<T: Ord + Copy>(a: T, b: T) -> T where T: Clone { a }
    `);
    const t = p.body[0] as Extract<Item, { kind: "TraitDecl" }>;
    expect(t.supertraits).toHaveLength(2);
    expect(t.methods.map((m) => [m.selfParam?.mode ?? null, m.body === null])).toEqual([
      ["ref", true],
      ["refMut", false],
      ["value", true],
      [null, false],
    ]);
    const f = p.body[1] as FnDecl;
    expect(f.generics).toMatchObject([{ name: "T", bounds: [{}, {}, {}] }]);
  });

  test("structs: named with defaults, tuple, unit; attributes and pub", () => {
    const p = ok(`
      #[derive(Copy, Clone)]
      pub struct P { pub x: i32, n: i32 = 0 }
      struct T(i32, f64);
      struct U;
    `);
    const [s, t, u] = p.body as Extract<Item, { kind: "StructDecl" }>[];
    expect(s).toMatchObject({ isPub: true, shape: "named", attrs: [{ name: "derive", args: ["Copy", "Clone"] }] });
    expect(s.fields.map((f) => [f.name.name, f.isPub, f.default ? "default" : null])).toEqual([["x", true, null], ["n", false, "default"]]);
    expect(t).toMatchObject({ shape: "tuple", fields: [{ name: { name: "0" } }, { name: { name: "1" } }] });
    expect(u).toMatchObject({ shape: "unit", fields: [] });
    expect(text(s.span).startsWith("#[derive")).toBe(true);
  });

  test("enums with unit, tuple and named variants", () => {
    const e = ok("enum Shape { Empty, Circle(f64), Rect { w: f64, h: f64 }, Code = 3 }").body[0] as Extract<Item, { kind: "EnumDecl" }>;
    expect(e.variants.map((v) => [v.name.name, v.shape, v.fields.length, v.discriminant ? 1 : 0])).toEqual([
      ["Empty", "unit", 0, 0],
      ["Circle", "tuple", 1, 0],
      ["Rect", "named", 2, 0],
      ["Code", "unit", 0, 1],
    ]);
  });

  test("impls: inherent with generics, trait for type, associated consts", () => {
    const p = ok("impl<T> Stack<T> { const CAP: usize = 8; pub fn new() -> Self { Stack { items: Vec::new() } } } impl Display for P { fn fmt(&self) -> String { s } }");
    const [a, b] = p.body as Extract<Item, { kind: "ImplDecl" }>[];
    expect(a).toMatchObject({ generics: [{ name: "T" }], trait: null, target: { segments: [{ name: { name: "Stack" }, args: [{}] }] } });
    expect(a.consts).toHaveLength(1);
    expect(a.methods[0].isPub).toBe(true);
    expect(b).toMatchObject({ trait: { segments: [{ name: { name: "Display" } }] }, target: { segments: [{ name: { name: "P" } }] } });
  });

  test("use trees, const, mod", () => {
    const p = ok("use gc::{collect, stats as s}; use a::b::*; const N: usize = 3; mod m { pub fn f(); }");
    const uses = p.body.filter((x) => x.kind === "UseDecl") as Extract<Item, { kind: "UseDecl" }>[];
    expect(uses.map((u) => [u.path.map((i) => i.name).join("::"), u.alias?.name ?? null, u.glob])).toEqual([
      ["gc::collect", null, false],
      ["gc::stats", "s", false],
      ["a::b", null, true],
    ]);
    expect(p.body.find((x) => x.kind === "ConstDecl")).toMatchObject({ name: { name: "N" }, ty: {} });
    expect(p.body.find((x) => x.kind === "ModDecl")).toMatchObject({ name: { name: "m" }, items: [{ kind: "FnDecl", isPub: true, body: null }] });
  });

  test("top-level statements mixed with items, in order", () => {
    const p = ok("let x = 1; fn f() {} print(x); struct S;");
    expect(p.body.map((x) => x.kind)).toEqual(["LetStmt", "FnDecl", "ExprStmt", "StructDecl"]);
  });

  test("keywords are reserved, self and Self are allowed where Rust allows them", () => {
    expect(parse(makeSourceFile("t", "let match = 1;")).program).toBeNull();
    ok("impl P { fn new() -> Self { Self { x: self::y } } }");
  });
});

// ───────────────────────────── spans ─────────────────────────────

describe("spans", () => {
  const src = "fn main() {\n    let total = a + b;\n    print(total);\n}\n";
  const file = makeSourceFile("s.stark", src);
  const program = parse(file).program!;
  const main = program.body[0] as FnDecl;
  const at = (s: Span) => ({ ...lineCol(file, s.start), text: text(s) });

  test("items, statements and expressions", () => {
    expect(at(main.span)).toMatchObject({ line: 1, column: 1 });
    expect(at(main.name.span)).toEqual({ line: 1, column: 4, text: "main" });
    const let0 = main.body!.stmts[0] as LetStmt;
    expect(at(let0.span)).toEqual({ line: 2, column: 5, text: "let total = a + b;" });
    expect(at(let0.init!.span)).toEqual({ line: 2, column: 17, text: "a + b" });
    expect(at((let0.pat as Extract<Pattern, { kind: "BindPat" }>).binding.span)).toMatchObject({ line: 2, column: 9, text: "total" });
    const call = (main.body!.stmts[1] as ExprStmt).expr;
    expect(at(call.span)).toEqual({ line: 3, column: 5, text: "print(total)" });
  });

  test("a block's closing brace", () => {
    expect(at(main.body!.closeSpan)).toEqual({ line: 4, column: 1, text: "}" });
  });

  test("method chains span from the receiver", () => {
    const e = expr("a.b().c");
    expect(text(e.span)).toBe("a.b().c");
    expect(text((e as Extract<Expr, { kind: "FieldExpr" }>).object.span)).toBe("a.b()");
  });
});

// ───────────────────────────── the REPL entry point ─────────────────────────────

describe("parseItemsOrStatements", () => {
  test("a final expression without `;` is the tail", () => {
    const r = parseItemsOrStatements(makeSourceFile("<repl:1>", "let x = 2; fn f() {} x * 3"));
    expect(r.body!.map((b) => b.kind)).toEqual(["LetStmt", "FnDecl"]);
    expect(sexp(r.tail!)).toBe("(* x 3)");
  });
  test("a final block-like statement is the tail too", () => {
    const r = parseItemsOrStatements(makeSourceFile("<repl:2>", "if a { 1 } else { 2 }"));
    expect(r.body).toEqual([]);
    expect(r.tail!.kind).toBe("IfExpr");
  });
  test("multi-line input: incomplete while a bracket, string or comment is open", () => {
    expect(isIncompleteInput("fn f() {")).toBe(true);
    expect(isIncompleteInput("let v = vec![1,\n2")).toBe(true);
    expect(isIncompleteInput('let s = "abc')).toBe(true);
    expect(isIncompleteInput("/* note")).toBe(true);
    expect(isIncompleteInput("fn f() { }")).toBe(false);
    expect(isIncompleteInput("let x = ;")).toBe(false); // complete, just wrong
    expect(isIncompleteInput("f(1]")).toBe(false); // mismatched: more lines will not help
  });

  test("errors are diagnostics", () => {
    const r = parseItemsOrStatements(makeSourceFile("<repl:3>", "let x = ;"));
    expect(r.body).toBeNull();
    expect(r.diagnostics[0]).toMatchObject({ code: "E0001", message: "expected expression, found `;`" });
  });
});

// ───────────────────────────── syntax errors ─────────────────────────────

describe("syntax errors (E0001)", () => {
  /** Parse, expect exactly one E0001, and describe where its primary span starts. */
  function fail(src: string): { message: string; line: number; column: number; label: string; file: SourceFile; d: ReturnType<typeof parse>["diagnostics"][0] } {
    const file = makeSourceFile("t.stark", src);
    const r = parse(file);
    expect(r.program).toBeNull();
    expect(r.diagnostics).toHaveLength(1);
    const d = r.diagnostics[0];
    expect(d.code).toBe("E0001");
    expect(d.severity).toBe("error");
    return { message: d.message, ...lineCol(file, d.primary.span.start), label: d.primary.message, file, d };
  }

  test.each([
    // [source, message, line, column]
    ["fn main() {\n    let x = 5\n    let y = 6;\n}\n", "expected `;` or `}` after this expression, found `let`", 2, 14],
    ["fn main() {\n    print(x)\n    print(y);\n}\n", "expected `;` or `}` after this expression, found `print`", 2, 13],
    ["fn main() { let x = (1 + ); }", "expected expression, found `)`", 1, 26],
    ["fn main() { f(1, 2 3); }", "expected one of `,` or `)`, found `3`", 1, 20],
    ["fn main() { let v = [1, 2 3]; }", "expected one of `,` or `]`, found `3`", 1, 27],
    ["fn main() { let = 5; }", "expected identifier, found `=`", 1, 17],
    ["fn f(x: ) {}", "expected type, found `)`", 1, 9],
    ["fn f(x) {}", "expected `:`, found `)`", 1, 7],
    ["struct P { x: i32 y: i32 }", "expected one of `,`, `=` or `}`, found `y`", 1, 19],
    ["fn main() { let mut p */ 1; }", "expected one of `;`, `=` or `:`, found `*`", 1, 23],
    ["fn main() && { }", "expected one of `;`, `{`, `where` or `->`, found `&&`", 1, 11],
    ["mut fn main() {}", "expected an item or a statement, found `mut`", 1, 1],
    ["mod m { pub square() {} }", "expected an item after `pub`, found `square`", 1, 13],
    ["fn main() { match x { 1 => a 2 => b } }", "expected one of `,` or `}`, found `2`", 1, 30],
    ["fn main() { for x v { } }", "expected `in`, found `v`", 1, 19],
    ["fn main() { let x = if a { 1 } else ; }", "expected one of `{` or `if`, found `;`", 1, 37],
    ["fn main() { let s = \"abc; }", "unterminated string", 1, 21],
    ["fn main() { let c = 'ab'; }", "character literal may only contain one character", 1, 21],
    ["fn main() { let s = \"a\\qb\"; }", "unknown character escape: `\\q`", 1, 23],
    ["fn main() { let x = 12abc; }", "invalid suffix `abc` for number literal", 1, 21],
    ["/* never closed\nfn main() {}", "unterminated block comment", 1, 1],
    ["fn main() { let x = a < b < c; }", "comparison operators cannot be chained", 1, 27],
    ["fn main() { if p == Point { x: 1 } { } }", "struct literals are not allowed here", 1, 21],
    ["fn main() { print(f\"{}\"); }", "expected an expression inside `{}` in this format string", 1, 21],
    ["fn main() { print(f\"{x +}\"); }", "expected an expression inside this format string, found `}`", 1, 25],
    ["fn main() { print(f\"a } b\"); }", "invalid format string: unmatched `}` found", 1, 23],
    ["fn main() { let fn = 1; }", "expected identifier, found `fn`", 1, 17],
    ["fn main() }", "unexpected closing delimiter: `}`", 1, 11],
    ["fn main() { x++; }", "STARK has no `++` operator", 1, 14],
    ["fn main() { println!(\"{}\", 1); }", "STARK has no `println!` macro", 1, 13],
    ["fn main() { let c = b\"ab\"; }", "STARK has no byte strings", 1, 21],
    ["fn main() { let c = b'é'; }", "non-ASCII character in byte literal", 1, 21],
    ["static NAME: &str = \"x\";\nfn main() {}", "STARK has no `static` items", 1, 1],
    ["static mut COUNT: i32 = 0;\nfn main() {}", "STARK has no `static` items", 1, 1],
    ["fn main() { let b = matches!(x, 1..=3); }", "STARK has no `matches!` macro", 1, 21],
    ["let s = format!(\"{}\", 2);", "STARK has no `format!` macro", 1, 9],
    ["fn main() { let v = Vec<i32>::new(); }", "type arguments in an expression need `::<...>`", 1, 29],
    ["fn main() { for i in 0..10 print(i); }", "expected `{`, found `print`", 1, 28],
    ["use gc::collect\nfn main() {}", "expected `;`, found `fn`", 1, 16],
    ["fn main() { match x { 1 -> a, } }", "expected one of `=>` or `if`, found `->`", 1, 25],
    ["fn main() { print(\"a\" \"b\"); }", "expected one of `,` or `)`, found `\"b\"`", 1, 23],
  ])("%j", (src, message, line, column) => {
    const f = fail(src);
    expect(f.message).toBe(message);
    expect([f.line, f.column]).toEqual([line, column]);
  });

  test("the missing `;` points at the end of the expression and labels the found token", () => {
    const f = fail("fn main() {\n    let x = 5\n    let y = 6;\n}\n");
    expect(f.label).toBe("expected `;` here");
    expect(f.d.labels).toHaveLength(1);
    expect(lineCol(f.file, f.d.labels[0].span.start)).toEqual({ line: 3, column: 5 });
  });

  test("Rust's positional `{}` with the values after the string: the help names the f-string form", () => {
    const f = fail('fn main() {\n    let a = 1.5;\n    print(f"{:.2} and {a}", a);\n}\n');
    expect(f.label).toBe("write the value to show here, as in `{x:.2}`");
    expect(f.d.help).toContainEqual(expect.stringContaining('write `f"{x:.2}"`, not Rust\'s `"{:.2}", x`'));
    // Without values after the string, the brace may be meant literally.
    expect(fail('fn main() { print(f"a {} b"); }').d.help).toContainEqual(expect.stringContaining("double it"));
  });

  test("unclosed delimiter: labelled on the opening bracket", () => {
    const f = fail("fn main() {\n    let x = 1;\n");
    expect(f.message).toBe("unclosed delimiter");
    expect([f.line, f.column]).toEqual([1, 11]);
    expect(f.label).toBe("this `{` is never closed");
  });

  test("unclosed delimiter: the misindented `}` that closed the wrong block is pointed out", () => {
    const f = fail("fn a() {\n    if x {\n        print(1);\n\n}\n\nfn b() {\n    print(2);\n}\n");
    expect([f.message, f.line]).toEqual(["unclosed delimiter", 1]);
    expect(f.d.labels.map((l) => [l.message, lineCol(f.file, l.span.start).line])).toContainEqual([
      "this `}` closes the `{` on line 2, but is indented differently",
      5,
    ]);
    expect(f.d.help).toEqual(["a `}` is probably missing before line 5"]);
  });

  test("mismatched closing delimiter: the opener is primary, the closer a label", () => {
    const f = fail("fn main() {\n    foo(1, 2;\n}\n");
    expect(f.message).toBe("mismatched closing delimiter: `}`");
    expect([f.line, f.column]).toEqual([2, 8]);
    expect(lineCol(f.file, f.d.labels[0].span.start)).toEqual({ line: 3, column: 1 });
  });

  test("keywords are named as such", () => {
    expect(fail("fn main() { let fn = 1; }").d.notes[0]).toBe("`fn` is a keyword and cannot be used as a name");
  });

  test("never a raw Ohm message or a rule name", () => {
    for (const src of ["fn", "fn main(", "struct", "let x = y.;", "impl { }", "enum E { A(, }", "x = = 1;", "#[derive(Copy]", "let t: Vec<i32 = 1;", "match"]) {
      const r = parse(makeSourceFile("t", src));
      expect(r.diagnostics).toHaveLength(1);
      const m = r.diagnostics[0].message;
      expect(m).not.toMatch(/Line \d|Expected|[A-Z][a-z]+_[a-z]+|PatternNoTop|Expr<|Stmt|kw[A-Z]|an operator,/);
      expect(m.length).toBeLessThan(120);
    }
  });
});

// ───────────────────────────── annotated syntax-error programs ─────────────────────────────

describe("test/programs/syntax", () => {
  const files = starkFiles(SYNTAX_PROGRAMS);
  test("there are at least 20 programs", () => expect(files.length).toBeGreaterThanOrEqual(20));
  test.each(files)("%s", (f) => {
    const src = readFileSync(f, "utf8");
    const file = makeSourceFile(f, src);
    const want = src
      .split("\n")
      .map((l, i) => (/\/\/ error: E0001\b/.test(l) ? i + 1 : 0))
      .filter(Boolean);
    const r = parse(file);
    const got = r.diagnostics.map((d) => lineCol(file, d.primary.span.start).line);
    expect(got).toEqual(want);
  });
});

void ({} as Stmt);

// ───────────────────────────── the fast path agrees with the grammar ─────────────────────────────

describe("fast parser ≡ Ohm grammar", () => {
  /** Both ASTs, spans included, as comparable JSON (files dropped, bigints tagged). */
  function both(file: SourceFile): { fast: string | null; ohm: string | null } {
    const json = (p: Program | null) =>
      p && JSON.stringify(p, (k, v) => (k === "file" ? undefined : typeof v === "bigint" ? `${v}n` : v));
    return { fast: json(fastParse(file)), ohm: json(parseWithOhm(file).program) };
  }

  const corpus = [
    ...starkFiles(EXAMPLES),
    ...starkFiles(join(ROOT, "test/programs")),
    ...starkFiles(join(ROOT, "examples")),
    ...starkFiles(join(ROOT, "stdlib")),
  ];
  test.each(corpus)("%s", (f) => {
    const { fast, ohm } = both(makeSourceFile(f, readFileSync(f, "utf8")));
    if (ohm === null) expect(fast).toBeNull(); // a syntax-error program: both reject it
    else expect(fast).toBe(ohm);
  });

  const snippets = [
    "let x = a + b * c - d / e % f @ g << 1 >> 2 & h ^ i | j == k && l != m || n;",
    "let x = -a as f64 * b as i64 + !c as i32 - *d + &e + &mut f + &&g + &&mut h;",
    "let v = x.0.1 + t.a.b().c::<i32>()?[0](1, 2).d;",
    "let r = (0..10, ..5, 3.., .., a..=b, 1..2);",
    "x = y = z; a += 1; b <<= 2; c >>= 3; d ^= e | f;",
    'let s = f"{a} {b.c():.3} {d:>8} {e:?} {{x}} {g[h + 1]:05} {Vec::<i32>::new().len()} {m.get("k")}";',
    "let c = (|a, b: i32| a + b, move || -> i32 { 1 }, |x: &Tensor| x.sum(), || 5);",
    "let t = Tensor::<f32, [2, 3]>::zeros(); let u: Tensor<f32, [N, 784]> = t; let w: Vec<Vec<i32>> = v;",
    "let f: fn(i32) -> i32 = g; let h: Box<dyn Fn(i32) -> i32> = k; fn m(f: impl Fn(i32) -> i32 + Clone) {}",
    "let a: [f32; 1024] = [0.0; 1024]; let b = [1, 2, 3,]; let c = vec![]; let d = vec![0u8; n];",
    "fn f(s: &[i32], t: &mut [f64]) -> &[i32] { let a = &v[1..3]; let b = &mut v[..]; let c = &w[2..]; s }",
    "impl Add for V { type Output = V; fn add(self, o: V) -> Self::Output { o } } trait T { type Output; type Item: Clone; fn f(&self); }",
    "fn add_all<T: Add<Output = T> + Copy>(a: T, b: T) -> T where T: Mul<Output = T> { a + b }",
    "match x { 1 | 2 => a, n @ 3..=5 if n > 4 => { b } -1 => c, 'a'..='z' => d, (p, .., q) => e, S { f, g: 0, .. } => h, T(i) => j, E::K => l, None => m, _ => n }",
    "if let Some(x) = o { } else if c { } else { } while let Some(y) = s.pop() { } 'outer: for i in 0..n { break 'outer; } let v = loop { break 5; };",
    "let Some(v) = o else { return; }; let (mut a, ref b, ref mut c) = t; let x;",
    "struct P { x: i32, pub y: f64 = 1.0 } struct T(i32, pub f64); struct U; enum E { A, B(i32), C { d: i32 }, F = 3 }",
    "#[derive(Copy, Clone)] pub struct Q; impl<T: Display> Stack<T> where T: Clone { const N: usize = 3; pub fn new() -> Self { Self { items: Vec::new() } } fn f(&self) {} fn g(&mut self, x: i32) {} fn h(mut self) {} fn i(self); }",
    "trait A: B + C { fn f(&self) -> i32; fn g(&self) -> i32 { 1 } } impl A for P { fn f(&self) -> i32 { 2 } }",
    "use gc::{collect, stats as s, self}; use a::b::*; use c; const N: i32 = 1; mod m { pub fn f(); struct S; }",
    "let x = 0xFF + 0b1010 + 0o17 + 1_000 + 7u8 + 1f32 + 2.5e10 + 1e-3 + 1.0f64 + 3.;",
    "let s = \"a\\n\\t\\u{1F600}\\\"\"; let c = '\\''; let d = '\\n';",
    "if x == (S { a: 1 }) { } match (S { a }) { _ => {} } for i in a..b { }",
    "let y = if c { 1 } else { 2 }.max(3); { } *p = 1; match q { _ => () }.f();",
    "/* a /* nested */ comment */ let x = 1; // trailing",
    "fn f<T, U: A + B>(x: T, (a, b): (i32, i32), mut y: U) -> (T, U) where U: C { (x, y) }",
    "let x = a as i32 < b; let y = c as usize >> 2; let z = Vec::<Vec<i32>>::new();",
  ];
  test.each(snippets)("%s", (src) => {
    const { fast, ohm } = both(makeSourceFile("s.stark", src));
    expect(ohm).not.toBeNull();
    expect(fast).toBe(ohm);
  });

  const json = (x: unknown) => JSON.stringify(x, (k, v) => (k === "file" ? undefined : typeof v === "bigint" ? `${v}n` : v));

  test.each([
    "let x = 2; fn f() {} x * 3",
    "if a { 1 } else { 2 }",
    "struct S { a: i32 } S { a: 1 }",
    "v.push(1); v",
    "use gc::collect; collect();",
    "",
  ])("REPL input %j", (src) => {
    const file = makeSourceFile("<repl:1>", src);
    expect(json(parseItemsOrStatements(file))).toBe(json(parseItemsOrStatementsWithOhm(file)));
  });

  test.each(["a + b * c", "f\"{x:.2}\"", "|x| x + 1", "match v { _ => 0 }", "Point { x, ..p }.x"])("expression %j", (src) => {
    const file = makeSourceFile("<expr>", src);
    expect(json(parseExpression(file))).toBe(json(parseExpressionWithOhm(file)));
  });

  test("an error deep in a long file is found by parsing only its part of the file", () => {
    const fns = Array.from({ length: 400 }, (_, k) => `fn f${k}(a: i32) -> i32 {\n    let b = a * ${k};\n    b + 1\n}\n`);
    fns[390] = "fn broken() {\n    let = 5;\n}\n";
    const file = makeSourceFile("long.stark", fns.join(""));
    const started = Date.now();
    const r = parse(file);
    expect(r.diagnostics.map((d) => [d.message, lineCol(file, d.primary.span.start).line])).toEqual([["expected identifier, found `=`", 390 * 4 + 2]]);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  test("an error deep in one long function is found by parsing only a few of its statements", () => {
    const stmts = Array.from({ length: 600 }, (_, k) => `    let v${k} = a + ${k};\n    if v${k} > 3 {\n        a += 1;\n    }\n`);
    stmts[580] = "    let w = (1 + );\n";
    const file = makeSourceFile("long_fn.stark", `fn long(mut a: i32) -> i32 {\n${stmts.join("")}    a\n}\n`);
    const r = parse(file);
    expect(r.diagnostics.map((d) => [d.message, lineCol(file, d.primary.span.start)])).toEqual([
      ["expected expression, found `)`", { line: 2 + 580 * 4, column: 18 }],
    ]);
  });

  test("an unclosed brace in a long file is reported without running the grammar over it", () => {
    const fns = Array.from({ length: 3000 }, (_, k) => `fn f${k}(a: i32) -> i32 {\n    a + ${k}\n}\n`);
    fns[10] = "fn open(a: i32) -> i32 {\n    a\n";
    const file = makeSourceFile("unclosed.stark", fns.join(""));
    const started = Date.now();
    const r = parse(file);
    expect(r.diagnostics[0].message).toBe("unclosed delimiter");
    expect(Date.now() - started).toBeLessThan(3000);
  });

  test("a missing `;` before the next top-level item is found across the item boundary", () => {
    const file = makeSourceFile("t.stark", "let x = if a { 1 } else { 2 }\nlet y = 3;\nfn main() {}\n");
    const r = parse(file);
    expect(r.diagnostics[0].message).toBe("expected `;` or `}` after this expression, found `let`");
    expect(lineCol(file, r.diagnostics[0].primary.span.start).line).toBe(1);
  });

  test("syntax errors leave the fast path (and Ohm reports them)", () => {
    for (const src of ["let x = ;", "fn f( {}", "let s = \"abc", "let c = 'ab';", "a < b < c;"]) {
      expect(fastParse(makeSourceFile("e", src))).toBeNull();
      expect(parse(makeSourceFile("e", src)).diagnostics[0].code).toBe("E0001");
    }
  });
});

describe("Rust macros: what STARK writes instead", () => {
  const helpFor = (src: string) => {
    const r = parse(makeSourceFile("t.stark", src));
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0].code).toBe("E0001");
    return r.diagnostics[0].help;
  };
  test.each([
    ['fn main() { let x = 1; println!("x = {}", x); }', 'write `print(f"x = {x}")`'],
    ['fn main() { eprintln!("{:.2} and {{}} {y}", x); }', 'write `eprint(f"{x:.2} and {{}} {y}")`'],
    ['fn main() { let s = format!("{0}{1}{0}", a, 2); }', 'write `f"{a}{2}{a}"`'],
    // Not a simple rewrite (an argument that is an expression, a missing argument): the general advice.
    ['fn main() { println!("{}", v.len()); }', '`print(x)` prints a value and a newline; `print(f"x = {x}")` formats with an f-string'],
    ['fn main() { println!("{} {}", a); }', '`print(x)` prints a value and a newline; `print(f"x = {x}")` formats with an f-string'],
    ["fn main() { assert_eq!(a, b); }", 'write `assert(a == b, "message")`'],
    ['fn main() { panic!("no"); }', '`panic("message")` is a function'],
    ["fn main() { my_macro![1]; }", "STARK has no macros except `vec![...]`: call a function instead"],
    ['fn fmt(&self, f: &mut Formatter) -> Result { write!(f, "{}", self.x) }', expect.stringContaining("STARK has no `Formatter`")],
  ])("%s", (src, help) => {
    expect(helpFor(src)).toEqual([help]);
  });

  test("`vec!` and the `!` operator are not macros", () => {
    expect(parse(makeSourceFile("t.stark", "let v = vec![1, 2]; let b = !true; let c = !v.is_empty();")).diagnostics).toEqual([]);
  });
});

test("makeSourceFile records where every line starts, at the ends of the text too", () => {
  expect(makeSourceFile("a", "").lineStarts).toEqual([0]);
  expect(makeSourceFile("a", "no newline").lineStarts).toEqual([0]);
  expect(makeSourceFile("a", "\nab\n\ncd\n").lineStarts).toEqual([0, 1, 4, 5, 8]);
  expect(makeSourceFile("a", "x\r\ny").lineStarts).toEqual([0, 3]);
  expect(lineCol(makeSourceFile("a", "ab\ncd"), 4)).toEqual({ line: 2, column: 2 });
});
