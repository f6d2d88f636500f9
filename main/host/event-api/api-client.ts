/**
 * One connected event API client: what it may still send us (rate limits, commands in flight)
 * and what we send it. Sending never queues without bound: level events are dropped as soon
 * as anything is waiting in the socket, other events once a high-water mark is reached, and a
 * client that stays above it is marked stuck so the server can cut it off.
 */
import type { WebSocket } from 'ws';
import { TokenBucket } from '../control/token-bucket';

export interface ClientLimits {
  /** Highest level-event rate per client. */
  maxLevelsHz: number;
  /** Level events are dropped once this many bytes wait to be sent to the client. */
  levelsBufferedBytes: number;
  /** Every other message is dropped above this (the most memory one client can hold). */
  maxBufferedBytes: number;
  messageBurst: number;
  messagesPerSecond: number;
  /** Refused messages in a row (over the rate) before the connection is closed as a flood. */
  floodCloseAfter: number;
  commandBurst: number;
  commandsPerSecond: number;
  maxCommandsInFlight: number;
}

export interface ClientCounts {
  sent: number;
  droppedEvents: number;
  droppedLevels: number;
  /** Highest bufferedAmount seen right after one of our sends. */
  maxBuffered: number;
}

export class ApiClient {
  readonly messages: TokenBucket;
  readonly commands: TokenBucket;
  inFlight = 0;
  /** Messages refused for rate in a row; reset by an accepted one. */
  refusedInARow = 0;
  /** Since when the client has been above maxBufferedBytes (undefined: it is keeping up). */
  stuckSince: number | undefined;
  readonly counts: ClientCounts = { sent: 0, droppedEvents: 0, droppedLevels: 0, maxBuffered: 0 };
  /** Level events per second this client gets (0: none). */
  readonly levelsHz: number;
  private readonly levelIntervalMs: number;
  private lastLevelAt = -Infinity;
  private pendingLevel: string | undefined;
  private levelTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly id: number,
    readonly ws: WebSocket,
    private readonly limits: ClientLimits,
    /** What the client asked for with `?levels=`; capped by the limit. */
    requestedLevelsHz: number | undefined,
    /** The server's totals over all clients, counted as we go. */
    private readonly totals: ClientCounts,
  ) {
    this.messages = new TokenBucket(limits.messageBurst, limits.messagesPerSecond);
    this.commands = new TokenBucket(limits.commandBurst, limits.commandsPerSecond);
    const hz = Math.min(limits.maxLevelsHz, requestedLevelsHz ?? limits.maxLevelsHz);
    this.levelsHz = hz;
    this.levelIntervalMs = hz > 0 ? 1000 / hz : Infinity;
  }

  get open(): boolean {
    return this.ws.readyState === this.ws.OPEN;
  }

  /** Sends unless the client is too far behind; returns whether it was sent. */
  send(text: string): boolean {
    if (!this.open) return false;
    if (this.ws.bufferedAmount > this.limits.maxBufferedBytes) {
      this.stuckSince ??= performance.now();
      this.counts.droppedEvents++;
      this.totals.droppedEvents++;
      return false;
    }
    this.stuckSince = undefined;
    this.write(text);
    return true;
  }

  /** The latest levels; sent now if the client's rate allows, else kept (replacing older) for later. */
  offerLevels(text: string): void {
    if (this.levelIntervalMs === Infinity || !this.open) return;
    const wait = this.lastLevelAt + this.levelIntervalMs - performance.now();
    if (wait <= 0) return this.sendLevels(text);
    if (this.pendingLevel !== undefined) this.dropLevel(); // superseded
    this.pendingLevel = text;
    this.armLevelTimer(wait);
  }

  private armLevelTimer(wait: number): void {
    this.levelTimer ??= setTimeout(() => {
      this.levelTimer = undefined;
      // Timers count from the loop's cached clock and may fire a little early: never send early.
      const left = this.lastLevelAt + this.levelIntervalMs - performance.now();
      if (left > 0) return this.armLevelTimer(left);
      const pending = this.pendingLevel;
      this.pendingLevel = undefined;
      if (pending !== undefined) this.sendLevels(pending);
    }, Math.ceil(wait));
  }

  dispose(): void {
    clearTimeout(this.levelTimer);
    this.levelTimer = undefined;
    this.pendingLevel = undefined;
  }

  private sendLevels(text: string): void {
    // Throttle on attempts, not on successes: a slow client gets fewer levels, never a burst.
    this.lastLevelAt = performance.now();
    if (!this.open) return;
    if (this.ws.bufferedAmount > this.limits.levelsBufferedBytes) {
      this.dropLevel();
      return;
    }
    this.write(text);
  }

  private dropLevel(): void {
    this.counts.droppedLevels++;
    this.totals.droppedLevels++;
  }

  private write(text: string): void {
    this.ws.send(text, (error) => {
      // A failed write means the socket is going away; its close event does the clean-up.
      void error;
    });
    this.counts.sent++;
    this.totals.sent++;
    const buffered = this.ws.bufferedAmount;
    this.counts.maxBuffered = Math.max(this.counts.maxBuffered, buffered);
    this.totals.maxBuffered = Math.max(this.totals.maxBuffered, buffered);
  }
}
