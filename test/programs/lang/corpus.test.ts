// Static checks of what `stark explain` prints and of the language corpus, which hold before
// the interpreter can run the programs: every error and panic code of LANGUAGE.md has a page in
// the documented shape, every STARK snippet in the pages parses, and every corpus program and
// example parses and carries the annotations the conformance runner reads.
// (Whether the expected output is right is checked against rustc by to_rust.mjs, beside this.)
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { makeSourceFile } from "../../../src/syntax/ast";
import { parse } from "../../../src/syntax/parser";
import { compile } from "../../../src/cli/pipeline";

const ROOT = resolve(__dirname, "../../..");
const ERRORS = join(ROOT, "docs/errors");
// The project's copy of the language reference (the spec's LANGUAGE.md, shipped in docs/).
const LANGUAGE = join(ROOT, "docs/LANGUAGE.md");

// The codes LANGUAGE.md names in §4.4 and §4.5, read from the spec so a new code there shows up
// here as a missing page; plus the pattern and operator errors the checker also reports.
function specCodes(): string[] {
  const text = readFileSync(LANGUAGE, "utf8");
  const codes = new Set(["E0004", "E0023", "E0026", "E0369"]);
  for (const line of text.split("\n")) {
    if (!line.startsWith("|")) continue;
    for (const m of line.matchAll(/\b([EP]\d{4})\b/g)) codes.add(m[1]);
  }
  return [...codes].sort();
}

// Every page in docs/errors: the spec's codes plus the ones only the checker's source names
// (E0433, E0277, ...). Each is held to the same shape and checked the same way.
function pageCodes(): string[] {
  return readdirSync(ERRORS)
    .filter((f) => /^[EP]\d{4}\.md$/.test(f))
    .map((f) => f.slice(0, 5))
    .sort();
}

function allCodes(): string[] {
  return [...new Set([...specCodes(), ...pageCodes()])].sort();
}

// The codes the compiler front end can emit, read from its source ("E0433" string literals),
// so a new diagnostic without a page fails here.
function emittedCodes(): string[] {
  const codes = new Set<string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts")) {
        for (const m of readFileSync(path, "utf8").matchAll(/"(E0\d{3})"/g)) codes.add(m[1]);
      }
    }
  };
  for (const dir of ["src/check", "src/syntax"]) walk(join(ROOT, dir));
  return [...codes].sort();
}

const BORROW_CODES = ["E0499", "E0502", "E0503", "E0505", "E0506", "E0597"];
const MEMORY_PANICS = ["P0201", "P0202", "P0301"];

function page(code: string): string {
  return readFileSync(join(ERRORS, `${code}.md`), "utf8");
}

function starkBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```stark\n([\s\S]*?)```/g)].map((m) => m[1]);
}

function syntaxErrors(name: string, src: string): string[] {
  const r = parse(makeSourceFile(name, src));
  return r.diagnostics.map((d) => `${name}: ${d.code} ${d.message}`);
}

describe("docs/errors: one page per code", () => {
  const codes = specCodes();

  test("LANGUAGE.md's tables were read", () => {
    expect(codes).toEqual(expect.arrayContaining(["E0382", "E0597", "P0101", "P0501"]));
    expect(codes.length).toBeGreaterThanOrEqual(37);
  });

  test("every code the checker and parser emit has a page", () => {
    const emitted = emittedCodes();
    expect(emitted).toEqual(expect.arrayContaining(["E0308", "E0433", "E0618"]));
    expect(emitted.filter((c) => !existsSync(join(ERRORS, `${c}.md`)))).toEqual([]);
  });

  test.each(allCodes())("%s has a page in the rustc --explain shape", (code) => {
    expect(existsSync(join(ERRORS, `${code}.md`))).toBe(true);
    const text = page(code);
    expect(text.split("\n")[0]).toMatch(new RegExp(`^# ${code}: \\S`));
    expect(starkBlocks(text).length).toBeGreaterThanOrEqual(2); // the failing program and the fix
    const kind = code.startsWith("E") ? "error" : "panic";
    expect(text).toContain(`${kind}[${code}]`); // the output it produces
    expect(text).toMatch(/^## Fix/m);
  });

  test.each(BORROW_CODES)("%s explains lexical and NLL borrow durations", (code) => {
    const text = page(code);
    expect(text).toMatch(/^## Lexical and NLL/m);
    expect(text).toContain("--borrowck=lexical");
    expect(text).toContain("--borrowck=nll");
    const section = text.slice(text.indexOf("## Lexical and NLL"));
    expect(starkBlocks(section).length).toBeGreaterThanOrEqual(1);
  });

  test.each(MEMORY_PANICS)("%s explains the memory model", (code) => {
    const text = page(code);
    expect(text).toMatch(/managed heap/i);
    expect(text).toMatch(/^## The memory model/m);
  });

  test("P0201 and P0202 name the limits that cause them", () => {
    expect(page("P0201")).toContain("max_heap_size");
    expect(page("P0202")).toContain("--max-tensor-memory");
  });

  test("the README indexes every page, and every indexed page exists", () => {
    const readme = readFileSync(join(ERRORS, "README.md"), "utf8");
    const linked = [...readme.matchAll(/\]\(([EP]\d{4})\.md\)/g)].map((m) => m[1]).sort();
    const pages = readdirSync(ERRORS)
      .filter((f) => /^[EP]\d{4}\.md$/.test(f))
      .map((f) => f.slice(0, 5))
      .sort();
    expect(linked).toEqual(pages);
  });

  test("every STARK snippet parses (except the syntax error E0001 shows)", () => {
    const problems: string[] = [];
    for (const f of readdirSync(ERRORS).filter((n) => n.endsWith(".md"))) {
      starkBlocks(readFileSync(join(ERRORS, f), "utf8")).forEach((src, i) => {
        if (f === "E0001.md" && i === 0) {
          expect(syntaxErrors(f, src).length).toBeGreaterThan(0);
          return;
        }
        problems.push(...syntaxErrors(`${f} block ${i + 1}`, src));
      });
    }
    expect(problems).toEqual([]);
  });
});

// The pages' programs through the real checker: the example reports the page's code, the
// "Lexical and NLL" example is an error only under lexical, and every fix checks clean.
// Codes the checker does not report yet are listed here; a listed code that starts being
// reported fails the suite, so the list only shrinks (as in test/known-failures.txt).
const NOT_YET_REPORTED = new Set<string>([]);

function codesOf(src: string, borrowck: "lexical" | "nll"): string[] {
  const compiled = compile(makeSourceFile("example.stark", src), { borrowck });
  return compiled.diagnostics.filter((d) => d.severity === "error").map((d) => d.code);
}

function sections(markdown: string): { example: string[]; fix: string[]; lexical: string[] } {
  const fixAt = markdown.search(/^## Fix/m);
  const lexAt = markdown.search(/^## Lexical and NLL/m);
  const out = { example: [] as string[], fix: [] as string[], lexical: [] as string[] };
  for (const m of markdown.matchAll(/```stark\n([\s\S]*?)```/g)) {
    const at = m.index ?? 0;
    if (at < fixAt) out.example.push(m[1]);
    else if (lexAt >= 0 && at > lexAt) out.lexical.push(m[1]);
    else out.fix.push(m[1]);
  }
  return out;
}

describe("docs/errors: the programs do what the pages say", () => {
  const codes = allCodes().filter((c) => c.startsWith("E"));

  test.each(codes)("%s: the example reports its code and the fixes check clean", (code) => {
    const { example, fix } = sections(page(code));
    const reported = codesOf(example[0], "lexical");
    if (NOT_YET_REPORTED.has(code)) expect(reported).not.toContain(code);
    else expect(reported).toContain(code);
    for (const src of fix) expect(codesOf(src, "lexical")).toEqual([]);
  });

  test.each(BORROW_CODES)("%s: the lexical-only example is rejected by lexical and accepted by NLL", (code) => {
    const { lexical } = sections(page(code));
    for (const src of lexical) {
      expect(codesOf(src, "lexical")).toContain(code);
      expect(codesOf(src, "nll")).toEqual([]);
    }
  });

  test.each(allCodes().filter((c) => c.startsWith("P")))("%s: every program checks clean (the panic is at run time)", (code) => {
    for (const src of starkBlocks(page(code))) expect(codesOf(src, "lexical")).toEqual([]);
  });
});

describe("the language corpus and the examples", () => {
  const lang = readdirSync(__dirname).filter((f) => f.endsWith(".stark")).map((f) => join(__dirname, f));
  const examples = readdirSync(join(ROOT, "examples"))
    .filter((f) => f.endsWith(".stark"))
    .map((f) => join(ROOT, "examples", f));

  test("the corpus has at least 150 programs and the seven examples exist", () => {
    expect(lang.length).toBeGreaterThanOrEqual(150);
    const names = examples.map((p) => p.slice(p.lastIndexOf("/") + 1)).sort();
    expect(names).toEqual(
      expect.arrayContaining([
        "borrowing.stark", "collections.stark", "gc.stark", "hello.stark", "ownership.stark",
        "structs_and_traits.stark", "tensors.stark",
      ]),
    );
  });

  test.each([...lang, ...examples].map((p) => [p.slice(ROOT.length + 1), p]))("%s parses and is annotated", (_name, path) => {
    const src = readFileSync(path, "utf8");
    expect(syntaxErrors(path, src)).toEqual([]);
    const expects = src.match(/\/\/\s*expect:/g) ?? [];
    const panics = src.match(/\/\/\s*panic:\s*P\d{4}/g) ?? [];
    expect(expects.length + panics.length).toBeGreaterThan(0);
    expect(panics.length).toBeLessThanOrEqual(1);
    // The corpus is about running programs; compile errors belong to the checker's corpora.
    expect(src).not.toMatch(/\/\/\s*error:\s*E\d{4}/);
  });
  // Every program is valid STARK under the default lexical borrow model (rustc checks the NLL
  // side). Programs the checker still rejects wrongly are listed; the list only shrinks.
  const CHECKER_GAPS = new Set<string>([]);

  test.each([...lang, ...examples].map((p) => [p.slice(ROOT.length + 1), p]))("%s checks clean", (_name, path) => {
    const errors = codesOf(readFileSync(path, "utf8"), "lexical");
    if (CHECKER_GAPS.has(path.slice(path.lastIndexOf("/") + 1))) expect(errors).not.toEqual([]);
    else expect(errors).toEqual([]);
  });
});
