import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startStack } from '../local/stack.ts';
import { type LoadFigures, load } from './http-load.ts';
import { meterDynamoDb } from './meter.ts';
import { quietFunctions } from './quiet.ts';
import { childCpuSeconds } from './stats.ts';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface ProfileSummary {
  seconds: number;
  /** Share of sampled CPU time by where the code lives, in %. */
  byModule: { module: string; percent: number }[];
  /** The functions with the most self time, in %. */
  topFunctions: { fn: string; percent: number }[];
}

export interface IngestResult {
  runs: LoadFigures[];
  /** Per POST, from the SDK calls the API made during the runs: count and mean ms of each DynamoDB operation. */
  dynamodb: { op: string; perPost: number; meanMs: number }[];
  /** Mean ms per POST spent waiting on DynamoDB Local (the sum over the operations). */
  dynamodbMsPerPost: number;
  /** Mean latency of the same runs, ms. */
  meanLatencyMs: number;
  /** CPU used during the runs, in % of one core: DynamoDB Local (Java) and this process (API, SDK, servers). */
  cpu: { dynamodbLocal?: number; node: number };
  profile: ProfileSummary;
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

/** Where a frame's code lives: an npm package (the SDK as one), a repository folder, Node itself, or V8. */
function moduleOf(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native: V8 builtins, JSON, RegExp)';
  const at = url.lastIndexOf('node_modules/');
  if (at >= 0) {
    const parts = url.slice(at + 'node_modules/'.length).split('/');
    const name = parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? url);
    if (/^@(aws-sdk|smithy|aws-crypto)\//.test(name)) return 'AWS SDK (@aws-sdk, @smithy)';
    if (name === 'autocannon' || name === 'hdr-histogram-js' || name === 'reinterval')
      return 'autocannon (the load)';
    return name;
  }
  if (url.startsWith('node:')) return 'Node (http, streams, crypto, …)';
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  if (path.startsWith(REPO_ROOT)) return path.slice(REPO_ROOT.length).split('/').slice(0, 2).join('/');
  return path;
}

function summarise(profile: {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
}): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let total = 0;
  for (let i = 0; i < samples.length; i++) {
    const us = deltas[i] ?? 0;
    self.set(samples[i] as number, (self.get(samples[i] as number) ?? 0) + us);
    total += us;
  }
  const modules = new Map<string, number>();
  const functions = new Map<string, number>();
  for (const [id, us] of self) {
    const frame = byId.get(id)?.callFrame;
    if (!frame || frame.functionName === '(idle)') {
      total -= us;
      continue;
    }
    const module = moduleOf(frame.url, frame.functionName);
    modules.set(module, (modules.get(module) ?? 0) + us);
    const file = frame.url ? frame.url.split('/').slice(-2).join('/') : '';
    const fn = `${frame.functionName || '(anonymous)'}${file ? ` ${file}:${frame.lineNumber + 1}` : ''}`;
    functions.set(fn, (functions.get(fn) ?? 0) + us);
  }
  const percent = (map: Map<string, number>, count: number) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([name, us]) => ({ name, percent: Math.round((us / total) * 1000) / 10 }));
  return {
    seconds: total / 1e6,
    byModule: percent(modules, 10).map(({ name, percent }) => ({ module: name, percent })),
    topFunctions: percent(functions, 10).map(({ name, percent }) => ({ fn: name, percent })),
  };
}

/**
 * Ingest: POST /articles through the local stack (in memory) with autocannon, 8 and then 32 connections, 10 s
 * each, after a short warm-up. The stream poller is off: in AWS regeneration runs in a function of its own, and
 * here it would share the API's two cores. Then one CPU profile of this process (the API, the authorizer, the
 * SDK and the load generator; DynamoDB Local is a separate Java process) around 5 s at 8 connections.
 */
export async function measureIngest(
  options: { connections?: number[]; seconds?: number } = {},
): Promise<IngestResult> {
  const connections = options.connections ?? [8, 32];
  const seconds = options.seconds ?? 10;
  const stateDir = await mkdtemp(join(tmpdir(), 'feed-pipeline-bench-ingest-'));
  const stack = await startStack({ port: 0, stateDir, inMemory: true, streamPoller: false });
  const meter = meterDynamoDb();
  try {
    const seed = JSON.parse(
      await readFile(new URL('../tests/fixtures/seed-article.json', import.meta.url), 'utf8'),
    ) as Record<string, unknown>;
    const { publishedAt: _publishedAt, ...body } = seed;
    const request = {
      url: `${stack.apiUrl}/articles`,
      method: 'POST' as const,
      headers: { authorization: `Bearer ${stack.editorKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    };
    await load({ ...request, connections: 8, duration: 3 });
    const runs: LoadFigures[] = [];
    meter.reset();
    const javaBefore = childCpuSeconds('java');
    const nodeBefore = process.cpuUsage();
    const wallBefore = performance.now();
    for (const c of connections) runs.push(await load({ ...request, connections: c, duration: seconds }));
    const wall = (performance.now() - wallBefore) / 1000;
    const javaAfter = childCpuSeconds('java');
    const nodeUsed = process.cpuUsage(nodeBefore);
    const cpu = {
      ...(javaBefore !== undefined && javaAfter !== undefined
        ? { dynamodbLocal: Math.round(((javaAfter - javaBefore) / wall) * 100) }
        : {}),
      node: Math.round(((nodeUsed.user + nodeUsed.system) / 1e6 / wall) * 100),
    };
    const posts = runs.reduce((sum, run) => sum + run.requests, 0);
    const dynamodb = Object.keys(meter.requests)
      .sort()
      .map((op) => ({
        op,
        perPost: (meter.requests[op] ?? 0) / posts,
        meanMs: (meter.ms[op] ?? 0) / (meter.requests[op] ?? 1),
      }));
    const dynamodbMsPerPost = Object.values(meter.ms).reduce((sum, ms) => sum + ms, 0) / posts;
    const meanLatencyMs =
      (runs.reduce((sum, run) => sum + (run.requests * run.connections) / run.rps, 0) /
        runs.reduce((sum, run) => sum + run.requests, 0)) *
      1000;

    const session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 500 });
    await session.post('Profiler.start');
    await load({ ...request, connections: 8, duration: 5 });
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    return {
      runs,
      dynamodb,
      dynamodbMsPerPost,
      meanLatencyMs,
      cpu,
      profile: summarise(profile as unknown as Parameters<typeof summarise>[0]),
    };
  } finally {
    meter.stop();
    await stack.stop();
    await rm(stateDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  quietFunctions();
  process.stdout.write(`${JSON.stringify(await measureIngest(), null, 2)}\n`);
}
