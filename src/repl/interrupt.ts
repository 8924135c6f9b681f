// Ctrl-C while a program runs. The evaluator runs synchronously on the main thread, so neither
// readline's keypress events nor a SIGINT handler can run until it returns. Something that is
// not the busy main thread has to notice the key: a small Worker thread owns a second descriptor
// of the terminal and reads it, event-driven, only while a run is in progress. readline keeps the
// terminal in raw mode, so Ctrl-C arrives as the byte 0x03; the worker then sets a flag in a
// SharedArrayBuffer, and the heap's safepoint (function entry, loop back-edge) reads that flag —
// one typed-array load, no system call — and throws `Interrupted`. Other keys typed during the
// run are handed back to the REPL when the run ends, so typing ahead is not lost. The worker
// starts reading only after a short grace period, so the lines of a paste or of quick typing
// stay with readline, in order, while short inputs run.
// Why not the alternatives: see src/repl/README.md.

import { accessSync } from "node:fs";
import { Worker } from "node:worker_threads";

/** Thrown from a safepoint when the user pressed Ctrl-C; the REPL catches it. */
export class Interrupted extends Error {
  constructor() {
    super("interrupted");
    this.name = "Interrupted";
  }
}

/** Where Ctrl-C comes from while a program runs. */
export interface InterruptSource {
  /** Element 0 becomes nonzero (from another thread) when Ctrl-C is pressed during a run. */
  readonly flag: Int32Array;
  /** A run starts: clear the flag and listen. */
  start(): void;
  /** The run ended: stop listening (keys typed meanwhile go to `onTyped`). */
  stop(): void;
  close(): void;
}

// The worker: reads the device only between "start" (after the grace period) and "stop"; Ctrl-C sets the flag, anything
// else is collected and sent back at "stop". A tty is read through tty.ReadStream, a pipe or FIFO
// (the tests) through net.Socket; both are event-driven (epoll), never polled.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const fs = require("node:fs");
const tty = require("node:tty");
const net = require("node:net");
const flag = new Int32Array(workerData.shared);
let stream = null;
let typed = [];
let grace = null;
// A paused stream still reads ahead into its buffer, so the device is opened for each run and
// closed at its end: between runs every key goes to readline.
function listen() {
  grace = null;
  const fd = fs.openSync(workerData.path, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  stream = tty.isatty(fd) ? new tty.ReadStream(fd) : new net.Socket({ fd, readable: true, writable: false });
  stream.on("data", (chunk) => {
    for (const byte of chunk) {
      if (byte === 3) Atomics.store(flag, 0, 1);
      else typed.push(byte);
    }
  });
  stream.on("error", () => {});
}
parentPort.on("message", (m) => {
  if (m === "start") {
    typed = [];
    grace = setTimeout(listen, workerData.graceMs);
  } else if (m === "stop") {
    if (grace) clearTimeout(grace);
    grace = null;
    if (stream) stream.destroy();
    stream = null;
    if (typed.length) parentPort.postMessage({ typed: Buffer.from(typed).toString("utf8") });
    typed = [];
  } else if (m === "close") {
    if (stream) stream.destroy();
    process.exit(0);
  }
});
`;

/**
 * Ctrl-C from a terminal device (default: the controlling terminal) through a worker thread;
 * null where there is none (pipes, CI). `onTyped` receives other keys typed during a run.
 */
export function terminalInterrupts(onTyped: (text: string) => void = () => {}, path = "/dev/tty", graceMs = 150): InterruptSource | null {
  try {
    accessSync(path);
  } catch {
    return null;
  }
  const flag = new Int32Array(new SharedArrayBuffer(4));
  let worker: Worker;
  try {
    worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { shared: flag.buffer, path, graceMs } });
  } catch {
    return null;
  }
  worker.unref();
  worker.on("message", (m: { typed?: string }) => {
    if (m.typed) onTyped(m.typed);
  });
  worker.on("error", () => {});
  return {
    flag,
    start() {
      Atomics.store(flag, 0, 0);
      worker.postMessage("start");
    },
    stop() {
      worker.postMessage("stop");
    },
    close() {
      worker.postMessage("close");
      void worker.terminate();
    },
  };
}

/**
 * Wraps `heap.safepoint` so that it throws `Interrupted` once the source's flag is set. The
 * check is one counter increment per safepoint and one shared-memory load every 256.
 * Returns the calls that bracket a run.
 */
export function interruptibleSafepoints(heap: { safepoint(): void }, source: InterruptSource): { start(): void; stop(): void } {
  const original = heap.safepoint.bind(heap);
  const flag = source.flag;
  let count = 0;
  heap.safepoint = () => {
    if ((++count & 255) === 0 && Atomics.load(flag, 0) !== 0) {
      Atomics.store(flag, 0, 0);
      throw new Interrupted();
    }
    original();
  };
  return { start: () => source.start(), stop: () => source.stop() };
}
