// The control-flow graph of one body (a function, a method, a closure, or the top-level
// statements). Each node carries at most one action, so the analyses and the diagnostics can talk
// about "the point before/after node n" without a second level of indexing.

import type { Binding, Span } from "../../syntax/ast";
import type { Type } from "../types";
import type { Place } from "./places";

/** A borrow: `&p`, `&mut p`, a method receiver autoref, a closure capture by reference. */
export interface Loan {
  id: number;
  place: Place;
  mutable: boolean;
  span: Span;
  /** The statement that created it: a loan not stored in a variable ends with that statement. */
  stmt: number;
  /**
   * How the borrow arose, for the wording of diagnostics. "reservation": the first phase of a
   * two-phase `&mut` receiver (`v.push(..)` while its arguments run): conflicts like a shared
   * borrow, reported as the `&mut` it becomes.
   */
  /** `view`: a tensor view's borrow of its base (`a.t()`, `a.reshape(..)`), see rules.ts. */
  origin: "ref" | "autoref" | "capture" | "pattern" | "reborrow" | "iter" | "reservation" | "view";
  /** For captures: the closure expression's span (E0373 points at it). */
  closureSpan?: Span;
  /** The `&mut` a two-phase reservation becomes once the call's arguments are evaluated. */
  activation?: boolean;
  /** A shared reservation whose `&mut` activation never comes (`x += x` moves `x` in between): it still needs `mut`, as rustc checks at the reservation. */
  needsMut?: boolean;
}

/** Where borrows flow: a value carries the loans created while computing it and those held by the variables it was derived from. */
export interface Carried {
  loans: number[];
  vars: Binding[];
}

export type Action =
  /** Copy or read of a place (not a borrow): E0503 against mutable loans, E0381/E0382. */
  /**
   * `matched`: the scrutinee of a pattern that binds parts of it; a use of it after a move is
   * reported at the bindings instead, as rustc does. `shallow`: a `let` pattern's (rustc's fake
   * read for a `let`): the borrows of its parts do not conflict with it (a `match` reads the
   * discriminant, which they do).
   */
  | { kind: "read"; place: Place; span: Span; matched?: boolean; shallow?: boolean }
  /** Move out of a place: E0505, E0507, E0382; then the place is moved. */
  /** `structUpdate`: the move is a field taken by `..base` (the span is the whole struct literal). */
  /** `from`: for a pattern binding, the scrutinee or initializer it moves out of (E0507 points there, as rustc does). */
  | { kind: "move"; place: Place; span: Span; ty: Type; structUpdate?: boolean; from?: Span }
  /** Create a loan (activation for two-phase borrows happens at this node). */
  | { kind: "borrow"; loan: number; span: Span }
  /** Assignment to a place (`x = v`, `s.a = v`, `*r = v`, a `let` initializer). */
  /** `throughBox`: the target is `*b` with `b` a Box (a Box deref adds no projection to the place). */
  /** `dropsOld`: the old value is dropped first (a String, a Vec): a conflict (E0506) is then the assignment's only error. */
  | { kind: "assign"; place: Place; span: Span; isLet: boolean; compound?: boolean; throughBox?: boolean; dropsOld?: boolean }
  /** A binding comes into scope (`let`, parameters, pattern bindings). Uninitialized for `let x;`. */
  | { kind: "declare"; binding: Binding; init: boolean; span: Span }
  /** End of a block: its bindings go out of scope together (E0597 for loans that outlive them). */
  /** `temporaries`: the bindings are a statement's temporaries (a borrow still held after is E0716). */
  | { kind: "scopeEnd"; bindings: Binding[]; span: Span; reportDangling: boolean; temporaries?: boolean }
  /** A use of a variable that matters only for liveness (the hidden iterator of a `for` loop). */
  | { kind: "touch"; binding: Binding; span: Span }
  /** Temporary loans end (after a call whose result does not carry them; at the end of a statement; at a jump). */
  | { kind: "endTemps"; loans: number[] }
  /** The body returns this value: E0515/E0373 for borrows of locals. */
  /**
   * `intoStatic`: not a return but a value stored into a field written with `dyn`
   * (`f: Box<dyn Fn(i32) -> i32>`, which is `+ 'static`): its borrows must outlive the body too,
   * and a closure's borrow of a local is E0597 ("cast requires that `n` is borrowed for `'static`").
   */
  | { kind: "return"; carried: Carried; span: Span; isClosureBody: boolean; intoStatic?: true }
  | { kind: "nop" };

export interface CfgNode {
  id: number;
  action: Action;
  succ: number[];
  pred: number[];
  /** Loop nesting depth at this node. */
  loopDepth: number;
  /** The statement this node belongs to (loans of that statement are its temporaries). */
  stmt: number;
}

export interface Cfg {
  /** Human name for the body: `main`, `Model::forward`, `<closure>`, `<top level>`. */
  name: string;
  nodes: CfgNode[];
  entry: number;
  exit: number;
  loans: Loan[];
  /** Every binding of the body, indexed for the bit sets. */
  bindings: Binding[];
  bindingIndex: Map<Binding, number>;
  /** Bindings a closure body reaches outside itself: not tracked in this body. */
  external: Set<Binding>;
  /** In a closure body: its captured variables (not locals of the body: returning a borrow of one is fine). */
  captured: Set<Binding>;
  /** "Loans flow into variable": `let r = &x` gives loan→r; `let r2 = r` gives r→r2. Flow-insensitive. */
  loanHolders: Map<number, Set<Binding>>;
  varFlows: Map<Binding, Set<Binding>>;
  /** Variables holding a trait object that may hold borrows (`let f: Box<dyn FnMut()> = ..`): dropping one uses them, as its destructor may. */
  dropUsers?: Set<Binding>;
  /** The function's result owns a trait object (`-> Box<dyn Fn()>`, `-> Vec<Box<dyn Fn()>>`): what it returns must be `'static`. */
  returnsStatic?: boolean;
  /** Parameters declared as shared references (`p: &Point`, `&self`), with the text a `&mut` fix would write there. */
  sharedRefParams?: Map<Binding, { span: Span; fix: string }>;
  /** In a function returning a reference: each `return` (and the tail) with what it returns, for the diagnostics' story. */
  returnSites?: { span: Span; loans: number[]; vars: Binding[] }[];
  /** Spans of every use of a binding (for "borrow later used here" and the lexical/NLL note). */
  uses: Map<Binding, Span[]>;
  /** Where each binding goes out of scope (its block's `}`). */
  scopeEndSpan: Map<Binding, Span>;
  /**
   * In a method taking `&self`/`&mut self`: its other parameters that hold references. By Rust's
   * elision rule the method's result borrows only `self`, so returning data borrowed from one of
   * these is an error (E0621).
   */
  selfOnlyResult?: Binding[];
  /**
   * In a `&mut self` method: values stored into `*self` (an assignment, a push into a field),
   * with the variables they carry. By Rust's signature a reference parameter whose type names
   * no type parameter of the impl (`d: &Vec<i32>`) has a lifetime of its own, shorter than
   * `self`'s: storing it is E0621, and callers do not count it as held by the receiver.
   */
  storesIntoSelf?: { vars: Binding[]; span: Span }[];
  /** The parameters that may not be stored into `self` (see storesIntoSelf). */
  unstorableParams?: Binding[];
  /**
   * A closure written as the argument of a parameter bounded by `Fn`/`FnMut` (`call(|| n += 1)`
   * with `f: impl Fn()`): rustc fixes the closure's trait from that bound, so what the body does
   * to a captured variable must fit it (E0594/E0596 in an `Fn` closure, E0507 for a move out).
   */
  closureBound?: { kind: "Fn" | "FnMut"; closureSpan: Span; paramSpan: Span | null };
}
