import { Feed } from 'feed';
import { describeFeed } from '#shared/feeds/channel.ts';
import type { FeedEntry } from '#shared/feeds/model.ts';
import { renderAtom } from '#shared/feeds/render/atom.ts';
import { renderJsonFeed } from '#shared/feeds/render/json-feed.ts';
import { renderRss } from '#shared/feeds/render/rss.ts';
import { feedSettingsFromEnv } from '#shared/feeds/settings.ts';
import { BENCH_SOURCES, benchArticles } from './articles.ts';
import { median, timeCalls } from './stats.ts';

const SETTINGS = feedSettingsFromEnv({ FEEDS_BASE_URL: 'https://feeds.example/' });

type Format = 'rss' | 'atom' | 'json';
const FORMATS: Format[] = ['rss', 'atom', 'json'];

export interface RenderResult {
  entries: number;
  /** Mean UTF-8 bytes of the HTML bodies. */
  htmlBytes: number;
  rounds: number;
  /** Median ms per document, rendering and UTF-8 encoding to a Buffer. */
  ours: Record<Format, number>;
  feed: Record<Format, number>;
  /** Median ms to UTF-8-encode an already finished string as large as our document. */
  floor: Record<Format, number>;
  bytes: { ours: Record<Format, number>; feed: Record<Format, number> };
  oursTotal: number;
  feedTotal: number;
  /** oursTotal / feedTotal. */
  ratio: number;
}

/**
 * Rendering: the same 50 entries to RSS, Atom and JSON Feed bytes by our renderers and by the npm package `feed`
 * (built into its Feed object once; only `rss2()`, `atom1()`, `json1()` are timed), in one process, interleaved
 * round by round. Both sides are timed to bytes: the string and `Buffer.from(…, 'utf8')`, as a publish needs.
 */
export function measureRender(options: { rounds?: number; calls?: number } = {}): RenderResult {
  const rounds = options.rounds ?? 40;
  const calls = options.calls ?? 10;
  const articles = benchArticles(50);
  const entries: FeedEntry[] = articles;
  const sources = new Map(BENCH_SOURCES.map((source) => [source.slug, source]));
  const channel = describeFeed('all', { settings: SETTINGS, sources, updated: articles[0]?.updatedAt ?? '' });

  const feed = new Feed({
    id: channel.urn,
    title: channel.title,
    description: channel.description,
    link: channel.homePageUrl,
    language: channel.language,
    updated: new Date(channel.updated),
    generator: 'feed-pipeline',
    ttl: channel.ttlMinutes,
    feedLinks: { ...channel.urls },
    author: { name: channel.author.name, link: channel.author.url },
  });
  for (const entry of entries) {
    feed.addItem({
      title: entry.title,
      id: `urn:uuid:${entry.id}`,
      guid: `urn:uuid:${entry.id}`,
      link: entry.url,
      date: new Date(entry.updatedAt),
      published: new Date(entry.publishedAt),
      description: entry.summary,
      content: entry.contentHtml,
      ...(entry.author ? { author: [{ name: entry.author.name }] } : {}),
      category: entry.tags.map((tag) => ({
        name: tag.label,
        term: tag.slug,
        domain: channel.tagFeeds?.(tag.slug).rss ?? '',
      })),
      ...(entry.image ? { image: entry.image.url } : {}),
    });
  }

  const ours: Record<Format, () => string> = {
    rss: () => renderRss(channel, entries),
    atom: () => renderAtom(channel, entries),
    json: () => renderJsonFeed(channel, entries),
  };
  const theirs: Record<Format, () => string> = {
    rss: () => feed.rss2(),
    atom: () => feed.atom1(),
    json: () => feed.json1(),
  };
  const finished = Object.fromEntries(FORMATS.map((f) => [f, ours[f]()])) as Record<Format, string>;
  const bytes = {
    ours: Object.fromEntries(FORMATS.map((f) => [f, Buffer.byteLength(finished[f])])) as Record<
      Format,
      number
    >,
    feed: Object.fromEntries(FORMATS.map((f) => [f, Buffer.byteLength(theirs[f]())])) as Record<
      Format,
      number
    >,
  };
  const samples = {
    ours: { rss: [] as number[], atom: [] as number[], json: [] as number[] },
    feed: { rss: [] as number[], atom: [] as number[], json: [] as number[] },
    floor: { rss: [] as number[], atom: [] as number[], json: [] as number[] },
  };
  let sink = 0;
  const toBytes = (render: () => string) => () => {
    sink += Buffer.from(render(), 'utf8').length;
  };
  // Warm-up: let V8 optimise both sides before anything counts.
  for (let i = 0; i < 30; i++) {
    for (const f of FORMATS) {
      toBytes(ours[f])();
      toBytes(theirs[f])();
      sink += Buffer.from(finished[f], 'utf8').length;
    }
  }
  for (let round = 0; round < rounds; round++) {
    for (const f of FORMATS) {
      // Alternate who goes first, so neither side always runs right after a GC the other caused.
      if (round % 2) {
        samples.ours[f].push(timeCalls(toBytes(ours[f]), calls));
        samples.feed[f].push(timeCalls(toBytes(theirs[f]), calls));
      } else {
        samples.feed[f].push(timeCalls(toBytes(theirs[f]), calls));
        samples.ours[f].push(timeCalls(toBytes(ours[f]), calls));
      }
      samples.floor[f].push(
        timeCalls(() => {
          sink += Buffer.from(finished[f], 'utf8').length;
        }, calls),
      );
    }
  }
  if (sink === 0) throw new Error('nothing rendered');
  const med = (group: Record<Format, number[]>) =>
    Object.fromEntries(FORMATS.map((f) => [f, median(group[f])])) as Record<Format, number>;
  const result = { ours: med(samples.ours), feed: med(samples.feed), floor: med(samples.floor) };
  const oursTotal = FORMATS.reduce((sum, f) => sum + result.ours[f], 0);
  const feedTotal = FORMATS.reduce((sum, f) => sum + result.feed[f], 0);
  return {
    entries: entries.length,
    htmlBytes: Math.round(
      entries.reduce((sum, entry) => sum + Buffer.byteLength(entry.contentHtml), 0) / entries.length,
    ),
    rounds,
    ...result,
    bytes,
    oursTotal,
    feedTotal,
    ratio: oursTotal / feedTotal,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${JSON.stringify(measureRender(), null, 2)}\n`);
}
