import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Node } from 'constructs';
import { feedEnvOf, type PipelineConfig, readConfig } from '../infra/config.ts';

const USAGE = `Usage: npm run deploy -- [-c key=value ...] [--region <region>] [--share <0-1>]

Deploys a stage (cdk deploy --all, outputs in cdk-outputs.json), then renders again every document an older
release's renderers rendered (npm run admin -- feeds republish --stale), with the deployed table, bucket, public
base and the regenerate function's feed settings, paced to --share (default 0.25) of the stated capacity.
Interrupted, run the same command again: the deploy changes nothing, and the republish resumes.
  --skip-deploy   only the republish, from the cdk-outputs.json of the last deploy
`;

const ROOT = join(import.meta.dirname, '..');
export const OUTPUTS_FILE = 'cdk-outputs.json';

/** `-c key=value` pairs of a command line, as the CDK reads them. */
export function contextOf(args: readonly string[]): Record<string, string> {
  const context: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const pair = arg === '-c' || arg === '--context' ? args[++i] : /^--context=(.*)$/.exec(arg)?.[1];
    const match = pair === undefined ? undefined : /^([^=]+)=(.*)$/.exec(pair);
    if (match) context[match[1] as string] = match[2] as string;
  }
  return context;
}

/** The stage's configuration, read as the CDK app reads it: cdk.json's context, then the command line's. */
export function configOf(args: readonly string[]): PipelineConfig {
  const cdkJson = JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  const context: Record<string, unknown> = { ...cdkJson.context, ...contextOf(args) };
  return readConfig({ tryGetContext: (key: string) => context[key] } as unknown as Node);
}

/** The republish a deploy of `config.stage` is followed by: its arguments and environment, from the outputs. */
export function republishAfterDeploy(
  outputs: Record<string, Record<string, string>>,
  config: PipelineConfig,
  options: { region?: string; share?: string } = {},
): { args: string[]; env: Record<string, string> } {
  const state = outputs[`FeedPipeline-${config.stage}-State`];
  const pipeline = outputs[`FeedPipeline-${config.stage}-Pipeline`];
  const table = state?.TableName;
  const bucket = state?.BucketName;
  const base = pipeline?.FeedsBaseUrl;
  if (!table || !bucket || !base)
    throw new Error(
      `${OUTPUTS_FILE} has no TableName, BucketName and FeedsBaseUrl for stage ${config.stage}: was it deployed?`,
    );
  return {
    args: [
      'feeds',
      'republish',
      '--stale',
      '--table',
      table,
      '--bucket',
      bucket,
      '--feeds-base-url',
      base,
      ...(options.region ? ['--region', options.region] : []),
      ...(options.share ? ['--share', options.share] : []),
    ],
    env: feedEnvOf(config, base),
  };
}

function run(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 130 : 1)));
  });
}

/** Pulls `--name value` out of a command line; the rest goes to cdk deploy. */
function take(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const [, value] = args.splice(i, 2);
  return value;
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  const region = take(args, '--region');
  const share = take(args, '--share');
  const skip = args.indexOf('--skip-deploy');
  if (skip >= 0) args.splice(skip, 1);
  const config = configOf(args);
  if (skip < 0) {
    const env = {
      ...process.env,
      CDK_DISABLE_CLI_TELEMETRY: 'true',
      ...(region ? { AWS_REGION: region } : {}),
    };
    const deployed = await run(
      process.execPath,
      [
        join(ROOT, 'node_modules', 'aws-cdk', 'bin', 'cdk'),
        'deploy',
        '--all',
        '--outputs-file',
        OUTPUTS_FILE,
        ...args,
      ],
      env,
    );
    if (deployed !== 0) return deployed;
  }
  const outputs = JSON.parse(readFileSync(join(ROOT, OUTPUTS_FILE), 'utf8'));
  const republish = republishAfterDeploy(outputs, config, {
    ...(region ? { region } : {}),
    ...(share ? { share } : {}),
  });
  process.stdout.write(
    `\nRendering again what older renderers rendered: npm run admin -- ${republish.args.join(' ')}\n`,
  );
  return run(process.execPath, ['--import', 'tsx', join(ROOT, 'cli', 'admin.ts'), ...republish.args], {
    ...process.env,
    ...republish.env,
  });
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'))) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(2);
    },
  );
}
