/** One JSON log line as pino wrote it, without its `time` (which no test can predict). */
export type LogEntry = Record<string, unknown>;

/**
 * The log lines captured from chunk `from` on, parsed: pass the capture's length taken just before a
 * request to get the lines that request wrote, and nothing else.
 */
export function logEntries(chunks: readonly string[], from = 0): LogEntry[] {
  return chunks
    .slice(from)
    .flatMap((chunk) => chunk.split('\n'))
    .filter(Boolean)
    .map((line) => {
      const { time: _time, ...entry } = JSON.parse(line) as LogEntry;
      return entry;
    });
}

