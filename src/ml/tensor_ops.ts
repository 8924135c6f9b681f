// Small tensor helpers the gradient rules are written with. They keep ownership explicit: each
// returns a fresh tensor the caller owns and frees every intermediate it made.

import type { Shape, Tensor, TensorRuntime } from "../tensor/api";
import { DenseTensor } from "../tensor/tensor";

export function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** `shape` with dimension `d` kept as size 1 (what `sum_dim(d, keepdim=True)` gives). */
export function keepDim(shape: Shape, d: number): Shape {
  const out = shape.slice();
  out[d] = 1;
  return out;
}

/** Applies `steps` in order; each intermediate is freed once the next step has used it. */
export function chain(first: Tensor, ...steps: ((t: Tensor) => Tensor)[]): Tensor {
  let cur = first;
  for (const step of steps) {
    const next = step(cur);
    if (next !== cur) cur.free();
    cur = next;
  }
  return cur;
}

/** `t.sum_dim(d)` with the dimension kept (size 1). */
export function sumDimKeep(t: Tensor, d: number): Tensor {
  return chain(t.sumDim(d), (s) => s.reshape(keepDim(t.shape, d)));
}

/**
 * The gradient of a broadcast operand: `t` summed over the dimensions broadcasting stretched, so
 * that it has `shape` again. Returns `t` itself when nothing was broadcast (no copy), otherwise a
 * new tensor (and `t` is left to the caller).
 */
export function reduceTo(t: Tensor, shape: Shape): Tensor {
  if (sameShape(t.shape, shape)) return t;
  let cur = t;
  const step = (next: Tensor) => {
    if (cur !== t) cur.free();
    cur = next;
  };
  while (cur.shape.length > shape.length) step(cur.sumDim(0));
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1 && cur.shape[d] !== 1) step(sumDimKeep(cur, d));
  }
  if (!sameShape(cur.shape, shape)) step(cur.reshape(shape));
  return cur === t ? t.clone() : cur;
}

/** `reduceTo` that consumes `t`. */
export function reduceToOwned(t: Tensor, shape: Shape): Tensor {
  const r = reduceTo(t, shape);
  if (r !== t) t.free();
  return r;
}

/**
 * 1 where `t > 0`, else 0, in `t`'s dtype (relu's and abs's gradient mask). Uses the runtime's
 * `gt` when it has one. Otherwise it is composed from whole-tensor ops, exactly: relu(t) scaled
 * twice by the dtype's largest safe power of ten is +inf for every positive element (even the
 * smallest subnormal) and 0 for the rest, and 1 - exp(-that) maps inf to 1 and 0 to 0.
 */
export function positiveMask(rt: TensorRuntime, t: Tensor): Tensor {
  if (t.gt) return t.gt(0);
  if (t.dtype === "f32" || t.dtype === "f64") {
    const big = t.dtype === "f32" ? 1e38 : 1e300;
    return chain(
      t.relu(),
      (r) => r.mul(big),
      (r) => r.mul(big),
      (r) => r.neg(),
      (r) => r.exp(),
      (r) => r.rsub(1),
    );
  }
  const n = t.numel();
  const flat = new Array<number>(n);
  for (let i = 0; i < n; i++) flat[i] = t.getFlat(i) > 0 ? 1 : 0;
  return chain(rt.from(flat, t.dtype), (f) => f.reshape(t.shape));
}

/**
 * relu's gradient: `g` where `x > 0`, else 0 (NaN in `x` gives 0, as PyTorch's mask does).
 * When both are dense and contiguous, `g` (which the caller must own) is masked in place and
 * returned — one pass, no tensor allocated, instead of `positiveMask`'s six whole-tensor
 * kernels; otherwise a new tensor is returned and `g` is left to the caller, as `reduceTo` does.
 */
export function reluGradInPlace(rt: TensorRuntime, x: Tensor, g: Tensor): Tensor {
  if (x instanceof DenseTensor && g instanceof DenseTensor && x.contiguous && g.contiguous && x.dtype === g.dtype && sameShape(x.shape, g.shape)) {
    const xd = x.data();
    const gd = g.data();
    // One loop per array type keeps each loop's element loads monomorphic (several times faster).
    if (xd instanceof Float32Array) maskF32(xd, x.base, gd as Float32Array, g.base, g.numel());
    else maskAny(xd, x.base, gd, g.base, g.numel());
    return g;
  }
  return chain(positiveMask(rt, x), (m) => m.mul(g));
}

function maskF32(x: Float32Array, xo: number, g: Float32Array, go: number, n: number): void {
  for (let i = 0; i < n; i++) if (!(x[xo + i] > 0)) g[go + i] = 0;
}

function maskAny(x: ArrayLike<number>, xo: number, g: { [i: number]: number }, go: number, n: number): void {
  for (let i = 0; i < n; i++) if (!(x[xo + i] > 0)) g[go + i] = 0;
}

/** A copy of the elements of `t` in row-major order (class indices of a targets tensor, say). */
export function flatValues(t: Tensor): ArrayLike<number> {
  // slice, not subarray: a view of the wasm memory would be detached when it next grows.
  if (t instanceof DenseTensor && t.contiguous) return t.data().slice(t.base, t.base + t.numel());
  const out = new Array<number>(t.numel());
  for (let i = 0; i < out.length; i++) out[i] = t.getFlat(i);
  return out;
}
