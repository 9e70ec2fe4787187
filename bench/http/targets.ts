/**
 * Issue #23's throughput and CPU targets for the HTTP matrix, and the floor each is measured against:
 * one list for the verdict table the HTTP suite prints and for the cell counts of bench/targets.ts.
 */
import { FLOORS, type Framework } from './apps/variants.ts';

/** The paired ratio a target bounds, as the matrix rows carry it in their extras. */
export type TargetFigure = 'round ratio' | 'CPU ratio' | 'fixed-rate CPU ratio';

export interface HttpTarget {
  readonly framework: Framework;
  /** The app label whose figure the target bounds. */
  readonly impl: string;
  readonly figure: TargetFigure;
  readonly bound: number;
  /** At least the bound (throughput), or at most (CPU). */
  readonly min: boolean;
}

export const HTTP_TARGETS: readonly HttpTarget[] = [
  { framework: 'fastify', impl: 'metrics-only', figure: 'round ratio', bound: 0.85, min: true },
  { framework: 'fastify', impl: 'full (CJS)', figure: 'round ratio', bound: 0.5, min: true },
  { framework: 'fastify', impl: 'full (CJS)', figure: 'CPU ratio', bound: 2, min: false },
  { framework: 'fastify', impl: 'full (CJS)', figure: 'fixed-rate CPU ratio', bound: 2, min: false },
  { framework: 'fastify', impl: '10% sampled', figure: 'round ratio', bound: 0.7, min: true },
  { framework: 'express', impl: 'metrics-only', figure: 'round ratio', bound: 0.9, min: true },
  { framework: 'express', impl: 'full (CJS)', figure: 'round ratio', bound: 0.6, min: true },
];

/** The other apps running the full telemetry environment: the same req/s target as `full (CJS)`. */
export const FULL_TELEMETRY_APPS: readonly string[] = [
  'full (ESM)',
  '--require register',
  '--import register',
];

const FIGURE_NAMES: Record<TargetFigure, string> = {
  'round ratio': 'req/s',
  'CPU ratio': 'CPU/request',
  'fixed-rate CPU ratio': 'CPU/request at the fixed rate',
};

/** `full ≥ 0.5× req/s`: the target's name for the app label `impl`. */
export function targetName(target: HttpTarget, impl: string = target.impl): string {
  const app = impl === 'full (CJS)' ? 'full' : impl;
  return `${app} ${target.min ? '≥' : '≤'} ${target.bound}× ${FIGURE_NAMES[target.figure]}`;
}

/**
 * The label of the floor `impl` is held against in a cell. With a sampled incoming traceparent the 10%
 * variant records every span (parent-based sampling): its floor there is the full target's.
 */
export function floorOf(impl: string, traceparent: boolean): string | undefined {
  const bounded = impl === '10% sampled' && traceparent ? 'full (CJS)' : impl;
  return FLOORS.find((floor) => floor.bounds === bounded)?.label;
}
