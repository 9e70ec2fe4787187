// Preloaded (`--require`) into a bare app by bench/http/channel-cost.ts: no-op subscribers to the
// diagnostics channels dynotel's zero-code instrumentation listens on, chosen by BENCH_CHANNELS
// (comma-separated). Measures what subscribing alone costs the server, without any of dynotel's work.
const { subscribe } = require('node:diagnostics_channel');

const noop = () => {};
for (const name of (process.env.BENCH_CHANNELS ?? '').split(',').filter(Boolean)) subscribe(name, noop);
