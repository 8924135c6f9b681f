// Bad input never crashes the checker: deterministic mutations of the annotated programs
// (a line deleted, a token inserted, characters removed) either fail to parse or check to
// diagnostics — no JavaScript exception escapes.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { makeSourceFile } from "../syntax/ast";
import { parse } from "../syntax/parser";
import { checkProgram } from "./index";

const dir = join(__dirname, "../../test/programs/types");
const files = readdirSync(dir).filter((f) => f.endsWith(".stark")).map((f) => join(dir, f));
const inserts = ["&", "&mut ", "*", "Some(", ".clone()", " as f64", "?", ".0", "[0]", "::new", "Self", "self.", "-", "!", "1.5", '"s"', "vec![]", "|a| a", "T", "Box<dyn X>"];

test("mutated programs check without throwing", () => {
  let seed = 12345;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  let checked = 0;
  for (let iter = 0; iter < 80; iter++) {
    const f = files[rnd(files.length)];
    const lines = readFileSync(f, "utf8").split("\n");
    const i = rnd(lines.length);
    const mode = rnd(3);
    if (mode === 0) lines.splice(i, 1);
    else {
      const line = lines[i];
      const pos = rnd(line.length + 1);
      lines[i] = mode === 1 ? line.slice(0, pos) + inserts[rnd(inserts.length)] + line.slice(pos) : line.slice(0, pos) + line.slice(pos + 1 + rnd(4));
    }
    const parsed = parse(makeSourceFile(`${f}#${iter}`, lines.join("\n")));
    if (!parsed.program || parsed.diagnostics.length) continue;
    checked++;
    const r = checkProgram(parsed.program);
    for (const d of r.diagnostics) {
      expect(d.code).toMatch(/^E\d{4}$/);
      expect(d.message.length).toBeGreaterThan(0);
    }
  }
  expect(checked).toBeGreaterThan(20);
});
