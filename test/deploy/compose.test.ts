import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OBSERVABILITY_DIR, PROMETHEUS_CONFIG, readYaml } from './support.ts';

/**
 * docker-compose.yml cannot be started here (no Docker engine on the CI machine), so this checks what
 * can be checked statically: pinned images, mounted files that exist, retention set explicitly, and
 * scrape/alerting targets that name services the compose file runs.
 */

interface Service {
  image: string;
  command?: string[];
  volumes?: string[];
  profiles?: string[];
  ports?: string[];
}

const compose = readYaml<{ services: Record<string, Service> }>(
  join(OBSERVABILITY_DIR, 'docker-compose.yml'),
);
const services = compose.services;

describe('docker-compose.yml', () => {
  it('runs the whole stack', () => {
    for (const name of ['prometheus', 'alertmanager', 'grafana', 'tempo', 'loki', 'otel-collector']) {
      expect(Object.keys(services)).toContain(name);
    }
  });

  it('pins every image to a version tag', () => {
    for (const [name, service] of Object.entries(services)) {
      const tag = service.image.split(':')[1];
      expect(tag, `${name} image ${service.image}`).toMatch(/^v?\d+(\.\d+)*(-[\w.-]+)?$/);
    }
  });

  it('mounts only files and directories that exist', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0]!;
        if (!source.startsWith('./')) continue; // a named volume
        expect(existsSync(join(OBSERVABILITY_DIR, source)), `${name} mounts missing ${source}`).toBe(true);
      }
    }
  });

  it('sets Prometheus retention by time and by size, and turns exemplar storage on', () => {
    const command = services.prometheus!.command ?? [];
    expect(command).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^--storage\.tsdb\.retention\.time=\d+d$/),
        expect.stringMatching(/^--storage\.tsdb\.retention\.size=\d+GB$/),
        '--enable-feature=exemplar-storage',
      ]),
    );
  });

  it('publishes OTLP gRPC and HTTP to the host for the examples', () => {
    expect(services['otel-collector']!.ports).toEqual(expect.arrayContaining(['4317:4317', '4318:4318']));
  });

  it('runs every non-optional scrape target and the Alertmanager prometheus.yml names', () => {
    const config = readYaml<{
      scrape_configs: Array<{
        job_name: string;
        static_configs: Array<{ targets: string[]; labels?: Record<string, string> }>;
      }>;
      alerting: { alertmanagers: Array<{ static_configs: Array<{ targets: string[] }> }> };
    }>(PROMETHEUS_CONFIG);
    const hosts = config.scrape_configs
      .flatMap((job) => job.static_configs)
      .filter((staticConfig) => staticConfig.labels?.optional !== 'true')
      .flatMap((staticConfig) => staticConfig.targets)
      .concat(config.alerting.alertmanagers.flatMap((am) => am.static_configs.flatMap((c) => c.targets)))
      .map((target) => target.split(':')[0]!);
    for (const host of hosts) {
      if (host === 'host.docker.internal' || host === 'localhost') continue;
      expect(Object.keys(services), `prometheus.yml scrapes ${host}`).toContain(host);
    }
  });
});
