import { fork } from 'node:child_process';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
const sink = fork('/work/main/bench/smtp-sink.ts', [], { execArgv: ['--import', 'tsx'] });
const port: number = await new Promise((r) => sink.once('message', (m: { port: number }) => r(m.port)));
async function run(size: number, n: number, conns: number) {
  const body = ('x'.repeat(75) + '\r\n').repeat(Math.ceil(size / 77));
  const raw = Buffer.from(`From: a@b.c\r\nTo: d@e.f\r\nSubject: hi\r\nMessage-ID: <1@b.c>\r\n\r\n${body}`);
  const c0 = process.cpuUsage(); const w0 = Date.now();
  let next = 0;
  await Promise.all(Array.from({ length: conns }, async () => {
    const c = new SMTPConnection({ host: '127.0.0.1', port, ignoreTLS: true });
    await new Promise<void>((res, rej) => c.connect((e?: Error) => (e ? rej(e) : res())));
    while (next < n) {
      next++;
      await new Promise<void>((res, rej) => c.send({ from: 'a@b.c', to: ['d@e.f'] }, raw, (e: Error | null) => (e ? rej(e) : res())));

    }
    c.quit();
  }));
  const cu = process.cpuUsage(c0); const ms = Date.now() - w0;
  console.log(`direct size ${raw.length} conns ${conns}: ${(n / ms * 1000).toFixed(0)} msg/s, cpu ${((cu.user + cu.system) / n).toFixed(0)} us/msg`);
}
await run(39000, 3000, 4);
await run(39000, 3000, 8);
sink.kill();
