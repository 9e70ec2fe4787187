import { diag } from '@dynotel/core';
import { foreignLinesDropped } from '../self-metrics.ts';
import { looksLikeOpenMetrics } from './parser.ts';

/**
 * Foreign text whose last line has no line feed was probably cut while being written (`eng 12` may have
 * been `eng 123`): that line is dropped, counted in `dynotel_metrics_foreign_lines_dropped_total
 * {reason="unterminated"}` and warned about once per source. OpenMetrics text may end in `# EOF` without a
 * line feed. Dynamo appends the line feed and ingests the line.
 */
export function dropUnterminatedLine(text: string, source: string | undefined): string {
  if (text.length === 0 || text.endsWith('\n') || looksLikeOpenMetrics(text)) return text;
  foreignLinesDropped.inc({ reason: 'unterminated' });
  diag.once(`dynotel.metrics.foreign.unterminated.${source ?? ''}`, {
    level: 'warn',
    target: 'dynotel.metrics',
    message: 'foreign metrics text ends without a line feed; its last line is taken as cut and dropped',
    fields: source === undefined ? {} : { source },
  });
  return text.slice(0, text.lastIndexOf('\n') + 1);
}
