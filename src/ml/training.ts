// The batch boundary of a training loop, as the ML library sees it. The heap collects young
// objects at batch boundaries in Training mode when its nursery is filling; but an autograd graph
// is a handful of small objects per step pinning large tensors, so the nursery may take thousands
// of steps to fill while dead graphs hold gigabytes of tensor storage. Until the heap paces
// collections by tensor bytes itself (ManagedHeap.adjustExternalMemory), this adds a young
// collection at the boundary whenever the tensors held by managed objects have grown by more
// than a budget since the last one.

import type { ManagedHeap } from "../../heap/api";

/** Default growth of slot-held tensor bytes that triggers a collection at a boundary. */
export const DEFAULT_TENSOR_BUDGET = 32 << 20;

export class TrainingBoundary {
  private baseline: number;

  constructor(
    private readonly heap: ManagedHeap,
    /** Anything that knows how many tensor bytes managed objects hold (a TensorHandles). */
    private readonly handles: { readonly liveBytes: number },
    private readonly budgetBytes = DEFAULT_TENSOR_BUDGET,
  ) {
    this.baseline = handles.liveBytes;
  }

  /** Call between two steps (the `batches()` iterator does, through onBatchBoundary). */
  reached(): void {
    this.heap.batchBoundary();
    if (this.heap.adjustExternalMemory) return; // the heap paces by tensor bytes itself
    if (this.handles.liveBytes - this.baseline > this.budgetBytes) {
      this.heap.collectYoung("tensor memory held by dead objects");
      this.baseline = this.handles.liveBytes;
    }
    // Shrinking (e.g. the collector ran on its own) lowers the baseline too.
    this.baseline = Math.min(this.baseline, this.handles.liveBytes);
  }
}
