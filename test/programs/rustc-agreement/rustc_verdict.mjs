#!/usr/bin/env node
// Dev-time oracle for the borrow-checker corpus: translates each STARK program to Rust (with the
// language corpus's translator, which keeps every line where it was), asks the installed `rustc`
// for its verdict, and compares it with the file's `// error: CODE` annotations — or, with
// `--write`, rewrites the annotations to rustc's (code, line) set.
//
//   node test/programs/rustc-agreement/rustc_verdict.mjs [--write] FILE_OR_DIR...
//
// Only borrow-checker codes are compared (rustc reports type errors first and then stops, so a
// program must type-check in Rust for its verdict to count). Not part of the test suite: it needs
// rustc. Programs using Tensor, Gc and the like are skipped (outside the translatable subset).
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { tmpdir } from "node:os";
import { toRust } from "../lang/to_rust.mjs";

const BORROW_CODES = new Set(["E0500", "E0501", "E0524", "E0381", "E0382", "E0384", "E0499", "E0502", "E0503", "E0505", "E0506", "E0507", "E0515", "E0596", "E0597", "E0373", "E0594", "E0716", "E0508"]);

// Rust needs lifetimes where STARK has none (LANGUAGE.md §4.2). Added with STARK's own rules, so
// rustc judges the program STARK means:
//   - a free function returning a reference with two or more reference parameters: the result
//     borrows from every one (`fn f<'a>(x: &'a A, y: &'a B) -> &'a C`);
//   - a struct or enum with reference fields gets one lifetime for all of them
//     (`struct S<'a> { r: &'a T }`, and `impl S<'_>` for its methods).
// The line structure is kept, so (code, line) pairs still match the STARK file.
export function addLifetimes(rust) { // on the STARK source, before translation
  const withRefs = new Set();
  // The `&` in a closure trait's arguments (`Box<dyn FnMut(&String)>`) is higher-ranked in Rust:
  // it is no field reference and gets no lifetime.
  const fnArgs = [];
  const hide = (t) => t.replace(/\b(Fn|FnMut|FnOnce)\s*\(([^()]*)\)/g, (m) => `\u0000${fnArgs.push(m) - 1}\u0000`);
  const unhide = (t) => t.replace(/\u0000(\d+)\u0000/g, (m, i) => fnArgs[Number(i)]);
  rust = rust.replace(/\b(struct|enum)\s+([A-Z]\w*)\s*(<[^>{]*>)?\s*\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}/g, (all, kw, name, gen, body) => {
    const bare = hide(body);
    if (!/&/.test(bare)) return all;
    withRefs.add(name);
    const g = gen ? `<'a, ${gen.slice(1)}` : "<'a>";
    return `${kw} ${name}${g} {${unhide(bare.replace(/&(?!&)(\s*)(?!')/g, "&'a $1"))}}`;
  });
  for (const name of withRefs) {
    rust = rust.replace(new RegExp(`\\bimpl(\\s*<[^>]*>)?\\s+${name}\\b(?!\\s*<)`, "g"), (m, g) => `impl${g ?? ""} ${name}<'_>`);
    rust = rust.replace(new RegExp(`\\bimpl(\\s*<[^>]*>)?\\s+(\\w+)\\s+for\\s+${name}\\b(?!\\s*<)`, "g"), (m, g, tr) => `impl${g ?? ""} ${tr} for ${name}<'_>`);
  }
  // A result naming a struct that holds references (`-> Pair`) borrows like a reference result.
  const holdsRefs = (ret) => [...withRefs].some((n) => new RegExp(`\\b${n}\\b(?!\\s*<)`).test(ret));
  rust = rust.replace(/\bfn\s+(\w+)\s*(<[^>(]*>)?\s*\(([^()]*(?:\([^()]*\)[^()]*)*)\)\s*->\s*([^{;]*)/g, (all, name, gen, params, ret) => {
    if (!(/&/.test(ret) || holdsRefs(ret)) || /\bself\b/.test(params) || /'/.test(params + ret)) return all;
    if ((params.match(/&/g) ?? []).length < 2) return all;
    const g = gen ? `<'a, ${gen.slice(1)}` : "<'a>";
    const lt = (t) => t.replace(/&(\s*)(mut\b)?/g, (x, sp, m) => `&'a ${m ?? ""}`);
    let r = lt(ret);
    for (const n of withRefs) r = r.replace(new RegExp(`\\b${n}\\b(?!\\s*<)`, "g"), `${n}<'a>`);
    return `fn ${name}${g}(${lt(params)}) -> ${r}`;
  });
  return rust;
}

function rustcVerdict(src, work, stem) {
  const rs = join(work, `${stem}.rs`);
  writeFileSync(rs, toRust(addLifetimes(src)));
  const r = spawnSync("rustc", ["--edition", "2021", "--error-format=json", "-A", "warnings", "--emit=metadata", "-o", join(work, `${stem}.rmeta`), rs], { encoding: "utf8" });
  const out = [];
  const other = [];
  for (const line of r.stderr.split("\n")) {
    if (!line.startsWith("{")) continue;
    const d = JSON.parse(line);
    if (d.level !== "error") continue;
    // An error without a code is a syntax error of the translation or a lifetime error ("lifetime
    // may not live long enough"): reported, never taken as acceptance.
    if (!d.code) {
      if (!/aborting due to/.test(d.message)) other.push({ code: "(no code)", line: d.spans[0]?.line_start ?? 0, message: d.message });
      continue;
    }
    let span = d.spans.find((s) => s.is_primary) ?? d.spans[0];
    // Inside the translation's print macro: report the macro call's line.
    while (span && span.expansion) span = span.expansion.span;
    const entry = { code: d.code.code, line: span ? span.line_start : 0, message: d.message };
    if (BORROW_CODES.has(entry.code)) out.push(entry);
    else other.push(entry);
  }
  return { errors: out, other };
}

function annotated(src) {
  const out = [];
  src.split("\n").forEach((l, i) => {
    for (const m of l.matchAll(/\/\/\s*error:\s*([A-Z]\d{4})/g)) out.push({ code: m[1], line: i + 1 });
  });
  return out;
}

function rewrite(src, errors) {
  const lines = src.split("\n").map((l) => l.replace(/\s*\/\/\s*error:\s*[A-Z]\d{4}.*$/, ""));
  const byLine = new Map();
  for (const e of errors) {
    const l = byLine.get(e.line) ?? new Set();
    l.add(e.code);
    byLine.set(e.line, l);
  }
  for (const [ln, codes] of byLine) {
    const pad = Math.max(1, 40 - lines[ln - 1].length);
    lines[ln - 1] += " ".repeat(pad) + [...codes].map((c) => `// error: ${c}`).join(" ");
  }
  return lines.join("\n");
}

const key = (xs) => [...new Set(xs.map((e) => `${e.code}@${e.line}`))].sort().join(" ");

function collect(p, out) {
  if (statSync(p).isDirectory()) for (const n of readdirSync(p).sort()) collect(join(p, n), out);
  else if (p.endsWith(".stark")) out.push(p);
  return out;
}

const args = process.argv.slice(2);
const write = args.includes("--write");
const files = [];
for (const p of args.filter((a) => a !== "--write")) collect(resolve(p), files);
const work = join(tmpdir(), `stark-rustc-verdict-${process.pid}`);
mkdirSync(work, { recursive: true });
let agree = 0;
let differ = 0;
for (const f of files) {
  const src = readFileSync(f, "utf8");
  if (/\bTensor\b|\bGc\b|\bgc::|with_arena|\btorch::/.test(src.replace(/\/\/.*$/gm, ""))) {
    console.log(`skip  ${f} (outside the translatable subset)`);
    continue;
  }
  const { errors, other } = rustcVerdict(src, work, basename(f, ".stark"));
  if (other.length) {
    console.log(`TYPE  ${f}: rustc: ${other.map((e) => `${e.code}@${e.line} ${e.message}`).join("; ")}`);
    continue;
  }
  if (write) {
    writeFileSync(f, rewrite(src, errors));
    console.log(`wrote ${f}: ${key(errors) || "accepted"}`);
    continue;
  }
  const want = key(annotated(src));
  const got = key(errors);
  if (want === got) agree++;
  else {
    differ++;
    console.log(`DIFF  ${f}: annotated [${want}] rustc [${got}]`);
  }
}
if (!write) console.log(`${agree} agree with rustc, ${differ} differ`);
