import { fork } from 'node:child_process';
import nodemailer from 'nodemailer';
const sink = fork('/work/main/bench/smtp-sink.ts', [], { execArgv: ['--import', 'tsx'] });
const port: number = await new Promise((r) => sink.once('message', (m: any) => r(m.port)));
async function run(size: number, n: number, conns: number) {
  const t = nodemailer.createTransport({ pool: true, host: '127.0.0.1', port, secure: false, ignoreTLS: true, maxConnections: conns, maxMessages: Infinity });
  const body = ('x'.repeat(75) + '\r\n').repeat(Math.ceil(size / 77));
  const raw = `From: a@b.c\r\nTo: d@e.f\r\nSubject: hi\r\nMessage-ID: <1@b.c>\r\n\r\n${body}`;
  const c0 = process.cpuUsage(); const w0 = Date.now();
  let inflight = 0; let sent = 0;
  await new Promise<void>((done) => {
    const pump = () => { while (inflight < conns * 2 && sent + inflight < n) { inflight++; t.sendMail({ envelope: { from: 'a@b.c', to: ['d@e.f'] }, raw }).then(() => { inflight--; sent++; if (sent === n) done(); else pump(); }); } };
    pump();
  });
  const c = process.cpuUsage(c0); const ms = Date.now() - w0;
  console.log(`size ${raw.length} conns ${conns}: ${(n / ms * 1000).toFixed(0)} msg/s, cpu ${((c.user + c.system) / n).toFixed(0)} us/msg`);
  t.close();
}
await run(39000, 3000, 4);


await run(39000, 3000, 8);
sink.kill();
