/**
 * Dynamo's five level names and how they map onto pino's numeric levels. pino's `fatal` has no Dynamo
 * counterpart: it is written as `ERROR` (Dynamo's schema enum has no FATAL), and exported over OTLP as FATAL.
 */
export type DynamoLevelName = 'trace' | 'debug' | 'info' | 'warn' | 'error';
export type FilterLevel = DynamoLevelName | 'off';

/** pino level name for each filter level (`off` is pino's `silent`). */
export const PINO_LEVEL: Readonly<Record<FilterLevel, string>> = {
  trace: 'trace',
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  error: 'error',
  off: 'silent',
};

/** Upper-case Dynamo level text by pino level number. */
export const LEVEL_TEXT: Readonly<Record<number, string>> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'ERROR',
};

export function levelText(levelNumber: number): string {
  return LEVEL_TEXT[levelNumber] ?? (levelNumber >= 50 ? 'ERROR' : levelNumber >= 40 ? 'WARN' : 'INFO');
}

export function isFilterLevel(value: string): value is FilterLevel {
  return value in PINO_LEVEL;
}
