/**
 * The `file` and `line` of the code that called the logger. Costs a stack capture per line, which is why
 * it is opt-in (`fileAndLine`). Frames inside pino and this package are skipped.
 */
export interface CallSite {
  readonly file: string;
  readonly line: number;
}

const OWN_FRAME =
  /[\\/](?:pino|sonic-boom)[\\/]|[\\/]packages[\\/]logging[\\/]src[\\/]|[\\/]packages[\\/]core[\\/]src[\\/]|[\\/]@dynotel[\\/](?:logging|core)[\\/]|node:internal/;
// "    at fn (/path/file.js:12:5)" or "    at /path/file.js:12:5"
const FRAME = /\(?((?:file:\/\/)?[^\s()]+?):(\d+):\d+\)?$/;

export function captureCallSite(): CallSite | undefined {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 30;
  const holder: { stack?: string } = {};
  Error.captureStackTrace(holder, captureCallSite);
  Error.stackTraceLimit = limit;
  const lines = (holder.stack ?? '').split('\n');
  for (let i = 1; i < lines.length; i++) {
    const frame = lines[i] as string;
    if (OWN_FRAME.test(frame)) continue;
    const match = FRAME.exec(frame.trim());
    if (match === null) continue;
    const file = (match[1] as string).startsWith('file://')
      ? decodeURI((match[1] as string).slice(7))
      : (match[1] as string);
    return { file, line: Number(match[2]) };
  }
  return undefined;
}
