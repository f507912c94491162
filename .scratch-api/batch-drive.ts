import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { migrate } from '../src/db/migrate.ts';
import { dropDatabase } from '../src/db/database.ts';
const url = `postgres://postgres@127.0.0.1:5432/pb_batchproto_${randomBytes(3).toString('hex')}`;
await migrate(url);
const child = spawn(process.execPath, ['--import', 'tsx', new URL('./batch-proto.ts', import.meta.url).pathname, '41999', url], { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise<void>((r) => child.stdout!.on('data', (c: Buffer) => c.toString().includes('listening') && r()));
let n = 0;
for (const path of ['/single', '/batch', '/single', '/batch']) {
  const result = await autocannon({ url: 'http://127.0.0.1:41999', connections: 100, duration: 5, requests: [{ method: 'POST', path, headers: { 'content-type': 'application/json' }, setupRequest: (req: any) => ({ ...req, body: JSON.stringify({ email: `p${n++}@example.org` }) }) }] } as any);
  console.log(path, Math.round(result.requests.average), 'req/s p99', result.latency.p99, 'non2xx', result.non2xx, 'errors', result.errors);
}
child.kill('SIGTERM');
await dropDatabase(url);
