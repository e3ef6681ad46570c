import type { DestinationStream } from 'pino';

declare global {
  // filled by test/setup/quiet-logs-environment.js; undefined with TEST_LOGS=show
  var __TEST_LOG__: string[] | undefined;
}

/**
 * Where the log of an application a suite starts in its own process goes: kept by the test
 * environment, and written only when a test fails (stdout as it comes with TEST_LOGS=show, or
 * outside that environment).
 */
export function testLogSink(): DestinationStream {
  return {
    write(line: string): void {
      const kept = globalThis.__TEST_LOG__;
      if (kept) kept.push(line);
      else process.stdout.write(line);
    },
  };
}
