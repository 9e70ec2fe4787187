import { type DiagnosticRecord, diag } from '@dynotel/core';
import type { DynotelLogger } from './logger.ts';

/**
 * Sends dynotel's own diagnostics (`diag` of @dynotel/core) through `logger`, so they come out in the
 * service's format and filter, with `target` = the diagnostic's target (e.g. `dynotel.tracing`).
 * Returns a function that restores the default stderr sink.
 */
export function routeDiagnosticsToLogger(logger: DynotelLogger): () => void {
  const byTarget = new Map<string, DynotelLogger>();
  const sink = (record: DiagnosticRecord): void => {
    let child = byTarget.get(record.target);
    if (child === undefined) {
      child = logger.child({ target: record.target });
      byTarget.set(record.target, child);
    }
    child[record.level]({ ...record.fields }, record.message);
  };
  diag.setSink(sink);
  return () => diag.setSink(undefined);
}
