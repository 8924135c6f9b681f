#!/usr/bin/env node
// Generates a large STARK program for timing the checker: many functions, each with loops,
// branches, borrows (shared, mutable, through methods and iterators) and moves, all valid so the
// whole pipeline runs to the end. One long top-level function is included too, so that the
// borrow checker's behaviour on a single long body (it must not be quadratic) shows up.
//
//   node bench/check/gen.mjs [LINES] > /tmp/big.stark      (default 10000 lines)
//   node bench/check/gen.mjs --long BLOCKS > /tmp/long.stark  (only the long body, 11 lines per block)

// One function: about 40 lines.
function fnBody(i) {
  return [
    `fn work_${i}(seed: i32, flag: bool) -> i32 {`,
    `    let mut v = vec![seed, ${i}, 3];`,
    `    let mut acc = Acc { items: Vec::new(), total: 0, name: String::from("f${i}") };`,
    `    let first = {`,
    `        let r = &v;`,
    `        r[0]`,
    `    };`,
    `    for k in 0..3 {`,
    `        if k % 2 == 0 {`,
    `            v.push(k + first);`,
    `        } else {`,
    `            acc.items.push(k);`,
    `        }`,
    `        acc.total += sum(&v);`,
    `    }`,
    `    {`,
    `        let m = &mut acc.items;`,
    `        let n = &acc.name;`,
    `        m.push(n.len() as i32);`,
    `    }`,
    `    let mut s = String::from("x");`,
    `    let mut moved = 0;`,
    `    while moved < 2 {`,
    `        let t = s;`,
    `        moved += t.len() as i32;`,
    `        s = String::from("yy");`,
    `    }`,
    `    let w = v.clone();`,
    `    let n = if flag { consume(w) } else { w.len() };`,
    `    for x in v.iter() {`,
    `        acc.total += *x;`,
    `    }`,
    `    match acc.items.len() {`,
    `        0 => acc.total += 1,`,
    `        _ => acc.total += 2,`,
    `    }`,
    `    let c = || acc.total + 1;`,
    `    let z = c();`,
    `    z + n as i32 + moved + s.len() as i32`,
    `}`,
    ``,
  ];
}

// A long single body: repeated blocks of borrows and moves in one function.
function longBody(blocks) {
  const lines = [`fn long_body() -> i32 {`, `    let mut total = 0;`, `    let mut v = vec![1, 2, 3];`];
  for (let b = 0; b < blocks; b++) {
    lines.push(
      `    let s${b} = String::from("b${b}");`,
      `    let r${b} = &v;`,
      `    total += r${b}.len() as i32;`,
      `    let k${b} = r${b}.len();`,
      `    if total > ${b} {`,
      `        total += s${b}.len() as i32;`,
      `    }`,
      `    {`,
      `        let m${b} = &mut total;`,
      `        *m${b} += k${b} as i32;`,
      `    }`,
    );
  }
  lines.push(`    total`, `}`, ``);
  return lines;
}

function program(target) {
  const out = [];
  out.push("struct Acc {", "    items: Vec<i32>,", "    total: i32,", "    name: String,", "}", "");
  out.push("fn consume(v: Vec<i32>) -> usize {", "    v.len()", "}", "");
  out.push("fn sum(v: &Vec<i32>) -> i32 {", "    let mut t = 0;", "    for x in v {", "        t += *x;", "    }", "    t", "}", "");
  const longBlocks = Math.max(10, Math.floor(target / 50));
  let i = 0;
  const reserve = longBlocks * 10 + 20;
  while (out.length < target - reserve) out.push(...fnBody(i++));
  out.push(...longBody(longBlocks));
  out.push("fn main() {", "    let mut t = 0;");
  for (let k = 0; k < Math.min(i, 50); k++) out.push(`    t += work_${k}(${k}, ${k % 2 === 0});`);
  out.push("    t += long_body();", "    print(t);", "}");
  return out;
}

// No process.exit after writing: on a pipe the write completes asynchronously, and exiting first
// cut long programs short (a parse error in the timing scripts, on a loaded machine).
const lines =
  process.argv[2] === "--long"
    ? [...longBody(Number(process.argv[3] ?? 200)), "fn main() {", "    print(long_body());", "}"]
    : program(Number(process.argv[2] ?? 10000));
process.stdout.write(lines.join("\n") + "\n");
