// Ctrl-C while a program runs. The evaluator runs synchronously, so neither readline's keypress
// events nor a SIGINT handler can run until it returns. Instead the heap's safepoint (reached at
// every function entry and loop back-edge) is wrapped to poll the terminal, at most every 50 ms,
// through a second non-blocking descriptor of /dev/tty: readline keeps the terminal in raw mode,
// so Ctrl-C arrives there as the byte 0x03 rather than as a signal. Keys typed while a program
// has run for longer than a short grace period are dropped.

import { closeSync, constants, openSync, readSync } from "node:fs";

/** Thrown from a safepoint when the user pressed Ctrl-C; the REPL catches it. */
export class Interrupted extends Error {
  constructor() {
    super("interrupted");
    this.name = "Interrupted";
  }
}

/** Something the safepoint wrapper can ask "was Ctrl-C pressed since the last poll?". */
export interface InterruptSource {
  pressed(): boolean;
  close(): void;
}

/** Ctrl-C from the controlling terminal; null where there is none (pipes, CI). */
export function terminalInterrupts(): InterruptSource | null {
  let fd: number;
  try {
    fd = openSync("/dev/tty", constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  const buf = Buffer.alloc(256);
  return {
    pressed() {
      let hit = false;
      for (;;) {
        let n = 0;
        try {
          n = readSync(fd, buf, 0, buf.length, null);
        } catch {
          break; // EAGAIN: nothing typed
        }
        if (n <= 0) break;
        if (buf.subarray(0, n).includes(3)) hit = true;
      }
      return hit;
    },
    close() {
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
    },
  };
}

/**
 * Wraps `heap.safepoint` so that it throws `Interrupted` once Ctrl-C was seen. The poll costs
 * one counter check per safepoint and one clock read every 1024. The terminal is first polled
 * `graceMs` after a run starts (the returned function marks the start), so that lines typed
 * ahead while a short input runs stay with readline.
 */
export function interruptibleSafepoints(heap: { safepoint(): void }, source: InterruptSource, pollMs = 50, graceMs = 300): () => void {
  const original = heap.safepoint.bind(heap);
  let count = 0;
  let next = Date.now() + graceMs;
  heap.safepoint = () => {
    if ((++count & 1023) === 0) {
      const now = Date.now();
      if (now >= next) {
        next = now + pollMs;
        if (source.pressed()) throw new Interrupted();
      }
    }
    original();
  };
  return () => {
    next = Date.now() + graceMs;
  };
}
