import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBinaryInCi } from '../support/binaries.ts';
import { freePort } from '../support/free-port.ts';
import { ALERTMANAGER_CONFIG, run } from './support.ts';

/**
 * The Alertmanager config, checked with amtool (syntax and routing) and then loaded into a real
 * Alertmanager to prove the inhibition rules: a critical alert silences its warning twin.
 */
const amtool = requireBinaryInCi('amtool');
const alertmanagerBinary = requireBinaryInCi('prometheus-alertmanager');

describe.skipIf(amtool === undefined)('amtool', () => {
  it('accepts alertmanager.yml', async () => {
    const result = await run(amtool!, ['check-config', ALERTMANAGER_CONFIG]);
    expect(result.output).toContain('SUCCESS');
    expect(result.code, result.output).toBe(0);
  });

  it.each([
    [{ severity: 'critical', alertname: 'DynotelTargetDown' }, 'oncall-critical'],
    [{ severity: 'warning', alertname: 'DynotelSpansDropped' }, 'team-webhook'],
    [{ severity: 'warning', alertname: 'DynotelLogRecordsDropped' }, 'team-webhook'],
    [{ alertname: 'SomethingWithoutSeverity' }, 'team-webhook'],
  ])('routes %o to %s', async (labels, receiver) => {
    const args = ['config', 'routes', 'test', `--config.file=${ALERTMANAGER_CONFIG}`];
    for (const [name, value] of Object.entries(labels)) args.push(`${name}=${value}`);
    const result = await run(amtool!, args);
    expect(result.code, result.output).toBe(0);
    expect(result.output.split('\n').at(-1)).toBe(receiver);
  });
});

interface AlertStatus {
  labels: Record<string, string>;
  status: { state: string; inhibitedBy: string[] };
}

describe.skipIf(alertmanagerBinary === undefined)('a real Alertmanager with alertmanager.yml', () => {
  let child: ChildProcess | undefined;
  let dir = '';
  let url = '';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dynotel-am-'));
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    child = spawn(
      alertmanagerBinary!,
      [
        `--config.file=${ALERTMANAGER_CONFIG}`,
        `--storage.path=${dir}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--cluster.listen-address=',
        '--log.level=warn',
      ],
      { stdio: 'ignore' },
    );
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      try {
        if ((await fetch(`${url}/-/ready`)).ok) return;
      } catch {}
      await sleep(100);
    }
    throw new Error('alertmanager did not become ready in 20 s');
  });

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(5_000)]);
    }
    await rm(dir, { recursive: true, force: true });
  });

  async function post(alerts: Array<Record<string, string>>): Promise<void> {
    const body = alerts.map((labels) => ({
      labels,
      annotations: { summary: 'test' },
      startsAt: new Date().toISOString(),
    }));
    const response = await fetch(`${url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(200);
  }

  async function alertsNamed(alertname: string): Promise<AlertStatus[]> {
    const response = await fetch(
      `${url}/api/v2/alerts?filter=${encodeURIComponent(`alertname="${alertname}"`)}`,
    );
    return (await response.json()) as AlertStatus[];
  }

  /**
   * The alerts named `alertname` once there are `count` of them, none still "unprocessed" and the
   * alert matching `inhibited` suppressed — or the last answer after 10 s, for the test to fail on.
   * Alertmanager feeds its inhibitor's cache of source alerts asynchronously: an answer right after
   * the post may show a target alert active whose inhibiting alert has not reached that cache yet.
   */
  async function waitForStates(
    alertname: string,
    count: number,
    inhibited: (alert: AlertStatus) => boolean,
  ): Promise<AlertStatus[]> {
    const deadline = Date.now() + 10_000;
    let last: AlertStatus[] = [];
    while (Date.now() < deadline) {
      last = await alertsNamed(alertname);
      const processed = last.every((alert) => alert.status.state !== 'unprocessed');
      const suppressed = last.some((alert) => inhibited(alert) && alert.status.state === 'suppressed');
      if (last.length === count && processed && suppressed) return last;
      await sleep(100);
    }
    return last;
  }

  it('silences the warning while the critical alert of the same target fires', async () => {
    const target = { alertname: 'DynamoTimeToFirstTokenP95High', job: 'dynamo-frontend', model: 'llama' };
    await post([
      { ...target, severity: 'critical' },
      { ...target, severity: 'warning' },
      // Another model's warning has no critical twin: it must stay active.
      { ...target, model: 'mistral', severity: 'warning' },
    ]);
    const states = await waitForStates(
      target.alertname,
      3,
      (alert) => alert.labels.model === 'llama' && alert.labels.severity === 'warning',
    );
    const byKey = new Map(
      states.map((alert) => [`${alert.labels.model}/${alert.labels.severity}`, alert.status]),
    );
    expect(byKey.get('llama/critical')?.state).toBe('active');
    expect(byKey.get('llama/warning')?.state).toBe('suppressed');
    expect(byKey.get('llama/warning')?.inhibitedBy).toHaveLength(1);
    expect(byKey.get('mistral/warning')?.state).toBe('active');
  });

  it('silences warnings about a target that is down', async () => {
    const target = { job: 'dynamo-backend', instance: 'w:8081' };
    await post([
      { ...target, alertname: 'DynotelTargetDown', severity: 'critical' },
      { ...target, alertname: 'DynotelDuplicateSeriesDropped', severity: 'warning' },
      {
        job: 'dynamo-backend',
        instance: 'other:8081',
        alertname: 'DynotelDuplicateSeriesDropped',
        severity: 'warning',
      },
    ]);
    const states = await waitForStates(
      'DynotelDuplicateSeriesDropped',
      2,
      (alert) => alert.labels.instance === 'w:8081',
    );
    const byInstance = new Map(states.map((alert) => [alert.labels.instance, alert.status.state]));
    expect(byInstance.get('w:8081')).toBe('suppressed');
    expect(byInstance.get('other:8081')).toBe('active');
  });
});
