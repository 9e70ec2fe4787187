// express-dynotel.cjs as an ES module (ESM build), exactly as the README shows.
import { init } from 'dynotel';
import { dynotel } from 'dynotel/express';
import express from 'express';

const large = { data: 'x'.repeat(16373) }; // 16384 bytes of JSON

const telemetry = init();
const app = express();
app.use(dynotel(telemetry));
app.get('/', (_req, res) => res.json({ hello: 'world' }));
app.get('/large', (_req, res) => res.json(large));
app.get('/items/:id', (req, res) => res.json({ id: req.params.id, name: 'widget' }));
app.get('/items/:id/large', (_req, res) => res.json(large));
app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1');
