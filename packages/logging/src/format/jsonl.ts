import type { Correlation } from '../correlation.ts';
import { levelText } from '../filter/levels.ts';
import type { CallSite } from './caller.ts';
import { jsonFields } from './json-fields.ts';
import { flat, quote } from './json-text.ts';
import type { LoggerFormatState, SharedFormatState } from './record-context.ts';

/** What follows the time: `","level":"INFO","target":"http","message":`, file and line between. */
function levelHead(levelNumber: number, targetJson: string, fileAndLine = ''): string {
  return `","level":"${levelText(levelNumber)}"${fileAndLine},"target":${targetJson},"message":`;
}

/** `levelHead` for each pino level, made once per logger as one flat piece (see `flat`). */
export function levelHeads(targetJson: string): readonly string[] {
  const heads: string[] = [];
  for (const n of [10, 20, 30, 40, 50, 60]) heads[n] = flat(levelHead(n, targetJson));
  return heads;
}

/**
 * The message as JSON. A logger writes the same few constant messages over and over (the access line
 * always the same one), so the last one's JSON is kept: one comparison, and one flat piece in the line.
 */
function messageJson(state: LoggerFormatState, message: string, max: number): string {
  if (message === state.lastMessage) return state.lastMessageJson;
  const json = flat(quote(message, max));
  state.lastMessage = message;
  state.lastMessageJson = json;
  return json;
}

/** One JSONL record in Dynamo's key order: time, level, file, line, target, message, sorted fields. */
export function jsonlLine(
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
  const head =
    callSite === undefined
      ? (state.levelHeads[levelNumber] ?? levelHead(levelNumber, state.targetJson))
      : levelHead(
          levelNumber,
          state.targetJson,
          `,"file":${quote(callSite.file, max)},"line":${callSite.line}`,
        );
  const fields = jsonFields(state, obj, correlation, max);
  return `{"time":"${time}${head}${messageJson(state, message, max)}${fields}}\n`;
}
