// A bare MQTT 3.1.1 board for the benchmark (node:net only; QoS 0): publish on machine/<id>,
// wait for the reply on machine/<id>/reply.
import net from 'node:net';

const str = (s) => {
  const b = Buffer.from(s);
  return Buffer.concat([Buffer.from([b.length >> 8, b.length & 255]), b]);
};
const len = (n) => {
  const out = [];
  do {
    let x = n % 128;
    n = Math.floor(n / 128);
    if (n) x |= 128;
    out.push(x);
  } while (n);
  return Buffer.from(out);
};
const packet = (type, flags, body) => Buffer.concat([Buffer.from([(type << 4) | flags]), len(body.length), body]);

export class MqttBoard {
  constructor(port, id) {
    this.port = port;
    this.id = id;
    this.buf = Buffer.alloc(0);
    this.waiting = [];
    this.acks = [];
  }
  async connect() {
    this.sock = net.connect(this.port, '127.0.0.1');
    this.sock.setNoDelay(true);
    this.sock.on('data', (d) => this.read(d));
    await new Promise((r) => this.sock.once('connect', r));
    const ack = new Promise((r) => this.acks.push(r));
    this.sock.write(packet(1, 0, Buffer.concat([str('MQTT'), Buffer.from([4, 2, 0, 60]), str(`bench-${this.id}`)])));
    await ack;
    const sub = new Promise((r) => this.acks.push(r));
    this.sock.write(packet(8, 2, Buffer.concat([Buffer.from([0, 1]), str(`machine/${this.id}/reply`), Buffer.from([0])])));
    await sub;
  }
  read(d) {
    this.buf = Buffer.concat([this.buf, d]);
    for (;;) {
      let i = 1;
      let n = 0;
      let m = 1;
      let b;
      do {
        if (i >= this.buf.length) return;
        b = this.buf[i++];
        n += (b & 127) * m;
        m *= 128;
      } while (b & 128);
      if (this.buf.length < i + n) return;
      const type = this.buf[0] >> 4;
      this.buf = this.buf.subarray(i + n);
      if (type === 3) this.waiting.shift()?.();
      else this.acks.shift()?.();
    }
  }
  publish(payload) {
    this.sock.write(packet(3, 0, Buffer.concat([str(`machine/${this.id}`), Buffer.from(JSON.stringify(payload))])));
  }
  alive() {
    this.publish({ action: 'alive', version: 'bench,0.7.3', ip: '192.168.1.5', serial: 'a1b2c3d4e5f6', heap: '183456' });
  }
  // The backend answers every board question; one that gets no reply (a refused message is only
  // logged) fails the benchmark instead of hanging it.
  query(payload, timeoutMs = 5000) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no reply to ${JSON.stringify(payload)} within ${timeoutMs} ms`)), timeoutMs);
      this.waiting.push(() => {
        clearTimeout(timer);
        resolve();
      });
      this.publish(payload);
    });
  }
  close() {
    this.sock.end();
  }
}
