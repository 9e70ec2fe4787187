import { afterEach } from 'vitest';
import {
  type HealthState,
  type SystemServer,
  type SystemServerOptions,
  startSystemServer,
} from '../src/index.ts';
import { httpRequest } from './http-client.ts';

const servers: SystemServer[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

export interface Probe {
  readonly url: string;
  /** GET /health over a real socket: the status and the parsed body. */
  health(): Promise<{
    status: number;
    body: { status: string; endpoints: Record<string, string>; checks?: Record<string, string> };
  }>;
}

/** Serves `health` on 127.0.0.1, port 0; closed after each test. */
export async function serve(health: HealthState, extra: Partial<SystemServerOptions> = {}): Promise<Probe> {
  const server = await startSystemServer({ health, host: '127.0.0.1', port: 0, ...extra });
  if (server === undefined) throw new Error('system server disabled');
  servers.push(server);
  return {
    url: server.url,
    async health() {
      const answer = await httpRequest(`${server.url}/health`);
      return { status: answer.status, body: JSON.parse(answer.body) };
    },
  };
}
