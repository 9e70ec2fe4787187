/**
 * Prometheus' view of the service: a target whose scrape URL is the service's /metrics, scraped with
 * health "up" and no error (GET /api/v1/targets).
 */
import { httpGet, joinUrl } from './http.ts';
import type { CheckResult } from './report.ts';

interface ActiveTarget {
  readonly scrapePool?: string;
  readonly scrapeUrl: string;
  readonly health: string;
  readonly lastError: string;
  readonly labels?: Record<string, string>;
}

export async function checkPrometheus(
  prometheus: URL,
  base: URL,
  metricsPath: string,
  timeoutMs: number,
): Promise<CheckResult> {
  const id = 'prometheus.target';
  const title = 'Prometheus scrapes the service';
  const answer = await httpGet(joinUrl(prometheus, '/api/v1/targets?state=active'), timeoutMs);
  if (!answer.ok) {
    return {
      id,
      title,
      status: 'fail',
      detail: `Prometheus does not answer: ${answer.error}`,
      fix: `start Prometheus or pass its URL with --prometheus (the local stack: ${'http://localhost:9090'})`,
    };
  }
  const targets = parseTargets(answer.status, answer.body);
  if (targets === undefined) {
    return {
      id,
      title,
      status: 'fail',
      detail: `${prometheus.origin} answered ${answer.status} without a target list`,
      fix: 'is --prometheus the URL of a Prometheus server (its /api/v1/targets)?',
    };
  }
  const wanted = new URL(joinUrl(base, metricsPath));
  const exact = targets.filter((target) => sameEndpoint(new URL(target.scrapeUrl), wanted, true));
  // From a container, Prometheus reaches the host under another name (host.docker.internal): same port and path.
  const matches =
    exact.length > 0
      ? exact
      : targets.filter((target) => sameEndpoint(new URL(target.scrapeUrl), wanted, false));
  if (matches.length === 0) {
    return {
      id,
      title,
      status: 'fail',
      detail: `no target scrapes ${wanted.href} (${targets.length} active targets)`,
      fix: `add ${wanted.host} to a scrape job (deploy/observability/prometheus/prometheus.yml), or on Kubernetes check that the PodMonitor/ServiceMonitor selects the pod and names the right port`,
    };
  }
  const bad = matches.filter((target) => target.health !== 'up' || target.lastError !== '');
  const jobs = [...new Set(matches.map((target) => target.labels?.job ?? target.scrapePool ?? '?'))].join(
    ', ',
  );
  if (bad.length === 0) {
    return {
      id,
      title,
      status: 'pass',
      detail: `job ${jobs}: up, no scrape error (${matches[0]!.scrapeUrl})`,
    };
  }
  const first = bad[0]!;
  return {
    id,
    title,
    status: 'fail',
    detail: `job ${jobs}: ${first.health}${first.lastError === '' ? '' : `, last error: ${first.lastError}`} (${first.scrapeUrl})`,
    fix: scrapeFix(first),
  };
}

function parseTargets(status: number, body: string): ActiveTarget[] | undefined {
  if (status !== 200) return undefined;
  try {
    const parsed = JSON.parse(body) as { status?: string; data?: { activeTargets?: ActiveTarget[] } };
    return parsed.status === 'success' ? (parsed.data?.activeTargets ?? []) : undefined;
  } catch {
    return undefined;
  }
}

function sameEndpoint(scrape: URL, wanted: URL, compareHost: boolean): boolean {
  if (scrape.pathname !== wanted.pathname || port(scrape) !== port(wanted)) return false;
  return !compareHost || loopback(scrape.hostname) === loopback(wanted.hostname);
}

function port(url: URL): string {
  return url.port !== '' ? url.port : url.protocol === 'https:' ? '443' : '80';
}

function loopback(host: string): string {
  return host === 'localhost' || host === '[::1]' || host === '::1' ? '127.0.0.1' : host;
}

function scrapeFix(target: ActiveTarget): string {
  const error = target.lastError.toLowerCase();
  if (target.health === 'unknown')
    return 'not scraped yet: wait one scrape interval and run the doctor again';
  if (error.includes('connection refused') || error.includes('no such host')) {
    return `Prometheus cannot connect to ${target.scrapeUrl}: from a container the service must listen on 0.0.0.0 and the target must name the host as the container sees it (host.docker.internal)`;
  }
  if (error.includes('deadline exceeded') || error.includes('timeout')) {
    return "/metrics answers slower than scrape_timeout: raise the job's scrape_timeout or look for a slow metrics callback";
  }
  if (error.includes('parse') || error.includes('invalid') || error.includes('expected')) {
    return 'Prometheus rejects the exposition: run this doctor against the service to see the invalid line';
  }
  if (/\b(4|5)\d\d\b/.test(error))
    return '/metrics answers an error status to Prometheus: check the path and the service log';
  return 'see the last error above and the service log';
}
