import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_DIR, dashboards, staleFiles } from '../../deploy/observability/grafana/generate.ts';
import { SCHEMA_VERSION } from '../../deploy/observability/grafana/src/builders.ts';
import { DYNAMO_OPERATOR_PANELS } from '../../deploy/observability/grafana/src/operator-dashboard.ts';
import { requireBinaryInCi } from '../support/binaries.ts';
import { PrometheusServer } from '../support/prometheus.ts';
import { ALERT_RULES, DATASOURCES_FILE, RECORDING_RULES, readYaml, ruleGroups } from './support.ts';

/**
 * The committed Grafana dashboards: fresh from the generator, structurally valid, every datasource
 * reference provisioned, and every PromQL query (template variables and panel targets) accepted by a
 * real Prometheus. Empty results are fine here; a parse error is a failure.
 */

type Json = Record<string, unknown>;

const files = readdirSync(DASHBOARD_DIR).filter((name) => name.endsWith('.json'));
const committed = new Map(
  files.map((name) => [name, JSON.parse(readFileSync(join(DASHBOARD_DIR, name), 'utf8')) as Json]),
);

interface PanelJson {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type: string; uid: string };
  targets?: Array<{ expr: string; legendFormat?: string; datasource: { type: string; uid: string } }>;
}

interface VariableJson {
  name: string;
  type: string;
  datasource?: { type: string; uid: string };
  definition?: string;
}

function panelsOf(board: Json): PanelJson[] {
  return board.panels as PanelJson[];
}

function variablesOf(board: Json): VariableJson[] {
  return (board.templating as { list: VariableJson[] }).list;
}

/** Every `datasource` object anywhere in the JSON. */
function datasourceRefs(value: unknown, found: Array<{ type?: string; uid?: string }> = []) {
  if (Array.isArray(value)) {
    for (const item of value) datasourceRefs(item, found);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (key === 'datasource' && child !== null && typeof child === 'object')
        found.push(child as { uid?: string });
      datasourceRefs(child, found);
    }
  }
  return found;
}

/** Grafana's macros and the dashboard's own variables, replaced by values Prometheus accepts. */
function substituteVariables(expr: string): string {
  return expr
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('$__interval', '30s')
    .replaceAll('$__range', '1h')
    .replace(/\$\{(\w+)(:\w+)?\}/g, '.*')
    .replace(/\$\w+/g, '.*');
}

/**
 * Turns a Grafana Prometheus variable query into the PromQL it runs: label_values(selector, label)
 * queries the selector, query_result(expr) the expression. One-argument label_values(label) has no PromQL.
 */
function variablePromql(definition: string): string | undefined {
  const labelValues = /^label_values\((.*),\s*([a-zA-Z_]\w*)\s*\)$/s.exec(definition);
  if (labelValues) return substituteVariables(labelValues[1]!);
  const queryResult = /^query_result\((.*)\)$/s.exec(definition);
  if (queryResult) return substituteVariables(queryResult[1]!);
  if (/^label_values\(\s*[a-zA-Z_]\w*\s*\)$/.test(definition)) return undefined;
  throw new Error(`unsupported variable query: ${definition}`);
}

describe('generated dashboards', () => {
  it('are committed and fresh (run deploy/observability/grafana/generate.ts)', () => {
    expect(Object.keys(dashboards()).sort()).toEqual([...files].sort());
    expect(staleFiles()).toEqual([]);
  });

  it('include the five dashboards the stack documents', () => {
    expect([...files].sort()).toEqual(
      [
        'dynamo.json',
        'gpu-dcgm.json',
        'kvbm.json',
        'logs.json',
        'operator.json',
        'self-monitoring.json',
        'service-red.json',
      ].sort(),
    );
  });

  it('have unique uids', () => {
    const uids = [...committed.values()].map((board) => board.uid);
    expect(new Set(uids).size).toBe(uids.length);
  });
});

describe.each([...committed.entries()])('%s', (_name, board) => {
  const panels = panelsOf(board);

  it('has the current schema version, a title, a uid and a time range', () => {
    expect(board.schemaVersion).toBe(SCHEMA_VERSION);
    expect(board.title).toEqual(expect.any(String));
    expect(board.uid).toMatch(/^[a-z0-9-]{1,40}$/);
    expect(board.time).toEqual({ from: expect.any(String), to: 'now' });
  });

  it('has unique panel ids and panels inside the 24-column grid without overlaps', () => {
    const ids = panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    const occupied = new Set<string>();
    for (const { gridPos, title } of panels) {
      expect(gridPos.x + gridPos.w, title).toBeLessThanOrEqual(24);
      for (let x = gridPos.x; x < gridPos.x + gridPos.w; x++) {
        for (let y = gridPos.y; y < gridPos.y + gridPos.h; y++) {
          expect(occupied.has(`${x},${y}`), `${title} overlaps at ${x},${y}`).toBe(false);
          occupied.add(`${x},${y}`);
        }
      }
    }
  });

  it('references only provisioned datasource uids', () => {
    const provisioned = readYaml<{ datasources: Array<{ uid: string; type: string }> }>(
      DATASOURCES_FILE,
    ).datasources;
    const byUid = new Map(provisioned.map((ds) => [ds.uid, ds.type]));
    const refs = datasourceRefs(board);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      if (ref.uid === '-- Grafana --') continue; // Grafana's built-in annotations datasource
      expect(byUid.has(ref.uid ?? ''), `unprovisioned datasource uid ${ref.uid}`).toBe(true);
      expect(ref.type).toBe(byUid.get(ref.uid ?? ''));
    }
  });

  it('has a query in every non-row panel', () => {
    for (const panel of panels) {
      if (panel.type === 'row') continue;
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) expect(target.expr.trim(), panel.title).not.toBe('');
    }
  });
});

describe('the operator dashboard', () => {
  const board = committed.get('operator.json')!;

  it("keeps every panel of Dynamo's dynamo-operator.json with its query and legend (reference §8.2)", () => {
    const targets = new Map(
      panelsOf(board).map((panel) => [
        panel.title,
        [panel.type, panel.targets?.[0]?.expr, panel.targets?.[0]?.legendFormat],
      ]),
    );
    for (const [title, kind, expr, legend] of DYNAMO_OPERATOR_PANELS)
      expect(targets.get(title), title).toEqual([kind, expr, legend]);
    expect(DYNAMO_OPERATOR_PANELS.map(([title]) => title)).toEqual([
      'Reconciliation Rate',
      'Reconciliation Duration (P95)',
      'Reconciliation Errors',
      'Webhook Request Rate',
      'Webhook Duration (P95)',
      'Webhook Denials',
      'Resource Inventory by State',
      'Resource Count by State',
      'Reconciliation Success Rate',
      'Webhook Admission Success Rate',
    ]);
  });

  it("has Dynamo's namespace and resource_type variables", () => {
    expect(variablesOf(board).map((variable) => [variable.name, variable.definition])).toEqual([
      ['namespace', 'label_values(dynamo_operator_reconcile_total, namespace)'],
      ['resource_type', 'label_values(dynamo_operator_resources_total, resource_type)'],
    ]);
  });
});

describe('the Dynamo dashboard', () => {
  const board = committed.get('dynamo.json')!;
  const titles = panelsOf(board).map((panel) => panel.title);

  it("keeps every panel of Dynamo's dynamo.json (reference §7.5)", () => {
    expect(titles).toEqual(
      expect.arrayContaining([
        'Frontend Requests / Sec',
        'Frontend Avg Time to First Token',
        'Frontend Avg Inter-Token Latency',
        'Frontend Avg Request Duration',
        'Frontend Avg Input/Output Sequence Length',
        'DCGM GPU Utilization',
        '$component bytes / sec',
        '$component requests / sec',
        '$component Avg Request Duration (seconds)',
        '$component Avg Errors / sec',
      ]),
    );
  });

  it('has the namespace, component, endpoint and model variables', () => {
    expect(variablesOf(board).map((variable) => variable.name)).toEqual([
      'namespace',
      'component',
      'endpoint',
      'model',
    ]);
  });

  it('shows p50, p95 and p99 of TTFT, ITL and request duration', () => {
    const exprs = panelsOf(board).flatMap((panel) => panel.targets?.map((target) => target.expr) ?? []);
    for (const metric of [
      'time_to_first_token_seconds',
      'inter_token_latency_seconds',
      'request_duration_seconds',
    ]) {
      for (const quantile of ['p50', 'p95', 'p99', 'mean']) {
        expect(exprs.some((expr) => expr.includes(`dynamo_frontend_${metric}:${quantile}_rate5m`))).toBe(
          true,
        );
      }
    }
  });
});

describe('recorded series read by dashboards', () => {
  it('are all defined in recording.yml', () => {
    const recorded = new Set(
      ruleGroups(RECORDING_RULES).flatMap((group) => group.rules.map((rule) => rule.record)),
    );
    const used = [...committed.values()]
      .flatMap(panelsOf)
      .flatMap((panel) => panel.targets ?? [])
      .filter((target) => target.datasource.type === 'prometheus')
      .flatMap((target) => [...target.expr.matchAll(/\b[a-z_]+:[a-z0-9_:]+\b/g)].map((match) => match[0]));
    expect(used.length).toBeGreaterThan(10);
    for (const name of used) expect(recorded, `${name} is not recorded`).toContain(name);
  });
});

const prometheusBinary = requireBinaryInCi('prometheus');

describe.skipIf(prometheusBinary === undefined)('with a real Prometheus', () => {
  let prometheus: PrometheusServer;

  beforeAll(async () => {
    prometheus = await PrometheusServer.start({
      binary: prometheusBinary!,
      jobs: [{ jobName: 'prometheus', targets: ['127.0.0.1:1'] }],
      extraConfig: `rule_files:\n  - ${JSON.stringify(RECORDING_RULES)}\n  - ${JSON.stringify(ALERT_RULES)}\n`,
    });
  });

  afterAll(async () => {
    await prometheus?.stop();
  });

  const prometheusQueries = [...committed.entries()].flatMap(([file, board]) => [
    ...variablesOf(board)
      .filter((variable) => variable.datasource?.type === 'prometheus')
      .map((variable) => [`${file} variable $${variable.name}`, variable.definition!, 'variable'] as const),
    ...panelsOf(board).flatMap((panel) =>
      (panel.targets ?? [])
        .filter((target) => target.datasource.type === 'prometheus')
        .map((target) => [`${file} "${panel.title}"`, target.expr, 'panel'] as const),
    ),
  ]);

  it('has queries to check', () => {
    expect(prometheusQueries.length).toBeGreaterThan(100);
  });

  it.each(prometheusQueries)('%s: %s parses', async (_where, query, kind) => {
    const promql = kind === 'variable' ? variablePromql(query) : substituteVariables(query);
    if (promql === undefined) return;
    // PrometheusServer.query throws on a parse error ("bad_data"); an empty result is fine.
    await expect(prometheus.query(promql)).resolves.toEqual(expect.any(Array));
  });

  it('rejects a malformed query (the check can fail)', async () => {
    await expect(
      prometheus.query(substituteVariables('sum by (job (rate(up[$__rate_interval]))')),
    ).rejects.toThrow(/parse error/);
  });

  it('loads every recording and alert rule and evaluates them without errors', async () => {
    const rules = await prometheus.waitFor('rule groups evaluated', async () => {
      const response = await fetch(`${prometheus.url}/api/v1/rules`);
      const body = (await response.json()) as {
        data: {
          groups: Array<{
            name: string;
            lastEvaluation: string;
            rules: Array<{ name: string; health: string; lastError?: string }>;
          }>;
        };
      };
      const groups = body.data.groups;
      const evaluated =
        groups.length > 0 && groups.every((group) => !group.lastEvaluation.startsWith('0001-'));
      return evaluated ? groups.flatMap((group) => group.rules) : undefined;
    });
    const expected = [RECORDING_RULES, ALERT_RULES].flatMap((file) =>
      ruleGroups(file).flatMap((group) => group.rules),
    );
    expect(rules).toHaveLength(expected.length);
    for (const rule of rules)
      expect({ name: rule.name, health: rule.health, error: rule.lastError ?? '' }).toEqual({
        name: rule.name,
        health: 'ok',
        error: '',
      });
  });
});
