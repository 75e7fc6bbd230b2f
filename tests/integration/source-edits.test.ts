/**
 * A source edit through the operator command (`npm run admin -- source update`) re-renders, from the table's
 * stream and with no article write, every document of the source: its feed and its tags' feeds within it, their
 * archive pages (open and closed), its tag directory, the catalogue, and the feeds that mix sources where its name
 * shows. Another source's feeds are not uploaded again.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '#shared/adapters/dynamodb/client.ts';
import { DynamoDbRegistryStore } from '#shared/adapters/dynamodb/registry-store.ts';
import { Registry } from '#shared/registry.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');

const OLD_NAME = 'Morning Wire';
const NEW_NAME = 'Evening Ledger';

let stack: TestStack;

/** Runs `npm run admin -- …` the way npm does (tsx), against the test stack's table. */
function admin(...args: string[]) {
  return run(
    process.execPath,
    [
      '--import',
      'tsx',
      'cli/admin.ts',
      ...args,
      '--table',
      stack.tableName,
      '--endpoint',
      stack.dynamodbEndpoint,
      '--region',
      'local',
    ],
    {
      cwd: root,
      env: { ...process.env, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' },
    },
  );
}

function article(source: string, i: number, tags: string[]) {
  return {
    source,
    title: `${source} story ${i}`,
    url: `https://${source}.example/story-${i}`,
    contentHtml: `<p>Story ${i} of ${source}.</p>`,
    tags,
    publishedAt: `2025-07-1${i}T08:00:00Z`,
  };
}

beforeAll(async () => {
  // Feeds of two entries: a handful of articles closes archive pages.
  stack = await startTestStack({ feedSize: 2 });
  const registry = new Registry(
    new DynamoDbRegistryStore(createDocumentClient({ endpoint: stack.dynamodbEndpoint }), stack.tableName),
  );
  await registry.addSource({
    slug: 'morning-wire',
    name: OLD_NAME,
    homepageUrl: 'https://wire.example/',
    language: 'en',
  });
  await registry.addSource({
    slug: 'daily-planet',
    name: 'Daily Planet',
    homepageUrl: 'https://planet.example/',
  });
  await stack.settle();
  // The other source first, so the edited source's articles are the newest of the feeds that mix them.
  expect((await stack.call('POST', '/articles', article('daily-planet', 0, ['Markets']))).status).toBe(201);
  for (let i = 1; i <= 6; i++) {
    const tags = i % 2 ? ['Markets', 'Energy'] : ['Markets'];
    expect((await stack.call('POST', '/articles', article('morning-wire', i, tags))).status).toBe(201);
  }
  await stack.settle();
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

const FORMATS = ['rss.xml', 'atom.xml', 'feed.json', 'index.html'];

describe('a source edit', () => {
  it('re-renders every feed, archive page and page of the source within the settle time, and no other source', async () => {
    const keys = await stack.keys();
    const own = keys.filter((key) => key.startsWith('feeds/sources/morning-wire/'));
    // The source's feed, its tags' feeds, closed and open archive pages of each, its tag directory.
    for (const folder of [
      '',
      'tags/markets/',
      'tags/energy/',
      'archive/1/',
      'archive/2/',
      'tags/markets/archive/1/',
    ])
      for (const format of FORMATS) expect(own).toContain(`feeds/sources/morning-wire/${folder}${format}`);
    expect(own).toContain('feeds/sources/morning-wire/tags.json');
    for (const key of own) expect(await stack.object(key), key).not.toContain(NEW_NAME);

    const other = keys.filter((key) => key.startsWith('feeds/sources/daily-planet/'));
    expect(other.length).toBeGreaterThan(0);
    const otherBefore = new Map(
      await Promise.all(other.map(async (key) => [key, await stack.head(key)] as const)),
    );
    const renderedBefore = stack.regeneration.rendered;

    const started = Date.now();
    const { stdout } = await admin(
      'source',
      'update',
      'morning-wire',
      '--name',
      NEW_NAME,
      '--language',
      'fr',
    );
    expect(stdout).toContain(`Updated morning-wire (name, description, language): ${NEW_NAME}`);
    await stack.settle();
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(stack.regeneration.rendered).toBeGreaterThan(renderedBefore);

    // Every document of the source: the new name, never the old one, and the new language in every format.
    const after = (await stack.keys()).filter((key) => key.startsWith('feeds/sources/morning-wire/'));
    expect(after.sort()).toEqual(own.sort());
    for (const key of after) {
      const text = (await stack.object(key)) ?? '';
      expect(text, key).not.toContain(OLD_NAME);
      if (FORMATS.some((format) => key.endsWith(`/${format}`))) {
        expect(text, key).toContain(NEW_NAME);
        if (key.endsWith('rss.xml')) expect(text, key).toContain('<language>fr</language>');
        if (key.endsWith('atom.xml')) expect(text, key).toContain('xml:lang="fr"');
        if (key.endsWith('feed.json')) expect(JSON.parse(text).language, key).toBe('fr');
        if (key.endsWith('index.html')) expect(text, key).toMatch(/<html[^>]* lang="fr"/);
      }
    }
    // The catalogue, and the feeds that mix sources, whose entries of this source carry its name.
    for (const key of [
      'feeds/index.html',
      'feeds/opml.xml',
      ...FORMATS.flatMap((f) => [`feeds/all/${f}`, `feeds/tags/markets/${f}`]),
    ]) {
      const text = (await stack.object(key)) ?? '';
      expect(text, key).toContain(NEW_NAME);
      expect(text, key).not.toContain(OLD_NAME);
    }
    // Another source's feeds and pages: rendered again (they share the tag Markets), uploaded never.
    for (const key of other) expect(await stack.head(key), key).toEqual(otherBefore.get(key));
  }, 60_000);

  it('putting the same source again re-renders no feed of it', async () => {
    const heads = async () =>
      Promise.all(FORMATS.map((format) => stack.head(`feeds/sources/morning-wire/${format}`)));
    const before = await heads();
    const { stdout } = await admin('source', 'update', 'morning-wire', '--language', 'fr');
    expect(stdout).toContain('morning-wire unchanged');
    await stack.settle();
    expect(await heads()).toEqual(before);
  }, 30_000);

  it('carries a branding edit into the source’s own feeds, and into no feed that mixes sources', async () => {
    const logo = 'https://wire.example/brand/logo.png';
    const icon = 'https://wire.example/brand/icon.png';
    const mixedBefore = await Promise.all(FORMATS.map((format) => stack.head(`feeds/all/${format}`)));
    const { stdout } = await admin(
      'source',
      'update',
      'morning-wire',
      '--logo',
      logo,
      '--icon',
      icon,
      '--accent',
      '#1A2B3C',
    );
    expect(stdout).toContain('Updated morning-wire (logoUrl, iconUrl, accentColor)');
    await stack.settle();
    for (const folder of ['', 'tags/markets/']) {
      const base = `feeds/sources/morning-wire/${folder}`;
      const rss = (await stack.object(`${base}rss.xml`)) ?? '';
      expect(rss).toContain(' xmlns:webfeeds="http://webfeeds.org/rss/1.0"');
      expect(rss).toMatch(
        new RegExp(`<image><url>${logo}</url><title>[^<]+</title><link>https://wire.example/</link></image>`),
      );
      expect(rss).toContain(`<webfeeds:icon>${icon}</webfeeds:icon>`);
      expect(rss).toContain(`<webfeeds:logo>${logo}</webfeeds:logo>`);
      expect(rss).toContain('<webfeeds:accentColor>1a2b3c</webfeeds:accentColor>');
      const atom = (await stack.object(`${base}atom.xml`)) ?? '';
      expect(atom).toContain(`<icon>${icon}</icon>\n<logo>${logo}</logo>`);
      const json = JSON.parse((await stack.object(`${base}feed.json`)) ?? '{}');
      expect(json).toMatchObject({ icon, favicon: icon });
    }
    // The feeds that mix sources are the publisher's: no source's branding, and nothing uploaded for it.
    expect(await Promise.all(FORMATS.map((format) => stack.head(`feeds/all/${format}`)))).toEqual(
      mixedBefore,
    );

    // Removing it renders the source's feeds without it again.
    await admin('source', 'update', 'morning-wire', '--logo', '', '--icon', '', '--accent', '');
    await stack.settle();
    const rss = (await stack.object('feeds/sources/morning-wire/rss.xml')) ?? '';
    expect(rss).not.toMatch(/webfeeds|<image>/);
    expect(await stack.object('feeds/sources/morning-wire/atom.xml')).not.toMatch(/<icon>|<logo>/);
  }, 60_000);

  it('carries a profiles edit into partner feeds beside the source’s own feeds, and uploads no feed that mixes sources', async () => {
    const mixedBefore = await stack.head('feeds/all/rss.xml');
    const { stdout } = await admin('source', 'update', 'morning-wire', '--profiles', 'smartnews,msn,msn');
    expect(stdout).toContain('Updated morning-wire (profiles)');
    await stack.settle();
    const partner = (await stack.keys()).filter((key) => key.startsWith('feeds/partners/'));
    for (const profile of ['msn', 'smartnews'])
      for (const folder of ['', 'tags/markets/', 'tags/energy/'])
        for (const file of ['rss.xml', 'report.json'])
          expect(partner).toContain(`feeds/partners/${profile}/sources/morning-wire/${folder}${file}`);
    // Only the source's own feeds and its tags' feeds: no archive pages, no feed that mixes sources, no profile
    // the source does not list.
    expect(
      partner.filter((key) => !/^feeds\/partners\/(msn|smartnews)\/sources\/morning-wire\//.test(key)),
    ).toEqual([]);
    expect(partner.filter((key) => key.includes('/archive/'))).toEqual([]);
    const rss = (await stack.object('feeds/partners/smartnews/sources/morning-wire/rss.xml')) ?? '';
    expect(rss).toContain(' xmlns:snf="http://www.smartnews.be/snf"');
    expect(rss).toContain('/feeds/partners/smartnews/sources/morning-wire/rss.xml" rel="self"');
    const report = JSON.parse(
      (await stack.object('feeds/partners/msn/sources/morning-wire/report.json')) ?? '{}',
    );
    expect(report).toMatchObject({ profile: 'msn', feed: 'sources/morning-wire' });
    // The mixed feed is not uploaded again for a profiles edit.
    expect(await stack.head('feeds/all/rss.xml')).toEqual(mixedBefore);

    await expect(admin('source', 'update', 'morning-wire', '--profiles', 'google')).rejects.toMatchObject({
      stderr: expect.stringContaining(
        '--profiles must name profiles among msn, smartnews, flipboard, full-text',
      ),
    });
    const listed = (await admin('source', 'list')).stdout.split('\n');
    expect(listed.find((line) => line.startsWith('morning-wire\t'))).toMatch(/\tprofiles: msn,smartnews$/);
    expect(listed.find((line) => line.startsWith('daily-planet\t'))).not.toContain('profiles');
    const { stdout: cleared } = await admin('source', 'update', 'morning-wire', '--profiles', '');
    expect(cleared).toContain('Updated morning-wire (profiles)');
    expect((await admin('source', 'list')).stdout).not.toContain('profiles');
  }, 60_000);

  it('refuses an unknown source and an update with nothing to change', async () => {
    await expect(admin('source', 'update', 'no-such-source', '--name', 'X')).rejects.toMatchObject({
      stderr: expect.stringContaining('no-such-source is not a registered source'),
    });
    await expect(admin('source', 'update', 'morning-wire')).rejects.toMatchObject({
      stderr: expect.stringContaining('needs at least one of'),
    });
  }, 30_000);
});
