/**
 * `node --import dynotel/register app.js` (or `--require dynotel/register` for CommonJS): initialises
 * telemetry from the environment alone, before the application's own code runs.
 */
import { init } from './init.ts';

init();
