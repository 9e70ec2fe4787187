/** The parsed form of a Prometheus text 0.0.4 or OpenMetrics 1.0 exposition. */

/** `text` = Prometheus text format 0.0.4; `openmetrics` = OpenMetrics 1.0 text (shared with the encoder). */
import type { ExpositionFormat } from '../format/content-type.ts';

export type { ExpositionFormat };

/** 0.0.4 has counter, gauge, histogram, summary, untyped; OpenMetrics adds the rest and says `unknown`. */
export type MetricFamilyType =
  | 'counter'
  | 'gauge'
  | 'histogram'
  | 'summary'
  | 'untyped'
  | 'unknown'
  | 'info'
  | 'stateset'
  | 'gaugehistogram';

export interface ExpositionLabel {
  readonly name: string;
  readonly value: string;
}

export interface ExpositionExemplar {
  readonly labels: readonly ExpositionLabel[];
  readonly value: number;
  /** Seconds since the epoch, as OpenMetrics writes it. */
  readonly timestampSeconds?: number | undefined;
}

export interface ExpositionSample {
  /** The full sample name, e.g. `foo_bucket`. */
  readonly name: string;
  /** In the order written. */
  readonly labels: readonly ExpositionLabel[];
  readonly value: number;
  /** Milliseconds since the epoch (0.0.4 writes ms; OpenMetrics seconds are converted). */
  readonly timestampMs?: number | undefined;
  readonly exemplar?: ExpositionExemplar | undefined;
}

export interface ExpositionFamily {
  readonly name: string;
  readonly type: MetricFamilyType;
  /** Whether a `# TYPE` line declared the type (otherwise the family is implicitly untyped/unknown). */
  readonly typeDeclared: boolean;
  readonly help?: string | undefined;
  readonly unit?: string | undefined;
  readonly samples: readonly ExpositionSample[];
}

export interface ParsedExposition {
  readonly format: ExpositionFormat;
  readonly families: readonly ExpositionFamily[];
}

export interface ExpositionParseError {
  /** 1-based line number of the offending line. */
  readonly line: number;
  readonly message: string;
}

export type ExpositionParseResult =
  | { readonly ok: true; readonly exposition: ParsedExposition }
  | { readonly ok: false; readonly error: ExpositionParseError };
