/**
 * `node --import dynotel/register app.js` (or `--require dynotel/register` for CommonJS): initialises
 * telemetry from the environment alone, before the application's own code runs. That includes the
 * zero-code HTTP instrumentation (DYN_INSTRUMENT_HTTP_SERVER, on by default): every request of every
 * node:http server, seen on Node's diagnostics channels (docs/zero-code.md).
 */
import { init } from './init.ts';

init();
