#!/usr/bin/env node
// Build step (run by scripts/build.mjs after tsc): serialise the compiled STARK grammar to
// dist/src/syntax/stark.recipe.json so that the CLI loads it in ~10 ms instead of compiling
// stark.ohm (~200 ms) on every start. The recipe carries a hash of the grammar text; grammar.ts
// ignores a recipe whose hash does not match, so a stale one is harmless.
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const require = createRequire(join(root, "package.json"));
const ohm = require("ohm-js");

function grammarHash(text) {
  // Same function as grammarHash in grammar.ts.
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16);
}

const text = readFileSync(join(root, "src/syntax/stark.ohm"), "utf8");
const recipe = ohm.grammar(text).toRecipe();
const outDir = join(root, "dist/src/syntax");
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, "stark.recipe.json"), JSON.stringify({ hash: grammarHash(text), recipe }));
