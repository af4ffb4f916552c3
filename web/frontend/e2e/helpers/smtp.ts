// A tiny SMTP server on 127.0.0.1 that stores each mail it receives as a file (the appliance's
// reset mails; the test reads the link from there, as a member reads it from their inbox); and
// Python's aiosmtpd as a second, independent sink a test starts for itself (startAiosmtpd).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export function startSmtp(dir: string): Promise<{ port: number; close: () => Promise<void> }> {
  fs.mkdirSync(dir, { recursive: true });
  let count = 0;
  const server = net.createServer((socket) => {
    let buffer = '';
    let inData = false;
    let data = '';
    let to = '';
    socket.write('220 test-smtp ready\r\n');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      let nl: number;
      while ((nl = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            fs.writeFileSync(path.join(dir, `${String(++count).padStart(4, '0')}.eml`), `X-To: ${to}\r\n${data}`);
            data = '';
            socket.write('250 OK stored\r\n');
          } else data += `${line.startsWith('..') ? line.slice(1) : line}\r\n`;
          continue;
        }
        const cmd = line.slice(0, 4).toUpperCase();
        if (cmd === 'EHLO' || cmd === 'HELO') socket.write('250 test-smtp\r\n');
        else if (cmd === 'MAIL') socket.write('250 OK\r\n');
        else if (cmd === 'RCPT') {
          to = line.replace(/^RCPT TO:\s*/i, '').replace(/[<>]/g, '');
          socket.write('250 OK\r\n');
        } else if (cmd === 'DATA') {
          inData = true;
          socket.write('354 go ahead\r\n');
        } else if (cmd === 'QUIT') {
          socket.end('221 bye\r\n');
        } else socket.write('250 OK\r\n');
      }
    });
    socket.on('error', () => {});
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      resolve({ port, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}

/** Debian's aiosmtpd (helpers/smtp_sink.py) storing mails in `dir` as the catcher above does. */
export function startAiosmtpd(dir: string): Promise<{ port: number; close: () => Promise<void> }> {
  const child = spawn('/usr/bin/python3', [fileURLToPath(new URL('./smtp_sink.py', import.meta.url)), dir], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const close = async () => {
    child.stdin.end(); // the sink stops when its input closes
    await exited;
  };
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`aiosmtpd did not start: ${out}`));
    }, 15_000);
    child.once('exit', (code) => reject(new Error(`aiosmtpd exited (${code}): ${out}`)));
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const m = /^PORT (\d+)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ port: Number(m[1]), close });
      }
    });
  });
}

/** The mails stored in `dir`, oldest first (not a file still being written). */
function mailFiles(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.eml')).sort() : [];
}

/** The text of a stored mail (base64 or quoted-printable bodies decoded). */
export function mailText(raw: string): string {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split);
  const body = raw.slice(split + 4);
  if (/content-transfer-encoding:\s*base64/i.test(head)) return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (/content-transfer-encoding:\s*quoted-printable/i.test(head))
    return body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  return body;
}

/** Waits for a mail to `to` newer than `after` (a count of files) and returns its text. */
export async function waitForMail(dir: string, to: string, after: number, timeoutMs = 15000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const f of mailFiles(dir).slice(after)) {
      const raw = fs.readFileSync(path.join(dir, f), 'utf8');
      if (raw.startsWith(`X-To: ${to}`)) return mailText(raw);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no mail to ${to} within ${timeoutMs} ms`);
}

export function mailCount(dir: string): number {
  return mailFiles(dir).length;
}

/** The raw text (headers and all) of the first mail to `to` after `after` stored mails. */
export function rawMail(dir: string, after: number, to: string): string {
  for (const f of mailFiles(dir).slice(after)) {
    const raw = fs.readFileSync(path.join(dir, f), 'utf8');
    if (raw.startsWith(`X-To: ${to}`)) return raw;
  }
  throw new Error(`no mail to ${to} in ${dir}`);
}
