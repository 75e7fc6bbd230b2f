import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startStack } from './stack.ts';

const DEFAULT_PORT = 3000;
// The SDK's notice that releases from 2027 need Node 22 says nothing a local run can act on.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { values } = parseArgs({
  options: {
    fresh: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  process.stdout.write(
    'Usage: npm start [-- --fresh]\n  PORT=3001 npm start   runs a second stack beside the first\n',
  );
  process.exit(0);
}

const port = Number(process.env.PORT ?? DEFAULT_PORT);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`PORT must be a port number, not ${process.env.PORT}\n`);
  process.exit(2);
}
// The default stack keeps its state in .local/; a stack on another port gets a folder of its own.
const root = resolve(import.meta.dirname, '..');
const stateDir =
  process.env.LOCAL_STATE_DIR ??
  (port === DEFAULT_PORT ? join(root, '.local') : join(root, '.local', `port-${port}`));

process.stdout.write(`Starting the local pipeline${values.fresh ? ' from an empty database' : ''}...\n`);
const websubHubs = (process.env.WEBSUB_HUBS ?? '').split(',').filter(Boolean);
const edgeTtl = process.env.FEED_EDGE_TTL_SECONDS;
// The feeds are served as CloudFront serves them, its cache included (with a short edge TTL unless one is given).
const stack = await startStack({
  port,
  stateDir,
  fresh: values.fresh,
  websubHubs,
  edgeCache: true,
  ...(edgeTtl ? { edgeTtlSeconds: Number(edgeTtl) } : {}),
});
process.stdout.write(
  [
    '',
    `  Editor API   ${stack.apiUrl}`,
    `  Feeds        ${stack.feedsUrl}`,
    `  Editor key   ${stack.editorKey}`,
    `  Sources      ${stack.sources.join(', ')}`,
    `  Sitemap      ${stack.feedsUrl}sources/${stack.sources[0] ?? '{source}'}/news-sitemap.xml`,
    `  Partners     ${stack.feedsUrl}partners/{profile}/sources/{source}/rss.xml, with a token from`,
    '               npm run admin -- partners issue (README: For partners)',
    `  DynamoDB     ${stack.dynamodbEndpoint} (table ${stack.tableName})`,
    `  Written to   ${join(stateDir, 'stack.json')}`,
    '',
    'Press Ctrl-C to stop.',
    '',
  ].join('\n'),
);

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  process.stdout.write(`\n${signal}: stopping...\n`);
  await stack.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
