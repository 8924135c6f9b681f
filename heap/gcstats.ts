// Counters behind GCStats and the GCEvent stream: every pause goes through `record`.

import { GCEvent } from "./api";
import { PauseHistogram } from "./histogram";

export class GCCounters {
  youngCollections = 0;
  fullCollections = 0;
  markSlices = 0;
  totalPauseMs = 0;
  maxPauseMs = 0;
  bytesPromoted = 0;
  collectionsAtBoundary = 0;
  collectionsInStep = 0;
  readonly pauses = new PauseHistogram();
  /** Pause histograms by event kind, for the benchmarks' per-kind p99. */
  readonly byKind = new Map<GCEvent["kind"], PauseHistogram>();
  /** The same pauses in CPU time (without the time a loaded machine did not run the process). */
  readonly cpuByKind = new Map<GCEvent["kind"], PauseHistogram>();
  readonly createdAt = performance.now();
  private listeners: ((e: GCEvent) => void)[] = [];

  onEvent(fn: (e: GCEvent) => void): void {
    this.listeners.push(fn);
  }

  record(e: GCEvent, cpuMs = e.pauseMs): void {
    let c = this.cpuByKind.get(e.kind);
    if (!c) this.cpuByKind.set(e.kind, (c = new PauseHistogram()));
    c.record(cpuMs);
    this.totalPauseMs += e.pauseMs;
    if (e.pauseMs > this.maxPauseMs) this.maxPauseMs = e.pauseMs;
    this.pauses.record(e.pauseMs);
    let h = this.byKind.get(e.kind);
    if (!h) this.byKind.set(e.kind, (h = new PauseHistogram()));
    h.record(e.pauseMs);
    this.bytesPromoted += e.promoted;
    for (const fn of this.listeners) fn(e);
  }

  /** Share of wall time since creation spent outside pauses. */
  throughput(): number {
    const elapsed = performance.now() - this.createdAt;
    return elapsed <= 0 ? 1 : Math.max(0, 1 - this.totalPauseMs / elapsed);
  }
}
