/** Fetching a feed over http(s). */
import { detectAndDecode } from './charset.ts';
import { FeedFormatError, FeedInputError } from './errors.ts';

export interface FetchOptions {
  /** For the whole exchange, redirects and body included. */
  timeoutMs?: number;
  maxRedirects?: number;
  maxBytes?: number;
}

/**
 * Fetches a feed over http(s): follows at most `maxRedirects` redirects (to http(s) URLs only), gives up after
 * `timeoutMs`, refuses a body over `maxBytes`. Returns the text, the URL it finally came from (the document's
 * base for relative links), and a note when the charset it declared was not believed.
 */
export async function fetchFeed(
  input: string,
  { timeoutMs = 30_000, maxRedirects = 5, maxBytes = 20 * 1024 * 1024 }: FetchOptions = {},
): Promise<{ text: string; url: string; note?: string }> {
  let url = httpUrl(input);
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    for (let redirects = 0; ; redirects++) {
      const response = await fetch(url, {
        redirect: 'manual',
        signal,
        headers: {
          accept:
            'application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml;q=0.9, application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.1',
          'user-agent': 'feed-pipeline-import',
        },
      });
      if (response.status >= 300 && response.status < 400 && response.status !== 304) {
        await response.body?.cancel();
        const location = response.headers.get('location');
        if (!location) throw new FeedInputError(`${url} answered ${response.status} without a Location`);
        if (redirects >= maxRedirects) {
          throw new FeedInputError(`${input} redirects more than ${maxRedirects} times; giving up`);
        }
        url = httpUrl(new URL(location, url).href, `${url} redirects to`);
        continue;
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw new FeedInputError(`${url} answered ${response.status} ${response.statusText}`.trim());
      }
      const bytes = await readBody(response, maxBytes, url);
      const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(response.headers.get('content-type') ?? '')?.[1];
      const decoded = detectAndDecode(bytes, charset);
      return { text: decoded.text, url, ...(decoded.note ? { note: decoded.note } : {}) };
    }
  } catch (error) {
    if (error instanceof FeedInputError || error instanceof FeedFormatError) throw error;
    if (signal.aborted) throw new FeedInputError(`${input} did not answer within ${timeoutMs / 1000} s`);
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new FeedInputError(
      `cannot fetch ${url}: ${cause?.code ?? cause?.message ?? (error as Error).message ?? String(error)}`,
    );
  }
}

function httpUrl(value: string, context = 'refusing'): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new FeedInputError(`${value} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new FeedInputError(`${context} ${value}: only http and https URLs are fetched`);
  }
  return url.href;
}

async function readBody(response: Response, maxBytes: number, url: string): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body?.getReader();
  if (!reader) return new Uint8Array();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new FeedInputError(`${url} is larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}
