// Iterates a CSV file with Dataset and reports rows seen and peak memory growth as JSON on
// stdout. The large-file test runs it in a plain child process: inside jest's sandbox every
// global lookup (`Math`, `Buffer`) goes through an interceptor, which makes csv-parse ~10x slower
// than it is in a real run, and jest's own allocations would blur the memory figures.

import { Runtime } from "../../tensor/runtime";
import { Dataset } from "../dataset";

export function probe(file: string, target: string, batchSize: number): void {
  const rt = new Runtime();
  const before = process.memoryUsage();
  let peakRss = before.rss;
  let peakHeap = before.heapUsed;
  let rows = 0;
  let batches = 0;
  const started = Date.now();
  for (const b of Dataset.fromCsv(rt, file, { progress: null }).withTarget(target).batches(batchSize)) {
    rows += b.inputs.shape[0];
    batches++;
    b.inputs.free();
    b.targets.free();
    if (b.id % 25 === 0) {
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakHeap = Math.max(peakHeap, m.heapUsed);
    }
  }
  process.stdout.write(
    JSON.stringify({
      rows,
      batches,
      ms: Date.now() - started,
      rssGrowth: peakRss - before.rss,
      heapGrowth: peakHeap - before.heapUsed,
      liveTensors: rt.memoryStats().liveTensors,
    }),
  );
}
