import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { BuildOptions } from 'esbuild';

/** The repository root: entries, `package.json` (its `imports` aliases) and the lock file live here. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * npm packages the bundles replace with a stub module, because nothing the functions run ever calls them:
 *
 * - `postcss`: sanitize-html parses `style` attributes with it, and only those its allowlist lets through; ours
 *   (shared/html.ts) allows `style` on no element. Should one ever be allowed, sanitize-html calls the stub
 *   inside a try/catch and drops the attribute: it fails closed. Saves postcss, source-map-js, nanoid and
 *   picocolors (about 90 KB minified).
 * - `parse-srcset`: sanitize-html parses `srcset` and `imagesrcset` attributes with it, and only those its
 *   allowlist lets through; ours allows neither on any element. Should one ever be allowed, sanitize-html calls the
 *   stub inside a try/catch and drops the attribute: it fails closed, as with postcss. Saves about 1.5 KB.
 *
 * Each stub is a `data:` module, so it needs no file of its own inside the bundle. `tests/infra/bundles.test.ts`
 * runs hostile and real submissions through a bundle built with the stubs (and {@link BUNDLE_REDIRECTS}) and
 * through the sources, and expects the same result from both.
 */
export const BUNDLE_STUBS: Record<string, string> = {
  postcss:
    'export function parse(){throw new Error("postcss is not bundled: no style attribute is allowed")}',
  'parse-srcset':
    'export default function parseSrcset(){throw new Error("parse-srcset is not bundled: no srcset is allowed")}',
};

/** htmlparser2 as sanitize-html resolves it: the CommonJS entry module, beside its `Parser` module. */
const HTMLPARSER2_ENTRY = createRequire(createRequire(import.meta.url).resolve('sanitize-html')).resolve(
  'htmlparser2',
);

/**
 * npm packages the bundles take from one of their own modules instead of their entry module, as absolute paths
 * (esbuild runs locally, from the repository; see {@link HOUSE_BUNDLING}):
 *
 * - `htmlparser2` is its `Parser` module. sanitize-html is the only importer of htmlparser2 (nothing in
 *   shared/ or functions/ imports it), and it reads nothing of it but `Parser` (`new htmlparser.Parser(…)`, its
 *   one use of the module); the entry module re-exports that same class, and adds `parseDocument`, `parseFeed`,
 *   the DOM handler, `DomUtils` and `ElementType`, which require domhandler, domutils (with dom-serializer and a
 *   second copy of `entities` with its encoding tables, about 110 KB) and domelementtype. Without the entry
 *   module none of them is bundled, and the articles bundle is 3 KB smaller than with stubs in their place. Code
 *   of ours that imported anything else of htmlparser2 would find it missing here: import it from its own
 *   module, or drop this redirect.
 * - `launder` is a copy of its `naughtyHref`, the one function sanitize-html calls of it
 *   (infra/bundle-modules/launder-naughty-href.cjs says why and how it is held to the package's). Its module's other
 *   helpers, and dayjs, which it requires at load, are not bundled: about 8 KB less in the articles bundle.
 */
export const BUNDLE_REDIRECTS: Record<string, string> = {
  htmlparser2: join(dirname(HTMLPARSER2_ENTRY), 'Parser.js'),
  launder: join(REPO_ROOT, 'infra/bundle-modules/launder-naughty-href.cjs'),
};

/**
 * How every function is bundled, as esbuild options: one ESM file per handler, minified, with a source map, every
 * dependency (the SDK included) bundled and tree-shaken, so a function carries only the clients it imports.
 * {@link HOUSE_BUNDLING} hands exactly these to the CDK; `npm run bench` builds with them to measure bundle size
 * and load time.
 */
export const HOUSE_ESBUILD = {
  bundle: true,
  format: 'esm',
  target: 'node22',
  platform: 'node',
  mainFields: ['module', 'main'],
  minify: true,
  sourcemap: true,
  // Stack traces map to file:line without shipping every source file inside the map.
  sourcesContent: false,
  external: [],
  alias: {
    ...Object.fromEntries(
      Object.entries(BUNDLE_STUBS).map(([name, code]) => [
        name,
        `data:text/javascript,${encodeURIComponent(code)}`,
      ]),
    ),
    ...BUNDLE_REDIRECTS,
  },
  // Legal comments stay at esbuild's default for a bundle, the end of the file: today is-plain-object's MIT
  // notice (and two `@preserve` coverage hints esbuild takes for legal comments), about 0.4 KB of the articles
  // bundle. 'none' would drop the one notice a bundle carries without it going anywhere else; 'linked' would move
  // it to an index.mjs.LEGAL.txt deployed in the same zip, for 0.3 KB. Neither is needed to meet the size budget,
  // and neither would make the bundles' notices complete (the SDK's, sanitize-html's and the other packages' are
  // not in them either way): that is a notices file of its own, not a bundling option.
  // CommonJS dependencies may call require() for Node built-ins at load time; an ESM bundle has no require, and
  // esbuild's shim throws "Dynamic require of "path" is not supported" before the handler is even reached.
  banner: {
    js: 'import{createRequire as __houseRequire}from"node:module";const require=__houseRequire(import.meta.url);',
  },
  logLevel: 'warning',
} as const satisfies BuildOptions;

/** {@link HOUSE_ESBUILD} as the CDK's bundling options. esbuild runs locally (it is a devDependency), never in Docker. */
export const HOUSE_BUNDLING: BundlingOptions = {
  format: OutputFormat.ESM,
  target: HOUSE_ESBUILD.target,
  platform: HOUSE_ESBUILD.platform,
  mainFields: [...HOUSE_ESBUILD.mainFields],
  minify: HOUSE_ESBUILD.minify,
  sourceMap: HOUSE_ESBUILD.sourcemap,
  sourcesContent: HOUSE_ESBUILD.sourcesContent,
  externalModules: [...HOUSE_ESBUILD.external],
  banner: HOUSE_ESBUILD.banner.js,
  esbuildArgs: { '--alias': Object.entries(HOUSE_ESBUILD.alias).map(([name, path]) => `${name}=${path}`) },
  forceDockerBundling: false,
  // esbuild's per-file size summary is noise in `cdk synth`; its warnings are not.
  logLevel: LogLevel.WARNING,
};

export interface HouseFunctionProps {
  /** The handler module, relative to the repository root, e.g. `functions/articles/handler.ts`. */
  entry: string;
  description: string;
  environment?: Record<string, string>;
  /** Defaults to 256 MB; ARM64 prices by the GB-second, so more memory is paid only where it buys CPU. */
  memorySize?: number;
  /** Defaults to 10 seconds. */
  timeout?: Duration;
  logRetention: RetentionDays;
  logRemovalPolicy: RemovalPolicy;
}

/**
 * The house defaults for a Lambda function, so no function repeats them: Node.js 22 on ARM64, esbuild bundling
 * of the handler module the local stack runs, a log group with retention, no tracing (below), and a role of its
 * own that starts with nothing but the right to write its log group. Every other permission is granted
 * explicitly and narrowly through the methods below.
 */
export class HouseFunction extends Construct {
  readonly function: NodejsFunction;
  /** The handler module, relative to the repository root: the same module the local stack imports. */
  readonly entry: string;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: HouseFunctionProps) {
    super(scope, id);
    this.entry = props.entry;
    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
    });
    // A role of our own instead of AWSLambdaBasicExecutionRole, whose logs:* statements cover every log group.
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.description} (execution role)`,
    });
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    this.function = new NodejsFunction(this, 'Function', {
      entry: join(REPO_ROOT, props.entry),
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(10),
      description: props.description,
      role: this.role,
      logGroup: this.logGroup,
      // No X-Ray: an uninstrumented trace shows only Lambda's own segments, which the logs' correlation ids and
      // durations already give, and three traces per article would cost $15 per million articles, more than
      // every Lambda invocation together. Turn it on with instrumented SDK clients if a question needs it.
      tracing: Tracing.DISABLED,
      bundling: HOUSE_BUNDLING,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        ...props.environment,
      },
    });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Node.js 22 (an LTS line Lambda supports into 2027) on purpose: the handlers are developed and tested on ' +
        'Node 20 and 22, which the pinned dependencies target; moving to Node 24 is a change of its own, made ' +
        'after the test suite runs on 24.',
    });
  }

  /** Allows exactly these DynamoDB actions on the table itself (no index, no other table). */
  grantTable(table: ITableV2, actions: string[], conditions?: Record<string, Record<string, unknown>>): void {
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: actions.map((action) => `dynamodb:${action}`),
        resources: [table.tableArn],
        ...(conditions ? { conditions } : {}),
      }),
    );
  }
}
