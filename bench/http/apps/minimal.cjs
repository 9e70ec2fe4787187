// The minimal app of the start-up measurement: node:http answering once it listens.
const { createServer } = require('node:http');

createServer((_req, res) => res.end('ok')).listen(Number(process.env.PORT ?? 3000), '127.0.0.1');
