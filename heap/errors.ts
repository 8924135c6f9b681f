// The one failure the heap reports to its user: the configured limit cannot be honoured.

/**
 * Thrown from a collection point (or, as a last resort, from an allocation the arena cannot
 * back at all) when the heap is over `maxHeapSize` even after a full collection. The
 * interpreter turns it into panic P0201 "out of memory: managed heap limit N bytes reached
 * (live: M bytes)".
 */
export class HeapExhaustedError extends Error {
  constructor(
    /** The limit in bytes (`maxHeapSize`, or the arena's hard reservation when unlimited). */
    readonly limit: number,
    /** Bytes still live after the full collection. */
    readonly live: number,
  ) {
    super(`out of memory: managed heap limit ${limit} bytes reached (live: ${live} bytes)`);
    this.name = "HeapExhaustedError";
  }
}
