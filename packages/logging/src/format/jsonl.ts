import type { Correlation } from '../correlation.ts';
import { levelText } from '../filter/levels.ts';
import type { CallSite } from './caller.ts';
import { jsonFields } from './json-fields.ts';
import { quote } from './json-text.ts';
import type { LoggerFormatState, SharedFormatState } from './record-context.ts';

const LEVEL_JSON: Record<number, string> = {};
for (const n of [10, 20, 30, 40, 50, 60]) LEVEL_JSON[n] = `"${levelText(n)}"`;

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
  let line = `{"time":"${time}","level":${LEVEL_JSON[levelNumber] ?? `"${levelText(levelNumber)}"`}`;
  if (callSite !== undefined) {
    line += `,"file":${quote(callSite.file, shared.maxFieldLength)},"line":${callSite.line}`;
  }
  line += `,"target":${state.targetJson},"message":${quote(message, shared.maxFieldLength)}`;
  return `${line}${jsonFields(state, obj, correlation, shared.maxFieldLength)}}\n`;
}
