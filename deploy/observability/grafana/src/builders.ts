/**
 * Small builders for Grafana dashboard JSON. Every dashboard in ../dashboards is produced from these, so
 * datasource references, layout, units and variable shapes stay identical across dashboards.
 */

/** The schema version Grafana 12 writes; dashboards are migrated from lower versions on load. */
export const SCHEMA_VERSION = 41;

/** Datasource uids provisioned in ../provisioning/datasources/datasources.yml. */
export const DATASOURCES = {
  prometheus: { type: 'prometheus', uid: 'prometheus' },
  tempo: { type: 'tempo', uid: 'tempo' },
  loki: { type: 'loki', uid: 'loki' },
} as const;

export type DatasourceRef = (typeof DATASOURCES)[keyof typeof DATASOURCES];

export interface Target {
  readonly refId: string;
  readonly datasource: DatasourceRef;
  readonly expr: string;
  readonly legendFormat?: string;
  readonly exemplar?: boolean;
  readonly instant?: boolean;
  readonly range?: boolean;
  readonly format?: 'time_series' | 'table';
  readonly queryType?: string;
}

export interface GridPos {
  readonly h: number;
  readonly w: number;
  readonly x: number;
  readonly y: number;
}

export interface Panel {
  id: number;
  gridPos: GridPos;
  readonly type: string;
  readonly title: string;
  readonly [key: string]: unknown;
}

/** A panel before layout: the layout step assigns ids and positions. */
export type PanelDraft = Omit<Panel, 'id' | 'gridPos'> & {
  readonly width?: number;
  readonly height?: number;
};

export interface QueryOptions {
  readonly legend?: string;
  readonly exemplar?: boolean;
}

const REF_IDS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** PromQL queries for one panel; refIds A, B, C… in order. */
export function promQueries(
  ...queries: ReadonlyArray<readonly [expr: string, options?: QueryOptions]>
): Target[] {
  return queries.map(([expr, options], index) => ({
    refId: REF_IDS[index] ?? `Q${index}`,
    datasource: DATASOURCES.prometheus,
    expr,
    legendFormat: options?.legend ?? '__auto',
    ...(options?.exemplar ? { exemplar: true } : {}),
    range: true,
  }));
}

export interface TimeseriesOptions {
  readonly description?: string;
  readonly unit?: string;
  readonly min?: number;
  readonly max?: number;
  readonly stack?: boolean;
  readonly width?: number;
  readonly height?: number;
  /** Red threshold line drawn on the graph (an alert threshold or budget). */
  readonly threshold?: number;
}

export function timeseries(title: string, targets: Target[], options: TimeseriesOptions = {}): PanelDraft {
  const steps: Array<{ color: string; value: number | null }> = [{ color: 'green', value: null }];
  if (options.threshold !== undefined) steps.push({ color: 'red', value: options.threshold });
  return {
    type: 'timeseries',
    title,
    description: options.description ?? '',
    datasource: targets[0]?.datasource ?? DATASOURCES.prometheus,
    targets,
    ...(options.width === undefined ? {} : { width: options.width }),
    ...(options.height === undefined ? {} : { height: options.height }),
    fieldConfig: {
      defaults: {
        unit: options.unit ?? 'short',
        ...(options.min === undefined ? {} : { min: options.min }),
        ...(options.max === undefined ? {} : { max: options.max }),
        color: { mode: 'palette-classic' },
        custom: {
          drawStyle: 'line',
          lineWidth: 1,
          fillOpacity: options.stack ? 30 : 10,
          showPoints: 'never',
          spanNulls: false,
          stacking: { mode: options.stack ? 'normal' : 'none', group: 'A' },
          thresholdsStyle: { mode: options.threshold === undefined ? 'off' : 'line' },
        },
        thresholds: { mode: 'absolute', steps },
      },
      overrides: [],
    },
    options: {
      legend: { displayMode: 'list', placement: 'bottom', showLegend: true },
      tooltip: { mode: 'multi', sort: 'desc' },
    },
  };
}

export interface TableOptions {
  readonly description?: string;
  readonly width?: number;
  readonly height?: number;
}

/** A table of instant queries (one row per series, one column per query). */
export function table(title: string, targets: Target[], options: TableOptions = {}): PanelDraft {
  return {
    type: 'table',
    title,
    description: options.description ?? '',
    datasource: DATASOURCES.prometheus,
    targets: targets.map((target) => ({ ...target, instant: true, range: false, format: 'table' as const })),
    ...(options.width === undefined ? {} : { width: options.width }),
    ...(options.height === undefined ? {} : { height: options.height }),
    fieldConfig: { defaults: { custom: { align: 'auto' } }, overrides: [] },
    options: { showHeader: true, cellHeight: 'sm' },
    // One row per series: merge the queries, drop the timestamp, name each value column after its legend.
    transformations: [
      { id: 'merge', options: {} },
      {
        id: 'organize',
        options: {
          excludeByName: { Time: true },
          renameByName: Object.fromEntries(
            targets.map((target) => [`Value #${target.refId}`, target.legendFormat ?? target.refId]),
          ),
        },
      },
    ],
  };
}

export interface StateTimelineOptions {
  readonly description?: string;
  readonly width?: number;
}

/** A state timeline for 0/1 gauges (ready / not ready, up / down). */
export function stateTimeline(
  title: string,
  targets: Target[],
  labels: { readonly zero: string; readonly one: string },
  options: StateTimelineOptions = {},
): PanelDraft {
  return {
    type: 'state-timeline',
    title,
    description: options.description ?? '',
    datasource: DATASOURCES.prometheus,
    targets,
    ...(options.width === undefined ? {} : { width: options.width }),
    fieldConfig: {
      defaults: {
        color: { mode: 'thresholds' },
        thresholds: {
          mode: 'absolute',
          steps: [
            { color: 'red', value: null },
            { color: 'green', value: 1 },
          ],
        },
        mappings: [
          {
            type: 'value',
            options: { '0': { text: labels.zero, color: 'red' }, '1': { text: labels.one, color: 'green' } },
          },
        ],
      },
      overrides: [],
    },
    options: { showValue: 'auto', mergeValues: true, rowHeight: 0.9 },
  };
}

export function stat(title: string, targets: Target[], options: TimeseriesOptions = {}): PanelDraft {
  return {
    type: 'stat',
    title,
    description: options.description ?? '',
    datasource: DATASOURCES.prometheus,
    targets,
    ...(options.width === undefined ? {} : { width: options.width }),
    ...(options.height === undefined ? {} : { height: options.height }),
    fieldConfig: {
      defaults: {
        unit: options.unit ?? 'short',
        color: { mode: 'thresholds' },
        thresholds: { mode: 'absolute', steps: [{ color: 'green', value: null }] },
      },
      overrides: [],
    },
    options: { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'value' },
  };
}

export function row(title: string): PanelDraft {
  return { type: 'row', title, collapsed: false, panels: [], width: 24, height: 1 };
}

/** Assigns ids 1..n and a grid position: panels flow left to right, rows start a new line. */
export function layout(drafts: readonly PanelDraft[]): Panel[] {
  const panels: Panel[] = [];
  let x = 0;
  let y = 0;
  let lineHeight = 0;
  for (const [index, draft] of drafts.entries()) {
    const { width: requestedWidth, height: requestedHeight, ...rest } = draft;
    const w = requestedWidth ?? 12;
    const h = requestedHeight ?? 8;
    if (draft.type === 'row' || x + w > 24) {
      y += lineHeight;
      x = 0;
      lineHeight = 0;
    }
    panels.push({ ...rest, id: index + 1, gridPos: { h, w, x, y } } as Panel);
    x += w;
    lineHeight = Math.max(lineHeight, h);
    if (draft.type === 'row') {
      y += h;
      x = 0;
      lineHeight = 0;
    }
  }
  return panels;
}

export interface VariableOptions {
  readonly label?: string;
  readonly includeAll?: boolean;
  readonly multi?: boolean;
  /** Regex Grafana substitutes for "All"; `.*` also matches series without the label. */
  readonly allValue?: string;
}

/** A query variable on any datasource, refreshed on time-range change; "All" selected by default. */
function queryVariable(
  name: string,
  datasource: unknown,
  definition: string,
  query: unknown,
  options: VariableOptions,
): Record<string, unknown> {
  return {
    name,
    label: options.label ?? name,
    type: 'query',
    datasource,
    definition,
    query,
    refresh: 2,
    includeAll: options.includeAll ?? true,
    multi: options.multi ?? true,
    allValue: options.allValue ?? '.*',
    current: { selected: true, text: ['All'], value: ['$__all'] },
    options: [],
    sort: 1,
    regex: '',
    hide: 0,
  };
}

/** A Prometheus query variable (label_values(...), query_result(...)). */
export function promVariable(
  name: string,
  query: string,
  options: VariableOptions = {},
): Record<string, unknown> {
  const editorQuery = { query, refId: 'PrometheusVariableQueryEditor-VariableQuery', qryType: 1 };
  return queryVariable(name, DATASOURCES.prometheus, query, editorQuery, options);
}

/** A Loki label-values variable. */
export function lokiVariable(
  name: string,
  query: string,
  options: VariableOptions = {},
): Record<string, unknown> {
  return queryVariable(name, DATASOURCES.loki, query, query, options);
}

export function textVariable(name: string, label: string, defaultValue = ''): Record<string, unknown> {
  return {
    name,
    label,
    type: 'textbox',
    query: defaultValue,
    current: { selected: false, text: defaultValue, value: defaultValue },
    options: [],
    hide: 0,
  };
}

export interface DashboardSpec {
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly variables: ReadonlyArray<Record<string, unknown>>;
  readonly panels: readonly PanelDraft[];
  readonly timeFrom?: string;
  readonly refresh?: string;
}

export function dashboard(spec: DashboardSpec): Record<string, unknown> {
  return {
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: [...spec.tags],
    timezone: 'browser',
    editable: true,
    graphTooltip: 1,
    schemaVersion: SCHEMA_VERSION,
    version: 1,
    time: { from: spec.timeFrom ?? 'now-30m', to: 'now' },
    refresh: spec.refresh ?? '30s',
    fiscalYearStartMonth: 0,
    liveNow: false,
    links: [
      // Every field the dashboard schema requires of a link (Grafana filled the same defaults in).
      {
        title: 'dynotel dashboards',
        type: 'dashboards',
        tags: ['dynotel'],
        asDropdown: true,
        includeVars: false,
        keepTime: false,
        targetBlank: false,
        icon: 'external link',
        tooltip: '',
      },
    ],
    annotations: {
      list: [
        {
          builtIn: 1,
          datasource: { type: 'grafana', uid: '-- Grafana --' },
          enable: true,
          hide: true,
          iconColor: 'rgba(0, 211, 255, 1)',
          name: 'Annotations & Alerts',
          type: 'dashboard',
        },
      ],
    },
    templating: { list: [...spec.variables] },
    panels: layout(spec.panels),
  };
}
