// Rust std names STARK spells differently get a help naming STARK's counterpart.
import { checkSource } from "./testing";

test("HashMap as a type and as a path: E0412 and E0433, each with the `Map` help", () => {
  const r = checkSource("use std::collections::HashMap;\nfn main() { let m: HashMap<String, i32> = HashMap::new(); }");
  expect(r.codes).toEqual(["E0412", "E0433"]);
  for (const d of r.diagnostics) expect(d.help).toEqual(["STARK's hash map is `Map`: `Map<K, V>`, `Map::new()` (it keeps insertion order)"]);
});

test("Rc<RefCell<T>> points to Gc<T>", () => {
  const r = checkSource("fn main() { let shared = Rc::new(RefCell::new(5)); }");
  expect(r.codes).toEqual(["E0433", "E0433"]);
  expect(r.diagnostics[0].help[0]).toMatch(/^STARK's shared handle is `Gc<T>`.*`Rc<RefCell<T>>` is just `Gc<T>`$/);
  expect(r.diagnostics[1].help[0]).toMatch(/`Rc<RefCell<T>>` is `Gc<T>`$/);
});

test("Rust's other collections are prelude types, with and without `use std::collections`", () => {
  const r = checkSource(
    "use std::collections::{HashSet, VecDeque};\nuse std::cmp::Reverse;\n" +
      "fn f(s: HashSet<i32>, d: VecDeque<u8>, m: BTreeMap<String, i32>, b: BTreeSet<i32>, h: std::collections::BinaryHeap<Reverse<u64>>) {}",
  );
  expect(r.codes).toEqual([]);
});

test("other unknown names keep the similar-name help", () => {
  const r = checkSource("fn f(v: Vec<Strng>) {}");
  expect(r.diagnostics[0].help).toEqual(["a type with a similar name exists: `String`"]);
});

test("a path through std names the segment that is missing, with STARK's counterpart", () => {
  const r = checkSource("fn main() { let m: Map<i32, i32> = std::collections::HashMap::new(); let x = std::f33::consts::PI; }");
  expect(r.codes).toEqual(["E0433", "E0433"]);
  expect(r.diagnostics[0].message).toBe("failed to resolve: could not find `HashMap` in `std::collections`");
  expect(r.diagnostics[0].help).toEqual(["STARK's hash map is `Map`: `Map<K, V>`, `Map::new()` (it keeps insertion order)"]);
  expect(r.diagnostics[1].message).toBe("failed to resolve: could not find `f33` in `std`");
});
