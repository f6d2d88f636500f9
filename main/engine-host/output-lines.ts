/** Splits an engine's stdout/stderr into lines for the log. */
export type OutputHandler = (line: string, stream: 'stdout' | 'stderr') => void;

export function forwardLines(
  streams: { stdout: NodeJS.ReadableStream | null; stderr: NodeJS.ReadableStream | null },
  handler: OutputHandler,
): void {
  for (const name of ['stdout', 'stderr'] as const) {
    const stream = streams[name];
    if (!stream) continue;
    // Decode as a stream: a UTF-8 character split across two chunks stays whole.
    stream.setEncoding('utf8');
    let partial = '';
    stream.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) handler(line, name);
    });
    // The last line of a crash trace often has no newline: report it when the stream ends.
    stream.on('end', () => {
      if (partial.trim()) handler(partial, name);
      partial = '';
    });
  }
}
