import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Article } from '#shared/articles/model.ts';
import { feedIdsOf } from '#shared/feeds/feed-ids.ts';
import { parseAllFormats } from '../support/feed-validation.ts';
import { SCRIPTS } from '../support/scripts.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';

let stack: TestStack;
const HOSTILE_SOURCE = 'hostile-names';
beforeAll(async () => {
  stack = await startTestStack();
  // A source whose registered name carries everything a name can: it is printed in every feed that mixes sources.
  const { DynamoDbRegistryStore } = await import('#shared/adapters/dynamodb/registry-store.ts');
  const { createDocumentClient } = await import('#shared/adapters/dynamodb/client.ts');
  const { Registry } = await import('#shared/registry.ts');
  const registry = new Registry(
    new DynamoDbRegistryStore(createDocumentClient({ endpoint: stack.dynamodbEndpoint }), stack.tableName),
  );
  await registry.addSource({
    slug: HOSTILE_SOURCE,
    name: 'Ünïcødé ]]> & <News> "Quoted" \u202Eكتاب Київ 🗞️',
    homepageUrl: 'https://hostile.example/?a=1&b=<2>',
    description: 'A description with ]]> and & and <b>markup</b> \u0007 and \uD800 lone',
  });
});
afterAll(async () => {
  await stack?.stop();
});

/** Fragments that break naive feed writers: CDATA ends, entities, markup, bidi controls, emoji, Cyrillic. */
const hostile = fc.constantFrom(
  ']]>',
  '&',
  '&amp;',
  '<',
  '>',
  '"',
  "'",
  '\u202E',
  '\u200F',
  '🗞️',
  '👩🏽‍💻',
  'Київ',
  'שלום',
  '\u0000',
  '\u0008',
  '\u000B',
  '\uFFFE',
  '\uFFFF',
  '\uD800',
  '\uDFFF',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '<![CDATA[',
  '--><!--',
  '\r\n',
  '\t',
);
const text = fc
  .array(fc.oneof(hostile, fc.string({ unit: 'binary', maxLength: 12 }), fc.string({ maxLength: 12 })), {
    minLength: 1,
    maxLength: 8,
  })
  .map((parts) => parts.join(''));
const html = fc
  .array(
    fc.oneof(hostile, text, fc.constantFrom('<p>', '</p>', '<a href="/x?a=1&b=2">', '</a>', '<em>', '</em>')),
    {
      minLength: 1,
      maxLength: 12,
    },
  )
  .map((parts) => `<p>${parts.join('')}</p><p>anchor text</p>`);

describe('whatever an editor sends', () => {
  it('leaves every feed the article lands in well-formed and valid in all three formats', async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          title: text,
          summary: fc.option(text, { nil: undefined }),
          contentHtml: html,
          // Labels in every script of the slug table, whose feeds' URLs carry them percent-encoded.
          tags: fc.array(
            fc.oneof(
              text,
              fc.constantFrom('Politics', 'Київ', 'Ünïcødé & Co', ...SCRIPTS.map(([, label]) => label)),
            ),
            { maxLength: 3 },
          ),
          author: fc.record({ name: text }),
          citations: fc.array(fc.record({ name: text }), { maxLength: 2 }),
          source: fc.constantFrom('the-gaze', HOSTILE_SOURCE),
        }),
        async (fields) => {
          const body = { ...fields, url: 'https://hostile.example/story?x=1&y=2' };
          const response = await stack.call('POST', '/articles', body);
          // Rejections are fine (a title of nothing but control characters, a tag with no letters), 5xx never.
          expect([201, 422]).toContain(response.status);
          if (response.status !== 201) return;
          accepted++;
          const article = response.body as Article;
          await stack.settle();
          for (const feed of feedIdsOf(article)) {
            const [rss, atom, json] = await Promise.all(
              ['rss.xml', 'atom.xml', 'feed.json'].map(
                async (file) => (await stack.object(`feeds/${feed}/${file}`)) ?? '',
              ),
            );
            const parsed = parseAllFormats({ rss: rss ?? '', atom: atom ?? '', json: json ?? '' });
            const item = parsed.atom.items.find((entry) => entry.id === `urn:uuid:${article.id}`);
            expect(item?.title).toBe(article.title);
            expect(item?.contentHtml).toBe(article.contentHtml);
          }
        },
      ),
      { numRuns: 25 },
    );
    expect(accepted).toBeGreaterThan(5);
  }, 120_000);
});
