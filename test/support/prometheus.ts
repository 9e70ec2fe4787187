import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './free-port.ts';

/**
 * A real Prometheus server (the Debian binary) on 127.0.0.1 with a temporary config and data dir,
 * for end-to-end tests. Scrapes fast (1 s) so tests finish quickly.
 */
export interface ScrapeJob {
  readonly jobName: string;
  readonly targets: readonly string[];
  readonly metricsPath?: string;
  readonly scrapeInterval?: string;
}

export interface PrometheusOptions {
  readonly binary: string;
  readonly jobs: readonly ScrapeJob[];
  /** Extra YAML appended to the config (rule_files, alerting). */
  readonly extraConfig?: string;
  readonly enableExemplars?: boolean;
}

export interface TargetHealth {
  readonly job: string;
  readonly health: string;
  readonly lastError: string;
  readonly scrapeUrl: string;
}

export interface VectorSample {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}

export class PrometheusServer {
  readonly url: string;
  readonly #process: ChildProcess;
  readonly #dir: string;
  #log = '';

  private constructor(url: string, child: ChildProcess, dir: string) {
    this.url = url;
    this.#process = child;
    this.#dir = dir;
    child.stderr?.on('data', (chunk: Buffer) => {
      this.#log = (this.#log + chunk.toString()).slice(-20_000);
    });
  }

  static async start(options: PrometheusOptions): Promise<PrometheusServer> {
    const dir = await mkdtemp(join(tmpdir(), 'dynotel-prom-'));
    const port = await freePort();
    const jobs = options.jobs
      .map(
        (job) => `  - job_name: ${JSON.stringify(job.jobName)}
    scrape_interval: ${job.scrapeInterval ?? '1s'}
    scrape_timeout: 1s
    metrics_path: ${JSON.stringify(job.metricsPath ?? '/metrics')}
    static_configs:
      - targets: [${job.targets.map((t) => JSON.stringify(t)).join(', ')}]`,
      )
      .join('\n');
    const config = `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n${jobs}\n${options.extraConfig ?? ''}\n`;
    const configFile = join(dir, 'prometheus.yml');
    await writeFile(configFile, config);
    const args = [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-lifecycle',
      '--log.level=warn',
    ];
    if (options.enableExemplars) args.push('--enable-feature=exemplar-storage');
    const child = spawn(options.binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const server = new PrometheusServer(`http://127.0.0.1:${port}`, child, dir);
    await server.#waitReady();
    return server;
  }

  async #waitReady(): Promise<void> {
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (this.#process.exitCode !== null) {
        throw new Error(`prometheus exited with ${this.#process.exitCode}: ${this.#log}`);
      }
      try {
        const response = await fetch(`${this.url}/-/ready`);
        if (response.ok) return;
      } catch {}
      await sleep(100);
    }
    throw new Error(`prometheus did not become ready in 20 s: ${this.#log}`);
  }

  async #api<T>(path: string): Promise<T> {
    const response = await fetch(`${this.url}${path}`);
    const body = (await response.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`prometheus ${path}: ${body.error ?? response.status}`);
    return body.data;
  }

  async query(promql: string): Promise<VectorSample[]> {
    const data = await this.#api<{ resultType: string; result: VectorSample[] }>(
      `/api/v1/query?query=${encodeURIComponent(promql)}`,
    );
    return data.result;
  }

  async targets(): Promise<TargetHealth[]> {
    const data = await this.#api<{ activeTargets: Array<TargetHealth & { labels: { job: string } }> }>(
      '/api/v1/targets?state=active',
    );
    return data.activeTargets.map((t) => ({
      job: t.labels.job,
      health: t.health,
      lastError: t.lastError,
      scrapeUrl: t.scrapeUrl,
    }));
  }

  async exemplars(promql: string, seconds = 300): Promise<Array<{ labels: Record<string, string> }>> {
    const end = Date.now() / 1000;
    const data = await this.#api<Array<{ exemplars: Array<{ labels: Record<string, string> }> }>>(
      `/api/v1/query_exemplars?query=${encodeURIComponent(promql)}&start=${end - seconds}&end=${end + 5}`,
    );
    return data.flatMap((series) => series.exemplars);
  }

  /** Polls `check` until it returns a value (not undefined) or the timeout passes. */
  async waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    while (Date.now() < deadline) {
      try {
        const value = await check();
        if (value !== undefined) return value;
      } catch (error) {
        lastError = error;
      }
      await sleep(250);
    }
    throw new Error(`timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
  }

  async stop(): Promise<void> {
    if (this.#process.exitCode === null) {
      const exited = new Promise((resolve) => this.#process.once('exit', resolve));
      this.#process.kill('SIGTERM');
      await Promise.race([exited, sleep(5_000)]);
      if (this.#process.exitCode === null) this.#process.kill('SIGKILL');
    }
    await rm(this.#dir, { recursive: true, force: true });
  }
}
