// Rust standard-library names that STARK spells differently: a Rust program translated line for
// line reaches for `HashMap` or `Rc<RefCell<T>>`, and "cannot find type `HashMap`" alone does not
// say what to write instead. The help names STARK's counterpart (LANGUAGE.md §3, §4.6).

const EQUIVALENTS = new Map<string, string>(Object.entries({
  HashMap: "STARK's hash map is `Map`: `Map<K, V>`, `Map::new()` (it keeps insertion order)",
  Rc: "STARK's shared handle is `Gc<T>`: `Gc::new(value)` gives a Copy handle to a managed object, and `Rc<RefCell<T>>` is just `Gc<T>`",
  Arc: "STARK's shared handle is `Gc<T>`: `Gc::new(value)` gives a Copy handle to a managed object",
  RefCell: "a `Gc<T>` is mutable through its handles, with conflicting access caught at run time as `RefCell` does: `Rc<RefCell<T>>` is `Gc<T>`",
  Cell: "a `Gc<T>` is mutable through its handles: `Rc<Cell<T>>` is `Gc<T>`",
}));

/** The help for a Rust name STARK has under another name, or null. */
export function rustEquivalent(name: string): string | null {
  return EQUIVALENTS.get(name) ?? null;
}
