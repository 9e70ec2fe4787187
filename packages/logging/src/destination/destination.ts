import { constants, fstatSync, openSync, writeSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { isMainThread } from 'node:worker_threads';
import { diag } from '@dynotel/core';
import { logLinesDropped } from '../self-metrics.ts';
import { PendingBytes } from './pending-bytes.ts';

/**
 * Where lines go, chosen for "nothing lost at exit, nothing blocks, nothing grows without bound":
 *
 * - A file descriptor (stdout by default) is written from the main thread with non-blocking
 *   `writeSync`, batched once per event-loop turn. A stalled reader never blocks the event loop; what it
 *   does not take waits in a bounded buffer (`maxBufferBytes`), and lines beyond it are dropped and
 *   counted (`buffer_full`).
 * - There is never an asynchronous write in flight (the race that makes pino's async SonicBoom lose or
 *   reorder lines at exit), so on `exit` (normal end, `process.exit()`, a signal handler that exits, an
 *   uncaught exception) and on `fatal` the rest is written synchronously, in order. A reader that stays
 *   stalled is waited for at most `exitFlushTimeoutMs`, then the rest is dropped (`exit_timeout`).
 * - EPIPE or a closed descriptor stops writing for good, counted (`closed`) and reported once; it never
 *   throws into the service.
 */
export interface DestinationOptions {
  readonly destination: number | Writable;
  readonly maxBufferBytes: number;
  readonly exitFlushTimeoutMs: number;
}

export interface LogDestination {
  write(line: string): boolean;
  /** Writes everything buffered now, synchronously (file descriptors only). Never throws. */
  flushSync(): void;
  /** Resolves when everything buffered so far was handed to the OS, or after `timeoutMs`. */
  flush(timeoutMs?: number): Promise<void>;
  /** Flushes, unhooks from process exit, and from then on writes each line synchronously. */
  close(timeoutMs?: number): Promise<void>;
  readonly isTTY: boolean;
}

const CLOSED_CODES = new Set([
  'EPIPE',
  'EBADF',
  'ECONNRESET',
  'ERR_STREAM_DESTROYED',
  'ERR_STREAM_WRITE_AFTER_END',
]);

/** Pending bytes that trigger a write within the same turn (one syscall per ~64 KiB of lines). */
const EAGER_WRITE_BYTES = 64 * 1024;

const live = new Set<LogDestination>();
let exitHookInstalled = false;
// Set once the process is exiting: from then on there is no next event-loop turn, so lines logged by
// later `exit` listeners are written at once.
let exiting = false;

function flushAllAtExit(): void {
  exiting = true;
  for (const destination of live) destination.flushSync();
}

function track(destination: LogDestination): void {
  live.add(destination);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', flushAllAtExit);
  }
}

export function createDestination(options: DestinationOptions): LogDestination {
  return typeof options.destination === 'number'
    ? new FdDestination(options.destination, options)
    : new StreamDestination(options.destination, options);
}

/**
 * Writes a file descriptor from the main thread only, with `writeSync` on a descriptor made
 * non-blocking: a full pipe answers EAGAIN instead of blocking, and there is never an asynchronous
 * write in flight, so the exit flush writes exactly what is left, in order. Lines are batched per event
 * loop turn (one syscall per turn, not per line).
 */
class FdDestination implements LogDestination {
  readonly #fd: number;
  readonly #maxBufferBytes: number;
  readonly #exitFlushTimeoutMs: number;
  readonly isTTY: boolean;
  readonly #pending = new PendingBytes();
  #scheduled = false;
  #retryTimer: NodeJS.Timeout | undefined;
  #closed = false;
  #syncWrites = false;

  constructor(fd: number, options: DestinationOptions) {
    this.isTTY = isTTYFd(fd);
    this.#fd = nonBlocking(fd);
    this.#maxBufferBytes = options.maxBufferBytes;
    this.#exitFlushTimeoutMs = options.exitFlushTimeoutMs;
    track(this);
  }

  write(line: string): boolean {
    if (this.#closed) {
      logLinesDropped.inc({ reason: 'closed' });
      return false;
    }
    if (this.#pending.size + line.length > this.#maxBufferBytes) {
      logLinesDropped.inc({ reason: 'buffer_full' });
      return false;
    }
    this.#pending.append(line);
    if (this.#syncWrites || exiting) this.flushSync();
    else if (this.#retryTimer === undefined) {
      if (this.#pending.size >= EAGER_WRITE_BYTES) {
        // A long synchronous burst: write now (still non-blocking) instead of holding it all until the
        // end of the turn, so a healthy reader never sees the buffer fill up.
        if (this.#drain() === 'again') this.#scheduleRetry();
      } else if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(this.#onTurnEnd);
      }
    }
    return true;
  }

  #scheduleRetry(): void {
    // The reader is slow or stalled: try again shortly, without keeping the process alive for it.
    this.#retryTimer = setTimeout(this.#onTurnEnd, 10);
    this.#retryTimer.unref();
  }

  readonly #onTurnEnd = (): void => {
    this.#scheduled = false;
    this.#retryTimer = undefined;
    if (this.#drain() === 'again') this.#scheduleRetry();
  };

  /** Writes as much as the descriptor takes without blocking. */
  #drain(): 'done' | 'again' | 'closed' {
    const pending = this.#pending;
    for (;;) {
      if (this.#closed) return 'closed';
      if (pending.size === 0) return 'done';
      try {
        pending.consume(writeSync(this.#fd, pending.view()));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? '';
        if (code === 'EAGAIN' || code === 'EWOULDBLOCK' || code === 'EINTR') return 'again';
        this.#fail(error as NodeJS.ErrnoException);
        return 'closed';
      }
    }
  }

  #fail(error: NodeJS.ErrnoException): void {
    if (this.#closed) return;
    const reason = CLOSED_CODES.has(error.code ?? '') ? 'closed' : 'write_error';
    const lost = Math.max(1, this.#pending.lines());
    this.#closed = true;
    this.#pending.clear();
    logLinesDropped.inc({ reason }, lost);
    live.delete(this);
    diag.once(`dynotel.logging.destination.${reason}`, {
      level: 'warn',
      target: 'dynotel.logging',
      message:
        'the log destination failed; later log lines are dropped and counted in dynotel_log_lines_dropped_total',
      fields: { code: error.code, error: error.message },
    });
  }

  flushSync(): void {
    const deadline = Date.now() + this.#exitFlushTimeoutMs;
    while (this.#drain() === 'again') {
      if (Date.now() >= deadline) {
        logLinesDropped.inc({ reason: 'exit_timeout' }, this.#pending.lines());
        this.#pending.clear();
        return;
      }
      sleepMs(1);
    }
  }

  async flush(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.#drain() === 'again' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  async close(timeoutMs = 5000): Promise<void> {
    await this.flush(timeoutMs);
    this.flushSync();
    live.delete(this);
    this.#syncWrites = true;
  }
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));
function sleepMs(ms: number): void {
  Atomics.wait(sleepCell, 0, 0, ms);
}

/**
 * A descriptor on which a full pipe answers EAGAIN instead of blocking. For stdout/stderr, creating
 * Node's own stream makes libuv switch the (shared) descriptor to non-blocking, as any console.log
 * would. Another FIFO is reopened through /proc with O_NONBLOCK (Linux). Files and terminals stay as
 * they are: they do not stall.
 */
function nonBlocking(fd: number): number {
  try {
    if (isMainThread && fd === 1) void process.stdout.writable;
    else if (isMainThread && fd === 2) void process.stderr.writable;
    else if (process.platform === 'linux' && fstatSync(fd).isFIFO()) {
      return openSync(`/proc/self/fd/${fd}`, constants.O_WRONLY | constants.O_NONBLOCK);
    }
  } catch {
    // Keep the descriptor as it is: writes may block on a stalled reader, but still work.
  }
  return fd;
}

class StreamDestination implements LogDestination {
  readonly #stream: Writable;
  readonly #maxBufferBytes: number;
  readonly isTTY: boolean;
  #closed = false;

  constructor(stream: Writable, options: DestinationOptions) {
    this.#stream = stream;
    this.#maxBufferBytes = options.maxBufferBytes;
    this.isTTY = (stream as { isTTY?: boolean }).isTTY === true;
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (this.#closed) return;
      this.#closed = true;
      logLinesDropped.inc({ reason: CLOSED_CODES.has(error.code ?? '') ? 'closed' : 'write_error' });
      diag.once('dynotel.logging.destination.stream', {
        level: 'warn',
        target: 'dynotel.logging',
        message:
          'the log stream failed; later log lines are dropped and counted in dynotel_log_lines_dropped_total',
        fields: { code: error.code, error: error.message },
      });
    });
  }

  write(line: string): boolean {
    if (this.#closed || this.#stream.destroyed || this.#stream.writableEnded) {
      logLinesDropped.inc({ reason: 'closed' });
      return false;
    }
    if (this.#stream.writableLength > this.#maxBufferBytes) {
      logLinesDropped.inc({ reason: 'buffer_full' });
      return false;
    }
    try {
      return this.#stream.write(line);
    } catch {
      logLinesDropped.inc({ reason: 'write_error' });
      return false;
    }
  }

  flushSync(): void {
    // A stream has no synchronous flush; its own buffering decides.
  }

  flush(timeoutMs = 5000): Promise<void> {
    if (this.#closed || this.#stream.writableLength === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      timer.unref();
      this.#stream.once('drain', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  async close(timeoutMs = 5000): Promise<void> {
    await this.flush(timeoutMs);
  }
}

function isTTYFd(fd: number): boolean {
  try {
    // Imported lazily: node:tty is cheap, but only the fd case needs it.
    return (process.getBuiltinModule('node:tty') as typeof import('node:tty')).isatty(fd);
  } catch {
    return false;
  }
}
