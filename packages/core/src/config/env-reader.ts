import type { ConfigProblem, EnvVariable, ParseContext } from './types.ts';

export type Env = Readonly<Record<string, string | undefined>>;

export type ReadOutcome<T> =
  | { readonly state: 'unset' }
  | { readonly state: 'valid'; readonly raw: string; readonly value: T }
  | { readonly state: 'invalid'; readonly raw: string; readonly reason: string | undefined };

/**
 * Reads table rows from one env snapshot: blank counts as unset, values are trimmed, and every invalid
 * value becomes one problem (named variable, value, accepted form, default used). It also records
 * which variables were consulted, so a test can prove the reader covers the whole table.
 */
export class EnvReader {
  readonly problems: ConfigProblem[] = [];
  readonly consulted = new Set<string>();
  // Layered settings (OTEL_EXPORTER_OTLP_* feeds both signals) read a row twice; warn once.
  readonly #reported = new Set<string>();
  readonly #env: Env;
  readonly #context: ParseContext;

  constructor(env: Env, context: ParseContext) {
    this.#env = env;
    this.#context = context;
  }

  raw(row: EnvVariable): string | undefined {
    this.consulted.add(row.name);
    const value = this.#env[row.name];
    if (value === undefined) return undefined;
    const trimmed = value.trim();
    return trimmed === '' ? undefined : trimmed;
  }

  /** Parses without reporting; the caller decides what an invalid value falls back to. */
  outcome<T>(row: EnvVariable<T>): ReadOutcome<T> {
    const raw = this.raw(row);
    if (raw === undefined) return { state: 'unset' };
    const result = row.parse(raw, this.#context);
    return result.ok
      ? { state: 'valid', raw, value: result.value }
      : { state: 'invalid', raw, reason: result.reason };
  }

  /** The parsed value, or the row's fallback when unset or invalid (invalid is reported). */
  get<T>(row: EnvVariable<T>): T {
    const outcome = this.outcome(row);
    if (outcome.state === 'valid') return outcome.value;
    if (outcome.state === 'invalid') this.reportInvalid(row, outcome.raw, outcome.reason);
    return row.fallback;
  }

  /** The parsed value or `undefined` (unset or invalid, invalid reported): for layered settings. */
  find<T>(row: EnvVariable<T>): T | undefined {
    const outcome = this.outcome(row);
    if (outcome.state === 'valid') return outcome.value;
    if (outcome.state === 'invalid') this.reportInvalid(row, outcome.raw, outcome.reason);
    return undefined;
  }

  reportInvalid(row: EnvVariable, raw: string, reason: string | undefined, defaultUsed = row.default): void {
    if (this.#reported.has(row.name)) return;
    this.#reported.add(row.name);
    const value = row.secret ? '<redacted>' : raw;
    const because = reason === undefined ? '' : ` (${reason})`;
    this.problems.push({
      variable: row.name,
      value,
      accepted: row.accepted,
      defaultUsed,
      kind: 'invalid',
      message: `${row.name}=${JSON.stringify(value)} is not valid${because}. Accepted: ${row.accepted}. Using the default (${defaultUsed}) instead.`,
    });
  }

  reportDeprecated(row: EnvVariable, raw: string, message: string): void {
    this.problems.push({
      variable: row.name,
      value: row.secret ? '<redacted>' : raw,
      accepted: row.accepted,
      defaultUsed: 'ignored',
      kind: 'deprecated',
      message,
    });
  }
}
