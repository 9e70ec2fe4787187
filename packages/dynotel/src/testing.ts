// dynotel/testing: helpers for an application's own tests, kept out of the main entry point.
// Everything exported here is listed by name.
export { resetTelemetryForTests } from './init.ts';
