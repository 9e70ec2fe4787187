import { seconds } from '../parsers.ts';
import { envVar } from './row.ts';

const SECONDS_ACCEPTED = 'seconds >= 0 (decimals allowed)';

export const SHUTDOWN_VARIABLES = {
  DYN_SHUTDOWN_DRAIN_DELAY: envVar({
    name: 'DYN_SHUTDOWN_DRAIN_DELAY',
    group: 'shutdown',
    type: 'duration-seconds',
    default: '5',
    accepted: SECONDS_ACCEPTED,
    description:
      'After SIGTERM, seconds to keep serving while readiness reports not ready, so Kubernetes can remove the pod from its endpoints before connections close.',
    source: 'dynotel',
    keys: ['shutdown.drainDelayMs'],
    parse: seconds(0),
    fallback: 5000,
  }),
  DYN_SHUTDOWN_TIMEOUT: envVar({
    name: 'DYN_SHUTDOWN_TIMEOUT',
    group: 'shutdown',
    type: 'duration-seconds',
    default: '20',
    accepted: `${SECONDS_ACCEPTED}; drain delay + timeout must fit in the grace period`,
    description:
      'After the drain delay, seconds to wait for in-flight requests and the telemetry flush before giving up. Reduced to fit when drain delay + timeout exceed the grace period.',
    source: 'dynotel',
    keys: ['shutdown.timeoutMs'],
    parse: seconds(0),
    fallback: 20_000,
  }),
  DYN_SHUTDOWN_GRACE_PERIOD: envVar({
    name: 'DYN_SHUTDOWN_GRACE_PERIOD',
    group: 'shutdown',
    type: 'duration-seconds',
    default: '30',
    accepted: 'seconds > 0 (decimals allowed)',
    description:
      "The platform's budget between SIGTERM and SIGKILL (Kubernetes `terminationGracePeriodSeconds`, 30 by default); set it to match the pod spec.",
    source: 'dynotel',
    keys: ['shutdown.gracePeriodMs'],
    parse: seconds(0, true),
    fallback: 30_000,
  }),
} as const;
