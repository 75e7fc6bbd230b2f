import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStack } from '../local/stack.ts';
import { BURST_TAGS, post } from './amplification.ts';
import { benchArticles } from './articles.ts';
import { meterClients } from './meter.ts';
import { quietFunctions } from './quiet.ts';

/** us-east-1 list prices (on demand, no free tier), per unit. */
export const PRICES = {
  wru: 0.625 / 1e6,
  rru: 0.125 / 1e6,
  put: 0.005 / 1000,
  head: 0.0004 / 1000,
  get: 0.0004 / 1000,
} as const;

/**
 * What this benchmark cannot count, per article, as the README's estimate states it: three Lambda invocations
 * (authorizer, API, regenerate) of about 0.68 GB-s on ARM, one HTTP API request and about 3 KB of logs (the
 * functions do not trace: infra/house-function.ts).
 */
export const FIXED_PER_ARTICLE = {
  lambdaRequests: 3 * (0.2 / 1e6),
  lambdaDuration: 0.68 * 0.0000133334,
  httpApi: 1 / 1e6,
  logs: (3 / 1e6) * 0.5,
} as const;

/** The fixed estimate, per million articles. */
const fixedPerMillion = Object.values(FIXED_PER_ARTICLE).reduce((sum, v) => sum + v, 0) * 1e6;

export interface CostScenario {
  name: string;
  articles: number;
  /** Per article, as counted from the requests of the run. */
  wru: number;
  rru: number;
  puts: number;
  heads: number;
  gets: number;
  /** Dollars per million articles: counted operations times list prices, plus the fixed estimate. */
  perMillion: number;
  breakdown: Record<string, number>;
}

export interface CostResult {
  scenarios: CostScenario[];
  fixedPerMillion: number;
}

/** An article of about 5 KB with the five burst tags, to the seed source. */
function article(i: number, seed: number): Record<string, unknown> {
  const a = benchArticles(1, seed * 1000 + i)[0];
  if (!a) throw new Error('no article');
  return {
    source: 'the-gaze',
    title: a.title,
    url: `https://thegaze.example/cost/${seed}/${i}`,
    contentHtml: a.contentHtml + a.contentHtml,
    summary: a.summary,
    author: a.author,
    tags: [...BURST_TAGS],
    citations: a.citations,
  };
}

/**
 * Cost per million articles from counted operations: the local stack, a deployment whose feeds are already full
 * (150 articles with the same five tags, so every feed has an archive), then articles of 5 KB with 5 tags posted one
 * batch each (a newsroom posting less than one article a second), the same again with each batch in a regenerate
 * function started afresh (what it keeps across batches lost), then a burst of 500 from 16 clients. Every
 * DynamoDB request asks for its consumed capacity; S3 requests are counted by operation.
 */
export async function measureCost(options: { single?: number; burst?: number } = {}): Promise<CostResult> {
  const single = options.single ?? 30;
  const burst = options.burst ?? 500;
  const stateDir = await mkdtemp(join(tmpdir(), 'feed-pipeline-bench-cost-'));
  const stack = await startStack({ port: 0, stateDir, inMemory: true });
  const meter = meterClients();
  try {
    await Promise.all(
      Array.from({ length: 16 }, async (_, c) => {
        for (let i = c; i < 150; i += 16) await post(stack, article(i, 1));
      }),
    );
    await stack.poller.drained(120_000);
    const scenarios: CostScenario[] = [];
    const measure = (name: string, articles: number): CostScenario => {
      const requests = meter.summary();
      const count = (op: string) => requests[`S3 ${op}`]?.count ?? 0;
      const { read, write } = meter.capacity();
      const per = {
        wru: write / articles,
        rru: read / articles,
        puts: count('PutObject') / articles,
        heads: count('HeadObject') / articles,
        // The feed server's reads for the benchmark's own polling are readers' traffic, not the pipeline's.
        gets: 0,
      };
      const breakdown = {
        'DynamoDB writes': per.wru * PRICES.wru * 1e6,
        'DynamoDB reads': per.rru * PRICES.rru * 1e6,
        'S3 PUT': per.puts * PRICES.put * 1e6,
        'S3 HEAD': per.heads * PRICES.head * 1e6,
        'Lambda, HTTP API, logs (estimate)': fixedPerMillion,
      };
      return {
        name,
        articles,
        ...per,
        perMillion: Object.values(breakdown).reduce((sum, v) => sum + v, 0),
        breakdown,
      };
    };
    meter.reset();
    for (let i = 0; i < single; i++) {
      await post(stack, article(i, 2));
      await stack.poller.drained(60_000);
    }
    scenarios.push(measure('one article per batch', single));
    // The same, each batch in a regenerate function started afresh: nothing kept from the batch before.
    stack.coldRegenerator(true);
    meter.reset();
    for (let i = 0; i < single; i++) {
      await post(stack, article(i, 4));
      await stack.poller.drained(60_000);
    }
    scenarios.push(measure('one article per batch, each in a cold function', single));
    stack.coldRegenerator(false);
    meter.reset();
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < burst) await post(stack, article(next++, 3));
      }),
    );
    await stack.poller.drained(300_000);
    scenarios.push(measure(`a burst of ${burst} from 16 clients`, burst));
    return { scenarios, fixedPerMillion };
  } finally {
    meter.stop();
    await stack.stop();
    await rm(stateDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  quietFunctions();
  process.stdout.write(`${JSON.stringify(await measureCost(), null, 2)}\n`);
}
