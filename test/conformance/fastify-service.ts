/**
 * The W3C Trace Context test service on Fastify (see w3c-trace-context/README.md): for a POST of a JSON
 * array of `{url, arguments}` it POSTs each `arguments` as JSON to its `url` with plain `fetch`. No
 * dynotel code: run it as `node --import dynotel/register fastify-service.ts`; dynotel propagates.
 *
 * W3C_SERVICE_MIDDLEWARE=1 registers the dynotel Fastify plugin, for as long as `register` alone does
 * not instrument incoming requests. The port comes from PORT (0: any); the bound one is printed on
 * stderr as `listening on <port>`.
 */
import Fastify from 'fastify';

const app = Fastify();
if (process.env.W3C_SERVICE_MIDDLEWARE === '1') {
  const { dynotel } = await import('dynotel/fastify');
  await app.register(dynotel);
}

interface Instruction {
  readonly url: string;
  readonly arguments: unknown;
}

app.post('/test', async (request) => {
  for (const { url, arguments: args } of request.body as Instruction[]) {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(args),
    });
    await response.arrayBuffer();
  }
  return {};
});

const address = await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
process.stderr.write(`listening on ${new URL(address).port}\n`);
