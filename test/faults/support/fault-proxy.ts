import { AddressInfo, createConnection, createServer, Server, Socket } from 'node:net';

/** One connection through the proxy: Herald's end and the server's. */
interface Link {
  client: Socket;
  server: Socket;
}

/**
 * A TCP proxy on a free local port in front of a server (Postgres, Redis), for network faults
 * that stopping the server cannot give: every connection cut at once, as a firewall or a load
 * balancer failing over does, or nothing passing for a while, as in a partition. Herald's
 * processes connect through `url`; the test's own clients keep the server's address.
 */
export class FaultProxy {
  private readonly links = new Set<Link>();
  private frozen = false;
  private port = 0;

  private constructor(
    private readonly target: URL,
    private readonly server: Server,
  ) {}

  /** A proxy in front of the server `targetUrl` names (any URL with a host and port: postgres://, redis://). */
  static async start(targetUrl: string): Promise<FaultProxy> {
    const target = new URL(targetUrl);
    const server = createServer();
    const proxy = new FaultProxy(target, server);
    server.on('connection', (client) => proxy.link(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    proxy.port = (server.address() as AddressInfo).port;
    return proxy;
  }

  /** `targetUrl` with the proxy's host and port: the same credentials, database and options. */
  get url(): string {
    const url = new URL(this.target.href);
    url.hostname = '127.0.0.1';
    url.port = String(this.port);
    return url.href;
  }

  /** Connections open now. */
  get open(): number {
    return this.links.size;
  }

  /** Resets every open connection on both sides; new ones pass as before. Returns how many were cut. */
  cut(): number {
    const cut = this.links.size;
    for (const link of [...this.links]) this.drop(link, true);
    return cut;
  }

  /**
   * From now until `heal`, nothing passes either way. Open connections stay open, their bytes
   * held (as TCP keeps retrying through a partition); new ones are taken and held the same way.
   */
  freeze(): void {
    this.frozen = true;
    for (const { client, server } of this.links) {
      client.pause();
      server.pause();
    }
  }

  /** Lets everything held through, and whatever comes after. */
  heal(): void {
    this.frozen = false;
    for (const { client, server } of this.links) {
      client.resume();
      server.resume();
    }
  }

  async stop(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private link(client: Socket): void {
    const server = createConnection({ host: this.target.hostname, port: Number(this.target.port) });
    const link: Link = { client, server };
    this.links.add(link);
    if (this.frozen) {
      client.pause();
      server.pause();
    }
    client.on('data', (chunk) => server.write(chunk));
    server.on('data', (chunk) => client.write(chunk));
    client.on('end', () => server.end());
    server.on('end', () => client.end());
    client.on('close', () => this.drop(link, false));
    server.on('close', () => this.drop(link, false));
    // A reset or a refused connection on one side ends the other; neither is the test's failure.
    client.on('error', () => this.drop(link, true));
    server.on('error', () => this.drop(link, true));
  }

  private drop(link: Link, reset: boolean): void {
    if (!this.links.delete(link)) return;
    for (const socket of [link.client, link.server]) {
      if (reset && !socket.destroyed) socket.resetAndDestroy();
      else socket.destroy();
    }
  }
}
