import { runOutsideRequests } from '../context/request-context.ts';
import { processSingleton } from '../internal/process-singleton.ts';

/**
 * The internal diagnostics channel: how dynotel tells the operator about its own problems (a bad
 * variable, an exporter that keeps failing). It never throws, warns once per key where asked to, and
 * writes one line to stderr until the logging package routes it into the service's logger.
 */
export type DiagnosticLevel = 'debug' | 'info' | 'warn' | 'error';

export interface DiagnosticRecord {
  readonly level: DiagnosticLevel;
  /** Where it comes from, e.g. `dynotel.config`, `dynotel.tracing`. Used as the log target. */
  readonly target: string;
  readonly message: string;
  readonly fields?: Readonly<Record<string, unknown>> | undefined;
}

export type DiagnosticSink = (record: DiagnosticRecord) => void;

const LEVEL_ORDER: Record<DiagnosticLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

function stderrSink(record: DiagnosticRecord): void {
  let line = `dynotel ${record.level.toUpperCase()} ${record.target}: ${record.message}`;
  if (record.fields !== undefined) {
    for (const [key, value] of Object.entries(record.fields)) {
      line += ` ${key}=${typeof value === 'string' ? JSON.stringify(value) : safeStringify(value)}`;
    }
  }
  process.stderr.write(`${line}\n`);
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

class Diagnostics {
  #sink: DiagnosticSink = stderrSink;
  #minLevel: DiagnosticLevel = 'info';
  readonly #onceKeys = new Set<string>();

  /** Routes diagnostics somewhere else (the service logger); `undefined` restores stderr. */
  setSink(sink: DiagnosticSink | undefined): void {
    this.#sink = sink ?? stderrSink;
  }

  setLevel(level: DiagnosticLevel): void {
    this.#minLevel = level;
  }

  log(record: DiagnosticRecord): void {
    if (LEVEL_ORDER[record.level] < LEVEL_ORDER[this.#minLevel]) return;
    try {
      // dynotel's own problems are the process's, not those of the request that happened to hit them:
      // the line carries no request's ids, and nothing the sink schedules runs in a request's context.
      runOutsideRequests(this.#sink, record);
    } catch {
      // A broken sink must never take the service down; fall back to stderr, and give up silently.
      try {
        stderrSink(record);
      } catch {}
    }
  }

  debug(target: string, message: string, fields?: Record<string, unknown>): void {
    this.log({ level: 'debug', target, message, fields });
  }

  info(target: string, message: string, fields?: Record<string, unknown>): void {
    this.log({ level: 'info', target, message, fields });
  }

  warn(target: string, message: string, fields?: Record<string, unknown>): void {
    this.log({ level: 'warn', target, message, fields });
  }

  error(target: string, message: string, fields?: Record<string, unknown>): void {
    this.log({ level: 'error', target, message, fields });
  }

  /** Logs only the first time `key` is seen in this process; returns whether it logged. */
  once(key: string, record: DiagnosticRecord): boolean {
    if (this.#onceKeys.has(key)) return false;
    this.#onceKeys.add(key);
    this.log(record);
    return true;
  }

  /** Forgets the once-keys (tests). */
  reset(): void {
    this.#onceKeys.clear();
    this.#sink = stderrSink;
    this.#minLevel = 'info';
  }
}

export type { Diagnostics };

/** The process-wide diagnostics channel. */
export const diag: Diagnostics = processSingleton('dynotel.diagnostics', () => new Diagnostics());
