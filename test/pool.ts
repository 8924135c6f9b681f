// A pool of long-lived STARK child processes (test/stark-child.js) that run programs in-process.
// A program that does not answer within the timeout has its child killed and replaced, so a
// runaway loop costs one child, not the suite.

import { ChildProcess, fork } from "node:child_process";
import { join } from "node:path";
import type { RunResult } from "./conformance";

interface Job {
  id: number;
  verb: string;
  file: string;
  args: string[];
  resolve: (r: RunResult) => void;
}

const CHILD = join(__dirname, "stark-child.js");

class Worker {
  private child: ChildProcess;
  private timer: NodeJS.Timeout | null = null;
  private restarting = false;
  job: Job | null = null;

  constructor(private readonly pool: StarkPool) {
    this.child = this.start();
  }

  get idle(): boolean {
    return !this.job && !this.restarting;
  }

  private start(): ChildProcess {
    const child = fork(CHILD, [], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
    child.on("message", (m: { id: number; status: number; stdout: string; stderr: string }) => {
      if (!this.job || m.id !== this.job.id) return;
      const job = this.take();
      job.resolve({ status: m.status, stdout: m.stdout, stderr: m.stderr, timedOut: false });
      this.pool.next(this);
    });
    // A child that dies (or was killed for a timeout) is replaced before it gets more work.
    child.on("exit", (code) => {
      const job = this.job ? this.take() : null;
      this.restarting = false;
      if (this.pool.closed) return;
      this.child = this.start();
      job?.resolve({ status: code, stdout: "", stderr: `test child exited with ${code}`, timedOut: false });
      this.pool.next(this);
    });
    return child;
  }

  private take(): Job {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const job = this.job!;
    this.job = null;
    return job;
  }

  run(job: Job, timeoutMs: number): void {
    this.job = job;
    this.timer = setTimeout(() => {
      const timedOut = this.take();
      this.restarting = true;
      this.child.kill("SIGKILL");
      timedOut.resolve({ status: null, stdout: "", stderr: "", timedOut: true });
    }, timeoutMs);
    this.child.send({ id: job.id, verb: job.verb, file: job.file, args: job.args });
  }

  stop(): void {
    this.child.kill();
  }
}

export class StarkPool {
  closed = false;
  private readonly workers: Worker[];
  private readonly queue: Job[] = [];
  private nextId = 0;

  constructor(size: number, private readonly timeoutMs = 60000) {
    this.workers = Array.from({ length: size }, () => new Worker(this));
  }

  run(verb: string, file: string, args: string[]): Promise<RunResult> {
    return new Promise((resolve) => {
      this.queue.push({ id: this.nextId++, verb, file, args, resolve });
      const idle = this.workers.find((w) => w.idle);
      if (idle) this.next(idle);
    });
  }

  next(w: Worker): void {
    if (this.closed || !w.idle) return;
    const job = this.queue.shift();
    if (job) w.run(job, this.timeoutMs);
  }

  close(): void {
    this.closed = true;
    for (const w of this.workers) w.stop();
  }
}
