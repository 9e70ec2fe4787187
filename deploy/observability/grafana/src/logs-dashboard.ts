import { DATASOURCES, dashboard, lokiVariable, type PanelDraft, row, textVariable } from './builders.ts';

/**
 * Logs from Loki, filtered by Dynamo namespace/component and service, with links to traces. Logs arrive
 * over OTLP (collector → Loki /otlp): service.name becomes the stream label service_name, the
 * dynamo.namespace / dynamo.component resource attributes become dynamo_namespace / dynamo_component
 * (loki.yaml otlp_config), and trace_id stays structured metadata. The Loki datasource's derived field
 * turns trace_id into a Tempo link. Counterpart of Dynamo's temp-loki.json (reference §7.6).
 */

const selector = '{service_name=~"$service", dynamo_namespace=~"$namespace", dynamo_component=~"$component"}';
const filters = '|= "$search" | trace_id=~"$trace_id.*"';

function lokiTarget(refId: string, expr: string, extra: Record<string, unknown> = {}) {
  return { refId, datasource: DATASOURCES.loki, expr, queryType: 'range', ...extra };
}

const volume: PanelDraft = {
  type: 'timeseries',
  title: 'Log lines / sec by level',
  description: 'detected_level is derived by Loki from the OTLP severity.',
  datasource: DATASOURCES.loki,
  targets: [
    lokiTarget('A', `sum by (detected_level) (rate(${selector} ${filters} [$__auto]))`, {
      legendFormat: '{{detected_level}}',
    }),
  ],
  width: 24,
  height: 6,
  fieldConfig: {
    defaults: {
      unit: 'short',
      custom: { drawStyle: 'bars', fillOpacity: 60, stacking: { mode: 'normal', group: 'A' } },
    },
    overrides: [],
  },
  options: {
    legend: { displayMode: 'list', placement: 'bottom', showLegend: true },
    tooltip: { mode: 'multi' },
  },
};

function logsPanel(title: string, expr: string, description: string): PanelDraft {
  return {
    type: 'logs',
    title,
    description,
    datasource: DATASOURCES.loki,
    targets: [lokiTarget('A', expr)],
    width: 24,
    height: 14,
    options: {
      showTime: true,
      showLabels: false,
      showCommonLabels: false,
      wrapLogMessage: true,
      prettifyLogMessage: false,
      enableLogDetails: true,
      dedupStrategy: 'none',
      sortOrder: 'Descending',
    },
  };
}

export function logsDashboard(): Record<string, unknown> {
  return dashboard({
    uid: 'dynotel-logs',
    title: 'dynotel logs',
    description:
      'Service logs from Loki by namespace, component and service; open a line to jump to its trace.',
    tags: ['dynotel', 'logs'],
    variables: [
      // service_name must match something: Loki refuses selectors where every matcher accepts "".
      lokiVariable('service', 'label_values(service_name)', { label: 'Service', allValue: '.+' }),
      lokiVariable('namespace', 'label_values(dynamo_namespace)', { label: 'Namespace' }),
      lokiVariable('component', 'label_values(dynamo_component)', { label: 'Component' }),
      textVariable('search', 'Line contains'),
      textVariable('trace_id', 'Trace id (prefix)'),
    ],
    panels: [
      row('Volume'),
      volume,
      row('Logs'),
      logsPanel(
        'Errors and warnings',
        `${selector} ${filters} | detected_level=~"(?i)error|warn.*"`,
        'Only error and warning lines.',
      ),
      logsPanel('All lines', `${selector} ${filters}`, 'Expand a line: the TraceID field links to Tempo.'),
    ],
  });
}
