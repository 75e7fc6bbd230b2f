import { type AttributeValue, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { createS3Client } from '#shared/adapters/s3/client.ts';
import type { Article } from '#shared/articles/model.ts';
import { type FeedId, feedIdsOf } from '#shared/feeds/feed-ids.ts';

export interface ConsistencyOptions {
  dynamodbEndpoint: string;
  tableName: string;
  s3Endpoint: string;
  bucket: string;
  feedSize: number;
}

export interface ConsistencyReport {
  articles: number;
  published: number;
  retracted: number;
  feeds: number;
  /** Items the table says a feed must show, summed over feeds and formats (and the feed's page). */
  expectedItems: number;
  publishedItems: number;
  missing: number;
  extra: number;
  duplicates: number;
  misordered: number;
  tagIndexMismatches: number;
  problems: string[];
}

/**
 * The live items of each format, by article id. A withdrawal notice (the item a retracted or expired article leaves
 * in RSS and JSON Feed, and its line on the page) names an article that is no longer in the feed: it is not an item.
 */
const FORMATS = {
  rss: {
    file: 'rss.xml',
    ids: (text: string) =>
      [...text.matchAll(/<item>[\s\S]*?<\/item>/g)]
        .map((m) => m[0])
        .filter((item) => !item.includes('<dcterms:valid>'))
        .map((item) => /<guid isPermaLink="false">urn:uuid:([^<]+)<\/guid>/.exec(item)?.[1] ?? ''),
  },
  atom: {
    file: 'atom.xml',
    ids: (text: string) => [...text.matchAll(/<entry>\n<id>urn:uuid:([^<]+)<\/id>/g)].map((m) => m[1] ?? ''),
  },
  json: {
    file: 'feed.json',
    ids: (text: string) =>
      (JSON.parse(text) as { items: { id: string; _withdrawn?: unknown }[] }).items
        .filter((item) => item._withdrawn === undefined)
        .map((item) => item.id.replace('urn:uuid:', '')),
  },
  page: {
    file: 'index.html',
    ids: (text: string) =>
      [
        ...text
          .replace(/<ul class="items withdrawn">[\s\S]*?<\/ul>/g, '')
          .matchAll(/<li id="item-([^"]+)">/g),
      ].map((m) => m[1] ?? ''),
  },
} as const;

/**
 * Compares, for every feed, what is published in the bucket with what the table says it must hold: the newest
 * N published articles of the feed, computed from the article items themselves (not from the memberships the
 * pipeline maintains), in every format and on the feed's page. Also checks each source's tag index counts.
 */
export async function checkConsistency(options: ConsistencyOptions): Promise<ConsistencyReport> {
  const articles = await scanItems(options, 'article');
  const expected = new Map<FeedId, Article[]>();
  const mentioned = new Set<FeedId>();
  for (const article of articles) {
    for (const feed of feedIdsOf(article)) {
      mentioned.add(feed);
      if (article.status !== 'published') continue;
      const list = expected.get(feed) ?? [];
      list.push(article);
      expected.set(feed, list);
    }
  }
  const s3 = createS3Client({ endpoint: options.s3Endpoint });
  // Every feed an article was ever in, from its stored versions too (a dropped tag's feed must be empty of it).
  for (const version of await scanItems(options, 'version')) {
    if (version.status === 'published') for (const feed of feedIdsOf(version)) mentioned.add(feed);
  }
  const report: ConsistencyReport = {
    articles: articles.length,
    published: articles.filter((a) => a.status === 'published').length,
    retracted: articles.filter((a) => a.status === 'retracted').length,
    feeds: mentioned.size,
    expectedItems: 0,
    publishedItems: 0,
    missing: 0,
    extra: 0,
    duplicates: 0,
    misordered: 0,
    tagIndexMismatches: 0,
    problems: [],
  };
  const note = (problem: string) => {
    if (report.problems.length < 20) report.problems.push(problem);
  };
  for (const feed of [...mentioned].sort()) {
    const want = (expected.get(feed) ?? [])
      .map((article) => ({ key: `${article.publishedAt}#${article.id}`, id: article.id }))
      .sort((a, b) => (a.key < b.key ? 1 : a.key > b.key ? -1 : 0))
      .slice(0, options.feedSize)
      .map((entry) => entry.id);
    for (const [format, { file, ids }] of Object.entries(FORMATS)) {
      const text = await read(s3, options.bucket, `feeds/${feed}/${file}`);
      report.expectedItems += want.length;
      if (text === undefined) {
        if (want.length) {
          report.missing += want.length;
          note(`${feed} ${format}: not published`);
        }
        continue;
      }
      const got = ids(text);
      report.publishedItems += got.length;
      const gotSet = new Set(got);
      const wantSet = new Set(want);
      const missing = want.filter((id) => !gotSet.has(id));
      const extra = [...gotSet].filter((id) => !wantSet.has(id));
      report.missing += missing.length;
      report.extra += extra.length;
      report.duplicates += got.length - gotSet.size;
      if (!missing.length && !extra.length && got.join() !== want.join()) report.misordered++;
      if (missing.length || extra.length)
        note(`${feed} ${format}: ${missing.length} missing, ${extra.length} extra`);
    }
  }
  for (const source of new Set(articles.map((article) => article.source))) {
    const index = await read(s3, options.bucket, `feeds/sources/${source}/tags.json`);
    const counts = new Map<string, number>();
    for (const article of articles) {
      if (article.status !== 'published' || article.source !== source) continue;
      for (const tag of article.tags) counts.set(tag.slug, (counts.get(tag.slug) ?? 0) + 1);
    }
    const listed = new Map<string, number>(
      index
        ? (JSON.parse(index) as { tags: { slug: string; count: number }[] }).tags.map((t) => [
            t.slug,
            t.count,
          ])
        : [],
    );
    for (const slug of new Set([...counts.keys(), ...listed.keys()])) {
      if ((counts.get(slug) ?? 0) !== (listed.get(slug) ?? 0)) {
        report.tagIndexMismatches++;
        note(
          `${source} tags.json: ${slug} listed ${listed.get(slug) ?? 0}, table has ${counts.get(slug) ?? 0}`,
        );
      }
    }
  }
  s3.destroy();
  return report;
}

async function scanItems(options: ConsistencyOptions, type: 'article' | 'version'): Promise<Article[]> {
  const client = new DynamoDBClient({
    endpoint: options.dynamodbEndpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const articles: Article[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: options.tableName,
        ExclusiveStartKey: start,
        ConsistentRead: true,
        FilterExpression: '#type = :article',
        ExpressionAttributeNames: { '#type': 'type' },
        ExpressionAttributeValues: { ':article': { S: type } },
      }),
    );
    for (const item of page.Items ?? []) articles.push(unmarshall(item) as Article);
    start = page.LastEvaluatedKey;
  } while (start);
  client.destroy();
  return articles;
}

async function read(
  s3: ReturnType<typeof createS3Client>,
  bucket: string,
  key: string,
): Promise<string | undefined> {
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return await object.Body?.transformToString('utf8');
  } catch (error) {
    if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404)
      return undefined;
    throw error;
  }
}

/** The report as the lines the soak command and the load test print. */
export function formatReport(report: ConsistencyReport): string {
  return [
    `articles ${report.articles} (${report.published} published, ${report.retracted} retracted), feeds checked ${report.feeds}`,
    `items expected ${report.expectedItems}, published ${report.publishedItems} (over 3 formats and the page)`,
    `missing ${report.missing}, extra ${report.extra}, duplicates ${report.duplicates}, misordered feeds ${report.misordered}, tag index mismatches ${report.tagIndexMismatches}`,
    ...report.problems.map((problem) => `  ${problem}`),
  ].join('\n');
}
