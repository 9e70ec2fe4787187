/**
 * The observability stack of deploy/observability as real processes on 127.0.0.1 for the end-to-end test
 * (stack-e2e.test.ts): Prometheus loaded with a copy of the project's prometheus.yml whose targets point at
 * the services the test started, and Alertmanager loaded with a copy of alertmanager.yml whose receivers
 * post to a webhook server inside the test. Only what a test on one machine needs is rewritten; every
 * rewrite is listed in `STACK_E2E_REWRITES` so the docs can say exactly what differs from production.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { freePort } from '../support/free-port.ts';
import { listen, type RunningServer } from '../support/http-server.ts';
import { ALERT_RULES, ALERTMANAGER_CONFIG, PROMETHEUS_CONFIG, RECORDING_RULES, readYaml } from './support.ts';

/** What the test changes in the project's files, and why (quoted by docs/observability-stack.md). */
export const STACK_E2E_REWRITES: readonly string[] = [
  'prometheus.yml: scrape and evaluation intervals 1s (was 2s–30s), so rates and recorded series exist within seconds',
  'prometheus.yml: targets rewritten to the loopback ports of the processes the test started; optional exporters point at a closed loopback port (they stay down, as without a GPU)',
  'prometheus.yml: the jobs of processes this test does not run (dynotel-examples, otel-collector, tempo, loki, grafana) are left out',
  'alerts.yml (a copy): DynotelTargetDown `for: 2m` becomes `for: 2s`, so the killed worker pages within the test',
  'alertmanager.yml: webhook URLs point at the test webhook, e-mail receivers are removed (no SMTP server), group_wait 1s (was 30s)',
];

/** Shortened `for:` windows of the alert-rule copy: alert name → window. */
export const SHORTENED_FOR: Readonly<Record<string, string>> = { DynotelTargetDown: '2s' };

/** Jobs of prometheus.yml that this test does not run (no process to scrape). */
const JOBS_NOT_RUN = new Set(['dynotel-examples', 'otel-collector', 'tempo', 'loki', 'grafana']);

type Yaml = Record<string, unknown>;
type ScrapeConfig = {
  job_name: string;
  scrape_interval?: string;
  scrape_timeout?: string;
  static_configs: Yaml[];
};

export interface StackTargets {
  /** job name → host:port of a process the test runs. */
  readonly services: Readonly<Record<string, string>>;
  /** A loopback port nothing listens on, for the optional exporters. */
  readonly closedPort: number;
  readonly prometheus: string;
  readonly alertmanager: string;
}

/** The project's prometheus.yml with the rewrites above; `ruleFiles` are absolute paths. */
export function rewritePrometheusConfig(targets: StackTargets, ruleFiles: readonly string[]): string {
  const config = readYaml<Yaml & { scrape_configs: ScrapeConfig[]; global: Yaml }>(PROMETHEUS_CONFIG);
  config.global = {
    ...config.global,
    scrape_interval: '1s',
    scrape_timeout: '1s',
    evaluation_interval: '1s',
  };
  config.rule_files = [...ruleFiles];
  config.alerting = { alertmanagers: [{ static_configs: [{ targets: [targets.alertmanager] }] }] };
  const selfTargets: Record<string, string> = {
    prometheus: targets.prometheus,
    alertmanager: targets.alertmanager,
    ...targets.services,
  };
  config.scrape_configs = config.scrape_configs
    .filter((job) => !JOBS_NOT_RUN.has(job.job_name))
    .map((job) => {
      const optional = job.static_configs.some(
        (group) => (group.labels as Record<string, string> | undefined)?.optional === 'true',
      );
      const target = selfTargets[job.job_name] ?? (optional ? `127.0.0.1:${targets.closedPort}` : undefined);
      if (target === undefined) throw new Error(`stack-e2e has no target for job ${job.job_name}`);
      const { scrape_interval: _interval, scrape_timeout: _timeout, ...rest } = job;
      return {
        ...rest,
        scrape_interval: '1s',
        scrape_timeout: '1s',
        // One target per job, keeping the job's labels (service, optional).
        static_configs: [{ ...job.static_configs[0], targets: [target] }],
      };
    });
  return stringify(config);
}

/** alerts.yml with the `for:` windows of SHORTENED_FOR replaced; everything else verbatim. */
export function rewriteAlertRules(): string {
  const rules = readYaml<{ groups: Array<{ rules: Array<{ alert?: string; for?: string }> }> }>(ALERT_RULES);
  for (const group of rules.groups) {
    for (const rule of group.rules) {
      const shortened = rule.alert === undefined ? undefined : SHORTENED_FOR[rule.alert];
      if (shortened !== undefined) rule.for = shortened;
    }
  }
  return stringify(rules);
}

/** alertmanager.yml with its webhooks sent to `webhookUrl` (keeping the path) and no e-mail. */
export function rewriteAlertmanagerConfig(webhookUrl: string): string {
  const config = readYaml<Yaml & { route: Yaml; receivers: Yaml[] }>(ALERTMANAGER_CONFIG);
  config.route = { ...config.route, group_wait: '1s' };
  config.receivers = config.receivers.map((receiver) => {
    const { email_configs: _email, ...rest } = receiver;
    const webhooks = (receiver.webhook_configs as Array<{ url: string }> | undefined) ?? [];
    return {
      ...rest,
      webhook_configs: webhooks.map((hook) => ({
        ...hook,
        url: `${webhookUrl}${new URL(hook.url).pathname}`,
      })),
    };
  });
  return stringify(config);
}

/** One notification Alertmanager posted to the webhook. */
export interface WebhookNotification {
  readonly path: string;
  readonly body: {
    readonly receiver: string;
    readonly status: string;
    readonly alerts: ReadonlyArray<{ status: string; labels: Record<string, string> }>;
  };
}

export interface Webhook {
  readonly url: string;
  readonly received: readonly WebhookNotification[];
  close(): Promise<void>;
}

export async function startWebhook(): Promise<Webhook> {
  const received: WebhookNotification[] = [];
  const server: RunningServer = await listen((req: IncomingMessage, res: ServerResponse) => {
    let text = '';
    req.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    req.on('end', () => {
      try {
        received.push({ path: req.url ?? '', body: JSON.parse(text) as WebhookNotification['body'] });
      } catch {}
      res.writeHead(200).end();
    });
  });
  return { url: server.url, received, close: () => server.close() };
}

/** A Debian binary (prometheus, prometheus-alertmanager) as a child process with a temporary dir. */
export class StackProcess {
  readonly url: string;
  readonly #child: ChildProcess;
  readonly #dir: string;
  #log = '';

  private constructor(url: string, child: ChildProcess, dir: string) {
    this.url = url;
    this.#child = child;
    this.#dir = dir;
    child.stderr?.on('data', (chunk: Buffer) => {
      this.#log = (this.#log + chunk.toString()).slice(-10_000);
    });
  }

  get log(): string {
    return this.#log;
  }

  /**
   * Writes `files` into a fresh temporary dir, then runs `binary` with the args `args(dir)` returns,
   * and waits for `/-/ready`.
   */
  static async start(
    binary: string,
    port: number,
    files: Readonly<Record<string, string>>,
    args: (dir: string) => string[],
  ): Promise<StackProcess> {
    const dir = await mkdtemp(join(tmpdir(), 'dynotel-stack-e2e-'));
    for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
    const child = spawn(binary, args(dir), { stdio: ['ignore', 'ignore', 'pipe'] });
    const server = new StackProcess(`http://127.0.0.1:${port}`, child, dir);
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`${binary} exited with ${child.exitCode}: ${server.#log}`);
      try {
        if ((await fetch(`${server.url}/-/ready`, { signal: AbortSignal.timeout(1000) })).ok) return server;
      } catch {}
      await sleep(100);
    }
    await server.stop();
    throw new Error(`${binary} was not ready within 20 s: ${server.#log}`);
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      const exited = once(this.#child, 'exit');
      this.#child.kill('SIGTERM');
      const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await rm(this.#dir, { recursive: true, force: true });
  }
}

export async function startAlertmanager(binary: string, webhookUrl: string): Promise<StackProcess> {
  const port = await freePort();
  return StackProcess.start(
    binary,
    port,
    { 'alertmanager.yml': rewriteAlertmanagerConfig(webhookUrl) },
    (dir) => [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
  );
}

export async function startPrometheus(
  binary: string,
  targets: Omit<StackTargets, 'prometheus'>,
): Promise<StackProcess> {
  const port = await freePort();
  const files = {
    // recording.yml is loaded from the project as it is; alerts.yml from the rewritten copy.
    'alerts.yml': rewriteAlertRules(),
  };
  return StackProcess.start(binary, port, files, (dir) => {
    const config = rewritePrometheusConfig({ ...targets, prometheus: `127.0.0.1:${port}` }, [
      RECORDING_RULES,
      join(dir, 'alerts.yml'),
    ]);
    // Written synchronously before the spawn: the config names the port chosen above.
    writeFileSync(join(dir, 'prometheus.yml'), config);
    return [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ];
  });
}

/** Prometheus' HTTP API: parse (format_query) and instant queries, each bounded by a timeout. */
export class PromApi {
  readonly #url: string;
  constructor(url: string) {
    this.#url = url;
  }

  async #get<T>(path: string): Promise<{ ok: true; data: T } | { ok: false; error: string }> {
    const response = await fetch(`${this.#url}${path}`, { signal: AbortSignal.timeout(5000) });
    const body = (await response.json()) as { status: string; data: T; error?: string };
    return body.status === 'success' ? { ok: true, data: body.data } : { ok: false, error: body.error ?? '' };
  }

  /** undefined when the expression parses, the parser's message otherwise. */
  async parseError(expr: string): Promise<string | undefined> {
    const result = await this.#get<string>(`/api/v1/format_query?query=${encodeURIComponent(expr)}`);
    return result.ok ? undefined : result.error;
  }

  async query(expr: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
    const result = await this.#get<{
      result: Array<{ metric: Record<string, string>; value: [number, string] }>;
    }>(`/api/v1/query?query=${encodeURIComponent(expr)}`);
    if (!result.ok) throw new Error(`query failed: ${expr}: ${result.error}`);
    return result.data.result;
  }

  async waitFor(what: string, expr: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if ((await this.query(expr)).length > 0) return;
      await sleep(250);
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${expr})`);
  }
}
