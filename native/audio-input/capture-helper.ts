/**
 * The capture helper process: the only code that loads naudiodon. It answers one request
 * (list devices, or open and stream until told to close) and exits.
 *
 * It loads naudiodon's binding directly instead of its index.js: that file installs a
 * segfault handler writing crash.log into the working directory and wraps reads in a stream
 * whose abort() throws. PortAudio's banners go to this process's stdout, which the engine
 * reads as log lines (never its own stdout).
 */
import { dirname, join } from 'node:path';
import { STANDARD_SAMPLE_RATES, type AudioInputDevice, type HelperReply, type HelperRequest } from './helper-protocol';

interface PaDevice {
  id: number;
  name: string;
  maxInputChannels: number;
  defaultSampleRate: number;
  hostAPIName: string;
}
interface PaReadResult {
  err?: string;
  buf?: Buffer;
  finished?: boolean;
}
interface PaStream {
  start(): void;
  read(bytes: number): Promise<PaReadResult>;
  /** 'ABORT' drops pending data and is the fast path; the JS wrapper's abort() throws, this does not. */
  quit(mode: 'WAIT' | 'ABORT'): Promise<void>;
}
interface PaBinding {
  getDevices(): PaDevice[];
  getHostAPIs(): { defaultHostAPI: number; HostAPIs: { defaultInput: number; deviceCount: number }[] };
  create(options: { inOptions: Record<string, number | boolean> }): PaStream;
}

const SAMPLE_FORMAT_FLOAT32 = 1;
/**
 * Blocks naudiodon may hold for us before its PortAudio callback waits (its default, 2,
 * makes the audio thread wait whenever our event loop is 40 ms late).
 */
const QUEUED_BLOCKS_SECONDS = 1;

function send(reply: HelperReply): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(reply, undefined, undefined, () => resolve());
  });
}

async function fail(code: string, message: string, thrown?: unknown): Promise<never> {
  const detail = thrown instanceof Error ? thrown.message : thrown === undefined ? undefined : String(thrown);
  await send(detail === undefined ? { type: 'failed', code, message } : { type: 'failed', code, message, detail });
  process.exit(1);
}

function loadBinding(): PaBinding {
  const root = dirname(require.resolve('naudiodon/package.json'));
  return require(join(root, 'build', 'Release', 'naudiodon.node')) as PaBinding;
}

function defaultInputId(pa: PaBinding): number {
  const apis = pa.getHostAPIs();
  const api = apis.HostAPIs[apis.defaultHostAPI];
  if (!api || api.defaultInput < 0) return -1;
  // defaultInput is an index within the host API; with one host API (ALSA) it is the global id.
  let offset = 0;
  for (let i = 0; i < apis.defaultHostAPI; i++) offset += apis.HostAPIs[i]?.deviceCount ?? 0;
  return offset + api.defaultInput;
}

async function probeRates(pa: PaBinding, device: PaDevice): Promise<number[]> {
  const rates: number[] = [];
  for (const rate of STANDARD_SAMPLE_RATES) {
    try {
      const stream = pa.create({
        inOptions: { deviceId: device.id, sampleRate: rate, channelCount: Math.min(2, device.maxInputChannels), sampleFormat: SAMPLE_FORMAT_FLOAT32, closeOnError: false },
      });
      await stream.quit('ABORT');
      rates.push(rate);
    } catch {
      /* this rate does not open */
    }
  }
  return rates;
}

async function list(pa: PaBinding, probe: boolean): Promise<void> {
  const defaultId = defaultInputId(pa);
  const devices: AudioInputDevice[] = [];
  for (const d of pa.getDevices()) {
    if (d.maxInputChannels <= 0) continue;
    const probed = probe ? await probeRates(pa, d) : [];
    devices.push({
      name: d.name,
      hostApi: d.hostAPIName,
      maxInputChannels: d.maxInputChannels,
      defaultSampleRate: d.defaultSampleRate,
      sampleRates: probed.length > 0 ? probed : [d.defaultSampleRate],
      isDefault: d.id === defaultId,
    });
  }
  await send({ type: 'devices', devices });
  process.exit(0);
}

async function capture(pa: PaBinding, request: Extract<HelperRequest, { type: 'open' }>): Promise<void> {
  const inputs = pa.getDevices().filter((d) => d.maxInputChannels > 0);
  if (inputs.length === 0) return fail('AUDIO_INPUT_NONE', 'Could not find any audio input device');
  let deviceId = -1;
  let fallbackFrom: string | undefined;
  if (request.deviceName !== undefined) {
    const named = inputs.find((d) => d.name === request.deviceName);
    if (named) deviceId = named.id;
    else fallbackFrom = request.deviceName;
  }
  const chosen = inputs.find((d) => d.id === (deviceId >= 0 ? deviceId : defaultInputId(pa))) ?? inputs[0]!;
  if (request.channels > chosen.maxInputChannels) {
    return fail('AUDIO_INPUT_CHANNELS', `${chosen.name} has ${chosen.maxInputChannels} input channel(s), ${request.channels} were asked for`);
  }
  let stream: PaStream;
  try {
    stream = pa.create({
      inOptions: {
        deviceId: chosen.id,
        sampleRate: request.sampleRate,
        channelCount: request.channels,
        sampleFormat: SAMPLE_FORMAT_FLOAT32,
        closeOnError: false,
        // One PortAudio buffer per block we send: unspecified, PortAudio picks a few ms and
        // its thread, the sound server client and our read loop wake that often (about half
        // of this helper's CPU, measured in bench/engine-cpu.ts).
        framesPerBuffer: request.blockFrames,
        maxQueue: Math.max(2, Math.ceil((request.sampleRate * QUEUED_BLOCKS_SECONDS) / request.blockFrames)),
      },
    });
    stream.start();
  } catch (thrown) {
    return fail('AUDIO_INPUT_OPEN', `Could not open ${chosen.name} at ${request.sampleRate} Hz, ${request.channels} channel(s)`, thrown);
  }
  await send(fallbackFrom === undefined ? { type: 'opened', device: chosen.name, hostApi: chosen.hostAPIName } : { type: 'opened', device: chosen.name, hostApi: chosen.hostAPIName, fallbackFrom });

  let closing = false;
  let deliveryFrames = request.deliveryFrames;
  process.on('message', (message: HelperRequest) => {
    if (message.type === 'delivery') {
      deliveryFrames = message.frames;
      return;
    }
    if (message.type !== 'close' || closing) return;
    closing = true;
    const started = performance.now();
    void stream.quit('ABORT').then(async () => {
      await send({ type: 'closed', ms: performance.now() - started });
      process.exit(0);
    });
  });

  while (!closing) {
    // naudiodon's read waits until this many bytes have arrived: fewer, larger blocks cost
    // the engine and this helper fewer wake-ups; the engine asks for small ones when it needs latency.
    const result = await stream.read(deliveryFrames * request.channels * 4);
    if (closing) break;
    if (result.err) process.stdout.write(`PortAudio: ${result.err}\n`);
    const buf = result.buf;
    if (buf && buf.length >= 4) {
      // A fresh copy each read, so the view can be sent as is (aligned: copy if not).
      const samples = buf.byteOffset % 4 === 0
        ? new Float32Array(buf.buffer, buf.byteOffset, Math.floor(buf.length / 4))
        : new Float32Array(new Uint8Array(buf).buffer, 0, Math.floor(buf.length / 4));
      void send({ type: 'block', samples });
    }
    if (result.finished) break;
  }
}

// The engine's death must not leave a helper behind (when its JS thread is free to notice).
process.on('disconnect', () => process.exit(0));
process.once('message', (request: HelperRequest) => {
  let pa: PaBinding;
  try {
    pa = loadBinding();
  } catch (thrown) {
    void fail('AUDIO_INPUT_NATIVE', 'The audio input module (naudiodon) could not be loaded', thrown);
    return;
  }
  const work = request.type === 'list' ? list(pa, request.probeRates) : request.type === 'open' ? capture(pa, request) : Promise.resolve(process.exit(0));
  work.catch((thrown: unknown) => fail('AUDIO_INPUT_HELPER', 'The audio input helper failed', thrown));
});
