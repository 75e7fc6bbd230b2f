// The S3-protocol server of the local stack, on a thread of its own: its file writes and request handling do not
// queue behind the API and the regenerator, as S3 never shares a function's CPU in AWS. Plain JavaScript, so that
// any runner (tsx, vitest) can start it. See s3-local.ts.
import { parentPort, workerData } from 'node:worker_threads';
import S3rver from 's3rver';

const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory: workerData.directory,
  configureBuckets: [{ name: workerData.bucket, configs: [] }],
});
const address = await server.run();
parentPort.postMessage({ port: address.port });
parentPort.on('message', async (message) => {
  if (message === 'stop') {
    await server.close();
    parentPort.postMessage({ stopped: true });
  }
});
