/**
 * Airtight's control client: the same requests, replies, texts and exit codes as BUTT's
 * `butt -S/-s/-d/...`, against a real BUTT or an Airtight. One request per TCP connection or
 * one datagram with `-U`; every wait is bounded by BUTT's 2 s command timeout.
 */
import { connect as tcpConnect } from 'node:net';
import { createSocket } from 'node:dgram';
import { CONTROL_USAGE, parseControlArgs } from './client-args';
import { RATE_LIMITED_CODE, decodeStatus, encodeRequest, formatStatus, formatStatusBits, type ControlRequest, type EncodeOptions, type StatusV3 } from './wire';

export const CONTROL_TIMEOUT_MS = 2000;

export interface ControlEndpoint {
  address: string;
  port: number;
  protocol: 'tcp' | 'udp';
  timeoutMs?: number;
}

export type ControlOutcome =
  | { kind: 'ack'; code: number }
  | { kind: 'status'; status: StatusV3 }
  /** A server older than extended status packets: only the five bits. */
  | { kind: 'legacy-status'; bits: number }
  | { kind: 'failed'; reason: FailureReason; message: string };

export type FailureReason = 'not-running' | 'send-failed' | 'no-response' | 'rate-limited' | 'no-status' | 'version-mismatch' | 'network';

/** BUTT's client messages, word for word where BUTT has one. */
function failure(reason: FailureReason, endpoint: ControlEndpoint, detail = ''): ControlOutcome {
  const messages: Record<FailureReason, string> = {
    'not-running': `No butt instance running on ${endpoint.address} at port ${endpoint.port}`,
    'send-failed': 'Error while sending command',
    'no-response': 'Error: Did not receive response packet',
    'rate-limited': 'Error: You may only request one status packet per second',
    'no-status':
      endpoint.protocol === 'udp'
        ? 'Error: Did not receive status packet (UDP server not running?)'
        : 'Error: Did not receive status packet (the instance allows about one status request per second)',
    'version-mismatch': 'Error: Client and server versions do not match',
    network: `Network error while receiving status packet${detail ? `: ${detail}` : ''}`,
  };
  return { kind: 'failed', reason, message: messages[reason] };
}

/** Sends one request and waits (bounded) for its ack or status. Never throws. */
export function sendControlRequest(request: ControlRequest, endpoint: ControlEndpoint, options: EncodeOptions = {}): Promise<ControlOutcome> {
  const frame = encodeRequest(request, options);
  return endpoint.protocol === 'udp' ? sendUdp(frame, request.kind === 'status', endpoint) : sendTcp(frame, request.kind === 'status', endpoint);
}

function sendTcp(frame: Buffer, wantsStatus: boolean, endpoint: ControlEndpoint): Promise<ControlOutcome> {
  const timeoutMs = endpoint.timeoutMs ?? CONTROL_TIMEOUT_MS;
  return new Promise((resolve) => {
    let connected = false;
    let settled = false;
    let received = Buffer.alloc(0);
    const socket = tcpConnect({ host: endpoint.address, port: endpoint.port });
    const finish = (outcome: ControlOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    // One bound for connecting, another for the answer, as BUTT's sock_connect/sock_recv.
    let timer = setTimeout(() => finish(failure('not-running', endpoint)), timeoutMs);
    socket.setNoDelay(true);
    socket.on('connect', () => {
      connected = true;
      clearTimeout(timer);
      timer = setTimeout(() => finish(failure(wantsStatus ? 'no-status' : 'no-response', endpoint)), timeoutMs);
      socket.write(frame, (error) => {
        if (error) finish(failure('send-failed', endpoint));
      });
    });
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const outcome = interpret(received, wantsStatus, false, endpoint);
      if (outcome) finish(outcome);
    });
    socket.on('error', () => {
      if (!connected) finish(failure('not-running', endpoint));
    });
    socket.on('close', () => {
      if (!connected) return finish(failure('not-running', endpoint));
      if (received.length === 0) return finish(failure(wantsStatus ? 'no-status' : 'no-response', endpoint));
      finish(failure(wantsStatus ? 'network' : 'no-response', endpoint, `${received.length} bytes, incomplete`));
    });
  });
}

function sendUdp(frame: Buffer, wantsStatus: boolean, endpoint: ControlEndpoint): Promise<ControlOutcome> {
  const timeoutMs = endpoint.timeoutMs ?? CONTROL_TIMEOUT_MS;
  return new Promise((resolve) => {
    let settled = false;
    const socket = createSocket('udp4');
    const finish = (outcome: ControlOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      try {
        socket.close();
      } catch {
        // not bound yet or already closed
      }
      resolve(outcome);
    };
    const timer = setTimeout(() => finish(failure(wantsStatus ? 'no-status' : 'no-response', endpoint)), timeoutMs);
    // A connected UDP socket hears the ICMP "port unreachable": nobody listens there.
    socket.on('error', (error: NodeJS.ErrnoException) =>
      finish(failure(error.code === 'ECONNREFUSED' || error.code === 'ENOTFOUND' ? 'not-running' : 'send-failed', endpoint)),
    );
    socket.on('message', (message: Buffer) => {
      const outcome = interpret(message, wantsStatus, true, endpoint);
      finish(outcome ?? failure(wantsStatus ? 'network' : 'no-response', endpoint, `${message.length} bytes, incomplete`));
    });
    socket.connect(endpoint.port, endpoint.address, () => {
      socket.send(frame, (error) => {
        if (error) finish(failure('send-failed', endpoint));
      });
    });
  });
}

/** An outcome once `bytes` hold a whole answer, else undefined (wait for more). */
function interpret(bytes: Buffer, wantsStatus: boolean, wholeDatagram: boolean, endpoint: ControlEndpoint): ControlOutcome | undefined {
  if (!wantsStatus) return bytes.length >= 4 ? { kind: 'ack', code: bytes.readInt32LE(0) } : undefined;
  const result = decodeStatus(bytes, wholeDatagram);
  switch (result.status) {
    case 'incomplete':
      return undefined;
    case 'ok':
      return { kind: 'status', status: result.value };
    case 'legacy':
      return { kind: 'legacy-status', bits: result.bits };
    case 'version-mismatch':
      return failure('version-mismatch', endpoint);
    case 'code':
      return result.code === RATE_LIMITED_CODE ? failure('rate-limited', endpoint) : failure('network', endpoint, String(result.code));
  }
}

export interface ClientIo {
  out(text: string): void;
}

const stdoutIo: ClientIo = { out: (text) => void process.stdout.write(text) };

/**
 * The control-mode entry the launcher calls when argv holds a control option. Prints what
 * BUTT's client prints (to stdout, as BUTT does) and returns the exit code: 0 or 1.
 */
export async function runControlClient(argv: string[], io: ClientIo = stdoutIo): Promise<number> {
  const args = parseControlArgs(argv);
  for (const note of args.notes) io.out(`${note}\n`);
  if (args.error) {
    io.out(`${args.error}\n`);
    return 1;
  }
  if (args.help || !args.request) {
    io.out(`${CONTROL_USAGE}\n`);
    return args.help ? 0 : 1;
  }
  const outcome = await sendControlRequest(args.request, { address: args.address, port: args.port, protocol: args.protocol });
  switch (outcome.kind) {
    case 'ack':
      return 0;
    case 'status':
      io.out(formatStatus(outcome.status));
      return 0;
    case 'legacy-status':
      io.out(formatStatusBits(outcome.bits));
      return 0;
    case 'failed':
      io.out(`${outcome.message}\n`);
      return 1;
  }
}
