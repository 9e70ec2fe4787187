import type { Correlation } from '../correlation.ts';
import { levelText } from '../filter/levels.ts';
import type { CallSite } from './caller.ts';
import { rawFields } from './fields.ts';
import { jsonValue, quote, truncate } from './json-text.ts';
import type { LoggerFormatState, SharedFormatState } from './record-context.ts';

/**
 * Dynamo's readable layout (tracing-subscriber compact, reference §4.5):
 * `2025-09-02T15:50:01.770028Z  INFO target: message key=value`. Unlike Dynamo, the correlation ids
 * appear here too, as ordinary fields. Control characters and line breaks in the message are escaped
 * so one call is still one line.
 */
const COLOURS: Record<string, string> = {
  TRACE: '\u001b[35m',
  DEBUG: '\u001b[34m',
  INFO: '\u001b[32m',
  WARN: '\u001b[33m',
  ERROR: '\u001b[31m',
};
const DIM = '\u001b[2m';
const ITALIC = '\u001b[3m';
const RESET = '\u001b[0m';

/** A key written bare: one word, nothing a reader could take for a separator, a quote or another field. */
const BARE_KEY = /^[^\s="\\\u0000-\u001f\u007f-\u009f\u2028\u2029\ud800-\udfff]+$/;

const UNSAFE_TEXT = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\ud800-\udfff]/;

function safeText(text: string, max: number): string {
  text = truncate(text, max);
  if (!UNSAFE_TEXT.test(text)) return text;
  const json = jsonValue(text, max) as string;
  return json.slice(1, -1);
}

export function readableLine(
  shared: SharedFormatState,
  state: LoggerFormatState,
  time: string,
  levelNumber: number,
  callSite: CallSite | undefined,
  message: string,
  obj: Record<string, unknown> | null | undefined,
  correlation: Correlation,
): string {
  const max = shared.maxFieldLength;
  const level = levelText(levelNumber);
  const paddedLevel = level.padStart(5);
  const target = safeText(state.target, max);
  const location = callSite === undefined ? '' : ` ${safeText(callSite.file, max)}:${callSite.line}:`;
  let line = shared.ansi
    ? `${DIM}${time}${RESET} ${COLOURS[level] ?? ''}${paddedLevel}${RESET} ${DIM}${target}:${location}${RESET} ${safeText(message, max)}`
    : `${time} ${paddedLevel} ${target}:${location} ${safeText(message, max)}`;
  for (const [key, value] of rawFields(state.bindings, obj, correlation, true)) {
    const text = jsonValue(value, max);
    if (text === undefined) continue;
    // Any other key is written as a JSON string, so a key like `a trace_id` cannot pass for a field.
    const keyText = key.length <= max && BARE_KEY.test(key) ? key : quote(key, max);
    line += shared.ansi ? ` ${ITALIC}${keyText}${RESET}=${text}` : ` ${keyText}=${text}`;
  }
  return `${line}\n`;
}
