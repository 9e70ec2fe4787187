import { Writable } from 'node:stream';

/** A writable stream that keeps what the logger writes, split into lines (each with its newline checked). */
export interface Capture {
  readonly stream: Writable;
  /** Every complete line written so far, without the newline. */
  lines(): string[];
  /** Every line parsed as JSON (fails the test on a line that is not JSON). */
  records(): Array<Record<string, unknown>>;
  /** The raw text written so far. */
  text(): string;
}

export function capture(options: { isTTY?: boolean } = {}): Capture {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      text += chunk.toString();
      callback();
    },
  });
  if (options.isTTY === true) Object.assign(stream, { isTTY: true });
  return {
    stream,
    text: () => text,
    lines: () => {
      const parts = text.split('\n');
      if (parts.at(-1) !== '')
        throw new Error(`output does not end with a newline: ${JSON.stringify(parts.at(-1))}`);
      return parts.slice(0, -1);
    },
    records() {
      return this.lines().map((line) => JSON.parse(line) as Record<string, unknown>);
    },
  };
}

/** The key order of one raw JSON line (JSON.parse keeps insertion order for non-index keys). */
export function keysOf(line: string): string[] {
  return Object.keys(JSON.parse(line) as object);
}
