import { selfMetrics } from '@dynotel/core';
import { expect } from 'vitest';
import type { ExpositionFamily } from '../src/foreign/model.ts';
import { parseExposition } from '../src/foreign/parser.ts';

/** Parses a scrape body with the strict parser (it must parse) and returns its families. */
export function parseBody(
  body: string,
  format: 'text' | 'openmetrics' = 'text',
): readonly ExpositionFamily[] {
  const parsed = parseExposition(body, { format });
  if (!parsed.ok)
    throw new Error(`scrape did not parse: line ${parsed.error.line}: ${parsed.error.message}\n${body}`);
  return parsed.exposition.families;
}

/** The sample lines (no comments) of a body. */
export function sampleLines(body: string): string[] {
  return body.split('\n').filter((line) => line.length > 0 && !line.startsWith('#'));
}

export function selfValue(name: string, labels?: Record<string, string>): number {
  const family = selfMetrics.collect().find((f) => f.name === name);
  if (family === undefined) return 0;
  const want = JSON.stringify(Object.entries(labels ?? {}).sort());
  const sample = family.samples.find((s) => JSON.stringify(Object.entries(s.labels).sort()) === want);
  return sample?.value ?? 0;
}

export function expectLine(body: string, line: string): void {
  expect(body.split('\n')).toContain(line);
}
