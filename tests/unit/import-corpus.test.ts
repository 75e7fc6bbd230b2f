/**
 * The importer against real-world feeds (tests/fixtures/import/corpus, described in its corpus.json): every feed
 * is read from its bytes as the command reads a file, parsed and mapped to the submissions it would post.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { detectAndDecode } from '../../cli/import/charset.ts';
import { toSubmission } from '../../cli/import/map.ts';
import { parseFeedDocument } from '../../cli/import/parse.ts';
import type { ParsedFeedDocument } from '../../cli/import/types.ts';

const dir = fileURLToPath(new URL('../fixtures/import/corpus/', import.meta.url));

interface CorpusFeed {
  file: string;
  format: string;
  description: string;
  origin: { repository: string; path: string; commit: string; retrieved: string; derived?: boolean };
  licence: string;
  items: number;
  imported: number;
}

const corpus = JSON.parse(readFileSync(join(dir, 'corpus.json'), 'utf8')) as { feeds: CorpusFeed[] };

function read(file: string): ParsedFeedDocument {
  return parseFeedDocument(detectAndDecode(readFileSync(join(dir, file))).text);
}

const parsed = new Map(corpus.feeds.map((feed) => [feed.file, read(feed.file)]));
const of = (file: string) => parsed.get(file) as ParsedFeedDocument;

describe('the real-world corpus', () => {
  it('holds at least 20 feeds, each with its origin and licence, in RSS 2.0, Atom, RSS 1.0 and JSON Feed', () => {
    expect(corpus.feeds.length).toBeGreaterThanOrEqual(20);
    for (const feed of corpus.feeds) {
      expect(feed.origin.repository).toMatch(/^github\.com\/[\w.-]+\/[\w.-]+$/);
      expect(feed.origin.commit).toMatch(/^[0-9a-f]{40}$/);
      expect(['MIT', 'BSD-2-Clause']).toContain(feed.licence);
    }
    expect(new Set(corpus.feeds.map((feed) => feed.format))).toEqual(new Set(['rss', 'atom', 'rdf', 'json']));
    const listed = new Set(corpus.feeds.map((feed) => feed.file));
    const files = readdirSync(dir).filter((file) => !['corpus.json', 'LICENCES.md'].includes(file));
    expect(files.filter((file) => !listed.has(file))).toEqual([]);
  });

  it.each(corpus.feeds.map((feed) => [feed.file, feed] as const))(
    'reads %s as corpus.json says',
    (file, feed) => {
      const document = of(file);
      expect(document.kind).toBe(feed.format);
      expect(document.items.length + document.problems.length).toBe(feed.items);
      expect(document.items.length).toBe(feed.imported);
      for (const item of document.items) {
        expect(item.title).not.toContain('\uFFFD');
        const post = toSubmission(item, 'the-gaze');
        expect(post.body.externalId).toBeTruthy();
        expect(new URL(post.body.url).protocol).toMatch(/^https?:$/);
        expect(post.body.contentHtml.length).toBeGreaterThan(0);
      }
    },
  );

  it('imports at least 99% of all its items, with no U+FFFD in any title', () => {
    const total = corpus.feeds.reduce((sum, feed) => sum + feed.items, 0);
    const imported = [...parsed.values()].reduce((sum, document) => sum + document.items.length, 0);
    expect(imported / total).toBeGreaterThanOrEqual(0.99);
    const titles = [...parsed.values()].flatMap((document) => document.items.map((item) => item.title));
    expect(titles.filter((title) => title.includes('\uFFFD'))).toEqual([]);
  });

  it('reads the Latin-1 Brazilian feed without a declaration: accents, Portuguese dates, items without a body', () => {
    const uol = of('rss-parser--uolNoticias.rss');
    expect(detectAndDecode(readFileSync(join(dir, 'rss-parser--uolNoticias.rss')))).toMatchObject({
      encoding: 'windows-1252',
      evidence: 'fallback',
    });
    expect(uol.items).toHaveLength(15);
    expect(uol.items[0]?.title).toBe(
      'Ibope: Bolsonaro perde de Haddad, Ciro e Alckmin em simulações de 2º turno',
    );
    expect(uol.items[0]?.publishedAt).toBe('2018-09-24T22:42:40.000Z');
    expect(uol.items.every((item) => item.dateGuessed)).toBe(true);
    const linked = uol.items.filter((item) => item.contentHtml.startsWith('<p><a href='));
    expect(linked.map((item) => item.index + 1)).toEqual([2, 9, 11, 12]);
    expect(linked[0]?.contentHtml).toBe(
      `<p><a href="${linked[0]?.url}">Promotoria abre inquérito para apurar suspeita de improbidade de Skaf no Sebrae-SP</a></p>`,
    );
  });

  it('reads HTML entities XML does not define as the characters they name', () => {
    const derived = of('derived--heise-html-entities.atom');
    const original = of('rss-parser--heise.atom');
    expect(derived.items.map((item) => item.title)).toEqual(original.items.map((item) => item.title));
    expect(derived.items.map((item) => item.title)).toContain(
      'Scrum Day 2016: Bewerbungen für Vorträge und Workshops',
    );
  });

  it('takes an RSS 1.0 item rdf:about as its external id, and a JSON Feed item without a title from its text', () => {
    const craigslist = of('rss-parser--craigslist.rss').items[0];
    expect(craigslist?.identity).toMatch(/^https?:\/\/sfbay\.craigslist\.org\//);
    const json = of('feedparser--example.jsonfeed').items;
    expect(json.map((item) => [item.identity, item.title])).toEqual([
      ['2', 'post 2'],
      ['1', 'Hello, world!'],
    ]);
  });
});
