import type { BenchRow, Suite } from './types.ts';

interface ReportInput {
  readonly command: string;
  readonly machine: Readonly<Record<string, string | number>>;
  readonly suites: readonly Suite[];
  readonly rows: readonly BenchRow[];
  readonly smoke: boolean;
}

const BASELINE_ORDER = ['prom-client', '@prometheus-io/client', 'pino', '@opentelemetry/sdk-trace', 'bare'];

function format(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** Renders one table per suite; each case shows every implementation and its ratio to the first peer. */
export function renderMarkdown(input: ReportInput): string {
  const lines = [
    '# Benchmark results',
    '',
    input.smoke ? '**Smoke run: figures are meaningless.**\n' : '',
    `Command: \`${input.command}\``,
    '',
    `Machine: ${Object.entries(input.machine)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    '',
    'Every figure is the median over rounds; implementations run interleaved in the same process, so',
    'compare ratios inside this run only (the machine speed swings between runs).',
  ];
  for (const suite of input.suites) {
    const rows = input.rows.filter((r) => r.suite === suite.name);
    lines.push('', `## ${suite.title}`, '', suite.description, '');
    const rendered = suite.render?.(rows);
    if (rendered !== undefined) {
      lines.push(rendered);
      continue;
    }
    if (suite.render !== undefined) {
      lines.push(
        '**These rows were recorded by a former version of this suite: the description above does not apply to them.**',
        '',
      );
    }
    const extraKeys = [...new Set(rows.flatMap((r) => Object.keys(r.extra ?? {})))];
    lines.push(
      `| case | implementation | value | ratio to peer | ${extraKeys.join(' | ')}${extraKeys.length ? ' |' : ''}`,
      `|---|---|---|---|${extraKeys.map(() => '---|').join('')}`,
    );
    const cases = [...new Set(rows.map((r) => r.case))];
    for (const name of cases) {
      const caseRows = rows.filter((r) => r.case === name);
      const baseline =
        BASELINE_ORDER.map((impl) => caseRows.find((r) => r.impl === impl)).find((r) => r !== undefined) ??
        caseRows[0];
      for (const row of caseRows) {
        const ratio = baseline && baseline !== row ? format(row.value / baseline.value) : '1';
        const extras = extraKeys.map((k) => (row.extra?.[k] === undefined ? '' : format(row.extra[k]!)));
        lines.push(
          `| ${name} | ${row.impl} | ${format(row.value)} ${row.unit} | ${ratio} | ${extras.join(' | ')}${extras.length ? ' |' : ''}`,
        );
      }
    }
  }
  return `${lines.join('\n')}\n`;
}
