/** WebSocket at the byte level, for tests that must misbehave: handshake by hand, hand-made frames. */
import { connect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';

/** Opens a TCP connection and completes the WebSocket handshake; resolves once the 101 arrived. */
export function rawHandshake(port: number, token: string, path = '/v1'): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let head = '';
    const timer = setTimeout(() => fail(new Error('handshake timed out')), 10_000);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    socket.on('error', fail);
    socket.on('data', function onData(chunk: Buffer) {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      socket.off('error', fail);
      socket.on('error', () => undefined);
      clearTimeout(timer);
      if (!head.startsWith('HTTP/1.1 101')) return fail(new Error(head.split('\r\n')[0]));
      resolve(socket);
    });
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer ${token}\r\n\r\n`,
    );
  });
}

export interface FrameOptions {
  fin?: boolean;
  rsv?: number;
  masked?: boolean;
  /** Lie about the payload length (the header says this, the bytes are the payload). */
  declaredLength?: bigint;
}

/** One client frame: masked by default, as RFC 6455 requires of clients. */
export function encodeFrame(opcode: number, payload: Buffer, options: FrameOptions = {}): Buffer {
  const { fin = true, rsv = 0, masked = true } = options;
  const length = options.declaredLength ?? BigInt(payload.length);
  const header: number[] = [(fin ? 0x80 : 0) | ((rsv & 7) << 4) | (opcode & 0x0f)];
  const maskBit = masked ? 0x80 : 0;
  let extended = Buffer.alloc(0);
  if (length < 126n) header.push(maskBit | Number(length));
  else if (length < 65536n) {
    header.push(maskBit | 126);
    extended = Buffer.alloc(2);
    extended.writeUInt16BE(Number(length));
  } else {
    header.push(maskBit | 127);
    extended = Buffer.alloc(8);
    extended.writeBigUInt64BE(length & 0xffffffffffffffffn);
  }
  if (!masked) return Buffer.concat([Buffer.from(header), extended, payload]);
  const mask = randomBytes(4);
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i] = body[i]! ^ mask[i % 4]!;
  return Buffer.concat([Buffer.from(header), extended, mask, body]);
}
