/** Title ("song") updates: from a file, from a URL, with prefix/suffix and a delay ([main] song_*). */
import { z } from 'zod';

export const SongSettingsSchema = z.object({
  /** Read the title from this file when it changes (song_path + song_update). */
  filePath: z.string().default(''),
  updateFromFile: z.boolean().default(false),
  /** Take the file's last line instead of its first. */
  readLastLine: z.boolean().default(false),
  /** Seconds between a title arriving and it being sent (listeners hear the stream late). */
  delaySeconds: z.number().min(0).max(3600).default(0),
  /** Spaces kept: BUTT stores them as %20 in its file. */
  prefix: z.string().default(''),
  suffix: z.string().default(''),
  /** Poll a URL for the title (song_update_url, _active, _interval seconds). */
  url: z.string().default(''),
  updateFromUrl: z.boolean().default(false),
  urlIntervalSeconds: z.number().min(1).max(86400).default(1),
});
export type SongSettings = z.infer<typeof SongSettingsSchema>;
