import { diag } from '@dynotel/core';
import { validateExpositionText } from '../foreign/validate.ts';
import { expositionTextDropped } from '../self-metrics.ts';

/**
 * Exposition-callback text goes through the strict parser of `src/foreign` before it is appended, so one
 * bad source cannot break the scrape (Dynamo appends it unchecked). Rejected text is dropped whole,
 * logged with the reason, and counted.
 */
export function acceptForeignText(texts: ReadonlyArray<string | undefined>): string[] {
  const accepted: string[] = [];
  for (const text of texts) {
    if (text === undefined || text.length === 0) continue;
    if (typeof text !== 'string') {
      expositionTextDropped.inc();
      diag.warn('dynotel.metrics', 'exposition callback returned a non-string; dropped', {
        type: typeof text,
      });
      continue;
    }
    const result = validateExpositionText(text);
    if (result.ok) {
      accepted.push(result.text);
    } else {
      expositionTextDropped.inc();
      diag.warn('dynotel.metrics', 'exposition callback text failed validation; dropped', {
        reason: result.reason,
      });
    }
  }
  return accepted;
}
