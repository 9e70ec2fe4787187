import { Writable } from 'node:stream';

/** A log destination that keeps JSON lines; `take()` returns (parsed) the lines written since the last call. */
export class LineCapture extends Writable {
  #lines: string[] = [];
  #partial = '';
  total = 0;

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    const text = this.#partial + chunk.toString('utf8');
    const parts = text.split('\n');
    this.#partial = parts.pop() ?? '';
    this.#lines.push(...parts);
    this.total += parts.length;
    callback();
  }

  /** Lines since the last take, parsed; a line that is not JSON throws with the line. */
  take(): Array<Record<string, unknown>> {
    const lines = this.#lines;
    this.#lines = [];
    return lines.map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`log line is not JSON: ${line.slice(0, 300)}`);
      }
    });
  }
}
