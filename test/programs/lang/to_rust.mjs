#!/usr/bin/env node
// Dev-time oracle for the language corpus: translates the simple subset of STARK to Rust, builds
// it with `rustc` (debug build, so integer overflow panics as in STARK) and checks that the real
// Rust program prints exactly the `// expect:` lines and, for `// panic:` files, panics (exit 101)
// on the annotated line. STARK is "Rust with print(x)"; this is how we know the expectations are
// what Rust would print.
//
//   node test/programs/lang/to_rust.mjs [-v] [--keep DIR] [FILE_OR_DIR...]   (default: this folder)
//
// Prints one line per program: `ok`, `FAIL` (with the first difference) or `skip` (uses something
// outside the subset — Tensor, Gc, gc::, Duration, field defaults, ... — and must be checked by
// hand). Not part of the test suite: it needs rustc and is slow.
//
// The translation keeps every line where it was, so panic locations can be compared:
//   - the whole file is wrapped in `fn __stark_top() { ... }` (Rust allows items inside a fn body;
//     top-level statements then run in order, and `main()` is called last if it exists);
//   - `print(e)` / `eprint(e)` become macros that use Display when the type has it and Debug
//     otherwise (autoref specialisation) — STARK's rule in LANGUAGE.md §4.7;
//   - `f"a {x:.2}"` becomes `format!("a {:.2}", x)`, and a bare `{x}` follows the print rule;
//   - a string literal becomes `String::from("..")` (STARK literals are Strings) except where
//     Rust wants a `&str`: after `+`, as an argument of str methods, and in patterns;
//   - `match s { "a" => .. }` on a String becomes `match (s).as_str() { .. }`;
//   - `impl Add for T {` without `type Output` gains Rust's `type Output = T;`;
//   - `panic(msg)` becomes `panic!("{}", msg)`;
//   - `Map` / `LRUCache` are small shims appended to the file (insertion-ordered map, lru crate).
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { tmpdir } from "node:os";

const HERE = dirname(fileURLToPath(import.meta.url));

// Programs using any of these are outside the translatable subset.
const UNSUPPORTED = [
  /\bTensor\b/, /\bGc\b/, /\bgc::/, /\bDuration\b/, /\bwith_arena\b/, /\btorch::/, /\bDataset\b/,
  /\bGCConfig\b/, /:\s*[A-Za-z_<>, ]+\s*=\s*[^=>][^,}]*[,}]/ /* field default, checked below */,
];

// Methods whose string-literal arguments Rust wants as `&str` (or a char pattern).
const STR_ARG_METHODS = new Set([
  "push_str", "contains", "split", "join", "starts_with", "ends_with", "replace", "find", "expect", "expect_err",
  "strip_prefix", "strip_suffix", "trim_matches", "splitn", "rsplit", "matches", "eq_ignore_ascii_case",
  "split_once", "rsplit_once", "rfind", "trim_start_matches", "trim_end_matches",
]);

function unsupportedReason(src) {
  const code = src.replace(/\/\/.*$/gm, "");
  for (const re of UNSUPPORTED.slice(0, -1)) if (re.test(code)) return `uses ${re.source.replace(/\\b/g, "")}`;
  if (/struct\s+\w+\s*\{[^}]*:\s*[^,{}]+=\s*[^,}]+/.test(code)) return "uses field defaults";
  if (/^\s*let\s[^;]*;\s*(\/\/.*)?$/m.test(code) && /^[^\s}]/m.test(code) && topLevelLetUsedInFn(code))
    return "functions read a top-level variable (a STARK global)";
  return null;
}

// A top-level `let` read from inside a fn cannot be translated (Rust locals are not globals).
function topLevelLetUsedInFn(code) {
  const names = [...code.matchAll(/^let\s+(?:mut\s+)?([A-Za-z_]\w*)/gm)].map((m) => m[1]);
  const fnBodies = [...code.matchAll(/^fn\s[\s\S]*?^\}/gm)].map((m) => m[0]).join("\n");
  return names.some((n) => new RegExp(`\\b${n}\\b`).test(fnBodies));
}

// ───────────────────────────── translation ─────────────────────────────

function isIdent(c) {
  return c !== undefined && /[A-Za-z0-9_]/.test(c);
}

// Reads a "..." literal starting at i (src[i] === '"'); returns the index after the closing quote.
function endOfString(src, i) {
  let j = i + 1;
  while (j < src.length && src[j] !== '"') j += src[j] === "\\" ? 2 : 1;
  return j + 1;
}

// A char literal at i ('a', '\n', '\u{41}'), or -1 when the quote starts a label.
function endOfChar(src, i) {
  const m = /^'(?:\\u\{[0-9A-Fa-f]+\}|\\.|[^\\'])'/u.exec(src.slice(i, i + 12));
  return m ? i + m[0].length : -1;
}

// The code written so far, without trailing whitespace and line comments.
function prevToken(out) {
  return out.slice(-400).replace(/\/\/[^\n]*$/gm, "").replace(/\s+$/, "");
}

function stringLiteral(lit, out, src, after) {
  const before = prevToken(out);
  const next = src.slice(after).replace(/^\s+/, "");
  const inPattern = next.startsWith("=>") || (next.startsWith("|") && !next.startsWith("||")) ||
    (/\|\s*$/.test(before) && !/\|\|\s*$/.test(before) && /=>/.test(next.split("\n")[0]));
  // Inside a tuple pattern at the start of a match arm: `("go", Some(dir)) => ..`.
  const lineSoFar = out.slice(out.lastIndexOf("\n") + 1);
  const inTuplePattern = /^\s*\((?:[^()"]|"[^"]*")*$/.test(lineSoFar) && /^[^\n]*=>/.test(next);
  if (inPattern || inTuplePattern) return lit;
  if (/(^|[^+])\+$/.test(before) || /\+=$/.test(before)) return lit;
  const call = /\.?([A-Za-z_]\w*)\(\s*$/.exec(before) || /\.([A-Za-z_]\w*)\([^()]*,\s*$/.exec(before);
  if (call && STR_ARG_METHODS.has(call[1])) return lit;
  if (/\bformat!\($/.test(before)) return lit;
  return `String::from(${lit})`;
}

// Splits `expr:spec` at the last top-level single colon.
function splitSpec(inner) {
  let depth = 0;
  let cut = -1;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i];
    if (c === '"') { i = endOfString(inner, i) - 1; continue; }
    if ("([{".includes(c)) depth++;
    else if (")]}".includes(c)) depth--;
    else if (c === ":" && depth === 0 && inner[i + 1] !== ":" && inner[i - 1] !== ":") cut = i;
  }
  return cut < 0 ? [inner, ""] : [inner.slice(0, cut), inner.slice(cut + 1)];
}

// f"..." starting at i (src[i] === 'f'); returns [rust, end].
function fstring(src, i) {
  let j = i + 2;
  let fmt = "";
  const args = [];
  while (j < src.length && src[j] !== '"') {
    const c = src[j];
    if (c === "\\") { fmt += src.slice(j, j + 2); j += 2; continue; }
    if (c === "{" && src[j + 1] === "{") { fmt += "{{"; j += 2; continue; }
    if (c === "}" && src[j + 1] === "}") { fmt += "}}"; j += 2; continue; }
    if (c === "{") {
      let depth = 1;
      let k = j + 1;
      while (k < src.length && depth > 0) {
        if (src[k] === '"') { k = endOfString(src, k); continue; }
        if (src[k] === "{") depth++;
        else if (src[k] === "}") depth--;
        k++;
      }
      const [expr, spec] = splitSpec(src.slice(j + 1, k - 1));
      // `{x}` shows x as print(x) would (Display if it has one, else Debug); a spec keeps Rust's.
      args.push(spec ? translate(expr.trim()) : `(&&__W(&(${translate(expr.trim())}))).__show()`);
      fmt += spec ? `{:${spec}}` : "{}";
      j = k;
      continue;
    }
    fmt += c;
    j++;
  }
  const rust = args.length ? `format!("${fmt}", ${args.join(", ")})` : `format!("${fmt}")`;
  return [rust, j + 1];
}

export function translate(src) {
  let out = "";
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === "/" && src[i + 1] === "/") {
      const e = src.indexOf("\n", i);
      const end = e < 0 ? src.length : e;
      out += src.slice(i, end);
      i = end;
      continue;
    }
    if (c === "/" && src[i + 1] === "*") {
      let depth = 0;
      let j = i;
      do {
        if (src.startsWith("/*", j)) { depth++; j += 2; } else if (src.startsWith("*/", j)) { depth--; j += 2; } else j++;
      } while (depth > 0 && j < src.length);
      out += src.slice(i, j);
      i = j;
      continue;
    }
    if (c === "f" && src[i + 1] === '"' && !isIdent(src[i - 1])) {
      const [rust, end] = fstring(src, i);
      out += rust;
      i = end;
      continue;
    }
    if (c === '"') {
      const end = endOfString(src, i);
      out += stringLiteral(src.slice(i, end), out, src, end);
      i = end;
      continue;
    }
    if (c === "'") {
      const end = endOfChar(src, i);
      if (end > 0) { out += src.slice(i, end); i = end; continue; }
    }
    if (isIdent(c) && !isIdent(src[i - 1])) {
      const m = /^[A-Za-z_]\w*/.exec(src.slice(i));
      if (m) {
        const word = m[0];
        const rest = src.slice(i + word.length);
        const before = prevToken(out);
        const callable = rest.startsWith("(") && !/(\.|::|fn)$/.test(before);
        if (callable && word === "print") { out += "sprint!"; i += word.length; continue; }
        if (callable && word === "eprint") { out += "seprint!"; i += word.length; continue; }
        if (callable && word === "panic") { out += "spanic!"; i += word.length; continue; }
        out += word;
        i += word.length;
        continue;
      }
    }
    out += c;
    i++;
  }
  return out;
}

export function toRust(src) {
  const hasMain = /^\s*fn\s+main\s*\(/m.test(src);
  // A String scrutinee matched against string-literal patterns: Rust needs `.as_str()`.
  const body = translate(src)
    // An operator impl written without `type Output` (STARK infers it as Self) gains Rust's.
    .replace(/\bimpl\s+(Add|Sub|Mul|Div|Rem|Neg)\s+for\s+(\w+)\s*\{(?!\s*type\s+Output)/g, "impl std::ops::$1 for $2 { type Output = $2;")
    .replace(/\bmatch\s+([^{}\n]+?)\s*\{(\s*)"/g, (m, scrut, ws) => (/\.as_str\(\)$/.test(scrut) ? m : `match (${scrut}).as_str() {${ws}"`));
  return (
    "#[allow(unused, non_snake_case, unreachable_code, dead_code)] fn __stark_top() { " + body +
    `\n${hasMain ? "main();" : ""}\n}\nfn main() { __stark_top(); }\n` + SHIM
  );
}

const SHIM = String.raw`
// ───── shims: STARK's printing rule, panic(), Map, LRUCache ─────
struct __W<'a, T: ?Sized>(&'a T);
trait __ViaDisplay { fn __show(&self) -> String; }
impl<'a, T: ?Sized + std::fmt::Display> __ViaDisplay for &__W<'a, T> { fn __show(&self) -> String { format!("{}", self.0) } }
trait __ViaDebug { fn __show(&self) -> String; }
impl<'a, T: ?Sized + std::fmt::Debug> __ViaDebug for __W<'a, T> { fn __show(&self) -> String { format!("{:?}", self.0) } }
#[macro_export] macro_rules! sprint { ($e:expr) => { println!("{}", (&&__W(&$e)).__show()) }; () => { println!() } }
#[macro_export] macro_rules! seprint { ($e:expr) => { eprintln!("{}", (&&__W(&$e)).__show()) } }
#[macro_export] macro_rules! spanic { ($e:expr) => { panic!("{}", $e) } }

trait KeyLike<K> { fn is(&self, k: &K) -> bool; }
impl<K: PartialEq> KeyLike<K> for K { fn is(&self, k: &K) -> bool { self == k } }
impl<K: PartialEq> KeyLike<K> for &K { fn is(&self, k: &K) -> bool { *self == k } }
impl KeyLike<String> for &str { fn is(&self, k: &String) -> bool { *self == k.as_str() } }

#[derive(Clone, PartialEq)]
struct Map<K, V> { entries: Vec<(K, V)> }
impl<K: PartialEq, V> Map<K, V> {
    fn new() -> Self { Map { entries: Vec::new() } }
    fn pos<Q: KeyLike<K>>(&self, k: &Q) -> Option<usize> { self.entries.iter().position(|(x, _)| k.is(x)) }
    fn insert(&mut self, k: K, v: V) -> Option<V> {
        match self.entries.iter().position(|(x, _)| *x == k) {
            Some(i) => Some(std::mem::replace(&mut self.entries[i].1, v)),
            None => { self.entries.push((k, v)); None }
        }
    }
    fn get<Q: KeyLike<K>>(&self, k: Q) -> Option<&V> { self.pos(&k).map(|i| &self.entries[i].1) }
    fn get_mut<Q: KeyLike<K>>(&mut self, k: Q) -> Option<&mut V> { match self.pos(&k) { Some(i) => Some(&mut self.entries[i].1), None => None } }
    fn contains_key<Q: KeyLike<K>>(&self, k: Q) -> bool { self.pos(&k).is_some() }
    fn remove<Q: KeyLike<K>>(&mut self, k: Q) -> Option<V> { self.pos(&k).map(|i| self.entries.remove(i).1) }
    fn len(&self) -> usize { self.entries.len() }
    fn is_empty(&self) -> bool { self.entries.is_empty() }
    fn keys(&self) -> impl Iterator<Item = &K> { self.entries.iter().map(|(k, _)| k) }
    fn values(&self) -> impl Iterator<Item = &V> { self.entries.iter().map(|(_, v)| v) }
    fn values_mut(&mut self) -> impl Iterator<Item = &mut V> { self.entries.iter_mut().map(|(_, v)| v) }
    fn iter(&self) -> impl Iterator<Item = (&K, &V)> { self.entries.iter().map(|(k, v)| (k, v)) }
    fn iter_mut(&mut self) -> impl Iterator<Item = (&K, &mut V)> { self.entries.iter_mut().map(|(k, v)| (&*k, v)) }
    fn into_keys(self) -> impl Iterator<Item = K> { self.entries.into_iter().map(|(k, _)| k) }
    fn into_values(self) -> impl Iterator<Item = V> { self.entries.into_iter().map(|(_, v)| v) }
    fn retain<F: FnMut(&K, &mut V) -> bool>(&mut self, mut f: F) { self.entries.retain_mut(|(k, v)| f(k, v)) }
    fn entry<Q: IntoKey<K>>(&mut self, k: Q) -> MapEntry<'_, K, V> { MapEntry { map: self, key: k.into_key() } }
}
impl<K: PartialEq, V> std::ops::Index<&K> for Map<K, V> {
    type Output = V;
    fn index(&self, k: &K) -> &V { &self.entries.iter().find(|(x, _)| x == k).expect("key not in map").1 }
}
// std's hash_map::Entry API over the insertion-ordered shim.
trait IntoKey<K> { fn into_key(self) -> K; }
impl<K> IntoKey<K> for K { fn into_key(self) -> K { self } }
impl IntoKey<String> for &str { fn into_key(self) -> String { self.to_string() } }
struct MapEntry<'a, K, V> { map: &'a mut Map<K, V>, key: K }
impl<'a, K: PartialEq, V> MapEntry<'a, K, V> {
    fn index(&self) -> Option<usize> { self.map.entries.iter().position(|(x, _)| *x == self.key) }
    fn or_insert_with_key<F: FnOnce(&K) -> V>(self, f: F) -> &'a mut V {
        let i = match self.index() { Some(i) => i, None => { let v = f(&self.key); self.map.entries.push((self.key, v)); self.map.entries.len() - 1 } };
        &mut self.map.entries[i].1
    }
    fn or_insert(self, v: V) -> &'a mut V { self.or_insert_with_key(|_| v) }
    fn or_insert_with<F: FnOnce() -> V>(self, f: F) -> &'a mut V { self.or_insert_with_key(|_| f()) }
    fn or_default(self) -> &'a mut V where V: Default { self.or_insert_with_key(|_| V::default()) }
    fn and_modify<F: FnOnce(&mut V)>(self, f: F) -> Self { if let Some(i) = self.index() { f(&mut self.map.entries[i].1); } self }
    fn key(&self) -> &K { &self.key }
}
// collect() into a Map: a repeated key keeps its first position and takes the last value.
impl<K: PartialEq, V> FromIterator<(K, V)> for Map<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(it: I) -> Self { let mut m = Map::new(); for (k, v) in it { m.insert(k, v); } m }
}
impl<K: std::fmt::Debug, V: std::fmt::Debug> std::fmt::Debug for Map<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result { f.debug_map().entries(self.entries.iter().map(|(k, v)| (k, v))).finish() }
}
impl<'a, K, V> IntoIterator for &'a Map<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = std::iter::Map<std::slice::Iter<'a, (K, V)>, fn(&'a (K, V)) -> (&'a K, &'a V)>;
    fn into_iter(self) -> Self::IntoIter { self.entries.iter().map(|(k, v)| (k, v)) }
}
impl<K, V> IntoIterator for Map<K, V> {
    type Item = (K, V);
    type IntoIter = std::vec::IntoIter<(K, V)>;
    fn into_iter(self) -> Self::IntoIter { self.entries.into_iter() }
}

// The lru crate's semantics: get marks the entry most recently used; put evicts the least.
struct LRUCache<K, V> { cap: usize, entries: Vec<(K, V)> }
impl<K: PartialEq, V> LRUCache<K, V> {
    fn new(cap: usize) -> Self { LRUCache { cap, entries: Vec::new() } }
    fn get<Q: KeyLike<K>>(&mut self, k: Q) -> Option<&V> {
        let i = self.entries.iter().position(|(x, _)| k.is(x))?;
        let e = self.entries.remove(i);
        self.entries.push(e);
        self.entries.last().map(|(_, v)| v)
    }
    fn put(&mut self, k: K, v: V) -> Option<V> {
        if let Some(i) = self.entries.iter().position(|(x, _)| *x == k) {
            let (_, old) = self.entries.remove(i);
            self.entries.push((k, v));
            return Some(old);
        }
        if self.entries.len() == self.cap { self.entries.remove(0); }
        self.entries.push((k, v));
        None
    }
    fn contains<Q: KeyLike<K>>(&self, k: Q) -> bool { self.entries.iter().any(|(x, _)| k.is(x)) }
    fn len(&self) -> usize { self.entries.len() }
    fn capacity(&self) -> usize { self.cap }
}
`;

// ───────────────────────────── checking ─────────────────────────────

function annotations(text) {
  const spec = { expects: [], panic: null, errors: 0 };
  text.split("\n").forEach((line, i) => {
    let m;
    if ((m = line.match(/\/\/\s*expect:\s?(.*)$/))) spec.expects.push(m[1].replace(/\s+$/, ""));
    if ((m = line.match(/\/\/\s*panic:\s*([A-Z]\d{4})\b/))) spec.panic = { code: m[1], line: i + 1 };
    if (/\/\/\s*error:/.test(line)) spec.errors++;
  });
  return spec;
}

function checkFile(file, workDir, verbose) {
  const src = readFileSync(file, "utf8");
  const spec = annotations(src);
  if (spec.errors) return { status: "skip", why: "compile-error program" };
  const why = unsupportedReason(src);
  if (why) return { status: "skip", why };
  const stem = basename(file, ".stark");
  const rs = join(workDir, `${stem}.rs`);
  const exe = join(workDir, stem);
  writeFileSync(rs, toRust(src));
  const build = spawnSync("rustc", ["--edition", "2021", "-A", "warnings", "-A", "arithmetic_overflow",
    "-A", "unconditional_panic", "-C", "debug-assertions=on", "-o", exe, rs], { encoding: "utf8" });
  if (build.status !== 0) {
    const first = build.stderr.split("\n").filter((l) => l.startsWith("error")).slice(0, 2).join(" | ");
    return { status: "FAIL", why: `rustc rejected the translation: ${first}${verbose ? "\n" + build.stderr : ""}` };
  }
  const run = spawnSync(exe, [], { encoding: "utf8", timeout: 20000 });
  const got = run.stdout.split("\n");
  if (got[got.length - 1] === "") got.pop();
  const problems = [];
  for (let k = 0; k < Math.max(got.length, spec.expects.length); k++) {
    if (got[k] !== spec.expects[k]) {
      problems.push(`line ${k + 1}: rust printed ${JSON.stringify(got[k])}, expected ${JSON.stringify(spec.expects[k])}`);
      break;
    }
  }
  if (spec.panic && spec.panic.code === "P0106") {
    // Rust aborts on stack overflow (no panic, no line); STARK panics. Only the stdout compares.
    if (!/overflowed its stack/.test(run.stderr)) problems.push(`expected a stack overflow, exit ${run.status}`);
  } else if (spec.panic) {
    if (run.status !== 101) problems.push(`exit ${run.status}, expected a panic (101)`);
    else {
      const at = /panicked at [^\n]*?\.rs:(\d+):\d+/.exec(run.stderr);
      if (!at || Number(at[1]) !== spec.panic.line)
        problems.push(`rust panicked at line ${at ? at[1] : "?"}, annotation says ${spec.panic.line}`);
    }
  } else if (run.status !== 0) problems.push(`exit ${run.status}: ${run.stderr.split("\n").slice(0, 2).join(" ")}`);
  return problems.length ? { status: "FAIL", why: problems.join("; ") } : { status: "ok" };
}

function collect(p, out) {
  if (statSync(p).isDirectory()) for (const n of readdirSync(p).sort()) collect(join(p, n), out);
  else if (p.endsWith(".stark")) out.push(p);
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const verbose = args.includes("-v");
  const keepAt = args.indexOf("--keep");
  const workDir = keepAt >= 0 ? resolve(args[keepAt + 1]) : join(tmpdir(), `stark-to-rust-${process.pid}`);
  const paths = args.filter((a, k) => a !== "-v" && (keepAt < 0 || (k !== keepAt && k !== keepAt + 1)));
  mkdirSync(workDir, { recursive: true });
  const files = [];
  for (const p of paths.length ? paths : [HERE]) collect(resolve(p), files);
  const tally = { ok: 0, FAIL: 0, skip: 0 };
  for (const f of files) {
    const r = checkFile(f, workDir, verbose);
    tally[r.status]++;
    console.log(`${r.status.padEnd(4)} ${basename(f)}${r.why ? ": " + r.why : ""}`);
  }
  console.log(`${tally.ok} confirmed by rustc, ${tally.FAIL} failed, ${tally.skip} skipped (check by hand)`);
  process.exit(tally.FAIL ? 1 : 0);
}
