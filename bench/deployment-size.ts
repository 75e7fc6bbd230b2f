import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbFeedStore } from '#shared/adapters/dynamodb/feed-store.ts';
import { DynamoDbRegistryStore } from '#shared/adapters/dynamodb/registry-store.ts';
import { createS3Client } from '#shared/adapters/s3/client.ts';
import { S3DocumentPublisher } from '#shared/adapters/s3/document-publisher.ts';
import type { Article } from '#shared/articles/model.ts';
import { type ArticleChange, changeOf } from '#shared/feeds/changes.ts';
import type { DocumentPublisher, PublishableDocument } from '#shared/feeds/ports.ts';
import { FeedRegenerator } from '#shared/feeds/regenerate.ts';
import { feedSettingsFromEnv } from '#shared/feeds/settings.ts';
import { Registry } from '#shared/registry.ts';
import { toSlug } from '#shared/slug.ts';
import { startDynamoDbLocal } from '../local/dynamodb-local.ts';
import { startS3Local } from '../local/s3-local.ts';
import { ensureTable } from '../local/table.ts';
import { BENCH_SOURCES, benchArticles } from './articles.ts';
import { quietFunctions } from './quiet.ts';
import { batchWrite, itemsOf } from './regeneration.ts';
import { log, median } from './stats.ts';

export interface DeploymentPoint {
  name: string;
  sources: number;
  tags: number;
  articles: number;
  /** Median ms of regenerating after one post (one record, four feeds, their archives and directory pages). */
  ms: number;
  /** Median bytes rendered (every document handed to the publisher) and uploaded per post. */
  rendered: number;
  uploaded: number;
  /** Median documents rendered and uploaded per post. */
  documents: number;
  uploads: number;
}

export interface DeploymentSizeResult {
  repetitions: number;
  seedSeconds: number;
  points: DeploymentPoint[];
  /** Each larger deployment over the smallest: time, bytes rendered, bytes uploaded. */
  ratios: { name: string; time: number; rendered: number; uploaded: number }[];
}

/** Counts what a regeneration renders and uploads, publishing through the real S3 publisher. */
class CountingPublisher implements DocumentPublisher {
  rendered = 0;
  uploaded = 0;
  documents = 0;
  uploads = 0;
  constructor(private readonly inner: DocumentPublisher) {}
  async publish(document: PublishableDocument, stored?: string | null): Promise<boolean> {
    this.rendered += document.body.length;
    this.documents++;
    const uploaded = await this.inner.publish(document, stored);
    if (uploaded) {
      this.uploaded += document.body.length;
      this.uploads++;
    }
    return uploaded;
  }
  reset(): void {
    this.rendered = 0;
    this.uploaded = 0;
    this.documents = 0;
    this.uploads = 0;
  }
}

const COMMON = { label: 'Common', slug: 'common' };

/** The tag counts the writes keep (one item per tag within a source), for a set of articles. */
function tagCounts(articles: readonly Article[]): Record<string, unknown>[] {
  const counts = new Map<string, { source: string; slug: string; label: string; articles: number }>();
  for (const article of articles) {
    for (const tag of article.tags) {
      const key = `${article.source}\n${tag.slug}`;
      const known = counts.get(key) ?? {
        source: article.source,
        slug: tag.slug,
        label: tag.label,
        articles: 0,
      };
      known.articles++;
      counts.set(key, known);
    }
  }
  return [...counts.values()].map((c) => ({
    pk: `tagcount#${c.source}`,
    sk: c.slug,
    type: 'tagcount',
    label: c.label,
    articles: c.articles,
  }));
}

/** An article of `source` with the given tags, published at `at`. */
function shaped(
  article: Article,
  source: string,
  tags: { label: string; slug: string }[],
  at: number,
): Article {
  const time = new Date(at).toISOString();
  return { ...article, source, tags, publishedAt: time, updatedAt: time, createdAt: time };
}

/**
 * Regeneration after one post, against what the deployment holds: the same post (the seed source, the tag
 * `Common`) into a deployment of 1 source and 1 tag, one whose source has 2,000 tags, and one of 300 sources with 5
 * tags each. The feeds the post touches hold the same newest 50 articles in all three, so whatever differs is what
 * the deployment's size costs. Each deployment is its own table and bucket in one DynamoDB Local and one S3
 * server, seeded and regenerated once in full, then posted to in turn, round after round.
 */
export async function measureDeploymentSize(
  options: { repetitions?: number; tags?: number; sources?: number } = {},
): Promise<DeploymentSizeResult> {
  const repetitions = options.repetitions ?? 12;
  const tagCount = options.tags ?? 2_000;
  const sourceCount = options.sources ?? 300;
  const scratch = await mkdtemp(join(tmpdir(), 'feed-pipeline-bench-deployment-'));
  const dynamo = await startDynamoDbLocal();
  const s3 = await startS3Local(join(scratch, 's3'), 'bench-one');
  const raw = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 3,
  });
  const s3Client = createS3Client({ endpoint: s3.endpoint });
  try {
    const documents = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
    const settings = feedSettingsFromEnv({ FEEDS_BASE_URL: 'https://feeds.example/' });
    const [gaze] = BENCH_SOURCES;
    if (!gaze) throw new Error('no bench source');
    const newest = Date.parse('2025-07-16T09:30:00Z');
    const hour = 3_600_000;
    // The 100 newest articles of every deployment: the seed source, tagged Common. Older articles, with tags of
    // their own, make up the rest of the deployment.
    const common = benchArticles(100, 31);
    const ownTags = (i: number) =>
      Array.from({ length: 5 }, (_, k) => ({ label: `Topic ${i}-${k}`, slug: toSlug(`Topic ${i}-${k}`) }));
    const shapes = [
      {
        name: '1 source, 1 tag',
        sources: [gaze.slug],
        articles: common.map((a, i) => shaped(a, gaze.slug, [COMMON], newest - i * hour)),
      },
      {
        name: `1 source, ${tagCount.toLocaleString('en')} tags`,
        sources: [gaze.slug],
        articles: [
          ...common.map((a, i) => shaped(a, gaze.slug, [COMMON], newest - i * hour)),
          ...benchArticles(tagCount / 5, 32).map((a, i) =>
            shaped(a, gaze.slug, ownTags(i), newest - (100 + i) * hour),
          ),
        ],
      },
      {
        name: `${sourceCount} sources, 5 tags each`,
        sources: [gaze.slug, ...Array.from({ length: sourceCount - 1 }, (_, i) => `desk-${i + 1}`)],
        articles: [
          ...common.map((a, i) => shaped(a, gaze.slug, [COMMON], newest - i * hour)),
          ...benchArticles(sourceCount - 1, 33).map((a, i) =>
            shaped(a, `desk-${i + 1}`, ownTags(i).slice(0, 5), newest - (100 + i) * hour),
          ),
        ],
      },
    ];
    const started = performance.now();
    const deployments: {
      shape: (typeof shapes)[number];
      table: string;
      regenerator: FeedRegenerator;
      publisher: CountingPublisher;
      tags: number;
      samples: number[][];
    }[] = [];
    for (const [index, shape] of shapes.entries()) {
      const table = `bench-deployment-${index}`;
      const bucket = `bench-deployment-${index}`;
      await ensureTable(raw, table, { stream: false });
      await s3Client.send(new CreateBucketCommand({ Bucket: bucket }));
      const registry = new Registry(new DynamoDbRegistryStore(documents, table));
      for (const slug of shape.sources) {
        await registry.addSource({
          slug,
          name: slug === gaze.slug ? gaze.name : `Desk ${slug.slice(5)}`,
          homepageUrl: slug === gaze.slug ? gaze.homepageUrl : `https://${slug}.example/`,
        });
      }
      await batchWrite(raw, table, [...shape.articles.flatMap(itemsOf), ...tagCounts(shape.articles)], 12);
      const store = new DynamoDbFeedStore(documents, table, new DynamoDbRegistryStore(documents, table));
      const publisher = new CountingPublisher(new S3DocumentPublisher(s3Client, bucket));
      const regenerator = new FeedRegenerator(store, publisher, settings);
      // Everything published once, in batches of 500 records as the stream would deliver them.
      const changes = shape.articles
        .map((article, i) => changeOf(`seed-${i}`, undefined, article))
        .filter((change): change is ArticleChange => change !== undefined);
      for (let i = 0; i < changes.length; i += 500) {
        const result = await regenerator.regenerate(changes.slice(i, i + 500));
        if (result.failedRecordIds.length)
          throw new Error(`seeding ${shape.name} failed: ${String(result.errors[0]?.error)}`);
      }
      const tags = new Set(shape.articles.flatMap((a) => a.tags.map((t) => `${a.source}/${t.slug}`))).size;
      log(`  deployment size: ${shape.name} (${shape.articles.length} articles, ${tags} source tags) seeded`);
      deployments.push({ shape, table, regenerator, publisher, tags, samples: [] });
    }
    const seedSeconds = (performance.now() - started) / 1000;
    // The posts: new articles of the seed source tagged Common, each newer than everything, the same in every
    // deployment. Two rounds of warm-up, then interleaved rounds, each deployment first in turn.
    const posts = benchArticles(repetitions + 2, 34);
    for (let round = 0; round < repetitions + 2; round++) {
      const order = deployments.map(
        (_, i) => deployments[(i + round) % deployments.length] as (typeof deployments)[0],
      );
      for (const d of order) {
        const article = shaped(posts[round] as Article, gaze.slug, [COMMON], newest + (round + 1) * 60_000);
        // The post, and the count the API's transaction would move with it.
        const count = {
          pk: `tagcount#${gaze.slug}`,
          sk: COMMON.slug,
          type: 'tagcount',
          label: COMMON.label,
          articles: 101 + round,
        };
        await batchWrite(raw, d.table, [...itemsOf(article), count], 1);
        const change = changeOf(`post-${round}`, undefined, article) as ArticleChange;
        d.publisher.reset();
        const began = performance.now();
        const result = await d.regenerator.regenerate([change]);
        const took = performance.now() - began;
        if (result.failedRecordIds.length)
          throw new Error(`${d.shape.name}: ${String(result.errors[0]?.error)}`);
        if (round >= 2)
          d.samples.push([
            took,
            d.publisher.rendered,
            d.publisher.uploaded,
            d.publisher.documents,
            d.publisher.uploads,
          ]);
      }
    }
    const points = deployments.map((d): DeploymentPoint => {
      const column = (i: number) => median(d.samples.map((sample) => sample[i] as number));
      return {
        name: d.shape.name,
        sources: d.shape.sources.length,
        tags: d.tags,
        articles: d.shape.articles.length,
        ms: column(0),
        rendered: column(1),
        uploaded: column(2),
        documents: column(3),
        uploads: column(4),
      };
    });
    const [base] = points as [DeploymentPoint];
    return {
      repetitions,
      seedSeconds,
      points,
      ratios: points.slice(1).map((p) => ({
        name: p.name,
        time: p.ms / base.ms,
        rendered: p.rendered / base.rendered,
        uploaded: p.uploaded / base.uploaded,
      })),
    };
  } finally {
    raw.destroy();
    s3Client.destroy();
    await s3.stop();
    await dynamo.stop();
    await rm(scratch, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  quietFunctions();
  process.stdout.write(`${JSON.stringify(await measureDeploymentSize(), null, 2)}\n`);
}
