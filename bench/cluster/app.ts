/**
 * The cluster bench's service, started with `--import dynotel/register` exactly as docs/cluster.md
 * shows: with BENCH_WORKERS > 0 a primary forking that many workers, each recording BENCH_SERIES
 * counter series; with BENCH_WORKERS=0 one process recording them itself.
 */
import cluster from 'node:cluster';
import http from 'node:http';
import { currentTelemetry } from 'dynotel';

const workers = Number(process.env.BENCH_WORKERS ?? '0');
const series = Number(process.env.BENCH_SERIES ?? '1000');

function serve(): void {
  const telemetry = currentTelemetry();
  if (telemetry === undefined) throw new Error('start with --import dynotel/register');
  const items = telemetry.serviceMetrics.counter({
    name: 'bench_items_total',
    help: 'Items, one series per label value.',
    labelNames: ['item'],
  });
  for (let i = 0; i < series; i++) items.labels(`item-${i}`).inc(i + 1);
  http.createServer((_req, res) => res.end('ok')).listen(0, '127.0.0.1');
}

if (workers > 0 && cluster.isPrimary) {
  for (let i = 0; i < workers; i++) cluster.fork();
} else serve();
