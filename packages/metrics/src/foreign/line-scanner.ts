import type { ExpositionExemplar, ExpositionFormat, ExpositionLabel } from './model.ts';
import { isWellFormed, parseFiniteDecimal, parseFloatToken, parseIntegerToken } from './syntax.ts';

/** Thrown inside the parser only; `parseExposition` turns it into an error result with the line number. */
export class LineError extends Error {}

/** One sample line, before family rules are applied. */
export interface ScannedSample {
  readonly name: string;
  readonly labels: ExpositionLabel[];
  readonly value: number;
  readonly timestampMs: number | undefined;
  readonly exemplar: ExpositionExemplar | undefined;
}

/*
 * No object or array literal is allocated per line (samples and labels are class instances, a label set is
 * copied out of a reused array with `slice`): V8 pretenures a literal's objects — allocates them in the old
 * generation from then on — when all of them were still alive at one young-generation collection. A scavenge
 * that happens to fall while a batch of freshly read samples is alive flips that switch, and from then on
 * the label arrays (or samples) of a large text land in the old generation holding young strings, which
 * every scavenge must then keep: ~7 MB copied per scavenge (14 ms and more) for the rest of the process.
 */
class Label implements ExpositionLabel {
  readonly name: string;
  readonly value: string;

  constructor(name: string, value: string) {
    this.name = name;
    this.value = value;
  }
}

class Sample implements ScannedSample {
  readonly name: string;
  readonly labels: ExpositionLabel[];
  readonly value: number;
  readonly timestampMs: number | undefined;
  readonly exemplar: ExpositionExemplar | undefined;

  constructor(
    name: string,
    labels: ExpositionLabel[],
    value: number,
    timestampMs: number | undefined,
    exemplar: ExpositionExemplar | undefined,
  ) {
    this.name = name;
    this.labels = labels;
    this.value = value;
    this.timestampMs = timestampMs;
    this.exemplar = exemplar;
  }
}

/** Shared by every sample without labels (no consumer changes a sample's labels). */
const NO_LABELS: ExpositionLabel[] = Object.freeze([]) as unknown as ExpositionLabel[];

const NAME_AT = /[a-zA-Z_:][a-zA-Z0-9_:]*/y;
const LABEL_NAME_AT = /[a-zA-Z_][a-zA-Z0-9_]*/y;
const EXEMPLAR_MAX_CODE_POINTS = 128;

/**
 * Scans one sample line. 0.0.4 allows runs of blanks (space, tab) between tokens and a trailing comma in
 * the label set, as the reference Go parser does; OpenMetrics allows exactly one space and no trailing comma.
 */
export class LineScanner {
  #line = '';
  readonly #om: boolean;
  #pos = 0;
  /** The label set being read; copied out (`slice`) and emptied for every line. */
  readonly #labels: ExpositionLabel[] = [];

  constructor(format: ExpositionFormat) {
    this.#om = format === 'openmetrics';
  }

  /** Scans one sample line; one scanner is reused for every line of a text. */
  scanSample(line: string): ScannedSample {
    this.#line = line;
    this.#pos = 0;
    const name = this.#metricName();
    const labels = this.#peek() === '{' ? this.#labelSet('sample') : NO_LABELS;
    this.#separator('value');
    const valueToken = this.#token();
    const value = parseFloatToken(valueToken);
    if (value === undefined) throw new LineError(`invalid sample value '${valueToken}'`);
    let timestampMs: number | undefined;
    let exemplar: ExpositionExemplar | undefined;
    if (this.#skipTrailingBlanks()) return new Sample(name, labels, value, timestampMs, exemplar);
    this.#separator('timestamp');
    if (this.#om && this.#peek() === '#') {
      exemplar = this.#exemplar();
    } else {
      const tsToken = this.#token();
      timestampMs = this.#timestamp(tsToken);
      if (!this.#skipTrailingBlanks()) {
        this.#separator('exemplar');
        if (this.#om && this.#peek() === '#') exemplar = this.#exemplar();
        else throw new LineError(`unexpected text after the timestamp: '${this.#line.slice(this.#pos)}'`);
      }
    }
    if (this.#pos < this.#line.length) {
      throw new LineError(`unexpected text at the end of the line: '${this.#line.slice(this.#pos)}'`);
    }
    return new Sample(name, labels, value, timestampMs, exemplar);
  }

  #peek(): string | undefined {
    return this.#line[this.#pos];
  }

  #isBlank(ch: string | undefined): boolean {
    return ch === ' ' || (!this.#om && ch === '\t');
  }

  /** 0.0.4: one or more blanks; OpenMetrics: exactly one space. */
  #separator(before: string): void {
    if (!this.#isBlank(this.#peek())) throw new LineError(`expected a space before the ${before}`);
    this.#pos++;
    if (this.#om) {
      if (this.#peek() === ' ') throw new LineError(`more than one space before the ${before}`);
      return;
    }
    while (this.#isBlank(this.#peek())) this.#pos++;
  }

  /** Skips 0.0.4 trailing blanks; true when the line is exhausted. */
  #skipTrailingBlanks(): boolean {
    if (this.#pos >= this.#line.length) return true;
    if (this.#om) return false;
    let end = this.#pos;
    while (this.#isBlank(this.#line[end])) end++;
    return end >= this.#line.length;
  }

  #token(): string {
    const start = this.#pos;
    while (this.#pos < this.#line.length && !this.#isBlank(this.#line[this.#pos])) this.#pos++;
    if (this.#pos === start) throw new LineError('expected a value');
    return this.#line.slice(start, this.#pos);
  }

  #timestamp(token: string): number {
    if (this.#om) {
      const seconds = parseFiniteDecimal(token);
      if (seconds === undefined) throw new LineError(`invalid timestamp '${token}'`);
      return seconds * 1000;
    }
    const ms = parseIntegerToken(token);
    if (ms === undefined)
      throw new LineError(`invalid timestamp '${token}' (0.0.4 timestamps are integer milliseconds)`);
    return ms;
  }

  #metricName(): string {
    NAME_AT.lastIndex = this.#pos;
    const match = NAME_AT.exec(this.#line);
    if (match === null) {
      if (this.#peek() === '{') throw new LineError('quoted or missing metric names are not supported');
      throw new LineError(`invalid metric name at '${this.#line.slice(this.#pos, this.#pos + 32)}'`);
    }
    this.#pos = NAME_AT.lastIndex;
    return match[0];
  }

  #skipLabelBlanks(): void {
    if (this.#om) return;
    while (this.#isBlank(this.#peek())) this.#pos++;
  }

  #labelSet(where: 'sample' | 'exemplar'): ExpositionLabel[] {
    this.#pos++; // '{'
    const labels = this.#labels;
    labels.length = 0;
    this.#skipLabelBlanks();
    if (this.#peek() === '}') {
      this.#pos++;
      return NO_LABELS;
    }
    for (;;) {
      LABEL_NAME_AT.lastIndex = this.#pos;
      const match = LABEL_NAME_AT.exec(this.#line);
      if (match === null) {
        throw new LineError(`invalid label name at '${this.#line.slice(this.#pos, this.#pos + 32)}'`);
      }
      const name = match[0];
      this.#pos = LABEL_NAME_AT.lastIndex;
      if (name === '__name__') throw new LineError("label name '__name__' is reserved");
      for (const label of labels) {
        if (label.name === name) throw new LineError(`duplicate label name '${name}'`);
      }
      this.#skipLabelBlanks();
      if (this.#peek() !== '=') throw new LineError(`expected '=' after label name '${name}'`);
      this.#pos++;
      this.#skipLabelBlanks();
      if (this.#peek() !== '"') throw new LineError(`label value of '${name}' must be quoted`);
      labels.push(new Label(name, this.#quotedValue(name)));
      this.#skipLabelBlanks();
      const next = this.#peek();
      this.#pos++;
      if (next === '}') break;
      if (next !== ',') throw new LineError(`expected ',' or '}' after the value of label '${name}'`);
      this.#skipLabelBlanks();
      if (this.#peek() === '}') {
        if (this.#om) throw new LineError('trailing comma in label set');
        this.#pos++;
        break;
      }
    }
    if (where === 'exemplar') {
      let codePoints = 0;
      for (const label of labels) codePoints += [...label.name].length + [...label.value].length;
      if (codePoints > EXEMPLAR_MAX_CODE_POINTS) {
        throw new LineError(`exemplar label set is longer than ${EXEMPLAR_MAX_CODE_POINTS} code points`);
      }
    }
    const copy = labels.slice();
    labels.length = 0;
    return copy;
  }

  #quotedValue(labelName: string): string {
    this.#pos++; // opening quote
    let value = '';
    let chunkStart = this.#pos;
    for (;;) {
      const ch = this.#line[this.#pos];
      if (ch === undefined) throw new LineError(`unterminated value of label '${labelName}'`);
      if (ch === '"') break;
      if (ch === '\\') {
        value += this.#line.slice(chunkStart, this.#pos);
        const escaped = this.#line[this.#pos + 1];
        if (escaped === '\\' || escaped === '"') value += escaped;
        else if (escaped === 'n') value += '\n';
        else
          throw new LineError(
            `invalid escape sequence '\\${escaped ?? ''}' in the value of label '${labelName}'`,
          );
        this.#pos += 2;
        chunkStart = this.#pos;
        continue;
      }
      this.#pos++;
    }
    value += this.#line.slice(chunkStart, this.#pos);
    this.#pos++; // closing quote
    if (!isWellFormed(value)) throw new LineError(`value of label '${labelName}' is not valid UTF-8`);
    return value;
  }

  /** OpenMetrics exemplar: `# {labels} value [timestamp]`. */
  #exemplar(): ExpositionExemplar {
    if (this.#line.slice(this.#pos, this.#pos + 2) !== '# ')
      throw new LineError("expected '# ' before the exemplar");
    this.#pos += 2;
    if (this.#peek() !== '{') throw new LineError('exemplar must start with a label set');
    const labels = this.#labelSet('exemplar');
    this.#separator('exemplar value');
    const valueToken = this.#token();
    const value = parseFloatToken(valueToken);
    if (value === undefined) throw new LineError(`invalid exemplar value '${valueToken}'`);
    if (this.#pos >= this.#line.length) return { labels, value };
    this.#separator('exemplar timestamp');
    const tsToken = this.#token();
    const timestampSeconds = parseFiniteDecimal(tsToken);
    if (timestampSeconds === undefined) throw new LineError(`invalid exemplar timestamp '${tsToken}'`);
    return { labels, value, timestampSeconds };
  }
}

/** HELP text: `\\`, `\n` and `\"` are escapes; any other backslash sequence is an error. */
export function unescapeHelp(text: string): string {
  if (!text.includes('\\')) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const next = text[i + 1];
    if (next === '\\' || next === '"') out += next;
    else if (next === 'n') out += '\n';
    else throw new LineError(`invalid escape sequence '\\${next ?? ''}' in HELP`);
    i++;
  }
  return out;
}
