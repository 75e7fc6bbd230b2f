import { Feed } from 'feed';
import { generateAtomFeed, generateJsonFeed, generateRssFeed } from 'feedsmith';
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
  /** The npm package `feedsmith`'s generators, from its feed objects built once. */
  feedsmith: Record<Format, number>;
  /** Median ms to UTF-8-encode an already finished string as large as our document. */
  floor: Record<Format, number>;
  bytes: { ours: Record<Format, number>; feed: Record<Format, number>; feedsmith: Record<Format, number> };
  oursTotal: number;
  feedTotal: number;
  feedsmithTotal: number;
  /** oursTotal / feedTotal. */
  ratio: number;
  /** oursTotal / feedsmithTotal. */
  feedsmithRatio: number;
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

  // feedsmith: the same channel and items as its feed objects, built once (only the generators are timed).
  const updated = new Date(channel.updated);
  const rssInput = {
    title: channel.title,
    link: channel.homePageUrl,
    description: channel.description,
    language: channel.language,
    lastBuildDate: updated,
    generator: 'feed-pipeline',
    ttl: channel.ttlMinutes,
    atom: { links: [{ href: channel.urls.rss, rel: 'self', type: 'application/rss+xml' }] },
    items: entries.map((entry) => ({
      title: entry.title,
      link: entry.url,
      description: entry.summary,
      guid: { value: `urn:uuid:${entry.id}`, isPermaLink: false },
      pubDate: new Date(entry.publishedAt),
      categories: entry.tags.map((tag) => ({
        name: tag.label,
        domain: channel.tagFeeds?.(tag.slug).rss ?? '',
      })),
      content: { encoded: entry.contentHtml },
      ...(entry.author ? { dc: { creators: [entry.author.name] } } : {}),
    })),
  };
  const atomInput = {
    id: channel.urn,
    title: { value: channel.title },
    updated,
    links: [{ href: channel.urls.atom, rel: 'self', type: 'application/atom+xml' }],
    authors: [{ name: channel.author.name, uri: channel.author.url }],
    entries: entries.map((entry) => ({
      id: `urn:uuid:${entry.id}`,
      title: { value: entry.title },
      updated: new Date(entry.updatedAt),
      published: new Date(entry.publishedAt),
      links: [{ href: entry.url, rel: 'alternate' }],
      summary: { value: entry.summary },
      content: { value: entry.contentHtml, type: 'html' },
      categories: entry.tags.map((tag) => ({ term: tag.slug, label: tag.label })),
      ...(entry.author ? { authors: [{ name: entry.author.name }] } : {}),
    })),
  };
  const jsonInput = {
    title: channel.title,
    home_page_url: channel.homePageUrl,
    feed_url: channel.urls.json,
    items: entries.map((entry) => ({
      id: `urn:uuid:${entry.id}`,
      url: entry.url,
      title: entry.title,
      content_html: entry.contentHtml,
      summary: entry.summary,
      date_published: new Date(entry.publishedAt),
      date_modified: new Date(entry.updatedAt),
      tags: entry.tags.map((tag) => tag.label),
      ...(entry.author ? { authors: [{ name: entry.author.name }] } : {}),
    })),
  };
  const smith: Record<Format, () => string> = {
    rss: () => generateRssFeed(rssInput) as string,
    atom: () => generateAtomFeed(atomInput) as string,
    json: () => JSON.stringify(generateJsonFeed(jsonInput)),
  };

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
    feedsmith: Object.fromEntries(FORMATS.map((f) => [f, Buffer.byteLength(smith[f]())])) as Record<
      Format,
      number
    >,
  };
  const samples = {
    ours: { rss: [] as number[], atom: [] as number[], json: [] as number[] },
    feed: { rss: [] as number[], atom: [] as number[], json: [] as number[] },
    feedsmith: { rss: [] as number[], atom: [] as number[], json: [] as number[] },
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
      toBytes(smith[f])();
      sink += Buffer.from(finished[f], 'utf8').length;
    }
  }
  for (let round = 0; round < rounds; round++) {
    for (const f of FORMATS) {
      // Rotate who goes first, so no side always runs right after a GC another caused.
      const sides = [
        () => samples.ours[f].push(timeCalls(toBytes(ours[f]), calls)),
        () => samples.feed[f].push(timeCalls(toBytes(theirs[f]), calls)),
        () => samples.feedsmith[f].push(timeCalls(toBytes(smith[f]), calls)),
      ];
      for (let i = 0; i < sides.length; i++) (sides[(i + round) % sides.length] as () => void)();
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
  const result = {
    ours: med(samples.ours),
    feed: med(samples.feed),
    feedsmith: med(samples.feedsmith),
    floor: med(samples.floor),
  };
  const oursTotal = FORMATS.reduce((sum, f) => sum + result.ours[f], 0);
  const feedTotal = FORMATS.reduce((sum, f) => sum + result.feed[f], 0);
  const feedsmithTotal = FORMATS.reduce((sum, f) => sum + result.feedsmith[f], 0);
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
    feedsmithTotal,
    ratio: oursTotal / feedTotal,
    feedsmithRatio: oursTotal / feedsmithTotal,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${JSON.stringify(measureRender(), null, 2)}\n`);
}
