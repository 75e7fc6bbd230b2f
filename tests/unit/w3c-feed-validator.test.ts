/**
 * What the W3C feed validator (validator.w3.org/feed, run offline from tests/w3c-feedvalidator) says of the feeds
 * editors' text ends up in: nothing, neither error nor warning, for the sample article and for text that looks
 * like markup in every plain-text field, in RSS and Atom (the validator does not read JSON Feed).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { memoryAdapters } from '#shared/adapters/memory/index.ts';
import type { Article, Submission } from '#shared/articles/model.ts';
import { parseSubmission } from '#shared/articles/submission.ts';
import { changeOf } from '#shared/feeds/changes.ts';
import { FeedRegenerator } from '#shared/feeds/regenerate.ts';
import { Registry } from '#shared/registry.ts';
import sample from '../fixtures/seed-article.json' with { type: 'json' };
import { SETTINGS, THE_GAZE } from '../support/feed-fixtures.ts';
import {
  describeW3cEvents,
  servedType,
  type W3cDocument,
  w3cValidate,
} from '../support/w3c-feed-validator.ts';

const NOW = Date.parse('2025-07-20T12:00:00Z');

/** Text editors paste, markup and things that only look like it, and what the hostile-input tests send. */
const MARKUP_LIKE = [
  'Why <b>bold</b> & <script>alert(1)</script>',
  'Q&A with AT&T: 5 < 6, <3 and C++ <templates>',
  'Math: a<b>c, x<y and y>z, vector<int>',
  '<a href="https://evil.example/" onclick="alert(1)">Linked</a> <img src=x onerror=alert(1)>',
  'Escaped: AT&amp;T &lt;/b&gt; &amp;lt;i&amp;gt; &#60;p&#62; &para; &#0; &5 Tom &amp Jerry',
  'Close every </p > and <!-- a comment --> <style>p{}</style><B>Loud</B>',
  'Bad\u0000 \u0007chars\uFFFE \uFFFFand\uD800 lone\uDFFF ]]> end \u0085\u0092\uFFFD',
  '<<b></b>/b> &lt;script&gt;alert(1)&lt;/script&gt; </notatag> </b',
];

/** One article with `text` in every plain-text field an editor controls. */
function submission(text: string, n: number): Record<string, unknown> {
  return {
    source: 'the-gaze',
    title: `${n}: ${text}`,
    url: `https://thegaze.example/news/${n}`,
    // The content is HTML, sanitised by its own rules; here it only spells the text, escaped.
    contentHtml: `<p>${text.replaceAll('&', '&amp;').replaceAll('<', '&lt;')}</p>`,
    summary: text,
    author: { name: `${text} desk` },
    tags: [`Tag ${n} ${text}`.slice(0, 90)],
    citations: [{ name: `${text} wire`, url: 'https://wire.example/' }],
    image: { url: `https://thegaze.example/${n}.png`, alt: text },
    publishedAt: '2025-07-16T09:30:00Z',
  };
}

/** Posts each submission as the API would (a correction with a note for every other one) and renders every feed. */
async function publish(
  bodies: readonly Record<string, unknown>[],
  source: { name: string; description: string } = THE_GAZE,
  options: { withdraw?: boolean } = {},
): Promise<W3cDocument[]> {
  const stores = memoryAdapters();
  await new Registry(stores.registry).addSource({
    slug: 'the-gaze',
    name: source.name,
    homepageUrl: THE_GAZE.homepageUrl,
    description: source.description,
  });
  await new Registry(stores.registry).addSource({
    slug: 'daily-planet',
    name: 'Daily Planet',
    homepageUrl: 'https://planet.example/',
  });
  const regenerator = new FeedRegenerator(stores.feeds, stores.publisher, SETTINGS);
  let record = 0;
  for (const [n, body] of bodies.entries()) {
    const parsed: Submission = parseSubmission(body, NOW);
    const { correction: _none, publishedAt, ...content } = parsed;
    const at = new Date(NOW + n * 1000).toISOString();
    let article: Article = {
      ...content,
      id: `20000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
      status: 'published',
      version: 1,
      publishedAt: publishedAt ?? at,
      createdAt: at,
      updatedAt: at,
    };
    await stores.articles.createArticle(article);
    await regenerator.regenerate(
      [changeOf(`r${record++}`, undefined, article)].filter((c) => c !== undefined),
    );
    if (n % 2 === 0) {
      const note = parseSubmission({ ...body, correction: `${String(body.summary)} fixed` }, NOW, {
        correction: true,
      }).correction;
      const later = new Date(NOW + n * 1000 + 500).toISOString();
      const corrected: Article = {
        ...article,
        version: 2,
        updatedAt: later,
        ...(note ? { corrections: [{ version: 2, at: later, note }] } : {}),
      };
      await stores.articles.replaceArticle(article, corrected);
      await regenerator.regenerate(
        [changeOf(`r${record++}`, article, corrected)].filter((c) => c !== undefined),
      );
      article = corrected;
    }
    if (options.withdraw) {
      // Retracted a minute later: every feed it was in keeps its notice (RSS) and tombstone (Atom).
      const later = new Date(NOW + n * 1000 + 60_000).toISOString();
      const retracted: Article = {
        ...article,
        status: 'retracted',
        version: article.version + 1,
        updatedAt: later,
        retractedAt: later,
      };
      await stores.articles.replaceArticle(article, retracted);
      await regenerator.regenerate(
        [changeOf(`r${record++}`, article, retracted)].filter((c) => c !== undefined),
      );
    }
  }
  return [...stores.publisher.objects]
    .filter(([key]) => /\/(rss|atom)\.xml$/.test(key))
    .map(([key, object]) => ({
      name: key,
      url: `${SETTINGS.baseUrl}${key.split('/').map(encodeURIComponent).join('/')}`,
      contentType: servedType(key),
      body: Buffer.from(object.body).toString('utf8'),
    }));
}

function expectNoW3cProblems(documents: readonly W3cDocument[]): void {
  const results = w3cValidate(documents);
  expect(results.size).toBe(documents.length);
  expect(describeW3cEvents(results)).toEqual([]);
}

describe('the W3C feed validator', () => {
  it('finds no error and no warning in any feed of the sample article', async () => {
    const documents = await publish([sample]);
    // Everything, the source, and each of the five tags alone and within the source: in RSS and Atom.
    expect(documents).toHaveLength(2 * (2 + 2 * 5));
    expectNoW3cProblems(documents);
  });

  it('finds no error and no warning when every plain-text field looks like markup', async () => {
    const documents = await publish(MARKUP_LIKE.map(submission), {
      name: 'The <i>Gaze</i> & <Sons> <script>x</script>',
      description: 'News & views: a<b>c </p>',
    });
    // Mixed feeds carry each entry's source, with its updated time.
    const all = documents.find((document) => document.name === 'feeds/all/atom.xml');
    expect(all?.body).toMatch(/<source><id>[^<]+<\/id><title>[^<]+<\/title><updated>2025-07-20T12:00:0/);
    expectNoW3cProblems(documents);
  });

  it('still tells markup in a title apart: a feed built without the API’s rule draws its warning', () => {
    const body = (title: string) =>
      `<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>T</title><link>https://feeds.example/</link><description>D</description><atom:link href="https://feeds.example/feeds/x/rss.xml" rel="self" type="application/rss+xml"/><item><title>${title}</title><guid isPermaLink="false">urn:uuid:20000000-0000-4000-8000-000000000000</guid></item></channel></rss>\n`;
    const results = w3cValidate([
      {
        name: 'markup',
        url: 'https://feeds.example/feeds/x/rss.xml',
        contentType: servedType('rss.xml'),
        body: body('Why &lt;b&gt;bold&lt;/b&gt;'),
      },
      {
        name: 'text',
        url: 'https://feeds.example/feeds/x/rss.xml',
        contentType: servedType('rss.xml'),
        body: body('Why bold'),
      },
    ]);
    expect(results.get('markup')?.map((event) => event.message)).toContain('title should not contain HTML');
    expect(results.get('text')).toEqual([]);
  });

  it('finds in the announcements of a withdrawn article only what it predates: the tombstones namespace', async () => {
    const documents = await publish([sample], THE_GAZE, { withdraw: true });
    const results = w3cValidate(documents);
    const atom = [...results].filter(([name]) => name.endsWith('atom.xml'));
    const rss = [...results].filter(([name]) => name.endsWith('rss.xml'));
    expect(atom).toHaveLength(documents.length / 2);
    // Atom's tombstones as before: the validator predates RFC 6721 and warns of its namespace, once per feed.
    for (const [name, events] of atom) {
      expect(
        events.map(({ level, type, message }) => ({ level, type, message })),
        name,
      ).toEqual([
        {
          level: 'warning',
          type: 'UnknownNamespace',
          message: 'Use of unknown namespace: http://purl.org/atompub/tombstones/1.0',
        },
      ]);
    }
    // RSS: nothing. The validator knows Media RSS up to 1.1 and calls media:status (Media RSS 1.5) an undefined
    // element, an error: only the SmartNews profile carries it (SmartNews deletes an item only by it), and the
    // public notice says the same with dcterms:valid in the past.
    expect(rss).toHaveLength(documents.length / 2);
    for (const [name, events] of rss) {
      expect(events, name).toEqual([]);
      const body = documents.find((document) => document.name === name)?.body;
      expect(body).toContain('<dcterms:valid>');
      expect(body).not.toContain('media:status');
    }
  });

  it('finds no error and no warning whatever text editors send in plain-text fields', async () => {
    const piece = fc.oneof(
      fc.constantFrom('<', '>', '&', '/', ';', '#', 'x', '3', ' ', '"', "'", '=', '!', '-', ']]>', '&#x'),
      fc.constantFrom(
        'b',
        'p',
        'i',
        'script',
        'br',
        'a href="x"',
        'amp',
        'lt',
        'nbsp',
        'para',
        '60',
        'é',
        '中',
      ),
    );
    const texts = fc.sample(
      fc.array(piece, { minLength: 1, maxLength: 24 }).map((pieces) => `T ${pieces.join('')}`),
      { numRuns: 40, seed: 15 },
    );
    expectNoW3cProblems(await publish(texts.map(submission)));
  });
});
