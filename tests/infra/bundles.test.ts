import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUSE_ESBUILD, REPO_ROOT } from '../../infra/house-function.ts';
import { submissionOutcomes } from '../support/submission-outcomes.ts';
import { buildFor } from './synth.ts';

interface Bundle {
  dir: string;
  code: string;
  /** Every source file esbuild put into the bundle, as absolute paths. */
  sources: string[];
}

const FUNCTIONS = {
  articles: 'Articles',
  authorizer: 'Authorizer',
  regenerate: 'RegenerateFeeds',
  preview: 'Preview',
} as const;

let outdir: string;
const bundles = {} as Record<keyof typeof FUNCTIONS, Bundle>;

/** The npm packages a bundle holds, by name (`@scope/name` or `name`). */
function packages(bundle: Bundle): Set<string> {
  const names = bundle.sources
    .map((source) => source.split('/node_modules/').at(-1) ?? '')
    .filter((_, index) => bundle.sources[index]?.includes('/node_modules/'))
    .map((path) =>
      path
        .split('/')
        .slice(0, path.startsWith('@') ? 2 : 1)
        .join('/'),
    );
  return new Set(names);
}

/**
 * Runs `script` as an ES module in a fresh Node process, as Lambda would load a bundle (no AWS credentials, the
 * logger silent), with `input` on its standard input, and parses what it writes as JSON.
 */
function runInNode(script: string, options: { input?: string; env?: Record<string, string> } = {}): unknown {
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    input: options.input ?? '',
    env: {
      PATH: process.env.PATH ?? '',
      AWS_REGION: 'us-east-1',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...options.env,
    },
    encoding: 'utf8',
    timeout: 20_000,
  });
  return JSON.parse(output);
}

function repoFiles(bundle: Bundle): string[] {
  return bundle.sources
    .filter((source) => source.startsWith(`${REPO_ROOT}/`) && !source.includes('/node_modules/'))
    .map((source) => source.slice(REPO_ROOT.length + 1));
}

beforeAll(() => {
  // Bundle exactly as `cdk synth` does: NodejsFunction runs the local esbuild, no Docker.
  outdir = mkdtempSync(join(tmpdir(), 'feed-pipeline-bundles-'));
  const built = buildFor({ stage: 'dev' }, { bundle: true, outdir });
  built.app.synth();
  const template = Template.fromStack(built.pipeline);
  for (const [key, prefix] of Object.entries(FUNCTIONS) as [keyof typeof FUNCTIONS, string][]) {
    const [fn] = Object.entries(template.findResources('AWS::Lambda::Function')).filter(([id]) =>
      id.startsWith(`${prefix}Function`),
    );
    const hash = String(fn?.[1].Properties.Code.S3Key).replace(/\.zip$/, '');
    const dir = join(outdir, `asset.${hash}`);
    const map = JSON.parse(readFileSync(join(dir, 'index.mjs.map'), 'utf8'));
    bundles[key] = {
      dir,
      code: readFileSync(join(dir, 'index.mjs'), 'utf8'),
      sources: map.sources.map((source: string) => resolve(dir, source)),
    };
  }
}, 120_000);

afterAll(() => {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

describe('the function bundles', () => {
  it('are one minified ESM file each with a source map of names and lines only', () => {
    for (const bundle of Object.values(bundles)) {
      expect(readdirSync(bundle.dir).sort()).toEqual(['index.mjs', 'index.mjs.map']);
      expect(bundle.code.startsWith('import{createRequire as __houseRequire}from"node:module";')).toBe(true);
      // Minified: long lines (line breaks left are those inside template literals, such as the feed templates).
      const lines = bundle.code.split('\n');
      expect(bundle.code.length / lines.length).toBeGreaterThan(500);
      const map = JSON.parse(readFileSync(join(bundle.dir, 'index.mjs.map'), 'utf8'));
      expect(map.sourcesContent).toBeUndefined();
    }
  });

  it('each start from their own handler module and hold no other handler, no local stack and no CDK', () => {
    const entries = {
      articles: 'functions/articles/handler.ts',
      authorizer: 'functions/authorizer/handler.ts',
      regenerate: 'functions/regenerate-feeds/handler.ts',
      preview: 'functions/preview/handler.ts',
    };
    for (const [key, bundle] of Object.entries(bundles) as [keyof typeof bundles, Bundle][]) {
      const files = repoFiles(bundle);
      expect(files).toContain(entries[key]);
      expect(files.filter((file) => file.endsWith('/handler.ts'))).toEqual([entries[key]]);
      // Beside functions/ and shared/, only the modules that stand in for npm packages (BUNDLE_REDIRECTS).
      expect(files.filter((file) => !/^(functions|shared|infra\/bundle-modules)\//.test(file))).toEqual([]);
      expect([...packages(bundle)].filter((name) => /aws-cdk|constructs|vitest|s3rver/.test(name))).toEqual(
        [],
      );
    }
  });

  it('give the articles function the preview’s route key and none of its code', () => {
    const files = repoFiles(bundles.articles);
    expect(files.filter((file) => file.startsWith('functions/preview/'))).toEqual([
      'functions/preview/routes.ts',
    ]);
    // No renderer: the preview's rendering stays in its own bundle.
    expect(
      files.filter((file) => file.startsWith('shared/feeds/render/') || file === 'shared/feeds/preview.ts'),
    ).toEqual([]);
  });

  it('carry only the SDK clients and libraries their handler imports', () => {
    const articles = packages(bundles.articles);
    expect(articles).toContain('@aws-sdk/client-dynamodb');
    expect(articles).toContain('sanitize-html');
    expect(articles).toContain('zod');
    expect(articles).not.toContain('@aws-sdk/client-s3');
    expect(articles).not.toContain('@aws-sdk/client-dynamodb-streams');

    const authorizer = packages(bundles.authorizer);
    expect(authorizer).toContain('@aws-sdk/client-dynamodb');
    for (const name of ['@aws-sdk/client-s3', '@aws-sdk/client-dynamodb-streams', 'sanitize-html', 'zod'])
      expect(authorizer).not.toContain(name);

    const regenerate = packages(bundles.regenerate);
    expect(regenerate).toContain('@aws-sdk/client-s3');
    expect(regenerate).toContain('@aws-sdk/client-dynamodb');
    for (const name of ['@aws-sdk/client-dynamodb-streams', 'sanitize-html', 'zod'])
      expect(regenerate).not.toContain(name);
  });

  it('load on Node and answer without touching AWS', () => {
    // Each bundle runs in a fresh Node process, as Lambda would load index.mjs, with a request that needs no
    // table or bucket: a path the API does not have, a request without a key, a batch of no records.
    const run = (key: keyof typeof bundles, event: unknown, env: Record<string, string>) => {
      const script = `
        const { handler } = await import(${JSON.stringify(join(bundles[key].dir, 'index.mjs'))});
        const context = { awsRequestId: 'req-1', getRemainingTimeInMillis: () => 10_000 };
        process.stdout.write(JSON.stringify(await handler(${JSON.stringify(event)}, context)));`;
      return runInNode(script, { env }) as { statusCode?: number; headers?: Record<string, string> };
    };
    const request = {
      version: '2.0',
      routeKey: '$default',
      rawPath: '/nowhere',
      rawQueryString: '',
      headers: {},
      requestContext: { http: { method: 'GET', path: '/nowhere' }, requestId: 'r', routeKey: '$default' },
      isBase64Encoded: false,
    };
    const notFound = run('articles', request, { TABLE_NAME: 'articles' });
    expect(notFound.statusCode).toBe(404);
    expect(notFound.headers?.['content-type']).toContain('application/problem+json');
    // Another method on the preview's path reaches the articles function (the `$default` route): 405, Allow: GET.
    const post = { ...request, rawPath: '/articles/x/preview' };
    post.requestContext = {
      ...request.requestContext,
      http: { method: 'POST', path: '/articles/x/preview' },
    };
    const notAllowed = run('articles', post, { TABLE_NAME: 'articles' });
    expect(notAllowed.statusCode).toBe(405);
    expect(notAllowed.headers?.allow).toBe('GET');

    const verdict = run(
      'authorizer',
      { ...request, type: 'REQUEST', routeArn: 'arn', identitySource: [] },
      { TABLE_NAME: 'articles' },
    );
    expect(verdict).toMatchObject({ isAuthorized: true, context: { outcome: 'denied' } });

    const batch = run(
      'regenerate',
      { Records: [] },
      { TABLE_NAME: 'articles', BUCKET_NAME: 'feeds', FEEDS_BASE_URL: 'https://d123.cloudfront.net/' },
    );
    expect(batch).toEqual({ batchItemFailures: [] });

    // The preview route without a key: the authorizer's denial becomes a 401 problem, never a preview.
    const denied = run(
      'preview',
      {
        ...request,
        routeKey: 'GET /articles/{id}/preview',
        rawPath: '/articles/x/preview',
        requestContext: {
          ...request.requestContext,
          routeKey: 'GET /articles/{id}/preview',
          authorizer: { lambda: { outcome: 'denied', detail: 'No key.' } },
        },
      },
      { TABLE_NAME: 'articles', FEEDS_BASE_URL: 'https://d123.cloudfront.net/' },
    );
    expect(denied.statusCode).toBe(401);
    expect(denied.headers?.['content-type']).toContain('application/problem+json');
  });
});

describe('the function bundles against their SDK-only yardsticks', () => {
  it('stay within 1.5x the size of a bundle of only the SDK clients each function uses', async () => {
    // The bench's cold-start target, held here on size, which does not vary from run to run; `npm run bench`
    // measures load time as well.
    const yardstick = async (entry: string) => {
      const result = await build({
        ...HOUSE_ESBUILD,
        entryPoints: [join(REPO_ROOT, entry)],
        outfile: join(outdir, 'yardsticks', entry.replace(/\W+/g, '-'), 'index.mjs'),
        absWorkingDir: REPO_ROOT,
        metafile: true,
      });
      return Object.values(result.metafile.outputs).find((output) => output.entryPoint)?.bytes ?? 0;
    };
    const dynamodb = await yardstick('bench/yardsticks/dynamodb.ts');
    const dynamodbS3 = await yardstick('bench/yardsticks/dynamodb-s3.ts');
    expect(dynamodb).toBeGreaterThan(100_000);
    expect(dynamodbS3).toBeGreaterThan(dynamodb);
    const size = (key: keyof typeof bundles) => statSync(join(bundles[key].dir, 'index.mjs')).size;
    expect(size('articles') / dynamodb).toBeLessThanOrEqual(1.5);
    expect(size('authorizer') / dynamodb).toBeLessThanOrEqual(1.5);
    expect(size('regenerate') / dynamodbS3).toBeLessThanOrEqual(1.5);
    expect(size('preview') / dynamodb).toBeLessThanOrEqual(1.5);
    expect(size('authorizer')).toBeLessThan(size('articles'));
  });
});

describe('the bundle stubs', () => {
  it('change nothing the articles function does to a submission', async () => {
    // submissionOutcomes (parseSubmission, with the errors it throws) built with the house options, the stubs of
    // BUNDLE_STUBS included, and run in a fresh Node process, against the same module from the sources: real and
    // hostile HTML, entities, srcset, style attributes, slugs in several scripts, and invalid fields.
    const outfile = join(outdir, 'submission', 'index.mjs');
    await build({
      ...HOUSE_ESBUILD,
      entryPoints: [join(REPO_ROOT, 'tests/support/submission-outcomes.ts')],
      outfile,
      absWorkingDir: REPO_ROOT,
    });
    const seed = JSON.parse(readFileSync(join(REPO_ROOT, 'tests/fixtures/seed-article.json'), 'utf8'));
    const fragments = [
      seed.contentHtml,
      '<p style="color:red;background:url(javascript:alert(1))">styled</p>',
      '<p>Caf&eacute; &mdash; &ldquo;quoted&rdquo; &amp;amp; &#x1F600; &notanentity; &lt;b&gt;</p>',
      '<img src="/a.png" srcset="/a-2x.png 2x, javascript:alert(1) 3x" alt="A">',
      '<a href="jav&#x09;ascript:alert(1)">x</a><a href="/relative">rel</a><a href="mailto:desk@example.com">m</a>',
      '<script>alert(1)</script><iframe src="https://evil.example/"></iframe><svg onload="alert(1)"><p>s</p></svg><p>kept</p>',
      '<!-- <style> --><p>comment</p><table><tr><td onclick="x()">cell</td></tr></table>',
      '<p>unclosed <b>bold <i>both</p><ul><li>one<li>two</ul><blockquote cite="/q">q</blockquote>',
      '<h1>Title</h1><pre><code>&lt;code&gt;</code></pre><p>]]&gt; and \u2028 line</p>',
    ];
    const now = Date.parse('2025-07-16T12:00:00Z');
    const inputs = [
      ...fragments.map((contentHtml) => ({ ...seed, contentHtml })),
      {
        ...seed,
        source: 'ＴＨＥ-ＧＡＺＥ',
        tags: ['Київ', 'Αθήνα', 'Ђоковић', 'Zürich', "Conway's Law", 'AT&T'],
      },
      { ...seed, tags: ['東京'], url: 'ftp://x', publishedAt: 'yesterday', id: 'mine', author: { name: '' } },
      { ...seed, contentHtml: '<script>only</script>', citations: 'none' },
    ];
    const fromBundle = runInNode(
      `const { submissionOutcomes } = await import(${JSON.stringify(outfile)});
      const bodies = JSON.parse(await new Response(process.stdin).text());
      process.stdout.write(JSON.stringify(submissionOutcomes(bodies, ${now})));`,
      { input: JSON.stringify(inputs) },
    );
    const fromSources = JSON.parse(JSON.stringify(submissionOutcomes(inputs, now)));
    expect(fromBundle).toEqual(fromSources);
    // The cases above do what they are meant to: accepted, refused, and sanitised.
    expect(fromSources.filter((result: { submission?: unknown }) => result.submission)).toHaveLength(10);
    expect(JSON.stringify(fromSources)).not.toMatch(/javascript:|<script|onload|style=/);
  });
});
