/**
 * A minimal OTLP/gRPC trace sink for benchmarks, run as its own process so that receiving costs nothing
 * in the benchmarked one: it accepts every Export call without decoding and counts the bytes. Prints
 * its endpoint on stdout, then serves until killed.
 */
import { Server, ServerCredentials, type ServiceDefinition } from '@grpc/grpc-js';

const identity = (buffer: Buffer) => buffer;
const exportMethod = (path: string) => ({
  path,
  requestStream: false,
  responseStream: false,
  requestSerialize: identity,
  requestDeserialize: identity,
  // An empty ExportTraceServiceResponse encodes to zero bytes.
  responseSerialize: () => Buffer.alloc(0),
  responseDeserialize: identity,
});
// Traces, and log records (dynotel exports its log lines over OTLP too when export is on); an empty
// Export*ServiceResponse encodes to zero bytes for both.
const traceService: ServiceDefinition = {
  Export: exportMethod('/opentelemetry.proto.collector.trace.v1.TraceService/Export'),
};
const logsService: ServiceDefinition = {
  Export: exportMethod('/opentelemetry.proto.collector.logs.v1.LogsService/Export'),
};

let bytes = 0;
const server = new Server();
const handler = {
  Export: (call: { request: Buffer }, callback: (error: null, response: Buffer) => void) => {
    bytes += call.request.length;
    callback(null, Buffer.alloc(0));
  },
};
server.addService(traceService, handler);
server.addService(logsService, handler);
server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, port) => {
  if (error) throw error;
  process.stdout.write(`http://127.0.0.1:${port}\n`);
});
function stop(): void {
  process.stderr.write(`otlp sink received ${bytes} bytes\n`);
  server.forceShutdown();
  process.exit(0);
}
process.on('SIGTERM', stop);
// The parent holds our stdin open: when it dies, however it dies, stdin ends and the sink goes too.
process.stdin.on('end', stop);
process.stdin.resume();
