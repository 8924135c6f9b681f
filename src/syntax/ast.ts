// The STARK abstract syntax tree.
//
// Produced by the parser (src/syntax/parser.ts), annotated in place by the type checker
// (src/check/), read by the borrow checker (src/check/borrow/) and compiled to closures by the
// evaluator (src/eval/). Every node has `kind` (a closed set: switch on it) and a `span`.
//
// Fields marked "checker:" are absent after parsing and filled by the type checker; later stages
// may rely on them for every node the checker accepted.

import type { Type } from "../check/types";

/** Half-open byte range [start, end) into the source text of `file`. */
export interface Span {
  file: SourceFile;
  start: number;
  end: number;
}

export interface SourceFile {
  /** Path as given on the command line (or "<repl:N>", "<prelude>"). */
  name: string;
  text: string;
  /** Offsets of the first character of each line; built once, used to turn offsets into line:col. */
  lineStarts: number[];
}

// ───────────────────────────── program and items ─────────────────────────────

export interface Program {
  kind: "Program";
  span: Span;
  /** Items and top-level statements in source order. Top-level statements run before `main()`. */
  body: (Item | Stmt)[];
  /** checker: slots of the global frame (top-level `let` bindings). */
  globalFrameSize?: number;
}

export type Item = FnDecl | StructDecl | EnumDecl | ImplDecl | TraitDecl | UseDecl | ConstDecl | ModDecl;

/** `mod gc { pub fn collect(); ... }` — used by the prelude to declare the `gc`, `torch`, `nn`, ... modules. */
export interface ModDecl {
  kind: "ModDecl";
  span: Span;
  name: Ident;
  isPub: boolean;
  items: Item[];
}

export interface Attribute {
  /** `#[derive(Copy, Clone)]` → name "derive", args ["Copy", "Clone"]. */
  name: string;
  args: string[];
  span: Span;
}

export interface GenericParam {
  name: string;
  /** Trait bounds: `T: Display + Clone`. */
  bounds: TypeExpr[];
  span: Span;
}

export type SelfMode = "value" | "mutValue" | "ref" | "refMut";

export interface Param {
  pat: Pattern;
  ty: TypeExpr;
  span: Span;
}

export interface FnDecl {
  kind: "FnDecl";
  span: Span;
  name: Ident;
  attrs: Attribute[];
  isPub: boolean;
  generics: GenericParam[];
  /** Present for methods: `self`, `mut self`, `&self`, `&mut self`. */
  selfParam: { mode: SelfMode; span: Span } | null;
  params: Param[];
  ret: TypeExpr | null;
  /** null for a signature without a body (trait methods, native prelude declarations). */
  body: BlockExpr | null;
  /** `where Self: Sized`: the method is left out of the trait's `dyn` type (rustc's E0038 rules). */
  selfSized?: true;
  /** checker: number of frame slots (params + locals + evaluator temporaries reserved by the checker). */
  frameSize?: number;
  /** checker: the binding of `self` in a method with a body (always slot 0). */
  selfBinding?: Binding;
}

export interface FieldDecl {
  name: Ident;
  ty: TypeExpr;
  /** `struct S { n: i32 = 0 }`: a default used when a struct literal leaves the field out. */
  default: Expr | null;
  isPub: boolean;
  span: Span;
}

export interface StructDecl {
  kind: "StructDecl";
  span: Span;
  name: Ident;
  attrs: Attribute[];
  isPub: boolean;
  generics: GenericParam[];
  /** `struct P { x: i32 }` → "named"; `struct P(i32, i32);` → "tuple"; `struct U;` → "unit". */
  shape: "named" | "tuple" | "unit";
  fields: FieldDecl[];
}

export interface VariantDecl {
  name: Ident;
  shape: "unit" | "tuple" | "named";
  /** Tuple variants have fields named "0", "1", ... */
  fields: FieldDecl[];
  /** `enum E { A = 1 }` */
  discriminant: Expr | null;
  span: Span;
  /** Set by the checker: the variant's value as an integer (the explicit one, else the previous plus one). */
  value?: number;
}

export interface EnumDecl {
  kind: "EnumDecl";
  span: Span;
  name: Ident;
  attrs: Attribute[];
  isPub: boolean;
  generics: GenericParam[];
  variants: VariantDecl[];
}

export interface ImplDecl {
  kind: "ImplDecl";
  span: Span;
  generics: GenericParam[];
  /** `impl Trait for Type` — null for an inherent impl. */
  trait: TypeExpr | null;
  target: TypeExpr;
  methods: FnDecl[];
  /** Associated constants `const N: usize = 3;` */
  consts: ConstDecl[];
  /** Associated types `type Output = Vec2;` (absent when there are none). */
  assocTypes?: AssocTypeDecl[];
}

/** `type Output = Vec2;` in an impl, `type Output;` in a trait. */
export interface AssocTypeDecl {
  kind: "AssocTypeDecl";
  span: Span;
  name: Ident;
  /** null in a trait declaration without a default. */
  ty: TypeExpr | null;
}

export interface TraitDecl {
  kind: "TraitDecl";
  span: Span;
  name: Ident;
  isPub: boolean;
  generics: GenericParam[];
  /** Supertraits: `trait A: B + C`. */
  supertraits: TypeExpr[];
  /** Methods; those with a body are default methods. */
  methods: FnDecl[];
  /** Associated types `type Output;` (absent when there are none). */
  assocTypes?: AssocTypeDecl[];
}

export interface UseDecl {
  kind: "UseDecl";
  span: Span;
  /** `use gc::{collect, stats as s};` → one UseDecl per imported name. `use a::b::*` → glob. */
  path: Ident[];
  alias: Ident | null;
  glob: boolean;
}

export interface ConstDecl {
  kind: "ConstDecl";
  span: Span;
  name: Ident;
  isPub: boolean;
  ty: TypeExpr | null;
  value: Expr;
}

export interface Ident {
  name: string;
  span: Span;
}

// ───────────────────────────── types as written ─────────────────────────────

export type TypeExpr =
  | PathType
  | RefType
  | TupleType
  | ArrayType
  | FnPtrType
  | ImplTraitType
  | DynTraitType
  | InferType
  | ShapeType
  | NeverType
  | SliceType;

export interface TypeSegment {
  name: Ident;
  /** `Vec<i32>`, `Tensor<f32, [2, 3]>`; `Fn(i32) -> i32` sugar is FnSugar. null when not written. */
  args: TypeExpr[] | null;
  /** `Fn(A, B) -> R` / `FnMut(..)` / `FnOnce(..)` written as a path segment. */
  fnSugar: { params: TypeExpr[]; ret: TypeExpr | null } | null;
  /** Associated type bindings `Add<Output = T>` (absent when there are none). */
  bindings?: { name: Ident; ty: TypeExpr }[];
}

/** `i32`, `Vec<T>`, `gc::GCConfig`, `Self`, `T`. */
export interface PathType {
  kind: "PathType";
  span: Span;
  segments: TypeSegment[];
}

export interface RefType {
  kind: "RefType";
  span: Span;
  mutable: boolean;
  inner: TypeExpr;
}

/** `()` is a TupleType with no elements. */
export interface TupleType {
  kind: "TupleType";
  span: Span;
  elems: TypeExpr[];
}

export interface ArrayType {
  kind: "ArrayType";
  span: Span;
  elem: TypeExpr;
  /** `[f32; 1024]` — a constant expression (a literal or a const name). */
  len: Expr;
}

/** `fn(i32) -> i32` */
export interface FnPtrType {
  kind: "FnPtrType";
  span: Span;
  params: TypeExpr[];
  ret: TypeExpr | null;
}

/** `impl Fn(i32) -> i32`, `impl Display` */
export interface ImplTraitType {
  kind: "ImplTraitType";
  span: Span;
  bounds: PathType[];
}

/** `dyn Optimizer` */
export interface DynTraitType {
  kind: "DynTraitType";
  span: Span;
  bounds: PathType[];
}

/** `_` */
export interface InferType {
  kind: "InferType";
  span: Span;
}

/** A static tensor shape in generic position: `[2, 3]`, `[N, 784]`. Dims are numbers or shape variables. */
export interface ShapeType {
  kind: "ShapeType";
  span: Span;
  dims: (number | string)[];
}

/** `[T]` — the unsized slice type, written behind a reference (`&[T]`, `&mut [T]`). */
export interface SliceType {
  kind: "SliceType";
  span: Span;
  elem: TypeExpr;
}

/** `!` */
export interface NeverType {
  kind: "NeverType";
  span: Span;
}

// ───────────────────────────── statements ─────────────────────────────

export type Stmt = LetStmt | ExprStmt | ItemStmt | EmptyStmt;

export interface LetStmt {
  kind: "LetStmt";
  span: Span;
  pat: Pattern;
  ty: TypeExpr | null;
  /** null for a deferred `let x;` */
  init: Expr | null;
  /** `let Some(x) = opt else { return; };` */
  elseBlock: BlockExpr | null;
}

export interface ExprStmt {
  kind: "ExprStmt";
  span: Span;
  expr: Expr;
  /** Whether the statement ends with `;`. A block's last expression without `;` is its value (BlockExpr.tail). */
  semi: boolean;
}

/** A nested item inside a block (a local `fn` or `struct`). */
export interface ItemStmt {
  kind: "ItemStmt";
  span: Span;
  item: Item;
}

export interface EmptyStmt {
  kind: "EmptyStmt";
  span: Span;
}

// ───────────────────────────── expressions ─────────────────────────────

export type Expr =
  | IntLit
  | FloatLit
  | StrLit
  | FStrLit
  | CharLit
  | BoolLit
  | PathExpr
  | UnaryExpr
  | RefExpr
  | DerefExpr
  | BinaryExpr
  | AssignExpr
  | CallExpr
  | MethodCallExpr
  | FieldExpr
  | TupleFieldExpr
  | IndexExpr
  | StructLitExpr
  | TupleExpr
  | ArrayExpr
  | ArrayRepeatExpr
  | VecMacroExpr
  | BlockExpr
  | IfExpr
  | IfLetExpr
  | WhileExpr
  | WhileLetExpr
  | LoopExpr
  | ForExpr
  | MatchExpr
  | ClosureExpr
  | BreakExpr
  | ContinueExpr
  | ReturnExpr
  | RangeExpr
  | CastExpr
  | TryExpr
  | ParenExpr;

/** Fields every expression carries after checking. */
export interface ExprBase {
  span: Span;
  /** checker: the expression's type, fully resolved (no inference variables left). */
  ty?: Type;
  /**
   * checker: set when the value is implicitly coerced to another type where it is used:
   * `Box<S>` → `Box<dyn Trait>`, `S`/`&S` → `dyn Trait`/`&dyn Trait` (the evaluator can tag the
   * value with its concrete type `ty` for dispatch, e.g. `&7` as `&dyn Describe`), `&mut T` → `&T`,
   * deref coercion `&Box<T>` → `&T`, a string literal where `&String` is expected.
   */
  coercedTo?: Type;
}

export type IntSuffix = "i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64" | "usize" | "isize";
export type FloatSuffix = "f32" | "f64";

export interface IntLit extends ExprBase {
  kind: "IntLit";
  /** Exact value (literals may exceed 2^53 before the checker rejects them). */
  value: bigint;
  suffix: IntSuffix | FloatSuffix | null;
}

export interface FloatLit extends ExprBase {
  kind: "FloatLit";
  value: number;
  suffix: FloatSuffix | null;
}

export interface StrLit extends ExprBase {
  kind: "StrLit";
  /** Escapes already decoded. */
  value: string;
}

export interface FormatSpec {
  /** `?` — Debug form. */
  debug: boolean;
  /** `.3` */
  precision: number | null;
  /** `>8`, `<8`, `^8`, or a bare `8` (numbers right-align, others left-align, as in Rust). */
  align: "<" | ">" | "^" | null;
  width: number | null;
  /** Fill character before the alignment (`{x:0>5}`), default space. `0` flag: `{x:05}`. */
  fill: string;
  /** `+` sign flag. */
  sign: boolean;
  /** `#` flag: `0x`/`0b`/`0o` prefixes (absent when not written). */
  alternate?: boolean;
  /** Integer in another base: `x`/`X` hex, `b` binary, `o` octal (absent when not written). */
  radix?: "x" | "X" | "b" | "o";
  /** Scientific notation: `e` / `E` (absent when not written). */
  exponent?: "e" | "E";
  /** Raw text of the spec, for messages. */
  raw: string;
}

export interface FStrLit extends ExprBase {
  kind: "FStrLit";
  /** Literal text (braces `{{ }}` already unescaped) alternating with interpolations. */
  parts: (string | { expr: Expr; spec: FormatSpec | null })[];
}

export interface CharLit extends ExprBase {
  kind: "CharLit";
  value: string;
}

export interface BoolLit extends ExprBase {
  kind: "BoolLit";
  value: boolean;
}

export interface PathSegment {
  name: Ident;
  /** Turbofish / type arguments: `Tensor::<f32, [2, 3]>::zeros`, `collect::<Vec<i32>>()`. */
  args: TypeExpr[] | null;
}

/**
 * A name or a path: `x`, `None`, `Vec::new`, `gc::collect`, `GCMode::Training`, `Self::new`.
 * The checker records what it refers to in `res`.
 */
export interface PathExpr extends ExprBase {
  kind: "PathExpr";
  segments: PathSegment[];
  /** `<Dog as Animal>::baby_name`: the type before `as` (segments are the trait's, then the item). */
  qself?: TypeExpr;
  /** checker: what the path names. */
  res?: Resolution;
}

/** What a name resolved to. */
export type Resolution =
  /** A local variable or parameter: `slot` in the current frame, or captured by a closure. */
  | { kind: "local"; binding: Binding }
  /** A top-level (global) variable defined by a top-level `let`. */
  | { kind: "global"; binding: Binding }
  | { kind: "const"; decl: ConstDecl }
  /**
   * A user or prelude function (free function, or associated function/method via `Type::name`).
   * `selfTy` is set for `T::f()` where T is a generic parameter: `decl` is then the trait's
   * declaration and the function to call is the impl of it for T's instantiation.
   */
  | { kind: "fn"; decl: FnDecl; impl: ImplDecl | null; selfTy?: Type }
  /** A native function of the standard library, by qualified name ("gc::collect", "print", "Vec::new"). */
  | { kind: "native"; name: string }
  /** An enum variant used as a value or constructor: `None`, `Some`, `GCMode::Training`. */
  | { kind: "variant"; decl: EnumDecl; index: number }
  /** A tuple-struct constructor `Point(1, 2)` or unit struct value. */
  | { kind: "structCtor"; decl: StructDecl };

/**
 * One variable binding (from `let`, a parameter, a pattern, a closure parameter, a `for`).
 * Shared by every use that resolves to it, so later stages can key maps by identity.
 */
export interface Binding {
  name: string;
  mutable: boolean;
  /** Where it is declared. */
  span: Span;
  /** checker: its type. */
  ty?: Type;
  /** checker: its slot in the frame of the function (or closure) that declares it. */
  slot?: number;
  /** checker: set when a closure captures it; the evaluator then keeps it in a shared cell. */
  captured?: boolean;
  /** checker: true for top-level `let` bindings (live in the global frame). */
  global?: boolean;
  /**
   * checker: the closure a `let` initialized it with. When that closure is Copy (it captures
   * only shared references and Copy values), reading the variable by value copies the closure
   * and the state it owns, as in Rust (`let mut c = counter;` then `c()` leaves `counter` as it was).
   */
  closureInit?: ClosureExpr;
  /**
   * borrow checker: "moved" when some move takes the variable or a part of it (a field, an
   * element, a capture by `move`), "kept" when none does; unset where the borrow checker did not
   * run. The evaluator frees the tensors a "kept" variable owns when its scope ends (LANGUAGE.md §6).
   */
  moveState?: "moved" | "kept";
}

export type UnaryOp = "-" | "!";

export interface UnaryExpr extends ExprBase {
  kind: "UnaryExpr";
  op: UnaryOp;
  operand: Expr;
  /** checker: set when `-x` dispatches to a user impl (`impl Neg for V`). */
  method?: MethodRes;
}

/** `&e` / `&mut e` */
export interface RefExpr extends ExprBase {
  kind: "RefExpr";
  mutable: boolean;
  operand: Expr;
}

/** `*e` */
export interface DerefExpr extends ExprBase {
  kind: "DerefExpr";
  operand: Expr;
}

export type BinaryOp =
  | "+" | "-" | "*" | "/" | "%"
  | "==" | "!=" | "<" | "<=" | ">" | ">="
  | "&&" | "||"
  | "&" | "|" | "^" | "<<" | ">>"
  | "@";

export interface BinaryExpr extends ExprBase {
  kind: "BinaryExpr";
  op: BinaryOp;
  left: Expr;
  right: Expr;
  /** checker: set when the operator dispatches to a user impl (`impl Add for V`). */
  method?: MethodRes;
}

export type AssignOp = "=" | "+=" | "-=" | "*=" | "/=" | "%=" | "&=" | "|=" | "^=" | "<<=" | ">>=";

export interface AssignExpr extends ExprBase {
  kind: "AssignExpr";
  op: AssignOp;
  /** A place expression: a path, field, index or deref. (Destructuring assignment is not supported.) */
  target: Expr;
  value: Expr;
  /** checker: a user `AddAssign`/`SubAssign`/.. impl for `a += b` (called with `&mut a`). */
  method?: MethodRes;
}

export interface CallExpr extends ExprBase {
  kind: "CallExpr";
  callee: Expr;
  args: Expr[];
  /**
   * checker: `autoref[i]` is true when argument i was passed by value to a `&T` parameter of an
   * `#[autoref]` function (`print(x)`, `map.get("a")`): it is borrowed, not moved. Absent when none.
   */
  autoref?: boolean[];
}

/** How a method call was resolved by the checker. */
export type MethodRes =
  /** A method with a body, user or prelude: call `decl`. */
  | { kind: "fn"; decl: FnDecl; impl: ImplDecl | null; selfMode: SelfMode | null }
  /** A native method implemented in TypeScript, keyed "Type::method" (e.g. "Vec::push", "Tensor::fill_"). */
  | { kind: "native"; name: string; selfMode: SelfMode | null }
  /** A call through a trait object (`Box<dyn Trait>` / `dyn Trait`): dispatch at run time by the receiver's concrete type. */
  | { kind: "dyn"; trait: TraitDecl; method: string; selfMode: SelfMode | null }
  /** Calling a closure or fn pointer stored in a field: `(self.f)(x)` is a CallExpr; this is not used for it. */
  ;

export interface MethodCallExpr extends ExprBase {
  kind: "MethodCallExpr";
  receiver: Expr;
  method: Ident;
  /** Turbofish on the method: `collect::<Vec<i32>>()`. */
  typeArgs: TypeExpr[] | null;
  args: Expr[];
  /** checker: the resolved target. */
  res?: MethodRes;
  /**
   * checker: how the receiver expression is adjusted before the call, as rustc does:
   * number of auto-derefs, then "ref" / "refMut" autoref or "none". The borrow checker reads
   * this to know whether the call borrows, mutably borrows or moves the receiver.
   */
  recvAdjust?: {
    derefs: number;
    autoref: "none" | "ref" | "refMut";
    /**
     * A user iterator receiver of an `Iter` method (`counter.zip(..)`): after the derefs it is
     * wrapped into this `Iter<Item>`, whose `next` calls the user's `next`.
     */
    userIter?: Type;
  };
  /** checker: as `CallExpr.autoref` (`a.matmul(b)`, `v.contains(x)`). */
  autoref?: boolean[];
  /** checker: `x.into()` that goes through a user `impl From<X> for Y` (called with `x`). */
  intoFrom?: { decl: FnDecl; impl: ImplDecl };
}

/** `a.b` */
export interface FieldExpr extends ExprBase {
  kind: "FieldExpr";
  object: Expr;
  field: Ident;
  /** checker: field index in the struct declaration, and number of auto-derefs applied to `object`. */
  index?: number;
  derefs?: number;
}

/** `t.0` */
export interface TupleFieldExpr extends ExprBase {
  kind: "TupleFieldExpr";
  object: Expr;
  index: number;
  derefs?: number;
}

/** `a[i]` */
export interface IndexExpr extends ExprBase {
  kind: "IndexExpr";
  object: Expr;
  index: Expr;
  derefs?: number;
}

export interface StructLitExpr extends ExprBase {
  kind: "StructLitExpr";
  /** `Point`, `Shape::Circle` (a named-field enum variant), `Self`. */
  path: PathExpr;
  /** `S { a, b: 2 }` — shorthand `a` has value = a PathExpr for `a`. */
  fields: { name: Ident; value: Expr; span: Span }[];
  /** `..base` struct update. */
  base: Expr | null;
  /** checker: the struct, or the enum and variant index. Fields are given in declaration order in `order`. */
  target?: { kind: "struct"; decl: StructDecl } | { kind: "variant"; decl: EnumDecl; index: number };
}

/** `(a, b)`; `()` is the unit value. */
export interface TupleExpr extends ExprBase {
  kind: "TupleExpr";
  elems: Expr[];
}

/** `[1, 2, 3]` */
export interface ArrayExpr extends ExprBase {
  kind: "ArrayExpr";
  elems: Expr[];
}

/** `[0.0; 1024]` */
export interface ArrayRepeatExpr extends ExprBase {
  kind: "ArrayRepeatExpr";
  value: Expr;
  count: Expr;
}

/** `vec![a, b]` or `vec![x; n]` */
export interface VecMacroExpr extends ExprBase {
  kind: "VecMacroExpr";
  elems: Expr[] | null;
  repeat: { value: Expr; count: Expr } | null;
}

export interface BlockExpr extends ExprBase {
  kind: "BlockExpr";
  stmts: Stmt[];
  /** The final expression without `;`, the block's value; null → `()`. */
  tail: Expr | null;
  /** Span of the closing `}` — where the block's locals are dropped (borrow checker labels use it). */
  closeSpan: Span;
}

export interface IfExpr extends ExprBase {
  kind: "IfExpr";
  cond: Expr;
  then: BlockExpr;
  /** `else { }` or `else if ...` */
  else: BlockExpr | IfExpr | IfLetExpr | null;
}

export interface IfLetExpr extends ExprBase {
  kind: "IfLetExpr";
  pat: Pattern;
  scrutinee: Expr;
  then: BlockExpr;
  else: BlockExpr | IfExpr | IfLetExpr | null;
}

export interface Label {
  name: string;
  span: Span;
}

export interface WhileExpr extends ExprBase {
  kind: "WhileExpr";
  label: Label | null;
  cond: Expr;
  body: BlockExpr;
}

export interface WhileLetExpr extends ExprBase {
  kind: "WhileLetExpr";
  label: Label | null;
  pat: Pattern;
  scrutinee: Expr;
  body: BlockExpr;
}

export interface LoopExpr extends ExprBase {
  kind: "LoopExpr";
  label: Label | null;
  body: BlockExpr;
}

export interface ForExpr extends ExprBase {
  kind: "ForExpr";
  label: Label | null;
  pat: Pattern;
  iter: Expr;
  body: BlockExpr;
  /**
   * checker: how the loop iterates — over a range, by value (consumes a Vec/array/iterator),
   * by shared or mutable reference (`for x in &v`, `&mut v`, `v.iter()`, `v.iter_mut()`).
   */
  iterKind?: "range" | "intoIter" | "ref" | "refMut" | "iterator";
}

export interface MatchArm {
  pat: Pattern;
  guard: Expr | null;
  body: Expr;
  span: Span;
}

export interface MatchExpr extends ExprBase {
  kind: "MatchExpr";
  scrutinee: Expr;
  arms: MatchArm[];
}

export interface ClosureParam {
  pat: Pattern;
  ty: TypeExpr | null;
  span: Span;
}

export interface ClosureExpr extends ExprBase {
  kind: "ClosureExpr";
  isMove: boolean;
  params: ClosureParam[];
  ret: TypeExpr | null;
  body: Expr;
  /**
   * checker: captured variables and how (Rust's rules, LANGUAGE.md §4.2): by shared reference when the
   * body only reads, by mutable reference when it mutates, by move when it consumes or the closure is `move`.
   */
  captures?: { binding: Binding; mode: "ref" | "refMut" | "move" | "copy"; span: Span }[];
  /** checker: number of frame slots of the closure body. */
  frameSize?: number;
}

export interface BreakExpr extends ExprBase {
  kind: "BreakExpr";
  label: Label | null;
  value: Expr | null;
}

export interface ContinueExpr extends ExprBase {
  kind: "ContinueExpr";
  label: Label | null;
}

export interface ReturnExpr extends ExprBase {
  kind: "ReturnExpr";
  value: Expr | null;
}

/** `a..b`, `a..=b`, `..b`, `a..`, `..` */
export interface RangeExpr extends ExprBase {
  kind: "RangeExpr";
  start: Expr | null;
  end: Expr | null;
  inclusive: boolean;
}

/** `e as T` */
export interface CastExpr extends ExprBase {
  kind: "CastExpr";
  expr: Expr;
  target: TypeExpr;
}

/** `e?` */
export interface TryExpr extends ExprBase {
  kind: "TryExpr";
  expr: Expr;
  /** checker: the user `From::from` that converts the `Err` value into the function's error type. */
  fromFn?: { decl: FnDecl; impl: ImplDecl };
}

/** `(e)` — kept so spans and diagnostics match the source; semantically transparent. */
export interface ParenExpr extends ExprBase {
  kind: "ParenExpr";
  expr: Expr;
}

// ───────────────────────────── patterns ─────────────────────────────

export type Pattern =
  | WildcardPat
  | BindPat
  | LitPat
  | RangePat
  | TuplePat
  | TupleStructPat
  | StructPat
  | PathPat
  | RefPat
  | OrPat
  | RestPat;

export interface PatBase {
  span: Span;
  /** checker: the type of the value this pattern matches. */
  ty?: Type;
}

/** `_` */
export interface WildcardPat extends PatBase {
  kind: "WildcardPat";
}

/** `x`, `mut x`, `ref x`, `x @ 1..=5` */
export interface BindPat extends PatBase {
  kind: "BindPat";
  name: Ident;
  mutable: boolean;
  byRef: "none" | "ref" | "refMut";
  sub: Pattern | null;
  /** Created by the parser; completed (ty, slot) by the checker. */
  binding: Binding;
}

/** `1`, `-1`, `"a"`, `'c'`, `true`, `1.5` */
export interface LitPat extends PatBase {
  kind: "LitPat";
  value: IntLit | FloatLit | StrLit | CharLit | BoolLit;
  negative: boolean;
}

/** `1..=5`, `'a'..='z'` */
export interface RangePat extends PatBase {
  kind: "RangePat";
  start: LitPat | null;
  end: LitPat | null;
  inclusive: boolean;
}

/** `(a, b)` */
export interface TuplePat extends PatBase {
  kind: "TuplePat";
  elems: Pattern[];
}

/** `Some(x)`, `Point(a, b)`, `Shape::Circle(r)` */
export interface TupleStructPat extends PatBase {
  kind: "TupleStructPat";
  path: PathExpr;
  elems: Pattern[];
}

/** `Point { x, y: 0, .. }`, `Shape::Rect { w, h }` */
export interface StructPat extends PatBase {
  kind: "StructPat";
  path: PathExpr;
  fields: { name: Ident; pat: Pattern; span: Span }[];
  rest: boolean;
}

/** `None`, `GCMode::Training`, `MAX` (a unit variant, unit struct or const). */
export interface PathPat extends PatBase {
  kind: "PathPat";
  path: PathExpr;
}

/** `&x`, `&mut x` */
export interface RefPat extends PatBase {
  kind: "RefPat";
  mutable: boolean;
  pat: Pattern;
}

/** `A | B` */
export interface OrPat extends PatBase {
  kind: "OrPat";
  alts: Pattern[];
}

/** `..` inside a tuple or slice pattern. */
export interface RestPat extends PatBase {
  kind: "RestPat";
}

// ───────────────────────────── helpers ─────────────────────────────

export function makeSourceFile(name: string, text: string): SourceFile {
  const lineStarts = [0];
  // indexOf scans natively: a charCodeAt loop over the prelude, still unoptimized at start-up,
  // cost ≈ 2 ms of every run.
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) lineStarts.push(i + 1);
  return { name, text, lineStarts };
}

/** 1-based line and column (in UTF-16 code units, +1) of an offset. */
export function lineCol(file: SourceFile, offset: number): { line: number; column: number } {
  const starts = file.lineStarts;
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - starts[lo] + 1 };
}
