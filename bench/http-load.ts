import autocannon from 'autocannon';

export interface LoadFigures {
  connections: number;
  seconds: number;
  /** Mean requests per second over the run. */
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

/** One autocannon run, in this process, against a loopback URL. */
export async function load(options: autocannon.Options & { connections: number }): Promise<LoadFigures> {
  const result = await autocannon({ duration: 10, workers: 1, ...options });
  return {
    connections: options.connections,
    seconds: Number(options.duration ?? 10),
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}
