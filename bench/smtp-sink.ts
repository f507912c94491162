// A local SMTP sink for bench:digest, run as its own process (forked with IPC): accepts every message,
// discards the data, counts messages and bytes. Minimal work, so the benchmark measures paperboy, not the sink.
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';

let received = 0;
let bytes = 0;
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  disableReverseLookup: true,
  logger: false,
  onData(stream, _session, callback) {
    stream.on('end', () => {
      received += 1;
      callback();
    });
    stream.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
  },
});
server.on('error', () => {});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.server.address() as AddressInfo;
  process.send?.({ port });
});
process.on('message', (message: { type?: string }) => {
  if (message.type === 'count') process.send?.({ received, bytes });
  if (message.type === 'stop') server.close(() => process.exit(0));
});
process.on('disconnect', () => process.exit(0));
