import { describe, expect, it } from 'vitest';
import { dashboards } from '../../deploy/observability/grafana/generate.ts';
import { moduleUnderRoot, typeCheck } from './type-check.ts';

/**
 * The generated dashboards against Grafana's own dashboard schema: `@grafana/schema` ships the
 * classic dashboard JSON model (schemaVersion 41) as TypeScript interfaces generated from Grafana's
 * CUE schema, and no run-time validator, so each dashboard is type-checked as an object literal of
 * `Dashboard`: missing required fields, wrong types and (excess-property check) fields the schema does
 * not define, at every depth the schema types (panels, gridPos, fieldConfig, thresholds, templating,
 * annotations, links; panel `options` are free-form per plugin there).
 *
 * Two adaptations, both for JSON rather than for dynotel: string enums (`ThresholdsMode`,
 * `FieldColorModeId`, ...) accept their values as plain strings, since JSON has no enum members; and
 * a query variable may carry `definition`, which Grafana itself writes (the query text its editor
 * shows) but the schema does not list.
 */

const PRELUDE = `import type { Dashboard } from '${moduleUnderRoot('@grafana/schema/dist/types/index.js')}';

/** A schema type as JSON writes it: string enum members become their string values. */
type Json<T> = T extends string
  ? \`\${T}\`
  : T extends number | boolean | null | undefined
    ? T
    : T extends ReadonlyArray<infer U>
      ? Array<Json<U>>
      : T extends object
        ? { [K in keyof T]: Json<T[K]> }
        : T;

type Variable = NonNullable<NonNullable<Dashboard['templating']>['list']>[number];
type GeneratedDashboard = Json<Omit<Dashboard, 'templating'>> & {
  templating?: { list?: Array<Json<Variable> & { definition?: string }> };
};
`;

function source(documents: Record<string, unknown>): string {
  const declarations = Object.entries(documents).map(
    ([name, dashboard], index) =>
      `// ${name}\nexport const dashboard${index}: GeneratedDashboard = ${JSON.stringify(dashboard, null, 2)};`,
  );
  return `${PRELUDE}\n${declarations.join('\n')}\n`;
}

describe('generated Grafana dashboards against @grafana/schema', () => {
  const generated = dashboards();

  it('every dashboard type-checks as a Dashboard of the schema', async () => {
    expect(Object.keys(generated).length).toBeGreaterThanOrEqual(7);
    expect(await typeCheck(source(generated))).toBe('');
  }, 60_000);

  it('the check catches a misspelt field, a wrong type and a missing required field', async () => {
    const [name, dashboard] = Object.entries(generated)[0]!;
    const broken = structuredClone(dashboard) as {
      panels: Array<Record<string, unknown>>;
      links: Array<Record<string, unknown>>;
      schemaVersion?: unknown;
    };
    broken.panels[0]!.gridpos = { h: 1, w: 1, x: 0, y: 0 };
    broken.panels[1]!.gridPos = { h: '8', w: 12, x: 0, y: 0 };
    delete broken.links[0]!.keepTime;
    const errors = await typeCheck(source({ [name]: broken }));
    expect(errors).toMatch(/gridpos\W+ does not exist in type/);
    expect(errors).toMatch(/Type 'string' is not assignable to type 'number'/);
    expect(errors).toMatch(/Property 'keepTime' is missing/);
  }, 60_000);
});
