/**
 * bench/lib/target-counts.ts: issue #23's targets counted over a run's matrix tables, beside the floors.
 */
import { expect, test } from 'vitest';
import { countTargets, renderTargetCounts } from '../../bench/lib/target-counts.ts';

const FLOOR_1 = 'floor 1: request id + close';
const FLOOR_5 = 'floor 5: + a span per request over OTLP/gRPC';

const run = `
### fastify: req/s, paired ratio to bare (bare: req/s)

| cell | bare | full (CJS) | metrics-only | ${FLOOR_1} | ${FLOOR_5} |
|---|---|---|---|---|---|
| c10 static small | 60000 | 0.48 | 0.90 | 0.95 | 0.52 |
| c10 static small +traceparent | 58000 | 0.55 | 0.80 | 0.84 | 0.60 |
| c32 static small | 61000 | 0.61 | 0.86 | 0.80 | 0.70 |

### fastify: server CPU per request, paired ratio to bare (bare: µs)

| cell | bare | full (CJS) | ${FLOOR_5} |
|---|---|---|---|
| c10 static small | 16 | 2.10 | 1.90 |
| c32 static small | 16 | 1.50 | – |
`;

test('counts the cells meeting each target beside its floor, over all cells and each traceparent split', () => {
  const counts = countTargets(run);
  const metricsOnly = counts.filter((c) => c.target === 'fastify metrics-only ≥ 0.85× req/s');
  expect(metricsOnly).toEqual([
    {
      target: 'fastify metrics-only ≥ 0.85× req/s',
      cells: 'all',
      total: 3,
      met: 2,
      floorMet: 1,
      median: 0.86,
      worst: 0.8,
      gapToFloor: expect.closeTo(-0.04, 10),
      floor: 'floor 1',
    },
    expect.objectContaining({ cells: 'with traceparent', total: 1, met: 0, floorMet: 0 }),
    expect.objectContaining({ cells: 'without', total: 2, met: 2, floorMet: 1 }),
  ]);
  const full = counts.find((c) => c.target === 'fastify full ≥ 0.5× req/s' && c.cells === 'all');
  expect(full).toMatchObject({ total: 3, met: 2, floorMet: 3, worst: 0.48, floor: 'floor 5' });
});

test('a CPU target is met at or below its bound, and a cell without the floor is left out', () => {
  const cpu = countTargets(run).find(
    (c) => c.target === 'fastify full ≤ 2× CPU/request' && c.cells === 'all',
  );
  expect(cpu).toMatchObject({ total: 1, met: 0, floorMet: 1, worst: 2.1 });
});

test('targets whose tables or columns the run lacks are not counted; the counts render as a table', () => {
  const counts = countTargets(run);
  expect(counts.some((c) => c.target.startsWith('express'))).toBe(false);
  expect(counts.some((c) => c.target.includes('10% sampled'))).toBe(false);
  const table = renderTargetCounts(counts).split('\n');
  expect(table[0]).toBe(
    '| target | cells | cells met (floor met) | median | worst | median gap to the floor |',
  );
  expect(table).toContain(
    '| fastify metrics-only ≥ 0.85× req/s | all | 2/3 (1) | 0.86 | 0.80 | -0.04 (floor 1) |',
  );
});
