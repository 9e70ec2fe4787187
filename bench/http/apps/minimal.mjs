// minimal.cjs as an ES module (for `--import dynotel/register`).
import { createServer } from 'node:http';

createServer((_req, res) => res.end('ok')).listen(Number(process.env.PORT ?? 3000), '127.0.0.1');
