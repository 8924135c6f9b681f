// Frames and lexical scopes of local variables.
//
// Every function body, closure body and the top level (the global frame) has its own frame;
// each binding gets the next slot of the frame that declares it (a shadowing `let` gets a new
// slot). Method `self` is slot 0, then parameters, then locals in declaration order.

import type { Binding, ClosureExpr } from "../syntax/ast";

export class Frame {
  size = 0;
  constructor(
    readonly global: boolean,
    readonly closure: ClosureExpr | null,
  ) {}
}

export class Locals {
  readonly vars = new Map<string, Binding>();
  constructor(
    readonly parent: Locals | null,
    readonly frame: Frame,
  ) {}

  find(name: string): Binding | undefined {
    for (let s: Locals | null = this; s; s = s.parent) {
      const b = s.vars.get(name);
      if (b) return b;
    }
    return undefined;
  }

  *names(): Iterable<string> {
    for (let s: Locals | null = this; s; s = s.parent) yield* s.vars.keys();
  }
}
