import { tracingChannel } from 'node:diagnostics_channel';
import type { Writable } from 'node:stream';
import { DynotelError, diag } from '@dynotel/core';
import type { Context } from '@opentelemetry/api';
import type { LoggerProvider } from '@opentelemetry/api-logs';
import pino, { type Logger } from 'pino';
import { CORRELATION_FRAME, type Correlation, readCorrelation, readCorrelationOf } from './correlation.ts';
import { createDestination, type LogDestination } from './destination/destination.ts';
import { type FilterLevel, isFilterLevel, PINO_LEVEL } from './filter/levels.ts';
import { type LogFilter, levelForTarget, parseLogFilter } from './filter/parse-filter.ts';
import { emptyBaseFields } from './format/base-fields.ts';
import { captureCallSite } from './format/caller.ts';
import { bindFields, byKey, rawFields } from './format/fields.ts';
import { messageText, quote } from './format/json-text.ts';
import { jsonlLine, levelHeads } from './format/jsonl.ts';
import { readableLine } from './format/readable.ts';
import type { LoggerFormatState, SharedFormatState } from './format/record-context.ts';
import { createRedactor, type RedactOption, type Redactor } from './format/redaction.ts';
import { serializeFields } from './format/serializers.ts';
import { createTimestampFormatter } from './format/timestamp.ts';
import { setUrlQueryRedaction } from './format/url-fields.ts';
import { createOtlpBridge } from './otlp/bridge.ts';
import { logFieldsDropped } from './self-metrics.ts';

export interface LoggerOptions {
  /** `jsonl` (DYN_LOGGING_JSONL) or `readable` (Dynamo's default). Default `readable`. */
  readonly format?: 'jsonl' | 'readable';
  /** DYN_LOG directives, e.g. `info,my_service::http=debug`. Default: `level`. */
  readonly filter?: string;
  /** The level used when `filter` sets no bare level. Default `info`. */
  readonly level?: FilterLevel;
  /** Target of the root logger; children set their own with `logger.child({ target })`. Default `main`. */
  readonly target?: string;
  /** DYN_LOG_USE_LOCAL_TZ: local time with offset instead of UTC `Z`. Default false. */
  readonly localTimezone?: boolean;
  /** Colours in readable mode (false = DYN_SDK_DISABLE_ANSI_LOGGING). Never used when the output is not a terminal. Default true. */
  readonly ansi?: boolean;
  /** Adds `file` and `line` of the caller. Costs a stack capture per line. Default false. */
  readonly fileAndLine?: boolean;
  /** A file descriptor or a writable stream. Default 1 (stdout). */
  readonly destination?: number | Writable;
  /** Fields on every line, e.g. `{ namespace, component }`. */
  readonly base?: Readonly<Record<string, unknown>>;
  /** Longest string (and serialised object) per field before it is cut. Default 32 768 characters. */
  readonly maxFieldLength?: number;
  /** Bound of the buffer in front of a stalled destination; more is dropped and counted. Default 16 MiB. */
  readonly maxBufferBytes?: number;
  /** How long the synchronous flush at exit retries a destination that says EAGAIN. Default 2000 ms. */
  readonly exitFlushTimeoutMs?: number;
  /** Writes a fatal line for uncaught exceptions and unhandled rejections (without changing how the process reacts). Default true. */
  readonly logUncaughtExceptions?: boolean;
  /** Also export every written record through this OpenTelemetry LoggerProvider (OTEL_EXPORT_ENABLED). */
  readonly otlp?: { readonly loggerProvider: LoggerProvider };
  /**
   * DYN_TELEMETRY_KEEP_URL_QUERY: keep query-string values in URL fields (`uri`, `url`, `url.full`,
   * `http.url`, `http.target`, `url.query`). Default false: each value becomes `REDACTED`, names kept,
   * in lines and OTLP records alike (`redactUrlQuery` of @dynotel/core). Applies to the whole process.
   */
  readonly keepUrlQuery?: boolean;
  /**
   * pino's `redact`: paths whose values are replaced by the censor (default `[Redacted]`, or removed with
   * `remove: true`) in every line and OTLP record, call fields and bindings alike; `child({}, { redact })`
   * replaces it for that child and its children, as in pino.
   */
  readonly redact?: RedactOption;
}

/** A pino logger whose lines follow Dynamo's layout. `child({ target })` makes a per-target logger. */
export type DynotelLogger = Logger<never, boolean>;

const { asJsonSym } = pino.symbols;
const sharedSym = Symbol('dynotel.logging.shared');
const stateSym = Symbol('dynotel.logging.state');
const controlSym = Symbol('dynotel.logging.control');

interface Control {
  readonly destination: LogDestination;
  readonly filter: LogFilter;
  readonly shared: SharedFormatState;
  uncaughtMonitor: ((error: unknown, origin: string) => void) | undefined;
}

interface Internal {
  [sharedSym]: SharedFormatState;
  [stateSym]: LoggerFormatState;
  [controlSym]: Control;
}

function invalid(argument: string, value: unknown, accepted: string): DynotelError {
  return new DynotelError(
    'ERR_DYNOTEL_LOGGING_INVALID_OPTION',
    `createLogger(): ${argument} must be ${accepted}, got ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`,
    { details: { argument, value: String(value), accepted } },
  );
}

function positiveInteger(argument: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0) throw invalid(argument, value, 'a positive integer');
  return value;
}

function formatState(
  target: string,
  bindings: LoggerFormatState['bindings'],
  max: number,
  redact: Redactor | undefined,
): LoggerFormatState {
  const targetJson = quote(target, max);
  return {
    target,
    redact,
    targetJson,
    levelHeads: levelHeads(targetJson),
    lastMessage: undefined,
    lastMessageJson: '',
    bindings,
    base: emptyBaseFields(),
    layouts: [],
    nextLayoutSlot: 0,
  };
}

const UNSERIALIZABLE = { reason: 'unserializable' } as const;

/** What went wrong while reading a call's fields, for `log_error`: even the error's message may be a trap. */
function describeFailure(error: unknown): string {
  try {
    return String(error instanceof Error ? error.message : error);
  } catch {
    return 'unknown error';
  }
}

// Reused by every line: the formatting below is synchronous, so one scratch object is enough, except
// for a line logged while another is being formatted (a toJSON or getter that logs): it gets its own.
const sharedCorrelation: Correlation = {
  traceId: undefined,
  spanId: undefined,
  spanName: undefined,
  requestContext: undefined,
};
let formatting = false;
/**
 * Writes one line whose correlation keys come from `frame` (a request's OpenTelemetry context, holding its
 * span and its request context) instead of the active context: the HTTP access line, written from the
 * response's 'close' event, which may run outside the request's context. The frame rides on the line's
 * own fields (under a symbol, never serialised), so it applies to that line alone; entering the frame for
 * the logger to read it back would cost a context frame per request.
 */
export function logWithCorrelation(
  logger: DynotelLogger,
  level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal',
  frame: Context,
  fields: Record<string, unknown>,
  message: string,
): void {
  (fields as Record<symbol, unknown>)[CORRELATION_FRAME] = frame;
  logger[level](fields, message);
}

/** The frame `logWithCorrelation` put on a line's fields; a field object that throws on reads gives none. */
function givenFrame(obj: Record<string, unknown> | undefined): Context | undefined {
  try {
    return (obj as Record<symbol, Context | undefined> | undefined)?.[CORRELATION_FRAME];
  } catch {
    return undefined;
  }
}

/**
 * pino 10 publishes its line assembly on this tracing channel (`tracing:pino_asJson:start|end|error`,
 * store `{ instance, arguments }`, `result` the line): the same channel, around dynotel's assembly.
 */
const asJsonChannel = tracingChannel<unknown, { instance: unknown; arguments: readonly unknown[] }>(
  'pino_asJson',
);

/** Replaces pino's `asJson`, publishing on pino's diagnostics channel as pino's own does. */
function tracedDynamoAsJson(
  this: Internal,
  obj: Record<string, unknown> | undefined,
  msg: unknown,
  levelNumber: number,
  time: number,
): string {
  if (!asJsonChannel.hasSubscribers) return dynamoAsJson.call(this, obj, msg, levelNumber);
  // pino's store: the logger and the four arguments of asJson (time included, which dynotel formats itself).
  const store = { instance: this, arguments: [obj, msg, levelNumber, time] };
  return asJsonChannel.traceSync(dynamoAsJson, store, this, obj, msg, levelNumber);
}

/** Fields after the serializers, then `redact`, as pino's order is. */
function redacted(
  redact: Redactor | undefined,
  fields: Record<string, unknown> | undefined,
): Record<string, unknown> | undefined {
  if (redact === undefined || fields === undefined || fields === null || typeof fields !== 'object')
    return fields;
  return redact(fields);
}

/** Replaces pino's line assembly: Dynamo's key order, correlation keys, safe escaping. */
function dynamoAsJson(
  this: Internal,
  obj: Record<string, unknown> | undefined,
  msg: unknown,
  levelNumber: number,
): string {
  const shared = this[sharedSym];
  const state = this[stateSym];
  const given = givenFrame(obj);
  const nested = formatting;
  formatting = true;
  const correlation: Correlation = nested
    ? { traceId: undefined, spanId: undefined, spanName: undefined, requestContext: undefined }
    : sharedCorrelation;
  const time = shared.timestamp();
  let message = '';
  try {
    const callSite = shared.fileAndLine ? captureCallSite() : undefined;
    message = messageText(msg !== undefined ? msg : obj?.message);
    const fields = redacted(state.redact, serializeFields(this, obj));
    if (given === undefined) readCorrelation(correlation);
    else readCorrelationOf(correlation, given);
    const line =
      shared.format === 'jsonl'
        ? jsonlLine(shared, state, time, levelNumber, callSite, message, fields, correlation)
        : readableLine(shared, state, time, levelNumber, callSite, message, fields, correlation);
    if (shared.otlp !== undefined) {
      shared.otlp.emit(
        levelNumber,
        state.target,
        message,
        rawFields(state.bindings, fields, correlation),
        callSite?.file,
        callSite?.line,
        given,
      );
    }
    return line;
  } catch (error) {
    // A field that throws while being read (a getter, a Proxy) costs the fields of this call and of the
    // request context (replaced by `log_error`, counted), never the line, its level, its format or its
    // correlation keys; and the line must not throw into the service (even the error's message may be a trap).
    logFieldsDropped.inc(UNSERIALIZABLE);
    const reason = describeFailure(error);
    const max = shared.maxFieldLength;
    const fields = { log_error: `fields could not be serialised: ${reason}` };
    try {
      if (given === undefined) readCorrelation(correlation);
      else readCorrelationOf(correlation, given);
      const context = correlation.requestContext;
      if (context?.fields !== undefined) {
        correlation.requestContext =
          context.xRequestId === undefined
            ? { requestId: context.requestId }
            : { requestId: context.requestId, xRequestId: context.xRequestId };
      }
      return shared.format === 'jsonl'
        ? jsonlLine(shared, state, time, levelNumber, undefined, message, fields, correlation)
        : readableLine(shared, state, time, levelNumber, undefined, message, fields, correlation);
    } catch {
      return `{"time":"${time}","level":"ERROR","target":${state.targetJson},"message":${quote(message, max)},"log_error":${quote(fields.log_error, max)}}\n`;
    }
  } finally {
    formatting = nested;
  }
}

/**
 * A pino logger writing Dynamo's layout (JSONL, or readable text), filtered per target by a `DYN_LOG`
 * directive, with `trace_id`, `span_id` and the request ids of the current context on every line.
 *
 * @example
 * ```ts
 * import { closeLogger, createLogger } from '@dynotel/logging';
 *
 * const logger = createLogger({ format: 'jsonl', filter: 'info,my_service::db=debug' });
 * const db = logger.child({ target: 'my_service::db' });
 * db.debug({ rows: 3 }, 'query done'); // written: its target is at debug
 * logger.debug('not written'); // the default level is info
 * await closeLogger(logger);
 * ```
 */
export function createLogger(options: LoggerOptions = {}): DynotelLogger {
  const format = options.format ?? 'readable';
  if (format !== 'jsonl' && format !== 'readable') throw invalid('format', format, "'jsonl' or 'readable'");
  const fallbackLevel = options.level ?? 'info';
  if (!isFilterLevel(fallbackLevel))
    throw invalid('level', fallbackLevel, 'one of trace, debug, info, warn, error, off');
  if (options.filter !== undefined && typeof options.filter !== 'string')
    throw invalid('filter', options.filter, 'a DYN_LOG string');
  const target = options.target ?? 'main';
  if (typeof target !== 'string' || target === '') throw invalid('target', target, 'a non-empty string');
  const maxFieldLength = positiveInteger('maxFieldLength', options.maxFieldLength, 32_768);
  const maxBufferBytes = positiveInteger('maxBufferBytes', options.maxBufferBytes, 16 * 1024 * 1024);
  const exitFlushTimeoutMs = positiveInteger('exitFlushTimeoutMs', options.exitFlushTimeoutMs, 2000);
  const rawDestination = options.destination ?? 1;
  if (
    !(typeof rawDestination === 'number' && Number.isInteger(rawDestination) && rawDestination >= 0) &&
    !(
      typeof rawDestination === 'object' &&
      rawDestination !== null &&
      typeof rawDestination.write === 'function' &&
      typeof rawDestination.on === 'function'
    )
  ) {
    throw new DynotelError(
      'ERR_DYNOTEL_LOGGING_INVALID_DESTINATION',
      `createLogger(): destination must be a file descriptor number or a writable stream, got ${String(rawDestination)}`,
      { details: { argument: 'destination', value: String(rawDestination) } },
    );
  }

  const filter = parseLogFilter(options.filter, fallbackLevel);
  if (filter.invalid.length > 0) {
    diag.warn('dynotel.logging', 'DYN_LOG directives were skipped because they are not valid', {
      skipped: filter.invalid.join(','),
      accepted:
        'level | target=level | target:level | target, with levels trace, debug, info, warn, error, off',
    });
  }

  const redact = createRedactor(options.redact, 'createLogger(): redact');

  const destination = createDestination({ destination: rawDestination, maxBufferBytes, exitFlushTimeoutMs });
  setUrlQueryRedaction(options.keepUrlQuery !== true);
  const shared: SharedFormatState = {
    format,
    timestamp: createTimestampFormatter(options.localTimezone === true),
    maxFieldLength,
    fileAndLine: options.fileAndLine === true,
    ansi: options.ansi !== false && destination.isTTY,
    otlp: options.otlp === undefined ? undefined : createOtlpBridge(options.otlp.loggerProvider),
  };
  const control: Control = { destination, filter, shared, uncaughtMonitor: undefined };

  const pinoStream = {
    write: (line: string) => destination.write(line),
    flushSync: () => destination.flushSync(),
    flush: (callback?: (error?: Error) => void) => {
      void destination.flush().then(() => callback?.());
    },
  };
  const logger = pino(
    {
      level: PINO_LEVEL[levelForTarget(filter, target)],
      messageKey: 'message',
      base: null,
      timestamp: false,
      hooks: { logMethod: safeLogMethod },
      // pino's own use of it: the objects a message interpolates (`%j`, `%o`) are redacted too.
      ...(options.redact === undefined ? {} : { redact: options.redact }),
    },
    pinoStream,
  ) as unknown as DynotelLogger & Internal;
  logger[asJsonSym as unknown as typeof sharedSym] = tracedDynamoAsJson as never;
  logger[sharedSym] = shared;
  logger[stateSym] = formatState(
    target,
    bindFields(redacted(redact, options.base) ?? {}, maxFieldLength),
    maxFieldLength,
    redact,
  );
  logger[controlSym] = control;

  // Every child (children of children too: pino builds them with Object.create) goes through this, so
  // its target and bindings are resolved once here and never per line.
  type ChildFn = (this: unknown, bindings: pino.Bindings, childOptions?: pino.ChildLoggerOptions) => unknown;
  const pinoChild = logger.child as unknown as ChildFn;
  const dynotelChild = function (
    this: DynotelLogger & Internal,
    rawBindings: pino.Bindings,
    childOptions?: pino.ChildLoggerOptions,
  ) {
    // child() must not throw into the service either: bindings are user data (see plainBindings), and
    // bindings pino cannot render are dropped and counted.
    let bindings = plainBindings(rawBindings);
    let child: DynotelLogger & Internal;
    try {
      child = pinoChild.call(this, bindings, childOptions) as DynotelLogger & Internal;
    } catch {
      logFieldsDropped.inc(UNSERIALIZABLE);
      bindings = {};
      child = pinoChild.call(this, bindings, childOptions) as DynotelLogger & Internal;
    }
    const parentState = this[stateSym];
    const childRedact =
      childOptions?.redact === undefined
        ? parentState.redact
        : createRedactor(childOptions.redact, 'child(): options.redact');
    const childTarget =
      typeof bindings.target === 'string' && bindings.target !== '' ? bindings.target : parentState.target;
    let own: ReturnType<typeof bindFields>;
    try {
      // As pino renders bindings: the child's serializers, then its redact.
      own = bindFields(redacted(childRedact, serializeFields(child, bindings)) ?? {}, maxFieldLength);
    } catch {
      // A binding a serializer or the redactor fails on: the child's bindings are dropped and counted.
      logFieldsDropped.inc(UNSERIALIZABLE);
      own = [];
    }
    const merged = new Map(parentState.bindings.map((field) => [field.key, field]));
    for (const field of own) merged.set(field.key, field);
    child[stateSym] = formatState(childTarget, [...merged.values()].sort(byKey), maxFieldLength, childRedact);
    if (childTarget !== parentState.target && childOptions?.level === undefined) {
      child.level = PINO_LEVEL[levelForTarget(filter, childTarget)];
    }
    return child;
  };
  (logger as unknown as { child: ChildFn }).child = dynotelChild as ChildFn;

  if (options.logUncaughtExceptions !== false) {
    control.uncaughtMonitor = (error, origin) => {
      logger.fatal(
        { err: error, origin },
        origin === 'unhandledRejection' ? 'unhandled promise rejection' : 'uncaught exception',
      );
    };
    process.on('uncaughtExceptionMonitor', control.uncaughtMonitor);
  }
  return logger;
}

/**
 * pino's own entry (argument mapping, printf-style formatting, `obj.msg` lookups) reads the caller's
 * objects before our line assembly runs, so a Proxy trap, a throwing getter or `%d` of a Symbol would
 * throw there, into the service. Such a call becomes a line at its level with `log_error` and no fields
 * (counted). One extra call and a try per line: the price of never throwing into the caller.
 */
function safeLogMethod(this: Logger, args: Parameters<pino.LogFn>, method: pino.LogFn): void {
  try {
    method.apply(this, args);
  } catch (error) {
    logFieldsDropped.inc(UNSERIALIZABLE);
    const reason = describeFailure(error);
    const [first, second] = args as unknown[];
    const message = typeof first === 'string' ? first : typeof second === 'string' ? second : '';
    try {
      method.call(this, { log_error: `log arguments could not be read: ${reason}` }, message);
    } catch {}
  }
}

/**
 * Child bindings as a plain object: pino calls `bindings.hasOwnProperty`, which a null-prototype object
 * lacks, and a getter or Proxy trap could throw. Bindings that cannot be read are dropped and counted.
 */
function plainBindings(bindings: unknown): Record<string, unknown> {
  if (typeof bindings !== 'object' || bindings === null) return {};
  const out: Record<string, unknown> = {};
  try {
    for (const key of Object.keys(bindings)) {
      // defineProperty: a `__proto__` key stays a field instead of replacing the prototype.
      Object.defineProperty(out, key, {
        value: (bindings as Record<string, unknown>)[key],
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  } catch {
    logFieldsDropped.inc(UNSERIALIZABLE);
    return {};
  }
  return out;
}

function controlOf(logger: DynotelLogger): Control {
  const control = (logger as unknown as Partial<Internal>)[controlSym];
  if (control === undefined) {
    throw new DynotelError(
      'ERR_DYNOTEL_LOGGING_INVALID_OPTION',
      'logger must be a logger made by createLogger() (or a child of one)',
    );
  }
  return control;
}

/** Resolves when every line written so far has reached the destination, or after `timeoutMs` (default 5000). */
export function flushLogger(logger: DynotelLogger, timeoutMs = 5000): Promise<void> {
  return controlOf(logger).destination.flush(timeoutMs);
}

/**
 * For the shutdown coordinator: flushes, stops logging uncaught exceptions, and switches to synchronous
 * writes so lines logged after it (the last "shutdown complete") still come out. Safe to call twice.
 */
export async function closeLogger(logger: DynotelLogger, timeoutMs = 5000): Promise<void> {
  const control = controlOf(logger);
  if (control.uncaughtMonitor !== undefined) {
    process.off('uncaughtExceptionMonitor', control.uncaughtMonitor);
    control.uncaughtMonitor = undefined;
  }
  await control.destination.close(timeoutMs);
}

/** The level a target gets under the logger's filter (what `child({ target })` uses). */
export function levelForLoggerTarget(logger: DynotelLogger, target: string): FilterLevel {
  return levelForTarget(controlOf(logger).filter, target);
}
