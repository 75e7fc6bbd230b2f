import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createDocumentClient } from '#shared/adapters/dynamodb/client.ts';
import { DynamoDbFeedStore } from '#shared/adapters/dynamodb/feed-store.ts';
import { DynamoDbRegistryStore } from '#shared/adapters/dynamodb/registry-store.ts';
import { createS3Client } from '#shared/adapters/s3/client.ts';
import { S3DocumentPublisher } from '#shared/adapters/s3/document-publisher.ts';
import { EDITABLE_SOURCE_FIELDS } from '#shared/articles/model.ts';
import { StoreUnavailableError } from '#shared/domain/errors.ts';
import { DEFAULT_SHARE, Pacer, pacedFeedStore, pacedPublisher, paceLimits } from '#shared/feeds/pacing.ts';
import { FeedRegenerator } from '#shared/feeds/regenerate.ts';
import { RENDERER_VERSION } from '#shared/feeds/render/version.ts';
import { republishEverything } from '#shared/feeds/republish.ts';
import { feedSettingsFromEnv } from '#shared/feeds/settings.ts';
import { Registry } from '#shared/registry.ts';
import { PARTNERS_USAGE, partnersCommand } from './partners.ts';
import { FileCheckpoint, RepublishProgressReporter, republishSummary } from './republish.ts';

const USAGE = `Usage: npm run admin -- <command> [options]

Commands
  source add <slug> --name <name> --homepage <url> [--description <text>] [--language <tag>]
                  [--logo <https-url>] [--icon <https-url>] [--accent <#rrggbb>] [--profiles <name,name>]
  source update <slug> [--name <name>] [--homepage <url>] [--description <text>] [--language <tag>]
                  [--logo <https-url>] [--icon <https-url>] [--accent <#rrggbb>]   (an empty value removes one)
                  [--profiles <name,name>]   partner profiles (msn, smartnews, flipboard, full-text) whose variants
                  of its feeds are published under feeds/partners/{profile}/; --profiles '' removes them all
                  edit a registered source; within seconds its feeds, their archive pages, its tag directory,
                  the catalogue and the feeds that mix sources (where its name shows) follow, with no article write
  source list     one line a source (slug, name, homepage, language, and its partner profiles if it has any)
  key create (--sources <slug,slug> | --all) [--label <text>]   prints the key once; only its hash is kept
  key list
  key revoke <key-id>
${PARTNERS_USAGE}  feeds republish [--archives] [--stale] [--source <slug>] [--share <0-1> | --max-units-per-second <n>]
                  render every feed (with its page and open archive page), tag directory page, source's news
                  sitemap (from its own state) and the catalogue again from the table and upload what changed; an
                  unchanged deployment uploads nothing.
                  --archives  every closed archive page too
                  --stale     only documents an older release's renderers rendered (their publish states say so),
                              closed archive pages included: what to run after a deploy
                  --source    one source's feeds, its tags' feeds, their archives, its tag directory and its news
                              sitemap
                  --share     the share of the table's and bucket's stated capacity it may take (default 0.25 of
                              3,000 read and 1,000 write units/s, 3,500 PUTs/s and 5,500 HEADs/s)
                  --max-units-per-second  a ceiling of each of those, whatever the share
                  Interrupted (Ctrl-C, a crash), the same command resumes where it stopped (--checkpoint <file>
                  to keep its checkpoint elsewhere, --restart to start over).

Target (default: the local stack in .local/stack.json, which npm start writes)
  --stack <file>       another local stack's stack.json
  --table <name>       a table in AWS (credentials and region from the usual AWS environment)
  --region <region>    with --table
  --endpoint <url>     with --table: a DynamoDB-compatible endpoint
  --bucket <name>      with --table, for feeds republish: the feeds bucket
  --kvs-arn <arn>      with --table, for partners: the partner feeds' key value store (PartnerTokensKvsArn)
  --feeds-base-url <url>  with --table, for feeds republish: the public base of the feeds (or FEEDS_BASE_URL);
                       FEED_SIZE, FEED_TTL_MINUTES, PUBLISHER_NAME, FEEDS_LANGUAGE and WEBSUB_HUBS as the
                       regenerate function has them
`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    name: { type: 'string' },
    homepage: { type: 'string' },
    description: { type: 'string' },
    language: { type: 'string' },
    logo: { type: 'string' },
    icon: { type: 'string' },
    accent: { type: 'string' },
    // source add/update: the profiles to publish; partners issue: the profiles a token opens.
    profiles: { type: 'string' },
    sources: { type: 'string' },
    'kvs-arn': { type: 'string' },
    all: { type: 'boolean', default: false },
    label: { type: 'string' },
    stack: { type: 'string' },
    table: { type: 'string' },
    region: { type: 'string' },
    endpoint: { type: 'string' },
    bucket: { type: 'string' },
    'feeds-base-url': { type: 'string' },
    archives: { type: 'boolean', default: false },
    stale: { type: 'boolean', default: false },
    source: { type: 'string' },
    share: { type: 'string' },
    'max-units-per-second': { type: 'string' },
    checkpoint: { type: 'string' },
    restart: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

interface LocalStackFile {
  tableName: string;
  dynamodbEndpoint: string;
  apiUrl: string;
  s3Endpoint: string;
  bucket: string;
  /** The settings the local stack's regenerate function runs with: a republish renders with the same. */
  feedEnv?: Record<string, string>;
}

function target(): {
  tableName: string;
  endpoint?: string | undefined;
  region?: string | undefined;
  local?: LocalStackFile;
} {
  const table = values.table ?? process.env.TABLE_NAME;
  if (table)
    return {
      tableName: table,
      endpoint: values.endpoint ?? process.env.DYNAMODB_ENDPOINT,
      region: values.region,
    };
  const file = resolve(values.stack ?? join(import.meta.dirname, '..', '.local', 'stack.json'));
  if (!existsSync(file)) fail(`No local stack found at ${file}: run npm start first, or pass --table.`);
  const stack = JSON.parse(readFileSync(file, 'utf8')) as LocalStackFile;
  return { tableName: stack.tableName, endpoint: stack.dynamodbEndpoint, local: stack };
}

/** `feeds republish`: every document rendered again from the table, into the local stack's bucket or --bucket. */
async function republish(where: ReturnType<typeof target>): Promise<void> {
  const bucket = values.bucket ?? where.local?.bucket;
  if (!bucket) fail('feeds republish needs --bucket with --table');
  const baseUrl =
    values['feeds-base-url'] ??
    process.env.FEEDS_BASE_URL ??
    (where.local ? `${where.local.apiUrl}/` : undefined);
  if (!baseUrl) fail('feeds republish needs --feeds-base-url (or FEEDS_BASE_URL) with --table');
  // A local stack's own settings win: the documents must render as its regenerate function renders them.
  const settings = feedSettingsFromEnv({ ...process.env, ...where.local?.feedEnv, FEEDS_BASE_URL: baseUrl });
  const client = createDocumentClient({ endpoint: where.endpoint, region: where.region });
  const store = new DynamoDbFeedStore(
    client,
    where.tableName,
    new DynamoDbRegistryStore(client, where.tableName),
  );
  const s3 = createS3Client({ endpoint: where.local?.s3Endpoint, region: where.region });
  const share = values.share === undefined ? DEFAULT_SHARE : Number(values.share);
  const maxUnits = values['max-units-per-second'];
  const pacer = new Pacer(paceLimits(share, maxUnits === undefined ? undefined : Number(maxUnits)));
  const pacedStore = pacedFeedStore(store, pacer);
  // Against the bucket itself, not the recorded digests: republishing also repairs objects changed by hand.
  const regenerator = new FeedRegenerator(
    pacedStore,
    pacedPublisher(new S3DocumentPublisher(s3, bucket), pacer),
    settings,
    { checkBucket: true },
  );
  const scope = {
    archives: values.archives,
    stale: values.stale,
    ...(values.source === undefined ? {} : { source: values.source }),
  };
  const checkpoint = new FileCheckpoint(
    values.checkpoint ?? defaultCheckpointFile(where.tableName, bucket),
    {
      table: where.tableName,
      endpoint: where.endpoint ?? null,
      bucket,
      baseUrl: settings.baseUrl,
      renderer: RENDERER_VERSION,
      ...scope,
    },
    values.restart,
  );
  const resuming = await checkpoint.resumable();
  if (resuming)
    process.stderr.write(`Resuming: ${resuming} documents were done before (${checkpoint.file}).\n`);
  // Ctrl-C once: no document starts after it, those under way finish and are recorded; twice: stop at once.
  const stop = new AbortController();
  const onSignal = () => {
    if (stop.signal.aborted) process.exit(130);
    process.stderr.write('\nStopping after the documents under way (Ctrl-C again to stop at once)...\n');
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const progress = new RepublishProgressReporter();
  try {
    const result = await republishEverything(regenerator, pacedStore, {
      ...scope,
      checkpoint,
      progress: progress.update,
      signal: stop.signal,
    });
    progress.finish();
    process.stdout.write(republishSummary(result, settings.baseUrl));
    if (!result.complete) process.exitCode = 130;
  } finally {
    progress.finish();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    client.destroy();
    s3.destroy();
  }
}

/** Where a run keeps its checkpoint unless told: beside the local stack's state, one file per table and bucket. */
function defaultCheckpointFile(table: string, bucket: string): string {
  const name = `${table}.${bucket}`.replace(/[^A-Za-z0-9._-]/g, '_');
  return join(import.meta.dirname, '..', '.local', 'republish', `${name}.checkpoint`);
}

async function main(): Promise<void> {
  const [noun, verb, arg] = positionals;
  if (values.help || !noun) {
    process.stdout.write(USAGE);
    return;
  }
  const where = target();
  if (`${noun} ${verb ?? ''}`.trim() === 'feeds republish') return republish(where);
  if (noun === 'partners')
    return partnersCommand(
      verb,
      arg,
      { name: values.name, sources: values.sources, profiles: values.profiles, kvsArn: values['kvs-arn'] },
      where,
    );
  const registry = new Registry(
    new DynamoDbRegistryStore(
      createDocumentClient({ endpoint: where.endpoint, region: where.region }),
      where.tableName,
    ),
  );
  const command = `${noun} ${verb ?? ''}`.trim();
  switch (command) {
    case 'source add': {
      if (!arg) fail('source add needs a slug, e.g. the-gaze');
      if (!values.name || !values.homepage) fail('source add needs --name and --homepage');
      const source = await registry.addSource({
        slug: arg,
        name: values.name,
        homepageUrl: values.homepage,
        ...(values.description ? { description: values.description } : {}),
        ...(values.language ? { language: values.language } : {}),
        ...(values.logo ? { logoUrl: values.logo } : {}),
        ...(values.icon ? { iconUrl: values.icon } : {}),
        ...(values.accent ? { accentColor: values.accent } : {}),
        ...(values.profiles ? { profiles: values.profiles.split(',') } : {}),
      });
      process.stdout.write(
        `Registered ${source.slug}: ${source.name} <${source.homepageUrl}> (${source.language})\n`,
      );
      return;
    }
    case 'source update': {
      if (!arg) fail('source update needs a slug, e.g. the-gaze');
      const { before, after } = await registry.updateSource(arg, {
        name: values.name,
        homepageUrl: values.homepage,
        description: values.description,
        language: values.language,
        logoUrl: values.logo,
        iconUrl: values.icon,
        accentColor: values.accent,
        profiles: values.profiles?.split(','),
      });
      const changed = EDITABLE_SOURCE_FIELDS.filter(
        (field) => String(before[field] ?? '') !== String(after[field] ?? ''),
      );
      process.stdout.write(
        changed.length
          ? `Updated ${after.slug} (${changed.join(', ')}): ${after.name} <${after.homepageUrl}> (${after.language}); its feeds and pages follow within seconds\n`
          : `${after.slug} unchanged: ${after.name} <${after.homepageUrl}> (${after.language})\n`,
      );
      return;
    }
    case 'source list':
      for (const source of await registry.listSources()) {
        process.stdout.write(
          `${source.slug}\t${source.name}\t${source.homepageUrl}\t${source.language}${source.profiles ? `\tprofiles: ${source.profiles.join(',')}` : ''}\n`,
        );
      }
      return;
    case 'key create': {
      if (values.all === Boolean(values.sources))
        fail('key create needs exactly one of --sources a,b or --all');
      const scope = values.all
        ? '*'
        : (values.sources ?? '')
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean);
      const { key, stored } = await registry.createKey(scope, values.label ?? '');
      process.stdout.write(
        `Key ${stored.keyId} for ${stored.sources === '*' ? 'every source' : stored.sources.join(', ')}.\n` +
          `Shown once; only its hash is stored:\n\n  ${key}\n\n`,
      );
      return;
    }
    case 'key list':
      for (const key of await registry.listKeys()) {
        const scope = key.sources === '*' ? '*' : key.sources.join(',');
        process.stdout.write(
          `${key.keyId}\t${scope}\t${key.label || '-'}\t${key.createdAt}\t${key.revokedAt ? `revoked ${key.revokedAt}` : 'active'}\n`,
        );
      }
      return;
    case 'key revoke':
      if (!arg) fail('key revoke needs the key id (the 16 hex characters after fpk_)');
      if (!(await registry.revokeKey(arg))) fail(`There is no key ${arg}.`);
      process.stdout.write(
        `Revoked ${arg}: refused at once by the local stack, and in AWS within the authorizer's cache TTL (60 s by default).\n`,
      );
      return;
    default:
      fail(`Unknown command "${command}".\n\n${USAGE}`);
  }
}

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
main().catch((error: unknown) => {
  if (error instanceof StoreUnavailableError) {
    const where = target();
    fail(
      `Cannot reach table ${where.tableName}${where.endpoint ? ` at ${where.endpoint}` : ''}: is the stack running (npm start)?`,
    );
  }
  fail(error instanceof Error ? error.message : String(error));
});
