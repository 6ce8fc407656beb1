// Errors that stop a source read as a whole. Row-level problems are not errors: they become
// rejected items. Codes are stable; the task records them in its history.

/** The source no longer looks like what the reader knows (a renamed column, no table, …). */
export class SourceLayoutError extends Error {
  readonly code = 'SOURCE_LAYOUT';
  readonly source: string;
  readonly expected: string;
  readonly found: string;

  constructor(source: string, expected: string, found: string) {
    super(`${source}: layout changed: expected ${expected}; found ${found}`);
    this.name = 'SourceLayoutError';
    this.source = source;
    this.expected = expected;
    this.found = found;
  }
}

/** The bytes are not well-formed CSV (e.g. a quote that never closes): no row can be trusted. */
export class SourceFormatError extends Error {
  readonly code = 'SOURCE_FORMAT';
  readonly source: string;
  readonly line: number | undefined;

  constructor(source: string, detail: string, line?: number, options?: ErrorOptions) {
    super(`${source}: malformed file${line === undefined ? '' : ` at line ${line}`}: ${detail}`, options);
    this.name = 'SourceFormatError';
    this.source = source;
    this.line = line;
  }
}
