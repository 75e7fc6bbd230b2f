import { seeded } from './seeded.ts';
export interface LoadOptions {
  apiUrl: string;
  editorKey: string;
  /** New articles to post. */
  posts: number;
  /** Concurrent clients, each sending one request at a time. */
  clients: number;
  sources: readonly string[];
  /** Distinct tag labels to draw from. */
  tags: number;
  /** Share of operations that correct an earlier article. */
  correctRatio?: number;
  /** Share of operations that retract an earlier article. */
  retractRatio?: number;
  /** Seed of the pseudo-random choices, so a run can be repeated. */
  seed?: number;
  /** Stops the run after this long even if not every post went out. */
  maxDurationMs?: number;
}

/** How often a request answered 503 is sent: the first time and four retries after their Retry-After. */
const SEND_ATTEMPTS = 5;

export interface LoadReport {
  requests: number;
  posts: number;
  corrections: number;
  retractions: number;
  /** Responses by status code. */
  statuses: Record<number, number>;
  /** 5xx answers the run ended with: a 500, or a 503 still there after its retries. */
  serverErrors: number;
  /** The first few of them (method, path, status, body), to say what went wrong. */
  serverErrorSamples: string[];
  /**
   * 503s sent again after their Retry-After, as the API asks editors' clients to (a POST with the same
   * Idempotency-Key, so a write that landed before its answer was lost is not made twice).
   */
  retried: number;
  /** Corrections that lost to a concurrent one (412): expected under contention, not errors. */
  conflicts: number;
  durationMs: number;
}

/**
 * Drives the editor API on loopback: `clients` concurrent clients post `posts` articles over the given sources
 * and tags, mixing in corrections (with If-Match) and retractions of articles posted earlier. Bounded in count
 * and time; it stops by itself.
 */
export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const next = seeded(options.seed ?? 42);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const labels = Array.from({ length: options.tags }, (_, i) => `Topic ${i + 1}`);
  const report: LoadReport = {
    requests: 0,
    posts: 0,
    corrections: 0,
    retractions: 0,
    statuses: {},
    serverErrors: 0,
    serverErrorSamples: [],
    retried: 0,
    conflicts: 0,
    durationMs: 0,
  };
  const live: { id: string; version: number }[] = [];
  const started = performance.now();
  const deadline = started + (options.maxDurationMs ?? 10 * 60_000);
  const headers = { authorization: `Bearer ${options.editorKey}`, 'content-type': 'application/json' };
  const now = Date.now();
  const article = (n: number) => ({
    source: pick(options.sources),
    title: `Load article ${n}: “quotes”, dashes — and & ampersands`,
    url: `https://load.example/articles/${n}`,
    contentHtml: `<p>Article ${n} of the load run. ${'Filler text for a realistic body. '.repeat(20)}</p>`,
    tags: [...new Set(Array.from({ length: 1 + Math.floor(next() * 3) }, () => pick(labels)))],
    // As in a newsroom, most articles are published as they are posted (within the last two hours), and some
    // are back-dated over the past month: feed order is not insertion order, and old archives change too.
    publishedAt: new Date(
      now - Math.floor(next() * (next() < 0.85 ? 2 * 3_600_000 : 30 * 86_400_000)),
    ).toISOString(),
  });
  const send = async (method: string, path: string, body?: unknown, extra: Record<string, string> = {}) => {
    for (let attempt = 1; ; attempt++) {
      const response = await fetch(options.apiUrl + path, {
        method,
        headers: { ...headers, ...extra },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      report.requests++;
      report.statuses[response.status] = (report.statuses[response.status] ?? 0) + 1;
      if (response.status === 503 && attempt < SEND_ATTEMPTS) {
        report.retried++;
        const seconds = Number(response.headers.get('retry-after'));
        await new Promise((resolve) => setTimeout(resolve, (Number.isFinite(seconds) ? seconds : 1) * 1000));
        continue;
      }
      if (response.status >= 500) {
        report.serverErrors++;
        if (report.serverErrorSamples.length < 5)
          report.serverErrorSamples.push(`${method} ${path} ${response.status} ${text.slice(0, 300)}`);
      }
      return {
        status: response.status,
        body: text ? (JSON.parse(text) as { id?: string; version?: number }) : {},
      };
    }
  };
  let posted = 0;
  const client = async () => {
    while (posted < options.posts && performance.now() < deadline) {
      const roll = next();
      const target = live.length > 10 ? pick(live) : undefined;
      if (target && roll < (options.retractRatio ?? 0.05)) {
        live.splice(live.indexOf(target), 1);
        const response = await send('DELETE', `/articles/${target.id}`);
        if (response.status === 204) report.retractions++;
      } else if (target && roll < (options.retractRatio ?? 0.05) + (options.correctRatio ?? 0.15)) {
        const response = await send('PUT', `/articles/${target.id}`, article(posted), {
          'if-match': `"${target.version}"`,
        });
        if (response.status === 200) {
          report.corrections++;
          target.version = response.body.version ?? target.version + 1;
        } else if (response.status === 412) {
          report.conflicts++;
        }
      } else {
        const n = posted++;
        const response = await send('POST', '/articles', article(n), {
          'idempotency-key': `load-${options.seed ?? 42}-${n}`,
        });
        if (response.status === 201 && response.body.id) {
          report.posts++;
          live.push({ id: response.body.id, version: 1 });
        }
      }
    }
  };
  await Promise.all(Array.from({ length: options.clients }, client));
  report.durationMs = performance.now() - started;
  return report;
}
