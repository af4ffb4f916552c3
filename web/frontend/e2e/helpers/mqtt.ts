// A minimal MQTT 3.1.1 client over node:net (CONNECT, SUBSCRIBE, PUBLISH at QoS 0, PINGREQ)
// and a simulated FabOMatic board speaking the board protocol on top of it.
import net from 'node:net';

function encodeLength(n: number): Buffer {
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return Buffer.from(out);
}

function str(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  const len = Buffer.alloc(2);
  len.writeUInt16BE(b.length);
  return Buffer.concat([len, b]);
}

function packet(type: number, flags: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([(type << 4) | flags]), encodeLength(body.length), body]);
}

export class MqttClient {
  private socket!: net.Socket;
  private buffer = Buffer.alloc(0);
  private packetId = 1;
  private waiters: { type: number; resolve: () => void }[] = [];
  private ping?: ReturnType<typeof setInterval>;
  onMessage: (topic: string, payload: string) => void = () => {};

  constructor(
    private readonly port: number,
    private readonly clientId: string,
    private readonly credentials?: { username: string; password: string },
  ) {}

  async connect(): Promise<void> {
    this.socket = net.connect(this.port, '127.0.0.1');
    this.socket.on('data', (d) => this.read(d));
    this.socket.on('error', () => {});
    await new Promise<void>((resolve, reject) => {
      this.socket.once('connect', resolve);
      this.socket.once('error', reject);
    });
    const connack = this.expect(2);
    const c = this.credentials;
    const flags = 0x02 | (c ? 0xc0 : 0); // clean session, user name and password when given
    const login = c ? [str(c.username), str(c.password)] : [];
    const body = Buffer.concat([str('MQTT'), Buffer.from([4, flags, 0, 60]), str(this.clientId), ...login]);
    this.socket.write(packet(1, 0, body));
    await connack;
    this.ping = setInterval(() => this.socket.write(Buffer.from([0xc0, 0])), 30_000);
  }

  async subscribe(...topics: string[]): Promise<void> {
    const id = this.packetId++;
    const head = Buffer.alloc(2);
    head.writeUInt16BE(id);
    const body = Buffer.concat([head, ...topics.map((t) => Buffer.concat([str(t), Buffer.from([0])]))]);
    const suback = this.expect(9);
    this.socket.write(packet(8, 2, body));
    await suback;
  }

  publish(topic: string, payload: string): void {
    this.socket.write(packet(3, 0, Buffer.concat([str(topic), Buffer.from(payload, 'utf8')])));
  }

  close(): void {
    clearInterval(this.ping);
    if (!this.socket.destroyed) {
      this.socket.write(Buffer.from([0xe0, 0]));
      this.socket.end();
    }
  }

  private expect(type: number): Promise<void> {
    return new Promise((resolve) => this.waiters.push({ type, resolve }));
  }

  private read(data: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, data]);
    for (;;) {
      if (this.buffer.length < 2) return;
      let length = 0;
      let multiplier = 1;
      let i = 1;
      let byte: number;
      do {
        if (i >= this.buffer.length) return;
        byte = this.buffer[i++]!;
        length += (byte & 0x7f) * multiplier;
        multiplier *= 128;
      } while (byte & 0x80);
      if (this.buffer.length < i + length) return;
      const type = this.buffer[0]! >> 4;
      const body = this.buffer.subarray(i, i + length);
      this.buffer = this.buffer.subarray(i + length);
      if (type === 3) {
        const tlen = body.readUInt16BE(0);
        const topic = body.subarray(2, 2 + tlen).toString('utf8');
        this.onMessage(topic, body.subarray(2 + tlen).toString('utf8')); // QoS 0: no packet id
      } else {
        const w = this.waiters.findIndex((x) => x.type === type);
        if (w >= 0) this.waiters.splice(w, 1)[0]!.resolve();
      }
    }
  }
}

export interface BoardReply {
  request_ok?: boolean;
  is_valid?: boolean;
  message?: string;
  [k: string]: unknown;
}

/**
 * A board for one machine id: publishes on machine/<id>, waits for each reply on
 * machine/<id>/reply, and answers remote requests as the firmware does (start: checkuser then
 * startuse; stop: stopuse).
 */
export class Board {
  private readonly client: MqttClient;
  private replyWaiters: ((r: BoardReply) => void)[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  /** Whether it acts on remote requests (false: a board that never answers). */
  answerRequests = true;
  user: string | null = null;
  private since = 0;
  readonly requests: string[] = [];

  constructor(
    port: number,
    readonly machineId: number,
    readonly ip = `192.168.1.${(machineId % 250) + 2}`,
    credentials?: { username: string; password: string },
  ) {
    this.client = new MqttClient(port, `board-${machineId}-${Math.random().toString(16).slice(2, 8)}`, credentials);
  }

  get topic(): string {
    return `machine/${this.machineId}`;
  }

  async connect(): Promise<void> {
    await this.client.connect();
    this.client.onMessage = (topic, payload) => {
      if (topic === `${this.topic}/reply`) {
        const w = this.replyWaiters.shift();
        try {
          w?.(JSON.parse(payload) as BoardReply);
        } catch {
          w?.({});
        }
      } else if (topic === `${this.topic}/request`) {
        this.requests.push(payload);
        if (this.answerRequests) void this.onRequest(payload);
      }
    };
    await this.client.subscribe(`${this.topic}/reply`, `${this.topic}/request`);
  }

  /** One query at a time, as on the board: publish, then wait for its reply. */
  query(payload: Record<string, unknown>, timeoutMs = 5000): Promise<BoardReply> {
    const run = () =>
      new Promise<BoardReply>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no reply to ${JSON.stringify(payload)}`)), timeoutMs);
        this.replyWaiters.push((r) => {
          clearTimeout(timer);
          resolve(r);
        });
        this.client.publish(this.topic, JSON.stringify(payload));
      });
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  alive(): void {
    this.client.publish(
      this.topic,
      JSON.stringify({ action: 'alive', version: 'hardware-rev0-it_IT,0.7.3-12-gabcdef', ip: this.ip, serial: `a1b2c3${String(this.machineId).padStart(6, '0')}`, heap: '183456' }),
    );
  }

  checkuser(uid: string) {
    return this.query({ action: 'checkuser', uid });
  }

  async tapIn(uid: string): Promise<boolean> {
    const r = await this.checkuser(uid);
    if (!r.request_ok || !r.is_valid) return false;
    await this.query({ action: 'startuse', uid });
    this.user = uid;
    this.since = Date.now();
    return true;
  }

  inuse() {
    return this.query({ action: 'inuse', uid: this.user, duration: Math.round((Date.now() - this.since) / 1000) });
  }

  async tapOut(): Promise<void> {
    const uid = this.user ?? '';
    this.user = null;
    await this.query({ action: 'stopuse', uid, duration: Math.round((Date.now() - this.since) / 1000) });
  }

  maintenance(uid: string, replay = false) {
    return this.query(replay ? { action: 'maintenance', uid, replay: true } : { action: 'maintenance', uid });
  }

  private async onRequest(payload: string): Promise<void> {
    const r = JSON.parse(payload) as { request_type: string; uid: string };
    if (r.request_type === 'start') {
      if (this.user) await this.tapOut();
      await this.tapIn(r.uid);
    } else if (this.user) await this.tapOut();
    else await this.query({ action: 'stopuse', uid: '', duration: 0 });
  }

  close(): void {
    this.client.close();
  }
}
