import { Writable } from 'node:stream';

/** A log destination that keeps every line; `json()` parses them (a line that is not JSON fails the test). */
export class Lines extends Writable {
  readonly text: string[] = [];
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.text.push(...chunk.toString().split('\n').filter(Boolean));
    callback();
  }
  json(): Array<Record<string, unknown>> {
    return this.text.map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}
