import { implicitType, OPENMETRICS_TYPES, PROMETHEUS_TYPES, sampleSuffix } from './family-rules.ts';
import { LineError, LineScanner, unescapeHelp } from './line-scanner.ts';
import type {
  ExpositionFamily,
  ExpositionFormat,
  ExpositionParseResult,
  ExpositionSample,
  MetricFamilyType,
} from './model.ts';
import { checkFamilySamples } from './sample-rules.ts';
import { seriesKey } from './series-key.ts';

const ALL_SUFFIXES = ['_bucket', '_sum', '_count', '_created', '_total', '_info', '_gsum', '_gcount'];

import { isWellFormed, METRIC_NAME } from './syntax.ts';

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
  sampleLines: number[];
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
  const requested = options.format ?? 'auto';
  const format: ExpositionFormat =
    requested === 'auto' ? (looksLikeOpenMetrics(text) ? 'openmetrics' : 'text') : requested;
  const parser = new ExpositionParser(format);
  try {
    return { ok: true, exposition: { format, families: parser.parse(text) } };
  } catch (error) {
    if (error instanceof LineError)
      return { ok: false, error: { line: parser.lineNumber, message: error.message } };
    throw error;
  }
}

class ExpositionParser {
  readonly #format: ExpositionFormat;
  readonly #om: boolean;
  readonly #families: MutableFamily[] = [];
  /** Family names seen so far: a name seen again later means interleaved families. */
  readonly #familiesByName = new Map<string, MutableFamily>();
  /** Every sample name to its family, to catch clashes such as a gauge `foo_count` next to histogram `foo`. */
  readonly #sampleOwners = new Map<string, MutableFamily>();
  readonly #seriesKeys = new Set<string>();
  readonly #scanner: LineScanner;
  #current: MutableFamily | undefined;
  lineNumber = 0;

  constructor(format: ExpositionFormat) {
    this.#format = format;
    this.#om = format === 'openmetrics';
    this.#scanner = new LineScanner(format);
  }

  parse(text: string): ExpositionFamily[] {
    if (text.length === 0) {
      if (this.#om) throw new LineError("missing '# EOF'");
      return [];
    }
    if (text.charCodeAt(0) === 0xfeff) throw new LineError('byte order mark at the start of the text');
    const lines = text.split('\n');
    if (this.#om) {
      // `# EOF` may be followed by one final LF and nothing else.
      if (lines[lines.length - 1] === '') lines.pop();
      if (lines[lines.length - 1] !== '# EOF') {
        this.lineNumber = lines.length;
        throw new LineError("the text must end with '# EOF'");
      }
      lines.pop();
    } else {
      if (lines[lines.length - 1] !== '') {
        this.lineNumber = lines.length;
        throw new LineError('the last line must end with a line feed');
      }
      lines.pop();
    }
    for (let index = 0; index < lines.length; index++) {
      this.lineNumber = index + 1;
      this.#parseLine(lines[index] as string);
    }
    this.#closeCurrent();
    return this.#families.map((family) => ({
      name: family.name,
      type: family.type,
      typeDeclared: family.typeDeclared,
      help: family.help,
      unit: family.unit,
      samples: family.samples,
    }));
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
    const key = seriesKey(sample.name, sample.labels);
    if (this.#seriesKeys.has(key))
      throw new LineError(`duplicate series ${sample.name}${labelsForMessage(sample)}`);
    this.#seriesKeys.add(key);
    if (family.samples.at(-1)?.name !== sample.name) this.#sampleOwners.set(sample.name, family);
    family.samples.push(sample);
    family.sampleLines.push(this.lineNumber);
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
      if (current.samples.length > 0) throw new LineError(`# ${keyword} for '${name}' after its samples`);
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
      sampleLines: [],
    };
    this.#familiesByName.set(name, family);
    this.#families.push(family);
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
    const problem = checkFamilySamples(this.#format, family.type, family.name, family.samples);
    if (problem !== undefined) {
      this.lineNumber = family.sampleLines[problem.sampleIndex] ?? this.lineNumber;
      throw new LineError(problem.message);
    }
  }
}

function labelsForMessage(sample: ExpositionSample): string {
  if (sample.labels.length === 0) return '';
  return `{${sample.labels.map((l) => `${l.name}=${JSON.stringify(l.value)}`).join(',')}}`;
}
