import { decimal, integer, seconds, truthyBoolean } from '../parsers.ts';
import { envVar } from './row.ts';

export const CLUSTER_VARIABLES = {
  DYN_CLUSTER_AGGREGATE: envVar({
    name: 'DYN_CLUSTER_AGGREGATE',
    group: 'cluster',
    type: 'bool-truthy',
    default: 'true',
    accepted: '1|true|on|yes or 0|false|off|no (case-insensitive)',
    description:
      'In a node:cluster primary, serve one `/metrics`, `/health` and `/live` for the whole service on DYN_SYSTEM_PORT (the workers do not bind it; counters and histograms are summed, gauges kept per worker); in the main thread, add the metrics of worker threads. Off: every process and thread is on its own, as before. See docs/cluster.md.',
    source: 'dynotel',
    keys: ['cluster.aggregate'],
    parse: truthyBoolean,
    fallback: true,
  }),
  DYN_CLUSTER_SCRAPE_TIMEOUT: envVar({
    name: 'DYN_CLUSTER_SCRAPE_TIMEOUT',
    group: 'cluster',
    type: 'duration-seconds',
    default: '2',
    accepted: 'seconds > 0 (decimals allowed)',
    description:
      'How long a scrape of the primary (or main thread) waits for the workers’ snapshots. A worker that has not answered by then is left out of this scrape as stale (its counters stay at their last value, its gauges are omitted) and counted in `dynotel_cluster_worker_snapshots_missed_total`. Keep it below the scraper’s timeout.',
    source: 'dynotel',
    keys: ['cluster.scrapeTimeoutMs'],
    parse: seconds(0, true),
    fallback: 2000,
  }),
  DYN_CLUSTER_READY_SHARE: envVar({
    name: 'DYN_CLUSTER_READY_SHARE',
    group: 'cluster',
    type: 'float',
    default: '0.5',
    accepted: 'a number from 0 to 1',
    description:
      'In a node:cluster primary: `/health` is ready when the primary is and at least this share of the live workers answer ready within DYN_CLUSTER_SCRAPE_TIMEOUT (and there is at least one worker). 0.5 keeps a four-worker service ready while one worker restarts.',
    source: 'dynotel',
    keys: ['cluster.readyShare'],
    parse: decimal({ min: 0, max: 1 }),
    fallback: 0.5,
  }),
  DYN_CLUSTER_PRIMARY_PID: envVar({
    name: 'DYN_CLUSTER_PRIMARY_PID',
    group: 'cluster',
    type: 'int',
    default: 'unset',
    accepted: 'a process id',
    description:
      'Set by dynotel in a node:cluster primary for the workers it forks (they inherit it): a worker that sees it answers the primary instead of binding DYN_SYSTEM_PORT. Never set it yourself; a worker without it (PM2 cluster mode, a primary without dynotel) serves on its own.',
    source: 'dynotel',
    keys: ['cluster.primaryPid'],
    parse: integer(1, 2_147_483_647),
    fallback: undefined as number | undefined,
  }),
} as const;
