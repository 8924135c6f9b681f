// Shrinks a module's source for the start-up snapshot without changing its names or lines.
//
// V8 keeps the bundle's source in the snapshot (functions compile from it lazily), and every
// process pays for its pages. Comments and indentation are most of dist/'s text, and nothing
// reads them at run time: STARK panics print STARK stack traces, and a JavaScript stack trace
// (an internal error) keeps its file names, function names and line numbers, as the comments
// and whitespace between two tokens become the line breaks they held, or one space. Only the
// columns move. Tokens are found by TypeScript's parser (a regular expression and a division
// cannot be told apart without one); without the typescript package the source is kept as is.

import { createRequire } from "node:module";

let ts;
try {
  ts = createRequire(import.meta.url)("typescript");
} catch {
  ts = null;
}

/** The tokens of a module: [full start, start, text] each (its trivia is text[full start, start)). */
function tokensOf(text, fileName) {
  // JSDoc comments are left unparsed (trivia, like any comment), which also spares time.
  const options = { languageVersion: ts.ScriptTarget.Latest, jsDocParsingMode: ts.JSDocParsingMode?.ParseNone };
  const file = ts.createSourceFile(fileName, text, options, false, ts.ScriptKind.JS);
  if (file.parseDiagnostics && file.parseDiagnostics.length) return null;
  const tokens = [];
  const visit = (node) => {
    const children = node.getChildren(file);
    if (children.length === 0) {
      const start = node.getStart(file);
      tokens.push([node.pos, start, text.slice(start, node.end)]);
      return;
    }
    // A JSDoc comment is a child too where TypeScript parses it (before 5.3); it is trivia here.
    for (const child of children) if (!(child.kind >= ts.SyntaxKind.FirstJSDocNode && child.kind <= ts.SyntaxKind.LastJSDocNode)) visit(child);
  };
  visit(file);
  return tokens.sort((a, b) => a[0] - b[0]);
}

/**
 * `text` with the trivia between its tokens reduced to its line breaks or a single space; `text`
 * itself if TypeScript is missing, cannot parse it, or the result would not have the same tokens.
 */
export function stripTrivia(text, fileName) {
  if (!ts) return text;
  const tokens = tokensOf(text, fileName);
  if (!tokens) return text;
  const gaps = tokens.filter(([pos, start]) => start > pos);
  let out = "";
  let at = 0;
  for (const [from, to] of gaps) {
    if (from < at) continue;
    out += text.slice(at, from);
    const trivia = text.slice(from, to);
    const lines = trivia.split("\n").length - 1;
    // Every line break stays, so automatic semicolon insertion reads the code as before.
    out += lines ? "\n".repeat(lines) : from === 0 ? "" : " ";
    at = to;
  }
  out += text.slice(at);
  const after = tokensOf(out, fileName);
  const same = after && after.length === tokens.length && after.every((t, i) => t[2] === tokens[i][2]);
  return same ? out : text;
}
