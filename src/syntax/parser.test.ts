// Parser tests: the spec's examples, AST shapes, spans, and E0001 messages.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { makeSourceFile, lineCol } from "./ast";
import type { Expr, Program, Stmt, LetStmt, ExprStmt } from "./ast";
import { parse } from "./parser";

const EXAMPLES = "/work/shared/spec/examples";

function starkFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...starkFiles(p));
    else if (name.endsWith(".stark")) out.push(p);
  }
  return out;
}

function ok(src: string): Program {
  const r = parse(makeSourceFile("t.stark", src));
  if (!r.program) throw new Error("unexpected syntax error: " + r.diagnostics.map((d) => d.message).join("; "));
  return r.program;
}

/** The initializer of the first `let` in a program. */
function init(src: string): Expr {
  const s = ok(src).body[0] as LetStmt;
  return s.init!;
}

describe("the spec's examples", () => {
  const files = existsSync(EXAMPLES) ? starkFiles(EXAMPLES) : [];
  (files.length ? test.each(files) : test.skip.each(["(examples folder missing)"]))("%s parses", (f) => {
    const r = parse(makeSourceFile(f, readFileSync(f, "utf8")));
    expect(r.diagnostics).toEqual([]);
    expect(r.program!.body.length).toBeGreaterThan(0);
  });
});

describe("precedence", () => {
  test("a + b * c", () => {
    const e = init("let x = a + b * c;");
    expect(e).toMatchObject({ kind: "BinaryExpr", op: "+", right: { kind: "BinaryExpr", op: "*" } });
  });
});

describe("syntax errors", () => {
  test("missing `;` before let", () => {
    const file = makeSourceFile("t.stark", "fn main() {\n    let x = 5\n    let y = 6;\n}\n");
    const r = parse(file);
    expect(r.program).toBeNull();
    expect(r.diagnostics).toHaveLength(1);
    const d = r.diagnostics[0];
    expect(d.code).toBe("E0001");
    expect(d.message).toBe("expected `;` or `}` after this expression, found `let`");
    expect(lineCol(file, d.primary.span.start)).toEqual({ line: 2, column: 14 });
  });
});

void ({} as Stmt | ExprStmt);
