import { implicitType, OPENMETRICS_TYPES, PROMETHEUS_TYPES, sampleSuffix } from './family-rules.ts';
import { LineError, LineScanner, unescapeHelp } from './line-scanner.ts';
import type {
  ExpositionFamily,
  ExpositionFormat,
  ExpositionParseError,
  ExpositionParseResult,
  ExpositionSample,
  MetricFamilyType,
} from './model.ts';
import { FamilySampleChecker } from './sample-rules.ts';
import { seriesKey } from './series-key.ts';
import { SeriesSet } from './series-set.ts';

import { isWellFormed, METRIC_NAME } from './syntax.ts';

const ALL_SUFFIXES = ['_bucket', '_sum', '_count', '_created', '_total', '_info', '_gsum', '_gcount'];
/** Lines parsed between two points where an asynchronous parse may give the event loop a turn. */
const LINES_PER_STEP = 64;

/** Decides, at each step of an asynchronous parse, whether to give the event loop a turn first. */
export interface ParsePacer {
  overdue(): boolean;
  pause(): Promise<void>;
}

export interface ParseExpositionOptions {
  /**
   * `auto` (default) reads the text as OpenMetrics when its last line is `# EOF`, else as 0.0.4.
   */
  readonly format?: ExpositionFormat | 'auto';
}

interface MutableFamily {
  name: string;
  type: MetricFamilyType;
  typeDeclared: boolean;
  help: string | undefined;
  unit: string | undefined;
  helpSeen: boolean;
  unitSeen: boolean;
  samples: ExpositionSample[];
  /** Whether a sample was read (streaming hands `samples` out in batches, so it may be empty again). */
  sampled: boolean;
  checker: FamilySampleChecker | undefined;
  seriesKeys: SeriesSet | undefined;
}

/** Whether the text ends with the OpenMetrics `# EOF` marker. */
export function looksLikeOpenMetrics(text: string): boolean {
  return text.endsWith('\n# EOF') || text.endsWith('\n# EOF\n') || text === '# EOF' || text === '# EOF\n';
}

/**
 * Strict parser for Prometheus text 0.0.4 and OpenMetrics 1.0. It rejects everything the reference
 * parsers reject (prometheus/common `expfmt` for 0.0.4, the OpenMetrics ABNF and conformance suite) and a
 * little more that would break ingestion silently: interleaved families, metadata after samples, duplicate
 * series, histograms without a `+Inf` bucket or with decreasing buckets, label values that are not UTF-8.
 */
export function parseExposition(text: string, options: ParseExpositionOptions = {}): ExpositionParseResult {
  const { format, parser } = start(text, options);
  try {
    const steps = parser.steps(text);
    let step = steps.next();
    while (step.done !== true) step = steps.next();
    return { ok: true, exposition: { format, families: step.value } };
  } catch (error) {
    return failure(error, parser);
  }
}

/**
 * Receives a family's samples in batches as they are read: `final` is false for a batch of a family still
 * being read (up to 256 samples) and true for its last one (checked complete; maybe no samples). It may be
 * async (its time counts against the slice).
 */
export type FamilySink = (
  family: ExpositionFamily,
  format: ExpositionFormat,
  final: boolean,
) => Promise<void> | undefined;

/** Samples handed out at once while a family is read (streaming parse). */
const STREAM_BATCH = 256;

/**
 * The same parse, streaming: a family's samples are handed to `sink` in small batches while it is read,
 * and the parser keeps no reference to them afterwards, so the samples of a large text die young instead
 * of surviving until the end (survivors make the garbage collector's pauses long). The event loop gets a
 * turn whenever `pacer` says the slice is used up (checked every 64 lines). On an error whatever was
 * already handed out must be discarded by the caller.
 */
export async function parseExpositionStreaming(
  text: string,
  options: ParseExpositionOptions,
  pacer: ParsePacer,
  sink: FamilySink,
): Promise<{ ok: true; format: ExpositionFormat } | { ok: false; error: ExpositionParseError }> {
  const requested = options.format ?? 'auto';
  const format: ExpositionFormat =
    requested === 'auto' ? (looksLikeOpenMetrics(text) ? 'openmetrics' : 'text') : requested;
  const parser = new ExpositionParser(format, true);
  try {
    const steps = parser.steps(text);
    let done = false;
    while (!done) {
      done = steps.next().done === true;
      for (const { family, final } of parser.takeClosed()) {
        const pending = sink(family, format, final);
        if (pending !== undefined) await pending;
      }
      if (pacer.overdue()) await pacer.pause();
    }
    return { ok: true, format };
  } catch (error) {
    if (error instanceof LineError)
      return { ok: false, error: { line: parser.lineNumber, message: error.message } };
    throw error;
  }
}

function start(
  text: string,
  options: ParseExpositionOptions,
): { format: ExpositionFormat; parser: ExpositionParser } {
  const requested = options.format ?? 'auto';
  const format: ExpositionFormat =
    requested === 'auto' ? (looksLikeOpenMetrics(text) ? 'openmetrics' : 'text') : requested;
  return { format, parser: new ExpositionParser(format) };
}

function failure(error: unknown, parser: ExpositionParser): ExpositionParseResult {
  if (error instanceof LineError)
    return { ok: false, error: { line: parser.lineNumber, message: error.message } };
  throw error;
}

class ExpositionParser {
  readonly #format: ExpositionFormat;
  readonly #om: boolean;
  readonly #families: MutableFamily[] = [];
  /** Streaming mode: closed families wait here for `takeClosed()` instead of staying in `#families`. */
  readonly #streaming: boolean;
  #closed: Array<{ family: ExpositionFamily; final: boolean }> = [];
  /** Family names seen so far: a name seen again later means interleaved families. */
  readonly #familiesByName = new Map<string, MutableFamily>();
  /** Every sample name to its family, to catch clashes such as a gauge `foo_count` next to histogram `foo`. */
  readonly #sampleOwners = new Map<string, MutableFamily>();
  readonly #scanner: LineScanner;
  #current: MutableFamily | undefined;
  /** The text being parsed and the offset of the line being parsed (for `#keyAt`). */
  #text = '';
  #lineStart = 0;
  readonly #keyAt = (offset: number): string => {
    const sample = this.#scanner.scanSample(this.#text.slice(offset, this.#text.indexOf('\n', offset)));
    return seriesKey(sample.name, sample.labels);
  };
  lineNumber = 0;

  constructor(format: ExpositionFormat, streaming = false) {
    this.#streaming = streaming;
    this.#format = format;
    this.#om = format === 'openmetrics';
    this.#scanner = new LineScanner(format);
  }

  /** Parses `text`, yielding every 64 lines; returns the families. Throws LineError. */
  *steps(text: string): Generator<void, ExpositionFamily[], void> {
    if (text.length === 0) {
      if (this.#om) throw new LineError("missing '# EOF'");
      return [];
    }
    if (text.charCodeAt(0) === 0xfeff) throw new LineError('byte order mark at the start of the text');
    // Lines are read in place (indexOf, slice): a 50 MB body is never split into an array of lines.
    let end = text.length;
    if (this.#om) {
      // `# EOF` may be followed by one final LF and nothing else.
      if (text.charCodeAt(end - 1) === 10) end--;
      const lastStart = text.lastIndexOf('\n', end - 1) + 1;
      if (text.slice(lastStart, end) !== '# EOF') {
        this.lineNumber = countLines(text, end);
        throw new LineError("the text must end with '# EOF'");
      }
      end = lastStart;
    } else if (text.charCodeAt(end - 1) !== 10) {
      this.lineNumber = countLines(text, end);
      throw new LineError('the last line must end with a line feed');
    }
    let pos = 0;
    let sinceStep = 0;
    this.#text = text;
    while (pos < end) {
      const lineEnd = text.indexOf('\n', pos);
      this.lineNumber++;
      this.#lineStart = pos;
      this.#parseLine(text.slice(pos, lineEnd));
      pos = lineEnd + 1;
      if (++sinceStep === LINES_PER_STEP) {
        sinceStep = 0;
        yield;
      }
    }
    this.#closeCurrent();
    return this.#families.map(snapshot);
  }

  /** Streaming mode: the families closed since the last call. */
  takeClosed(): Array<{ family: ExpositionFamily; final: boolean }> {
    const closed = this.#closed;
    if (closed.length > 0) this.#closed = [];
    return closed;
  }

  #parseLine(line: string): void {
    if (line.length === 0) {
      if (this.#om) throw new LineError('blank lines are not allowed in OpenMetrics');
      return;
    }
    if (line[0] === '#') {
      this.#parseComment(line);
      return;
    }
    const scanned = this.#scanner.scanSample(line);
    const family = this.#familyFor(scanned.name);
    const sample: ExpositionSample = scanned;
    // Series identity is checked within the family: another family cannot write the same sample name.
    // Kept as hashes and line offsets (no string per series), released when the family closes.
    family.seriesKeys ??= new SeriesSet(this.#keyAt);
    if (!family.seriesKeys.add(seriesKey(sample.name, sample.labels), this.#lineStart))
      throw new LineError(`duplicate series ${sample.name}${labelsForMessage(sample)}`);
    if (family.samples.at(-1)?.name !== sample.name) this.#sampleOwners.set(sample.name, family);
    family.checker ??= new FamilySampleChecker(this.#format, family.type, family.name);
    const problem = family.checker.check(sample, family.samples.length);
    if (problem !== undefined) throw new LineError(problem.message);
    family.samples.push(sample);
    family.sampled = true;
    if (this.#streaming && family.samples.length >= STREAM_BATCH) {
      this.#closed.push({ family: snapshot(family), final: false });
      family.samples = [];
    }
  }

  #parseComment(line: string): void {
    // `s`: a HELP text may hold CR, U+2028 or U+2029 (only LF ends a line); without it `.` stops there and
    // such a HELP line would be taken for a plain comment (0.0.4) or rejected (OpenMetrics).
    const match = /^#[ \t]+(HELP|TYPE|UNIT|EOF)(?:[ \t]+(.*))?$/s.exec(line);
    const keyword = match?.[1];
    if (this.#om) {
      if (line === '# EOF') throw new LineError("'# EOF' must be the last line");
      if (keyword === undefined || keyword === 'EOF' || !line.startsWith(`# ${keyword} `)) {
        throw new LineError(
          "OpenMetrics allows no comments other than '# HELP', '# TYPE', '# UNIT' and '# EOF'",
        );
      }
    } else if (keyword === undefined || keyword === 'UNIT' || keyword === 'EOF' || match?.[2] === undefined) {
      return; // An ordinary 0.0.4 comment.
    }
    const rest = match?.[2] ?? '';
    const spaceAt = this.#om ? rest.indexOf(' ') : rest.search(/[ \t]/);
    const name = spaceAt === -1 ? rest : rest.slice(0, spaceAt);
    let argument = spaceAt === -1 ? undefined : rest.slice(spaceAt + 1);
    if (!this.#om && argument !== undefined) argument = argument.replace(/^[ \t]+/, '');
    if (!METRIC_NAME.test(name)) throw new LineError(`invalid metric name '${name}' in # ${keyword}`);
    const family = this.#familyForMetadata(name, keyword as string);
    if (keyword === 'HELP') {
      if (family.helpSeen) throw new LineError(`second # HELP for '${name}'`);
      if (this.#om && argument === undefined)
        throw new LineError(`# HELP for '${name}' needs a space before the text`);
      const help = unescapeHelp(argument ?? '');
      if (!isWellFormed(help)) throw new LineError(`HELP of '${name}' is not valid UTF-8`);
      family.help = help;
      family.helpSeen = true;
    } else if (keyword === 'TYPE') {
      if (family.typeDeclared) throw new LineError(`second # TYPE for '${name}'`);
      const type = this.#om ? argument : argument?.replace(/[ \t]+$/, '');
      const allowed = this.#om ? OPENMETRICS_TYPES : PROMETHEUS_TYPES;
      if (type === undefined || !allowed.has(type)) {
        throw new LineError(
          `unknown type '${type ?? ''}' for '${name}' (accepted: ${[...allowed].join(', ')})`,
        );
      }
      family.type = type as MetricFamilyType;
      family.typeDeclared = true;
    } else {
      if (family.unitSeen) throw new LineError(`second # UNIT for '${name}'`);
      const unit = argument ?? '';
      if (unit !== '' && (!/^[a-zA-Z0-9_:]+$/.test(unit) || !name.endsWith(`_${unit}`))) {
        throw new LineError(
          `unit '${unit}' must be a suffix of the family name '${name}' after an underscore`,
        );
      }
      family.unit = unit;
      family.unitSeen = true;
    }
  }

  #familyForMetadata(name: string, keyword: string): MutableFamily {
    const current = this.#current;
    if (current !== undefined && current.name === name) {
      if (current.sampled) throw new LineError(`# ${keyword} for '${name}' after its samples`);
      return current;
    }
    if (this.#familiesByName.has(name)) {
      throw new LineError(
        `# ${keyword} for '${name}' after its family ended (families must not be interleaved)`,
      );
    }
    return this.#openFamily(name, implicitType(this.#format), false);
  }

  #familyFor(sampleName: string): MutableFamily {
    const current = this.#current;
    if (
      current !== undefined &&
      sampleSuffix(this.#format, current.type, current.name, sampleName) !== undefined
    ) {
      return current;
    }
    const owner = this.#sampleOwners.get(sampleName);
    if (owner !== undefined) {
      throw new LineError(
        `sample '${sampleName}' of family '${owner.name}' appears after another family (families must not be interleaved)`,
      );
    }
    if (this.#familiesByName.has(sampleName)) {
      throw new LineError(`sample '${sampleName}' does not fit the type of its family '${sampleName}'`);
    }
    return this.#openFamily(sampleName, implicitType(this.#format), false);
  }

  #openFamily(name: string, type: MetricFamilyType, typeDeclared: boolean): MutableFamily {
    this.#closeCurrent();
    const owner = this.#sampleOwners.get(name) ?? this.#familyProducing(name);
    if (owner !== undefined)
      throw new LineError(`family name '${name}' clashes with a sample of family '${owner.name}'`);
    const family: MutableFamily = {
      name,
      type,
      typeDeclared,
      help: undefined,
      unit: undefined,
      helpSeen: false,
      unitSeen: false,
      samples: [],
      sampled: false,
      checker: undefined,
      seriesKeys: undefined,
    };
    this.#familiesByName.set(name, family);
    if (!this.#streaming) this.#families.push(family);
    this.#current = family;
    return family;
  }

  /** An earlier family whose type makes `name` one of its sample names (e.g. histogram `foo` for `foo_count`). */
  #familyProducing(name: string): MutableFamily | undefined {
    for (const suffix of ALL_SUFFIXES) {
      if (!name.endsWith(suffix)) continue;
      const base = this.#familiesByName.get(name.slice(0, name.length - suffix.length));
      if (base !== undefined && sampleSuffix(this.#format, base.type, base.name, name) !== undefined)
        return base;
    }
    return undefined;
  }

  #closeCurrent(): void {
    const family = this.#current;
    if (family === undefined) return;
    this.#current = undefined;
    family.seriesKeys = undefined;
    const problem = (
      family.checker ?? new FamilySampleChecker(this.#format, family.type, family.name)
    ).finish();
    if (problem !== undefined) throw new LineError(problem.message);
    if (this.#streaming) {
      this.#closed.push({ family: snapshot(family), final: true });
      // Only the name and type are needed from here on (interleaving and name-clash checks).
      family.samples = [];
      family.checker = undefined;
    }
  }
}

function snapshot(family: MutableFamily): ExpositionFamily {
  return {
    name: family.name,
    type: family.type,
    typeDeclared: family.typeDeclared,
    help: family.help,
    unit: family.unit,
    samples: family.samples,
  };
}

/** The 1-based number of the line that holds offset `end - 1` (error messages only). */
function countLines(text: string, end: number): number {
  let lines = 1;
  for (let at = text.indexOf('\n'); at !== -1 && at < end - 1; at = text.indexOf('\n', at + 1)) lines++;
  return lines;
}

function labelsForMessage(sample: ExpositionSample): string {
  if (sample.labels.length === 0) return '';
  return `{${sample.labels.map((l) => `${l.name}=${JSON.stringify(l.value)}`).join(',')}}`;
}
