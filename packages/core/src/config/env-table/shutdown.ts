import { seconds, text } from '../parsers.ts';
import { envVar } from './row.ts';

const SECONDS_ACCEPTED = 'seconds >= 0 (decimals allowed)';

export const SHUTDOWN_VARIABLES = {
  DYN_SHUTDOWN_DRAIN_DELAY: envVar({
    name: 'DYN_SHUTDOWN_DRAIN_DELAY',
    group: 'shutdown',
    type: 'duration-seconds',
    default: '5 in a Kubernetes pod, else 0',
    accepted: SECONDS_ACCEPTED,
    description:
      'After SIGTERM, seconds to keep serving while readiness reports not ready, so Kubernetes can remove the pod from its endpoints before connections close. Responses carry `Connection: close`; idle keep-alive connections stay open until the drain ends. The default is 5 (at most a sixth of the grace period) in a pod (KUBERNETES_SERVICE_HOST set) and 0 elsewhere: nothing routes by readiness on a laptop or a plain VM, so Ctrl-C should not wait. A second SIGINT ends the drain at once.',
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
      "After the drain delay, seconds to wait for in-flight requests and the telemetry flush before giving up. Reduced to fit when drain delay + timeout exceed the grace period. Shared out as: in-flight requests 60 % (`shutdown.inFlightTimeoutMs`), each shutdown hook 10 %, at least 1 ms (`shutdown.hookTimeoutMs`), one span or log flush inside a hook 90 % of a hook's timeout, at least 1 ms (`shutdown.flushBudgetMs`). The three are derived (set `shutdown.timeoutMs` in code, not them).",
    source: 'dynotel',
    keys: [
      'shutdown.timeoutMs',
      'shutdown.inFlightTimeoutMs',
      'shutdown.hookTimeoutMs',
      'shutdown.flushBudgetMs',
    ],
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
  DYN_HTTP_GRACEFUL_SHUTDOWN_TIMEOUT_SECS: envVar({
    name: 'DYN_HTTP_GRACEFUL_SHUTDOWN_TIMEOUT_SECS',
    group: 'shutdown',
    type: 'duration-seconds',
    default: 'unset (DYN_SHUTDOWN_TIMEOUT)',
    accepted: `${SECONDS_ACCEPTED}; drain delay + timeout must fit in the grace period`,
    description:
      "Dynamo's frontend variable: how long the HTTP server waits for in-flight requests after the drain. Read as DYN_SHUTDOWN_TIMEOUT when that is unset (DYN_SHUTDOWN_TIMEOUT wins when both are set), with the same rules.",
    source: 'dynamo',
    keys: ['shutdown.timeoutMs'],
    parse: seconds(0),
    fallback: 20_000,
  }),
  DYN_WORKER_GRACEFUL_SHUTDOWN_TIMEOUT: envVar({
    name: 'DYN_WORKER_GRACEFUL_SHUTDOWN_TIMEOUT',
    group: 'shutdown',
    type: 'duration-seconds',
    default: 'unset (DYN_SHUTDOWN_GRACE_PERIOD)',
    accepted: 'seconds > 0 (decimals allowed)',
    description:
      "Dynamo's worker variable: the whole graceful-shutdown window after the signal, past which the process is ended. Read as DYN_SHUTDOWN_GRACE_PERIOD when that is unset (DYN_SHUTDOWN_GRACE_PERIOD wins when both are set): the budget every step fits in, and the last-resort exit when the application keeps the process alive.",
    source: 'dynamo',
    keys: ['shutdown.gracePeriodMs'],
    parse: seconds(0, true),
    fallback: 30_000,
  }),
  KUBERNETES_SERVICE_HOST: envVar({
    name: 'KUBERNETES_SERVICE_HOST',
    group: 'shutdown',
    type: 'string',
    default: 'unset',
    accepted: 'any value (set by Kubernetes in every pod)',
    description:
      'Read only to tell whether the process runs in a Kubernetes pod (the kubelet sets it in every container): there the default DYN_SHUTDOWN_DRAIN_DELAY is 5 s, elsewhere 0. Never set it yourself; set DYN_SHUTDOWN_DRAIN_DELAY instead.',
    source: 'kubernetes',
    keys: ['shutdown.inKubernetes', 'shutdown.drainDelayMs'],
    parse: text,
    fallback: undefined as string | undefined,
  }),
} as const;
