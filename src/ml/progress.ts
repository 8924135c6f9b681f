// The progress bar `batches()` draws on stderr while a terminal is watching (never into a pipe or
// a file). One line, redrawn at most every 100 ms, erased when the epoch ends.

export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(s: string): unknown;
}

const REDRAW_MS = 100;

export class ProgressBar {
  private lastDraw = -Infinity;
  private drawn = false;

  constructor(
    private readonly stream: ProgressStream,
    private readonly label: string,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** A bar on `stream` if it is a terminal, otherwise null (so callers skip all the work). */
  static forStream(stream: ProgressStream, label: string, now?: () => number): ProgressBar | null {
    return stream.isTTY ? new ProgressBar(stream, label, now) : null;
  }

  /** `fraction` of the work is done (0..1); `detail` follows the bar ("batch 12"). */
  update(fraction: number, detail: string): void {
    const t = this.now();
    if (t - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = t;
    const f = Math.max(0, Math.min(1, fraction));
    const width = Math.max(10, Math.min(40, (this.stream.columns ?? 80) - this.label.length - detail.length - 12));
    const full = Math.round(f * width);
    const bar = "=".repeat(Math.max(0, full - 1)) + (full > 0 ? (full === width ? "=" : ">") : "") + " ".repeat(width - full);
    this.stream.write(`\r${this.label} [${bar}] ${String(Math.floor(f * 100)).padStart(3)}% ${detail}\x1b[K`);
    this.drawn = true;
  }

  /** Erases the bar. */
  finish(): void {
    if (this.drawn) this.stream.write("\r\x1b[K");
    this.drawn = false;
  }
}
