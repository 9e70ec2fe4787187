import { Writable } from 'node:stream';

/** A log destination that keeps every line; `records()` parses them (a line that is not JSON fails the test). */
export class LogCapture extends Writable {
  readonly #lines: string[] = [];
  #partial = '';

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    const text = this.#partial + chunk.toString('utf8');
    const parts = text.split('\n');
    this.#partial = parts.pop() ?? '';
    this.#lines.push(...parts);
    callback();
  }

  records(): Array<Record<string, unknown>> {
    return this.#lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}
