// A log-linear histogram of pause times, so p99 is read in constant memory however long the
// program runs (the way HdrHistogram does it, much simplified): 20 buckets per decade from
// 1 microsecond to 100 seconds; a percentile is the upper edge of the bucket it falls in, so it
// overstates a pause by at most 12%.

const BUCKETS_PER_DECADE = 20;
const MIN_MS = 0.001;
const DECADES = 8;
const BUCKETS = BUCKETS_PER_DECADE * DECADES + 1;

export class PauseHistogram {
  private readonly counts = new Float64Array(BUCKETS);
  private total = 0;
  private max = 0;

  record(ms: number): void {
    this.counts[bucketOf(ms)]++;
    this.total++;
    if (ms > this.max) this.max = ms;
  }

  get count(): number {
    return this.total;
  }

  /** The `q`-quantile (0..1) of recorded pauses in milliseconds; 0 with no pauses. */
  percentile(q: number): number {
    if (this.total === 0) return 0;
    const rank = Math.ceil(q * this.total);
    let seen = 0;
    for (let b = 0; b < BUCKETS; b++) {
      seen += this.counts[b];
      if (seen >= rank) return Math.min(upperEdge(b), this.max);
    }
    return this.max;
  }
}

function bucketOf(ms: number): number {
  if (ms <= MIN_MS) return 0;
  const b = Math.ceil(Math.log10(ms / MIN_MS) * BUCKETS_PER_DECADE);
  return b >= BUCKETS ? BUCKETS - 1 : b;
}

function upperEdge(b: number): number {
  return MIN_MS * Math.pow(10, b / BUCKETS_PER_DECADE);
}
