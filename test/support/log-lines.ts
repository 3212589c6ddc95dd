/** One JSON log line as pino wrote it, without its `time` (which no test can predict). */
export type LogEntry = Record<string, unknown>;

/**
 * The log lines captured from chunk `from` on, parsed: pass the capture's length taken just before a
 * request to get the lines that request wrote, and nothing else.
 */
export function logEntries(chunks: readonly string[], from = 0, ofRequests?: readonly (string | undefined)[]): LogEntry[] {
  return chunks
    .slice(from)
    .flatMap((chunk) => chunk.split('\n'))
    .filter(Boolean)
    .flatMap((line) => {
      // The time and the request's id differ on every run; the id's shape is still checked here, and
      // test/flow/request-ids.test.ts checks that it is the request's own.
      const { time: _time, requestId, ...entry } = JSON.parse(line) as LogEntry;
      if (requestId !== undefined && (typeof requestId !== 'string' || !/^[A-Za-z0-9._-]{1,128}$/.test(requestId))) throw new Error(`malformed requestId on a log line: ${line}`);
      // With the requests' ids (their X-Request-Id answers), only their lines: one the background wrote
      // meanwhile (the delivery of an earlier event) is not theirs. Every line of a request carries its id.
      if (ofRequests && !ofRequests.includes(requestId as string)) return [];
      return [entry];
    });
}

