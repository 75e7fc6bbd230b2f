// The S3-protocol server of the local stack, on a thread of its own: its file writes and request handling do not
// queue behind the API and the regenerator, as S3 never shares a function's CPU in AWS. Plain JavaScript, so that
// any runner (tsx, vitest) can start it. See s3-local.ts.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parentPort, workerData } from 'node:worker_threads';
import S3rver from 's3rver';

const S3Object = createRequire(import.meta.url)('s3rver/lib/models/object.js');

const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory: workerData.directory,
  configureBuckets: [{ name: workerData.bucket, configs: [] }],
});

// S3 replaces an object atomically: a GET gets the old version or the new one, whole. s3rver rewrites a file in
// place, so a GET could announce the old length and stream a file cut short (the reader then waits for bytes that
// never come). Here a PUT writes new files and renames them over the old ones, and a GET streams the file it opened,
// with that file's own length: the bytes a reader gets are one version, whole. The ETag lives in a file of its own,
// so a GET between the two renames can pair new metadata with old bytes; the local feed server sees that ETag is
// not the bytes' MD5 and reads again.
const store = server.store;
let temporary = 0;
const replace = async (path, write) => {
  const temp = `${path}.${process.pid}-${temporary++}.tmp`;
  await write(temp);
  await rename(temp, path);
};
store.putObject = async function putObject(object) {
  const objectPath = this.getResourcePath(object.bucket, object.key, 'object');
  await mkdir(dirname(objectPath), { recursive: true });
  const md5 = createHash('md5');
  let size = 0;
  const body = Buffer.isBuffer(object.content) ? Readable.from([object.content]) : object.content;
  const temp = `${objectPath}.${process.pid}-${temporary++}.tmp`;
  await pipeline(
    body,
    new Transform({
      transform(chunk, encoding, callback) {
        md5.update(chunk, encoding);
        size += chunk.length;
        callback(null, chunk);
      },
    }),
    createWriteStream(temp),
  );
  const hex = md5.digest('hex');
  const metadata = Object.fromEntries(
    Object.entries(object.metadata).filter(
      ([key]) => S3Object.ALLOWED_METADATA.includes(key) || key.startsWith('x-amz-meta-'),
    ),
  );
  await replace(this.getResourcePath(object.bucket, object.key, 'object.md5'), (path) =>
    writeFile(path, hex),
  );
  await replace(this.getResourcePath(object.bucket, object.key, 'metadata.json'), (path) =>
    writeFile(path, JSON.stringify(metadata, null, 2)),
  );
  await rename(temp, objectPath);
  return { size, md5: hex };
};
store.getObject = async function getObject(bucket, key, options) {
  let handle;
  try {
    handle = await open(this.getResourcePath(bucket, key, 'object'), 'r');
  } catch (error) {
    if (error.code === 'ENOENT') return null;
    throw error;
  }
  try {
    const stat = await handle.stat();
    const metadata = {
      ...(await this.getMetadata(bucket, key)),
      'last-modified': stat.mtime.toUTCString(),
      'content-length': stat.size,
    };
    const lastByte = Math.max(0, stat.size - 1);
    const range = {
      start: options?.start || 0,
      end: Math.min(options?.end || Number.POSITIVE_INFINITY, lastByte),
    };
    const ranged = options && (options.start !== undefined || options.end);
    if (range.start < 0 || Math.min(range.end, lastByte) < range.start) {
      await handle.close();
      const object = new S3Object(bucket, key, null, metadata);
      if (ranged) object.range = range;
      return object;
    }
    const object = new S3Object(
      bucket,
      key,
      handle.createReadStream({ ...range, autoClose: true }),
      metadata,
    );
    if (ranged) object.range = range;
    return object;
  } catch (error) {
    await handle.close().catch(() => undefined);
    if (error.code === 'ENOENT') return null;
    throw error;
  }
};

const address = await server.run();
parentPort.postMessage({ port: address.port });
parentPort.on('message', async (message) => {
  if (message === 'stop') {
    await server.close();
    parentPort.postMessage({ stopped: true });
  }
});
