import type { Writable } from 'node:stream';
import { diag } from '@dynotel/core';
import SonicBoomModule from 'sonic-boom';
import { logLinesDropped } from '../self-metrics.ts';

// sonic-boom is CommonJS: its default export is the class, its type is the named one.
const SonicBoom = SonicBoomModule as unknown as typeof import('sonic-boom').SonicBoom;
type SonicBoom = import('sonic-boom').SonicBoom;

/**
 * Where lines go, chosen for "nothing lost at exit, nothing blocks, nothing grows without bound":
 *
 * - A file descriptor (stdout by default) is written by an asynchronous SonicBoom, so a stalled reader
 *   never blocks the event loop. Its buffer is bounded (`maxBufferBytes`); lines beyond it are dropped
 *   and counted (`buffer_full`).
 * - On `exit` (normal end, `process.exit()`, a signal handler that exits, an uncaught exception) the
 *   buffer is written synchronously. pino's `fatal` also flushes synchronously.
 * - EPIPE or a closed descriptor stops writing for good (pino's own behaviour, but counted and reported
 *   once here instead of silent); it never throws into the service.
 * - Writes that keep failing with EAGAIN are retried asynchronously; at exit they are retried for at most
 *   `exitFlushTimeoutMs`, then the rest is dropped (`exit_timeout`).
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

const live = new Set<LogDestination>();
let exitHookInstalled = false;

function flushAllAtExit(): void {
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

class FdDestination implements LogDestination {
  readonly #boom: SonicBoom;
  readonly #exitFlushTimeoutMs: number;
  readonly isTTY: boolean;
  #closed = false;
  #syncWrites = false;
  #retryDeadline = Number.POSITIVE_INFINITY;

  constructor(fd: number, options: DestinationOptions) {
    this.#exitFlushTimeoutMs = options.exitFlushTimeoutMs;
    this.isTTY = isTTYFd(fd);
    this.#boom = new SonicBoom({
      fd,
      sync: false,
      minLength: 0,
      maxLength: options.maxBufferBytes,
      // In async mode a retry is a timer, harmless; in a synchronous flush it is a sleep, so bound it.
      retryEAGAIN: () => Date.now() < this.#retryDeadline,
    });
    this.#boom.on('drop', () => logLinesDropped.inc({ reason: 'buffer_full' }));
    this.#boom.on('error', (error: NodeJS.ErrnoException) => this.#onError(error));
    track(this);
  }

  #onError(error: NodeJS.ErrnoException): void {
    if (this.#closed) return;
    this.#closed = true;
    const reason = CLOSED_CODES.has(error.code ?? '') ? 'closed' : 'write_error';
    logLinesDropped.inc({ reason });
    live.delete(this);
    diag.once(`dynotel.logging.destination.${reason}`, {
      level: 'warn',
      target: 'dynotel.logging',
      message:
        'the log destination failed; later log lines are dropped and counted in dynotel_log_lines_dropped_total',
      fields: { code: error.code, error: error.message },
    });
  }

  write(line: string): boolean {
    if (this.#closed) {
      logLinesDropped.inc({ reason: 'closed' });
      return false;
    }
    try {
      const ok = this.#boom.write(line);
      if (this.#syncWrites) this.flushSync();
      return ok;
    } catch {
      logLinesDropped.inc({ reason: 'write_error' });
      return false;
    }
  }

  flushSync(): void {
    if (this.#closed) return;
    this.#retryDeadline = Date.now() + this.#exitFlushTimeoutMs;
    try {
      this.#boom.flushSync();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? '';
      if (code === 'EAGAIN' || code === 'EBUSY') logLinesDropped.inc({ reason: 'exit_timeout' });
      else this.#onError(error as NodeJS.ErrnoException);
    } finally {
      this.#retryDeadline = Number.POSITIVE_INFINITY;
    }
  }

  #idle(): boolean {
    const internals = this.#boom as unknown as { _len: number; _writing: boolean };
    return internals._len === 0 && !internals._writing;
  }

  flush(timeoutMs = 5000): Promise<void> {
    if (this.#closed || this.#idle()) return Promise.resolve();
    // SonicBoom's own flush(cb) calls back at once when minLength is 0, before the data is written:
    // wait for its 'drain' event, emitted once the buffer is empty.
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.#boom.off('drain', onWrite);
        this.#boom.off('error', finish);
        resolve();
      };
      const onWrite = () => {
        if (this.#idle()) finish();
      };
      const timer = setTimeout(finish, timeoutMs);
      timer.unref();
      this.#boom.on('drain', onWrite);
      this.#boom.once('error', finish);
    });
  }

  async close(timeoutMs = 5000): Promise<void> {
    await this.flush(timeoutMs);
    live.delete(this);
    this.#syncWrites = true;
  }
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
