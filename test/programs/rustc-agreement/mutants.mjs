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
// and then compare STARK with the annotations (e.g. `npx jest src/check/borrow/corpus.test.ts`
// after copying the disagreeing variants into a scratch corpus, or a small script calling
// analyzeBorrows as corpus.test.ts does). Variants are probes, not programs for the corpus: a
// disagreement found this way is fixed and then written up as a program a Rust programmer would
// write (the mid_* files).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename } from "node:path";

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
