import { writerFor } from '../expose/encode.ts';
import type { FormatWriter } from '../expose/writer.ts';
import type { ExpositionFormat } from '../format/content-type.ts';
import type { FamilyType, HistogramPoint, ScalarPoint, SummaryPoint } from '../model/family.ts';

/**
 * A rendered family's sample lines are joined into chunks of about this many characters: below V8's
 * large-object size (128 KiB, two bytes a character at worst), so a chunk lives on an ordinary page. Each
 * large object has a page of its own, and a mark-compact spends milliseconds in its atomic pause releasing
 * hundreds of them (measured under load: with 256K-character chunks its "finish" phase took 3–28 ms, with
 * 60K ones 0–4 ms).
 */
const RENDER_CHUNK_CHARS = 60 * 1024;

/**
 * Writes one family's points with the format's writer (the same calls the encoder makes) into bounded
 * chunks. Lines wait in one array, joined and emptied once per chunk, so no long string rope is built and
 * the line strings die young.
 */
export class FamilyRenderer {
  readonly #writer: FormatWriter;
  readonly #sampleName: string;
  readonly #counter: boolean;
  readonly #name: string;
  readonly #chunks: string[] = [];
  readonly #lines: string[] = [];
  #length = 0;
  #series = 0;
  #lastBounds: ArrayLike<number> | undefined;
  #lastLes: readonly string[] = [];

  constructor(format: ExpositionFormat, name: string, type: FamilyType) {
    this.#writer = writerFor(format);
    this.#name = name;
    this.#counter = type === 'counter';
    this.#sampleName = this.#writer.scalarName({ name, help: undefined, type });
  }

  scalar(point: ScalarPoint): void {
    this.#push(this.#writer.scalar(point, this.#sampleName, this.#counter, this.#sampleName === this.#name));
  }

  histogram(point: HistogramPoint): void {
    if (!sameBounds(this.#lastBounds, point.bounds)) {
      this.#lastBounds = point.bounds;
      this.#lastLes = this.#writer.les(point.bounds);
    }
    this.#push(this.#writer.histogram(point, this.#name, this.#lastLes));
  }

  summary(point: SummaryPoint): void {
    this.#push(this.#writer.summary(point, this.#name));
  }

  /** The chunks written so far, the last one flushed. */
  finish(): { chunks: string[]; series: number } {
    if (this.#lines.length > 0) this.#chunks.push(this.#lines.join(''));
    this.#lines.length = 0;
    this.#length = 0;
    return { chunks: this.#chunks, series: this.#series };
  }

  #push(text: string): void {
    this.#series++;
    this.#lines.push(text);
    this.#length += text.length;
    if (this.#length >= RENDER_CHUNK_CHARS) {
      this.#chunks.push(this.#lines.join(''));
      this.#lines.length = 0;
      this.#length = 0;
    }
  }
}

function sameBounds(a: ArrayLike<number> | undefined, b: ArrayLike<number>): boolean {
  if (a === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
