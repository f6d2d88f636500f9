/**
 * What every encoder offers the recorder and the stream senders. Output comes in whole units
 * (an MP3 frame run, an Ogg page, a FLAC frame): a congested stream drops whole units, never
 * half of one, and a recorder can stop between any two.
 */
import type { AudioFormat } from './audio-format';

export type Codec = 'mp3' | 'vorbis' | 'opus' | 'flac' | 'ogg-flac' | 'wav' | 'aac';

export interface EncodedChunk {
  bytes: Uint8Array;
  /** Frames of input audio this chunk completes (0 for headers). Used for stats and splits. */
  frames: number;
  /** Header data a listener needs first (Ogg BOS pages, a FLAC fLaC+STREAMINFO block). */
  header?: boolean;
}

/** A byte range to overwrite at the end of a file (WAV sizes, FLAC STREAMINFO). */
export interface HeaderPatch {
  offset: number;
  bytes: Uint8Array;
}

/** An in-band title for Ogg streams (Vorbis comments / OpusTags / FLAC VORBIS_COMMENT). */
export interface StreamTags {
  title: string;
  artist?: string;
}

export interface Encoder {
  readonly codec: Codec;
  /** MIME type for Icecast/Shoutcast `Content-Type`. */
  readonly mimeType: string;
  /** File extension without a dot. */
  readonly extension: string;
  /** Which library does the work, for the log (e.g. "libmp3lame.so.0 (system)", "LAME (WebAssembly)"). */
  readonly implementation: string;
  /** Set when 'auto' wanted the machine's codec library and fell back to WebAssembly: why. */
  readonly fallback?: string;
  /** The input it wants; the pipeline resamples to this rate before calling encode(). */
  readonly inputFormat: AudioFormat;
  /** Interleaved float input; returns the whole units that became ready (maybe none). */
  encode(samples: Float32Array): EncodedChunk[];
  /** End of stream: everything still buffered, padded as the format requires. */
  flush(): EncodedChunk[];
  /**
   * Ogg Opus, Vorbis and FLAC only: ends the current logical stream (EOS page) and starts a chained
   * one (new serial) whose comment header carries the title. Returns the old stream's last
   * pages, then the new headers (`header: true`); a listener's player shows the new title.
   */
  setTitle?(tags: StreamTags): EncodedChunk[];
  /** After flush: header rewrites a seekable file needs (none for pure streams). */
  finalPatches(): HeaderPatch[];
  /** Releases native/wasm memory. Safe to call twice. */
  close(): void;
}
