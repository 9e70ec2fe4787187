/**
 * The preload of the zero-code variants (`--import` this file): the environment every "full dynotel"
 * server initialises from (dynotel-env.ts, which needs the harness's BENCH_OTLP_ENDPOINT), then
 * `dynotel/register` itself, as a service would preload it. The application scripts (express-bare.ts,
 * fastify-bare.ts) are unchanged: their requests are seen on Node's diagnostics channels only.
 */
import { dynotelEnv } from './dynotel-env.ts';

Object.assign(process.env, dynotelEnv('full'));
await import('dynotel/register');
