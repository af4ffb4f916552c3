#!/usr/bin/env node
// Development server (Node's standard library only): serves the built portal from a dist
// directory and passes /api/… (including the WebSocket upgrade of /api/v1/live) to a running
// appliance over HTTPS, without verifying its self-signed certificate. The appliance's answers
// keep their headers (Set-Cookie with Secure/SameSite=Strict/HttpOnly, CSP…); the static files
// get the appliance's security headers too, so a CSP mistake shows up in development.
//
//   node dev-server.mjs --target https://127.0.0.1:23336 [--dist .build/dist] [--port 8443]
//                       [--cert cert.pem --key key.pem]
// With --cert/--key (e.g. the appliance's own self-signed pair from its data dir) it serves
// HTTPS; without, plain HTTP (browsers accept Secure cookies from http://localhost only).
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

export const SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'self'; frame-ancestors 'none'; object-src 'none'; base-uri 'none'; form-action 'self'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.webmanifest': 'application/manifest+json',
  '.json': 'application/json',
};

function serveStatic(dist, req, res) {
  const url = new URL(req.url, 'http://x');
  let name = decodeURIComponent(url.pathname).replace(/^\/+/, '');
  if (name === '') name = 'index.html';
  // Flat directory, as the appliance embeds it: no sub-paths, no dot files.
  if (name.includes('/') || name.includes('\\') || name.startsWith('.')) {
    res.writeHead(404, { 'Content-Type': 'text/plain', ...SECURITY_HEADERS });
    return res.end('not found');
  }
  const file = path.join(dist, name);
  fs.readFile(file, (err, data) => {
    if (err) {
      res.writeHead(404, { 'Content-Type': 'text/plain', ...SECURITY_HEADERS });
      return res.end('not found');
    }
    const fingerprinted = /-[0-9a-f]*[0-9][0-9a-f]*\./.test(name);
    res.writeHead(200, {
      'Content-Type': TYPES[path.extname(name)] ?? 'application/octet-stream',
      'Cache-Control': fingerprinted ? 'public, max-age=31536000, immutable' : 'no-cache',
      ...SECURITY_HEADERS,
    });
    res.end(req.method === 'HEAD' ? undefined : data);
  });
}

function proxy(target, req, res) {
  const url = new URL(req.url, target);
  const headers = { ...req.headers, host: url.host };
  const upstream = https.request(
    url,
    { method: req.method, headers, rejectUnauthorized: false },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
      answer.pipe(res);
    },
  );
  upstream.on('error', (e) => {
    if (!res.headersSent) {
      res.writeHead(502, { 'Content-Type': 'application/json', ...SECURITY_HEADERS });
      res.end(JSON.stringify({ error: { status: 502, code: 'bad_gateway', message: `appliance unreachable: ${e.message}` } }));
    } else res.destroy();
  });
  req.pipe(upstream);
}

function proxyUpgrade(target, req, socket, head) {
  const url = new URL(req.url, target);
  const upstream = tls.connect({
    host: url.hostname,
    port: Number(url.port || 443),
    rejectUnauthorized: false,
    servername: url.hostname === '127.0.0.1' ? undefined : url.hostname,
  });
  upstream.on('secureConnect', () => {
    const lines = [`${req.method} ${req.url} HTTP/1.1`];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i];
      lines.push(`${name}: ${name.toLowerCase() === 'host' ? url.host : req.rawHeaders[i + 1]}`);
    }
    upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (head?.length) upstream.write(head);
    upstream.pipe(socket);
    socket.pipe(upstream);
  });
  const end = () => {
    upstream.destroy();
    socket.destroy();
  };
  upstream.on('error', end);
  socket.on('error', end);
  upstream.on('close', end);
  socket.on('close', end);
}

/** Starts the server; resolves to { url, close() }. */
export function startDevServer({ target, dist = path.join(here, '.build/dist'), port = 0, host = '127.0.0.1', cert, key }) {
  if (!target) throw new Error('--target https://host:port of the appliance is needed');
  const handler = (req, res) => {
    if (req.url.startsWith('/api/')) proxy(target, req, res);
    else serveStatic(dist, req, res);
  };
  const secure = Boolean(cert && key);
  const server = secure
    ? https.createServer({ cert: fs.readFileSync(cert), key: fs.readFileSync(key) }, handler)
    : http.createServer(handler);
  server.on('upgrade', (req, socket, head) => {
    if (req.url.startsWith('/api/')) proxyUpgrade(target, req, socket, head);
    else socket.destroy();
  });
  const sockets = new Set();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const actual = server.address().port;
      resolve({
        url: `${secure ? 'https' : 'http'}://${host}:${actual}`,
        port: actual,
        close: () =>
          new Promise((r) => {
            for (const s of sockets) s.destroy();
            server.close(() => r());
          }),
      });
    });
  });
}

async function main() {
  const opts = { target: process.env.FABOMATIC_URL, port: 8443 };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => argv[++i];
    if (a === '--target') opts.target = v();
    else if (a === '--dist') opts.dist = path.resolve(v());
    else if (a === '--port') opts.port = Number(v());
    else if (a === '--host') opts.host = v();
    else if (a === '--cert') opts.cert = v();
    else if (a === '--key') opts.key = v();
    else {
      console.error(`unknown argument ${a}`);
      process.exit(2);
    }
  }
  const server = await startDevServer(opts);
  console.log(`portal on ${server.url}/ (API: ${opts.target})`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(e.message);
    process.exit(1);
  });
}
