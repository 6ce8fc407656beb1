// A whole (small) text document from a source, decoded by its declared charset: the weekly posts
// and their list pages.
import { openLocation } from './source-fetch.ts';
import { SourceFetchError } from './source-fetch-errors.ts';
import type { FetchOptions } from './source-fetch-http.ts';

export interface FetchTextOptions extends FetchOptions {
  /** Refuse bodies larger than this (an HTML page is ~100 kB). */
  maxBytes?: number;
}

/** The document as text: charset from Content-Type, else from a <meta> tag, else UTF-8. */
export async function fetchText(url: string, options: FetchTextOptions = {}): Promise<string> {
  const maxBytes = options.maxBytes ?? 5 * 1024 * 1024;
  const opened = await openLocation(url, options);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of opened.body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      opened.body.destroy();
      throw new SourceFetchError('SOURCE_TOO_LARGE', url, `more than ${maxBytes} bytes`);
    }
    chunks.push(chunk);
  }
  const bytes = Buffer.concat(chunks);
  return decode(bytes, charsetOf(opened.contentType) ?? sniffMetaCharset(bytes));
}

export function charsetOf(contentType: string | undefined): string | undefined {
  return contentType ? /charset\s*=\s*"?([\w-]+)/i.exec(contentType)?.[1] : undefined;
}

function sniffMetaCharset(bytes: Buffer): string | undefined {
  const head = bytes.subarray(0, 4096).toString('latin1');
  return /<meta[^>]+charset\s*=\s*["']?([\w-]+)/i.exec(head)?.[1];
}

function decode(bytes: Buffer, label: string | undefined): string {
  let decoder;
  try {
    decoder = new TextDecoder(label ?? 'utf-8');
  } catch {
    decoder = new TextDecoder('utf-8'); // an unknown label: UTF-8 is what the sources use
  }
  return decoder.decode(bytes);
}
