import { mkdir } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';

export interface S3Local {
  endpoint: string;
  stop(): Promise<void>;
}

/**
 * Starts an S3-protocol server (s3rver) on a free loopback port, storing objects under `directory`, with `bucket`
 * made. It runs on a worker thread: with the API, the stream poller and the regenerator on the main thread, a
 * burst of uploads would otherwise be served only when they yield, which S3 never does to a Lambda function.
 */
export async function startS3Local(directory: string, bucket: string): Promise<S3Local> {
  await mkdir(directory, { recursive: true });
  const worker = new Worker(new URL('./s3-worker.mjs', import.meta.url), {
    workerData: { directory, bucket },
  });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', (message: { port: number }) => resolve(message.port));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the S3 server exited (${code}) before it listened`)));
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: async () => {
      const stopped = new Promise<void>((resolve) => worker.once('message', () => resolve()));
      worker.postMessage('stop');
      await Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, 2_000))]);
      await worker.terminate();
    },
  };
}
