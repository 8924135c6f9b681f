// Loads the Ohm grammar for STARK.
//
// Compiling `stark.ohm` from text costs ~200 ms, far too much for `stark run` to pay on every
// start. The build (src/syntax/build.mjs) therefore serialises the compiled grammar to
// `stark.recipe.json` beside the compiled code; loading that takes ~10 ms. The recipe records a
// hash of the grammar text it was made from, so an edited grammar is never served stale: if
// the hash differs (or there is no recipe, as under ts-jest) we compile the text instead.

import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import type * as ohm from "ohm-js";

export const GRAMMAR_FILE = "stark.ohm";
export const RECIPE_FILE = "stark.recipe.json";

/** FNV-1a over the grammar text: cheap, and enough to notice an edit. */
export function grammarHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16);
}

let cached: ohm.Grammar | null = null;

/**
 * ohm-js itself takes ~45 ms to load, so it is required only when a grammar is first needed —
 * which, thanks to the fast path in fastParser.ts, is only for syntax errors and the REPL.
 */
function ohmLib(): typeof ohm {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require("ohm-js") as typeof ohm;
}

/** The folder holding stark.ohm: beside this file (src/ under ts-jest, dist/src/ when built). */
function grammarDir(): string {
  return __dirname;
}

export function starkGrammar(): ohm.Grammar {
  if (cached) return cached;
  const dir = grammarDir();
  const text = readFileSync(join(dir, GRAMMAR_FILE), "utf8");
  const recipePath = join(dir, RECIPE_FILE);
  if (existsSync(recipePath)) {
    try {
      const saved = JSON.parse(readFileSync(recipePath, "utf8")) as { hash: string; recipe: string };
      if (saved.hash === grammarHash(text)) {
        // makeRecipe exists at run time but not in ohm-js's type declarations.
        const grammar = (ohmLib() as unknown as { makeRecipe(recipe: string): ohm.Grammar }).makeRecipe(saved.recipe);
        cached = grammar;
        return grammar;
      }
    } catch {
      // A damaged recipe is only a lost optimisation: fall through and compile the text.
    }
  }
  const grammar = ohmLib().grammar(text);
  cached = grammar;
  return grammar;
}
