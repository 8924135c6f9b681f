// The table behind the heap's Tensor slots. A managed object cannot hold a JS `Tensor` object, so
// it holds a small integer id; this table maps ids to the owned tensors. The heap tells us (through
// `onTensorRelease`) when an object holding an id has died, and the tensor is freed then — exactly
// once, as tensor ownership requires.

import type { ManagedHeap } from "../../heap/api";
import type { Tensor } from "../tensor/api";
import { DTYPE_BYTES } from "../tensor/dtype";

/**
 * What the ML library needs from a table of slot-held tensors. `TensorHandles` below is one; the
 * evaluator's Runtime has its own (tensorHandle / tensorFromHandle), and an adapter over it lets
 * both share one table and the heap's single `onTensorRelease` callback.
 */
export interface TensorSlots {
  /**
   * Takes ownership of `t`; returns its id (never 0). `freedByHolder`: the holder frees it itself
   * (a gradient: backward takes it, zero_grad drops it), so a table that reports slot-held bytes
   * to the heap to pace collections may leave it out.
   */
  register(t: Tensor, freedByHolder?: boolean): number;
  /** The tensor behind `id`, still owned by the table. */
  get(id: number): Tensor;
  /** Removes `id` and hands its tensor to the caller. */
  take(id: number): Tensor;
  /** Frees the tensor behind `id` now (a no-op for 0). */
  release(id: number): void;
}

function bytesOf(t: Tensor): number {
  return t.numel() * DTYPE_BYTES[t.dtype];
}

export class TensorHandles implements TensorSlots {
  private readonly tensors: (Tensor | null)[] = [null]; // id 0 is "no tensor"
  private readonly freeIds: number[] = [];
  private bytes = 0;

  /** `heap`, if given, is told how many tensor bytes the table holds (see adjustExternalMemory). */
  constructor(private readonly heap: ManagedHeap | null = null) {}

  /** Bytes of tensor data the table currently owns. */
  get liveBytes(): number {
    return this.bytes;
  }

  private account(delta: number): void {
    this.bytes += delta;
    this.heap?.adjustExternalMemory?.(delta);
  }

  /** Takes ownership of `t`; returns its id (never 0). */
  register(t: Tensor): number {
    this.account(bytesOf(t));
    const id = this.freeIds.pop();
    if (id !== undefined) {
      this.tensors[id] = t;
      return id;
    }
    this.tensors.push(t);
    return this.tensors.length - 1;
  }

  /** The tensor behind `id` (borrowed: the table still owns it). */
  get(id: number): Tensor {
    const t = this.tensors[id];
    if (!t) throw new Error(`internal error: tensor handle ${id} is not live`);
    return t;
  }

  /** Removes `id` from the table and hands ownership of its tensor to the caller. */
  take(id: number): Tensor {
    const t = this.get(id);
    this.tensors[id] = null;
    this.freeIds.push(id);
    this.account(-bytesOf(t));
    return t;
  }

  /** Frees the tensor behind `id` (a no-op for 0). */
  release(id: number): void {
    if (id === 0) return;
    this.take(id).free();
  }

  /** Number of tensors the table currently owns (tests use it to prove nothing leaks). */
  get live(): number {
    return this.tensors.length - 1 - this.freeIds.length;
  }
}

/** Makes the collector free the tensors held by objects it finds dead. */
export function releaseTensorsOnCollect(heap: ManagedHeap, handles: TensorHandles): void {
  heap.onTensorRelease((id) => handles.release(id));
}
