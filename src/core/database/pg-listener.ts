import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import { briefError } from '../errors/graphql-error.filter';

/**
 * A connection of its own that LISTENs on Postgres channels and calls `onNotify` for every
 * notification (and once per (re)connection, for what was announced while it was away). It
 * reconnects after `retryMs` when Postgres drops it; callers poll as their safety net anyway.
 */
export class PgListener {
  private readonly logger: Logger;
  private client: Client | null = null;
  private stopped = false;

  constructor(
    private readonly databaseUrl: string,
    private readonly channels: readonly string[],
    private readonly onNotify: () => void,
    private readonly retryMs: number,
    name: string,
  ) {
    this.logger = new Logger(`PgListener(${name})`);
  }

  async start(): Promise<void> {
    if (this.stopped) return;
    const client = new Client({ connectionString: this.databaseUrl, application_name: `herald:${this.channels.join(',')}` });
    client.on('notification', () => this.onNotify());
    client.on('error', (error) => {
      this.logger.warn(`${error.message}; reconnecting`);
      this.reconnect(client);
    });
    client.on('end', () => this.reconnect(client));
    try {
      await client.connect();
      for (const channel of this.channels) await client.query(`listen "${channel}"`);
      this.client = client;
      this.onNotify();
    } catch (error) {
      this.logger.warn(`Could not listen (${briefError(error)}); polling until it can`);
      this.reconnect(client);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.client?.end().catch(() => undefined);
  }

  /** Each client reconnects once: its listeners go before anything else can fire. */
  private reconnect(client: Client): void {
    client.removeAllListeners();
    client.on('error', () => undefined);
    if (this.client === client) this.client = null;
    client.end().catch(() => undefined);
    if (!this.stopped) setTimeout(() => void this.start(), this.retryMs).unref();
  }
}
