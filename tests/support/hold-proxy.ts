import { createServer, type Socket, connect as tcpConnect } from 'node:net';

/** A loopback TCP proxy in front of an HTTP endpoint that can be told to stop answering. */
export interface HoldProxy {
  /** The proxy's own endpoint (`http://127.0.0.1:<port>`), to give the client instead of the real one. */
  endpoint: string;
  /**
   * From now on, accept connections and read requests but never forward them, so nothing ever answers: a server
   * that has stopped responding, not one that refuses (which a client notices at once).
   */
  hold(): void;
  /** Forward again. */
  release(): void;
  /** Requests seen (chunks read from clients) while holding. */
  readonly held: number;
  close(): Promise<void>;
}

export async function startHoldProxy(target: string): Promise<HoldProxy> {
  const { hostname, port } = new URL(target);
  let holding = false;
  let held = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    sockets.add(client);
    const upstream = tcpConnect(Number(port), hostname);
    sockets.add(upstream);
    client.on('data', (chunk) => {
      if (holding) held++;
      else upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (!holding) client.write(chunk);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy has no port');
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    hold: () => {
      holding = true;
    },
    release: () => {
      holding = false;
    },
    get held() {
      return held;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
