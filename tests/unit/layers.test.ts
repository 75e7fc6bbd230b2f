import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The core: use cases, their models and ports, and the errors they speak. */
const CORE = ['shared/articles', 'shared/feeds', 'shared/domain'];
/** What only the edges may import: HTTP and Lambda types, the AWS SDK, the handler middleware. */
const EDGE_PACKAGES =
  /^(@aws-sdk\/|@smithy\/|@middy\/|@aws-lambda-powertools\/|aws-lambda$|node:(http|https|http2|net)$)/;
/** Folders of the project that are edges: the core never reaches into them. */
const EDGE_FOLDERS = ['shared/http/', 'shared/adapters/', 'functions/', 'infra/', 'local/', 'cli/'];
const PROJECT_ALIASES: Record<string, string> = {
  '#shared/': 'shared/',
  '#functions/': 'functions/',
  '#local/': 'local/',
};

function sources(folder: string): string[] {
  return readdirSync(join(root, folder), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sources(join(folder, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(folder, entry.name)]
        : [],
  );
}

/** Every module a file imports (static, re-exported or dynamic), as written. */
function importsOf(text: string): string[] {
  return [
    ...text.matchAll(
      /(?:^|\s)(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm,
    ),
  ].map((match) => (match[1] ?? match[2]) as string);
}

/** A breach, or undefined: the import of `specifier` from `file`. */
function breach(file: string, specifier: string): string | undefined {
  if (EDGE_PACKAGES.test(specifier)) return `${file} imports ${specifier}`;
  const alias = Object.keys(PROJECT_ALIASES).find((prefix) => specifier.startsWith(prefix));
  const target = alias
    ? `${PROJECT_ALIASES[alias]}${specifier.slice(alias.length)}`
    : specifier.startsWith('.')
      ? relative(root, resolve(root, dirname(file), specifier))
      : undefined;
  if (target && EDGE_FOLDERS.some((folder) => target.startsWith(folder))) return `${file} imports ${target}`;
  return undefined;
}

describe('the core', () => {
  it('imports no HTTP, Lambda or AWS SDK code, and nothing from the edges', () => {
    const files = CORE.flatMap(sources);
    expect(files.length).toBeGreaterThan(20);
    const breaches = files.flatMap((file) =>
      importsOf(readFileSync(join(root, file), 'utf8'))
        .map((specifier) => breach(file, specifier))
        .filter((found): found is string => found !== undefined),
    );
    expect(breaches).toEqual([]);
  });

  it('is held to it: the rule finds an edge import where one is', () => {
    expect(breach('shared/articles/service.ts', '@aws-sdk/lib-dynamodb')).toBeDefined();
    expect(breach('shared/articles/service.ts', '../http/problems.ts')).toBeDefined();
    expect(breach('shared/feeds/render/rss.ts', '../../adapters/s3/client.ts')).toBeDefined();
    expect(breach('shared/feeds/regenerate.ts', '#functions/regenerate-feeds/filter.ts')).toBeDefined();
    expect(breach('shared/feeds/regenerate.ts', './publish.ts')).toBeUndefined();
    expect(
      importsOf(
        "import type { A } from 'aws-lambda';\nexport { b } from './b.ts';\nawait import('node:http');",
      ),
    ).toEqual(['aws-lambda', './b.ts', 'node:http']);
  });
});
