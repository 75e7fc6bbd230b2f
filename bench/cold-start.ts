import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BuildOptions, build, type Metafile } from 'esbuild';
import { HOUSE_ESBUILD, REPO_ROOT } from '../infra/house-function.ts';
import { median } from './stats.ts';

interface Subject {
  name: string;
  entry: string;
  /** The yardstick this function is held against (only the SDK clients it uses). */
  yardstick?: string;
  /** Build options that show what a change would buy (or bought): reported, not held to the target. */
  whatIf?: Partial<BuildOptions>;
}

const SUBJECTS: Subject[] = [
  { name: 'articles', entry: 'functions/articles/handler.ts', yardstick: 'sdk: dynamodb' },
  { name: 'authorizer', entry: 'functions/authorizer/handler.ts', yardstick: 'sdk: dynamodb' },
  {
    name: 'regenerate-feeds',
    entry: 'functions/regenerate-feeds/handler.ts',
    yardstick: 'sdk: dynamodb + s3',
  },
  { name: 'preview', entry: 'functions/preview/handler.ts', yardstick: 'sdk: dynamodb' },
  { name: 'sdk: dynamodb', entry: 'bench/yardsticks/dynamodb.ts' },
  { name: 'sdk: dynamodb + s3', entry: 'bench/yardsticks/dynamodb-s3.ts' },
  {
    name: 'articles, without the bundle stubs',
    entry: 'functions/articles/handler.ts',
    yardstick: 'sdk: dynamodb',
    whatIf: { alias: {} },
  },
];

export interface BundleFigures {
  name: string;
  /** Not a function as deployed: what a change would buy (or bought). */
  whatIf?: boolean;
  yardstick?: string;
  bytes: number;
  /** Median ms a fresh Node process takes to import the bundle, minus a bare Node start. */
  loadMs: number;
  /** Where the bytes go: the packages (or repository folders) by bytes in the output, largest first. */
  top: { input: string; bytes: number }[];
  /** What the bundle holds beyond its yardstick, by package, largest first. */
  beyondYardstick?: { input: string; bytes: number }[];
  sizeRatio?: number;
  loadRatio?: number;
}

export interface ColdStartResult {
  processes: number;
  bareMs: number;
  bundles: BundleFigures[];
}

/** A package name (`@scope/name` or `name`) or, for repository files, their top folder. */
function ownerOf(input: string): string {
  const at = input.lastIndexOf('node_modules/');
  if (at >= 0) {
    const rest = input.slice(at + 'node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? input);
  }
  return input.split('/').slice(0, 2).join('/');
}

/** Bytes in the output by package (or repository folder), largest first. */
function inputsByOwner(metafile: Metafile): { input: string; bytes: number }[] {
  const output = Object.values(metafile.outputs).find((o) => o.entryPoint);
  const byOwner = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
    byOwner.set(ownerOf(input), (byOwner.get(ownerOf(input)) ?? 0) + bytesInOutput);
  }
  return [...byOwner].sort((a, b) => b[1] - a[1]).map(([input, bytes]) => ({ input, bytes }));
}

/** Wall time of one fresh Node process running `script` as a module, in ms. */
function timeNode(script: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '',
        AWS_REGION: 'us-east-1',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        POWERTOOLS_LOG_LEVEL: 'SILENT',
        POWERTOOLS_METRICS_DISABLED: 'true',
        TABLE_NAME: 'articles',
        BUCKET_NAME: 'feeds',
        FEEDS_BASE_URL: 'https://d123.cloudfront.net/',
      },
    });
    let errors = '';
    child.stderr.on('data', (chunk: Buffer) => {
      errors += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code === 0) resolve(ms);
      else reject(new Error(`node exited with ${code}: ${errors.slice(0, 2000)}`));
    });
  });
}

/**
 * Cold start: each function bundled exactly as the CDK bundles it (HOUSE_ESBUILD), its size, and the median time
 * a fresh Node process takes to import it minus a bare Node start, over `processes` processes each, interleaved
 * with the yardsticks (bundles of only the SDK clients the function uses) in the same run.
 */
export async function measureColdStart(options: { processes?: number } = {}): Promise<ColdStartResult> {
  const processes = options.processes ?? 10;
  const outdir = await mkdtemp(join(tmpdir(), 'feed-pipeline-bundles-'));
  try {
    const built = await Promise.all(
      SUBJECTS.map(async (subject) => {
        const outfile = join(outdir, subject.name.replace(/[^a-z0-9]+/g, '-'), 'index.mjs');
        const result = await build({
          ...HOUSE_ESBUILD,
          entryPoints: [join(REPO_ROOT, subject.entry)],
          outfile,
          absWorkingDir: REPO_ROOT,
          ...subject.whatIf,
          metafile: true,
        });
        return { subject, outfile, bytes: (await stat(outfile)).size, metafile: result.metafile };
      }),
    );
    // The loader imports the bundle and checks that it exports a handler (yardsticks export their clients).
    const scripts = built.map(
      ({ outfile }) =>
        `const m = await import(${JSON.stringify(pathToFileURL(outfile).href)}); if (!Object.keys(m).length) process.exit(3);`,
    );
    const bare = 'await 0;';
    const samples = built.map(() => [] as number[]);
    const bareSamples: number[] = [];
    // One warm-up round (the page cache, esbuild's output just written), then interleaved rounds, every other
    // one in reverse order, so no bundle always runs right after the same neighbour.
    const order = [-1, ...scripts.keys()];
    for (let round = -1; round < processes; round++) {
      for (const i of round % 2 ? order : [...order].reverse()) {
        const ms = await timeNode(i < 0 ? bare : (scripts[i] as string));
        if (round < 0) continue;
        if (i < 0) bareSamples.push(ms);
        else samples[i]?.push(ms);
      }
    }
    const bareMs = median(bareSamples);
    const bundles: BundleFigures[] = built.map(({ subject, bytes, metafile }, i) => ({
      name: subject.name,
      ...(subject.whatIf ? { whatIf: true } : {}),
      ...(subject.yardstick ? { yardstick: subject.yardstick } : {}),
      bytes,
      loadMs: median((samples[i] ?? []).map((ms) => ms - bareMs)),
      top: inputsByOwner(metafile),
    }));
    for (const bundle of bundles) {
      const yardstick = bundles.find((b) => b.name === bundle.yardstick);
      if (!yardstick) continue;
      bundle.sizeRatio = bundle.bytes / yardstick.bytes;
      const theirs = new Map(yardstick.top.map((t) => [t.input, t.bytes]));
      bundle.beyondYardstick = bundle.top
        .map((t) => ({ input: t.input, bytes: t.bytes - (theirs.get(t.input) ?? 0) }))
        .filter((t) => t.bytes > 1000)
        .sort((a, b) => b.bytes - a.bytes);
      bundle.loadRatio = bundle.loadMs / yardstick.loadMs;
    }
    return { processes, bareMs, bundles };
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${JSON.stringify(await measureColdStart(), null, 2)}\n`);
}
