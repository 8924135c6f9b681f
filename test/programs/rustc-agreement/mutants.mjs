#!/usr/bin/env node
// Dev-time bug finder for the borrow checker: writes small variants of annotated programs (one
// change each) without their annotations, for `rustc_verdict.mjs --write` to annotate with
// rustc's verdict and the corpus test's in-process check to compare with STARK's. A variant
// rustc rejects for a type error comes out `TYPE` and says nothing. The changes:
//   noclone  drop one `.clone()` (moves instead of copies)     nomove  drop a closure's `move`
//   nomut    drop one `let mut`'s `mut`                          noref   pass `(x)` for `(&x)`
//   swap     exchange two adjacent one-line statements (NLL liveness, drop and move order)
//
//   node test/programs/rustc-agreement/mutants.mjs OUT_DIR FILE...
//   node test/programs/rustc-agreement/rustc_verdict.mjs --write OUT_DIR
//   npm run build && node test/programs/rustc-agreement/mutants.mjs --compare OUT_DIR
// Variants are probes, not programs for the corpus: a
// disagreement found this way is fixed and then written up as a program a Rust programmer would
// write (the mid_* files).
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

// `--compare DIR`: STARK's verdict on every annotated file of DIR (from the built dist/, as the
// corpus test computes it) against its annotations; files STARK rejects for a type error are
// skipped. Files rustc_verdict reported as TYPE carry no annotations: ignore them in the output.
if (process.argv[2] === "--compare") {
  const require = createRequire(import.meta.url);
  const dist = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "dist", "src");
  const { lineCol, makeSourceFile } = require(join(dist, "syntax/ast.js"));
  const { parse } = require(join(dist, "syntax/parser.js"));
  const { checkProgram } = require(join(dist, "check/index.js"));
  const { analyzeBorrows } = require(join(dist, "check/borrow/index.js"));
  const dir = process.argv[3];
  let agree = 0;
  let differ = 0;
  for (const name of readdirSync(dir).filter((n) => n.endsWith(".stark")).sort()) {
    const text = readFileSync(join(dir, name), "utf8");
    const want = new Set();
    text.split("\n").forEach((l, i) => {
      for (const m of l.matchAll(/\/\/\s*error:\s*([A-Z]\d{4})/g)) want.add(`${m[1]}@${i + 1}`);
    });
    const file = makeSourceFile(name, text);
    const parsed = parse(file);
    if (!parsed.program) continue;
    const checked = checkProgram(parsed.program);
    if (checked.diagnostics.some((d) => d.severity === "error")) continue;
    const r = analyzeBorrows(parsed.program, checked, { model: /--borrowck=nll/.test(text.split("\n")[0]) ? "nll" : "lexical" });
    const got = new Set(r.diagnostics.map((d) => `${d.code}@${lineCol(file, d.primary.span.start).line}`));
    const w = [...want].sort().join(" ");
    const g = [...got].sort().join(" ");
    if (w === g) agree++;
    else {
      differ++;
      console.log(`DIFF ${name}: rustc [${w}] stark [${g}]`);
    }
  }
  console.log(`${agree} agree, ${differ} differ`);
  process.exit(0);
}

const [out, ...files] = process.argv.slice(2);
if (!out || files.length === 0) {
  console.error("usage: mutants.mjs OUT_DIR FILE...");
  process.exit(2);
}
mkdirSync(out, { recursive: true });
let count = 0;
const oneLine = (l) => /;\s*$/.test(l) && !/^\s*\/\//.test(l) && !/[{}]/.test(l) && l.trim() !== "";
const indent = (l) => l.match(/^\s*/)[0];
for (const f of files) {
  const src = readFileSync(f, "utf8").split("\n").map((l) => l.replace(/\s*\/\/\s*(error|expect):.*$/, ""));
  const stem = basename(f, ".stark");
  const emit = (tag, lines) => {
    writeFileSync(`${out}/${stem}__${tag}.stark`, lines.join("\n"));
    count++;
  };
  const edited = (i, line) => src.map((l, j) => (j === i ? line : l));
  let clones = 0;
  let swaps = 0;
  src.forEach((l, i) => {
    if (l.includes(".clone()") && clones++ < 4) emit(`noclone${i}`, edited(i, l.replace(".clone()", "")));
    if (/\bmove\s+\|/.test(l)) emit(`nomove${i}`, edited(i, l.replace(/\bmove\s+\|/, "|")));
    if (/^\s*let mut /.test(l)) emit(`nomut${i}`, edited(i, l.replace("let mut ", "let ")));
    if (/\(&\w+\)/.test(l)) emit(`noref${i}`, edited(i, l.replace(/\(&(\w+)\)/, "($1)")));
    if (i > 0 && swaps < 6 && oneLine(l) && oneLine(src[i - 1]) && indent(l) === indent(src[i - 1])) {
      const c = [...src];
      [c[i - 1], c[i]] = [c[i], c[i - 1]];
      emit(`swap${i}`, c);
      swaps++;
    }
  });
}
console.log(`${count} variants in ${out}`);
