import { parseExposition } from './parser.ts';
import { serializePrometheusText, toPrometheusFamilies } from './serialize.ts';

export type ExpositionValidation = { ok: true; text: string } | { ok: false; reason: string };

/** Dynamo appends a line feed to callback text that lacks one before concatenating (metrics.rs L905-925). */
export function withFinalNewline(text: string): string {
  return text.length === 0 || text.endsWith('\n') ? text : `${text}\n`;
}

/**
 * Checks foreign exposition text (0.0.4, or OpenMetrics when it ends in `# EOF`) with the strict parser and
 * returns it re-serialized as canonical Prometheus text 0.0.4 — safe to append to a scrape — or the reason
 * it was rejected, with the line number. A missing final line feed is added, as Dynamo does. It never
 * throws and counts nothing: the caller decides what a rejection costs.
 */
export function validateExpositionText(text: string): ExpositionValidation {
  if (typeof text !== 'string') return { ok: false, reason: `expected a string, got ${typeof text}` };
  const parsed = parseExposition(withFinalNewline(text));
  if (!parsed.ok) return { ok: false, reason: `line ${parsed.error.line}: ${parsed.error.message}` };
  return { ok: true, text: serializePrometheusText(toPrometheusFamilies(parsed.exposition)) };
}
