// Structured JSON-lines logs (SPEC 4). One root logger per process; modules take a child.
// Lines carry an ISO timestamp and the level's name (`"level":"info"`), which people and log
// tools read without a table of pino's numbers. A person running a command in a terminal gets
// pino-pretty's one-line-per-event output instead; anything else (a file, a pipe, a supervisor)
// gets JSON.
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { PinoPretty } from 'pino-pretty';

export type { Logger };

export interface LoggerOutput {
  /** Where the lines go; standard output when absent. */
  destination?: DestinationStream;
  /** Human-readable lines; by default when standard output is a terminal. */
  pretty?: boolean;
}

export function loggerOptions(level: string, name: string): LoggerOptions {
  return {
    level,
    name,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
}

export function createLogger(level: string, name: string, output: LoggerOutput = {}): Logger {
  const pretty = output.pretty ?? process.stdout.isTTY === true;
  const destination = output.destination ?? (pretty ? undefined : pino.destination(1));
  if (pretty) {
    return pino(loggerOptions(level, name), PinoPretty({ colorize: output.destination === undefined, singleLine: true, destination: destination ?? 1, sync: true }));
  }
  return pino(loggerOptions(level, name), destination);
}
