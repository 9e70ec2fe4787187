// An Express service with no telemetry: the baseline, and the unmodified app that `--require
// dynotel/register` preloads into. Four routes: static and parametric, a small and a 16 KiB JSON body.
const express = require('express');

const large = { data: 'x'.repeat(16373) }; // 16384 bytes of JSON

const app = express();
app.get('/', (_req, res) => res.json({ hello: 'world' }));
app.get('/large', (_req, res) => res.json(large));
app.get('/items/:id', (req, res) => res.json({ id: req.params.id, name: 'widget' }));
app.get('/items/:id/large', (_req, res) => res.json(large));
app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1');
