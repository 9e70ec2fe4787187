import { defineConfig } from 'tsdown';
import { packageBuild } from '../../tsdown.base.ts';

export default defineConfig(
  packageBuild({
    index: 'src/index.ts',
    express: 'src/express.ts',
    fastify: 'src/fastify.ts',
    kubernetes: 'src/kubernetes.ts',
    register: 'src/register.ts',
    testing: 'src/testing.ts',
    cli: 'src/cli/main.ts',
  }),
);
