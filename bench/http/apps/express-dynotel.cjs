// express-bare.cjs with dynotel exactly as the README shows (CommonJS build): `init()` with no options,
// configured by the environment alone, and the middleware.
const express = require('express');
const { init } = require('dynotel');
const { dynotel } = require('dynotel/express');

const large = { data: 'x'.repeat(16373) }; // 16384 bytes of JSON

const telemetry = init();
const app = express();
app.use(dynotel(telemetry));
app.get('/', (_req, res) => res.json({ hello: 'world' }));
app.get('/large', (_req, res) => res.json(large));
app.get('/items/:id', (req, res) => res.json({ id: req.params.id, name: 'widget' }));
app.get('/items/:id/large', (_req, res) => res.json(large));
app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1');
