// express-bare.cjs as an ES module: the unmodified app that `--import dynotel/register` preloads into.
import express from 'express';

const large = { data: 'x'.repeat(16373) }; // 16384 bytes of JSON

const app = express();
app.get('/', (_req, res) => res.json({ hello: 'world' }));
app.get('/large', (_req, res) => res.json(large));
app.get('/items/:id', (req, res) => res.json({ id: req.params.id, name: 'widget' }));
app.get('/items/:id/large', (_req, res) => res.json(large));
app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1');
