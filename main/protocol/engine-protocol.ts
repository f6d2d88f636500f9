/**
 * The host <-> engine contract: the one place that says which requests, replies and events
 * exist and what they carry. Both sides validate what they receive against these schemas.
 * Bump ENGINE_PROTOCOL_VERSION on any incompatible change; the host refuses an engine that
 * answers `engine.hello` with another version.
 */
import { z } from 'zod';
import { AudioSettingsSchema } from '../settings/audio-settings-schema';
import { EncoderSettingsSchema } from '../engine/audio/encoders/encoder-settings';
import { ServerEntrySchema, StreamInfoSchema } from '../engine/stream/server-settings';
import { Aes67SenderSettingsSchema } from '../engine/aes67/aes67-settings';

export const ENGINE_PROTOCOL_VERSION = 1;

export const AppErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  detail: z.string().optional(),
});

export const ShutdownProfileSchema = z.enum(['normal', 'fast']);
export type ShutdownProfile = z.infer<typeof ShutdownProfileSchema>;

/** Engine resources close in this order: inputs first, so nothing new flows into outputs. */
export const RESOURCE_STAGES = [
  'audio-input',
  'aes67',
  'streams',
  'recorder',
  'control',
  'timers',
  'workers',
  'processes',
] as const;
export const ResourceStageSchema = z.enum(RESOURCE_STAGES);
export type ResourceStage = z.infer<typeof ResourceStageSchema>;

export const ResourceKindSchema = z.enum([
  'tcp-socket',
  'tcp-server',
  'udp-socket',
  'worker-thread',
  'child-process',
  'file',
  'timer',
  'audio-device',
]);
export type ResourceKind = z.infer<typeof ResourceKindSchema>;

export const ResourceCloseSchema = z.object({
  id: z.string(),
  kind: ResourceKindSchema,
  stage: ResourceStageSchema,
  label: z.string(),
  /** closed: confirmed closed; failed: close threw; timed-out: still open at its deadline. */
  outcome: z.enum(['closed', 'failed', 'timed-out']),
  ms: z.number(),
  detail: z.string().optional(),
});
export type ResourceClose = z.infer<typeof ResourceCloseSchema>;

export const EngineShutdownReportSchema = z.object({
  reason: z.string(),
  profile: ShutdownProfileSchema,
  startedAt: z.string(),
  ms: z.number(),
  resources: z.array(ResourceCloseSchema),
  /** Handles Node still reports as active after every resource was closed (leak detector). */
  activeHandlesAfter: z.array(z.string()),
  clean: z.boolean(),
});
export type EngineShutdownReport = z.infer<typeof EngineShutdownReportSchema>;

export const OpenResourceSchema = z.object({
  id: z.string(),
  kind: ResourceKindSchema,
  stage: ResourceStageSchema,
  label: z.string(),
  openedAt: z.string(),
  pid: z.number().optional(),
});
export type OpenResource = z.infer<typeof OpenResourceSchema>;

export const EngineStatusSchema = z.object({
  pid: z.number(),
  protocol: z.number(),
  uptimeMs: z.number(),
  state: z.enum(['running', 'shutting-down']),
  resources: z.array(OpenResourceSchema),
  diagnostics: z.boolean(),
});
export type EngineStatus = z.infer<typeof EngineStatusSchema>;

/**
 * Diagnostics are for proving the shutdown path with real resources before the real outputs
 * exist, and for fault drills (a hung engine, one that ignores SIGTERM). The engine accepts
 * them only when started with AIRTIGHT_ENGINE_DIAGNOSTICS=1.
 */
export const DiagnosticsOpenSchema = z.object({
  tcpConnect: z.object({ host: z.string(), port: z.number().int() }).optional(),
  tcpListen: z.object({ host: z.string(), port: z.number().int() }).optional(),
  udpMulticast: z
    .object({ group: z.string(), port: z.number().int(), iface: z.string().optional() })
    .optional(),
  workerThread: z.boolean().optional(),
  childProcess: z.boolean().optional(),
  file: z.object({ path: z.string() }).optional(),
  /** A stream encoder on the stream path whose output is counted and dropped (benchmarks). */
  streamEncoder: EncoderSettingsSchema.optional(),
});
export type DiagnosticsOpen = z.infer<typeof DiagnosticsOpenSchema>;

export const EngineFaultSchema = z.enum([
  /** Never answer engine.shutdown (a clean-up stuck on a device); SIGTERM still works. */
  'hang-on-shutdown',
  /** Never answer engine.shutdown and ignore SIGTERM. */
  'ignore-sigterm',
  /** Crash right away with a non-zero exit. */
  'crash',
]);
export type EngineFault = z.infer<typeof EngineFaultSchema>;

const AudioFormatSchema = z.object({ sampleRate: z.number(), channels: z.number() });

export const AudioDeviceSchema = z.object({
  name: z.string(),
  hostApi: z.string(),
  maxInputChannels: z.number(),
  defaultSampleRate: z.number(),
  sampleRates: z.array(z.number()),
  isDefault: z.boolean(),
});

const PartSummarySchema = z.object({
  path: z.string(),
  frames: z.number(),
  bytes: z.number(),
  durationSeconds: z.number(),
  appended: z.boolean(),
  error: AppErrorSchema.optional(),
});
export const RecordingSummarySchema = z.object({
  parts: z.array(PartSummarySchema),
  frames: z.number(),
  bytes: z.number(),
  durationSeconds: z.number(),
  droppedFrames: z.number(),
  error: AppErrorSchema.optional(),
});

const ChannelMeterSchema = z.object({ peakDb: z.number(), peakHoldDb: z.number(), rmsDb: z.number() });
export const MeterSnapshotSchema = z.object({
  frames: z.number(),
  channels: z.array(ChannelMeterSchema),
  momentaryLufs: z.number(),
  shortTermLufs: z.number(),
});

/** A stream sender's state (main/engine/stream/stream-sender.ts SenderState), checked loosely. */
export const SenderStateSchema = z.looseObject({
  state: z.enum(['idle', 'connecting', 'connected', 'retrying', 'failed', 'stopped']),
  error: AppErrorSchema.optional(),
  since: z.string().optional(),
});

export const SenderStatsSchema = z.looseObject({
  state: z.string(),
  bytesSent: z.number(),
  bitrateKbps: z.number(),
  reconnects: z.number(),
  droppedFrames: z.number(),
});

/** Each request: its params schema and its result schema. */
export const engineRequests = {
  'engine.hello': {
    params: z.object({ hostPid: z.number(), protocol: z.number() }),
    result: z.object({ protocol: z.number(), pid: z.number() }),
  },
  'engine.status': {
    params: z.object({}),
    result: EngineStatusSchema,
  },
  'engine.shutdown': {
    params: z.object({ reason: z.string(), profile: ShutdownProfileSchema, deadlineMs: z.number().positive() }),
    result: EngineShutdownReportSchema,
  },
  'audio.devices': {
    params: z.object({ probeRates: z.boolean().optional() }),
    result: z.object({ devices: z.array(AudioDeviceSchema) }),
  },
  'audio.configure': {
    params: AudioSettingsSchema,
    result: z.object({ source: z.string(), format: AudioFormatSchema, warnings: z.array(AppErrorSchema) }),
  },
  'audio.status': {
    params: z.object({}),
    result: z.object({
      source: z.string().optional(),
      format: AudioFormatSchema.optional(),
      recording: z.object({
        recording: z.boolean(),
        path: z.string().optional(),
        framesPosted: z.number(),
        droppedFrames: z.number(),
      }),
    }),
  },
  'recorder.start': {
    params: z.object({}),
    result: z.object({ path: z.string() }),
  },
  'recorder.split': {
    params: z.object({}),
    result: z.object({ requested: z.literal(true) }),
  },
  'recorder.stop': {
    params: z.object({}),
    result: RecordingSummarySchema,
  },
  'stream.start': {
    params: z.object({ server: ServerEntrySchema, info: StreamInfoSchema.optional() }),
    result: z.object({ started: z.literal(true) }),
  },
  'stream.stop': {
    params: z.object({ name: z.string() }),
    result: z.object({ stopped: z.literal(true) }),
  },
  'stream.stopAll': {
    params: z.object({}),
    result: z.object({ stopped: z.literal(true) }),
  },
  'stream.setTitle': {
    params: z.object({ title: z.string(), prefix: z.string().default(''), suffix: z.string().default(''), delayMs: z.number().min(0).max(20_000).default(0) }),
    result: z.object({ submitted: z.literal(true) }),
  },
  'stream.stats': {
    params: z.object({}),
    result: z.object({ servers: z.record(z.string(), SenderStatsSchema) }),
  },
  'aes67.start': {
    /** sessionFile: where the SDP session id and version persist across restarts (the host's data dir). */
    params: z.object({ settings: Aes67SenderSettingsSchema, sessionFile: z.string().optional() }),
    result: z.object({ sdp: z.string() }),
  },
  'aes67.stop': {
    params: z.object({}),
    result: z.object({ stopped: z.literal(true) }),
  },
  'aes67.status': {
    params: z.object({}),
    result: z.object({ running: z.boolean(), sdp: z.string().optional(), sender: z.unknown().optional(), clock: z.string().optional() }),
  },
  'diagnostics.open': {
    params: DiagnosticsOpenSchema,
    result: z.array(OpenResourceSchema),
  },
  'diagnostics.fault': {
    params: z.object({ fault: EngineFaultSchema }),
    result: z.object({ armed: EngineFaultSchema }),
  },
} as const;

export type EngineMethod = keyof typeof engineRequests;
export type EngineParams<M extends EngineMethod> = z.infer<(typeof engineRequests)[M]['params']>;
export type EngineResult<M extends EngineMethod> = z.infer<(typeof engineRequests)[M]['result']>;

export const engineEvents = {
  'engine.ready': z.object({ pid: z.number(), protocol: z.number() }),
  'engine.log': z.object({
    level: z.enum(['debug', 'info', 'warn', 'error']),
    message: z.string(),
    error: AppErrorSchema.optional(),
  }),
  'engine.resources': z.object({ resources: z.array(OpenResourceSchema) }),
  /** The engine lost its host and is stopping on its own. */
  'engine.orphaned': z.object({ reason: z.string() }),
  /**
   * The engine shut down on its own (SIGTERM from outside, e.g. a service manager killing
   * the whole process group) and is about to exit; the report the host would have asked for.
   */
  'engine.stopped': z.object({ report: EngineShutdownReportSchema }),
  'stream.state': z.object({ server: z.string(), state: SenderStateSchema }),
  'stream.title': z.object({ server: z.string(), title: z.string(), ok: z.boolean(), error: AppErrorSchema.optional() }),
  'aes67.clock': z.object({ mode: z.string(), state: z.string(), grandmaster: z.string().nullable(), description: z.string() }),
  /** Input meters at 20 Hz while a source runs. */
  'audio.meters': z.object({ input: MeterSnapshotSchema }),
  'audio.source': z.object({
    state: z.enum(['running', 'device-lost', 'device-restored', 'stopped']),
    description: z.string(),
    error: AppErrorSchema.optional(),
  }),
  /** BUTT's signal/silence detection (present above, absent below -50 dBFS by default). */
  'audio.signal': z.object({ state: z.enum(['unknown', 'present', 'absent']) }),
  'recorder.status': z.union([
    z.object({ state: z.enum(['recording', 'split']), path: z.string() }),
    z.object({ state: z.literal('progress'), path: z.string(), seconds: z.number(), bytes: z.number(), droppedFrames: z.number() }),
    z.object({ state: z.enum(['warning', 'failed']), error: AppErrorSchema }),
    z.object({ state: z.literal('stopped'), summary: RecordingSummarySchema }),
  ]),
} as const;

export type EngineEventName = keyof typeof engineEvents;
export type EngineEventData<E extends EngineEventName> = z.infer<(typeof engineEvents)[E]>;

const v = z.literal(ENGINE_PROTOCOL_VERSION);

export const RequestEnvelopeSchema = z.object({
  v,
  type: z.literal('request'),
  id: z.number().int(),
  method: z.string(),
  params: z.unknown(),
});
export type RequestEnvelope = z.infer<typeof RequestEnvelopeSchema>;

export const EngineMessageSchema = z.union([
  z.object({ v, type: z.literal('reply'), id: z.number().int(), ok: z.literal(true), result: z.unknown() }),
  z.object({ v, type: z.literal('reply'), id: z.number().int(), ok: z.literal(false), error: AppErrorSchema }),
  z.object({ v, type: z.literal('event'), event: z.string(), data: z.unknown() }),
]);
export type EngineMessage = z.infer<typeof EngineMessageSchema>;

export function isEngineMethod(name: string): name is EngineMethod {
  return Object.hasOwn(engineRequests, name);
}

export function isEngineEvent(name: string): name is EngineEventName {
  return Object.hasOwn(engineEvents, name);
}

/** The message an engine sends for an event, typed against the event map. */
export function eventMessage<E extends EngineEventName>(event: E, data: EngineEventData<E>): EngineMessage {
  return { v: ENGINE_PROTOCOL_VERSION, type: 'event', event, data };
}
