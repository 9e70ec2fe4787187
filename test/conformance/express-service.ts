/**
 * The W3C Trace Context test service on Express (see w3c-trace-context/README.md): for a POST of a JSON
 * array of `{url, arguments}` it POSTs each `arguments` as JSON to its `url` with plain `fetch`. No
 * dynotel code: run it as `node --import dynotel/register express-service.ts`; dynotel propagates.
 *
 * W3C_SERVICE_MIDDLEWARE=1 adds the dynotel Express middleware, for as long as `register` alone does not
 * instrument incoming requests. The port comes from PORT (0: any); the bound one is printed on stderr as
 * `listening on <port>`.
 */
import express from 'express';

const app = express();
if (process.env.W3C_SERVICE_MIDDLEWARE === '1') {
  const { dynotel } = await import('dynotel/express');
  app.use(dynotel());
}
app.use(express.json());

interface Instruction {
  readonly url: string;
  readonly arguments: unknown;
}

app.post('/test', async (req, res) => {
  for (const { url, arguments: args } of req.body as Instruction[]) {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(args),
    });
    await response.arrayBuffer();
  }
  res.json({});
});

const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  process.stderr.write(
    `listening on ${typeof address === 'object' && address !== null ? address.port : ''}\n`,
  );
});
