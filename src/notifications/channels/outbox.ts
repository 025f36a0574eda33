import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Clock } from '../../core/clock/clock';
import { HeraldConfig } from '../../core/config/herald-config';
import { NotificationChannel } from '../notification.entity';
import { RenderedMessage } from '../rendering/message-renderer';
import { addressOn, ChannelUser } from './channel-address';
import { BeforeProviderCall, ChannelAddress, ChannelSender, MessageAbout, SendReceipt } from './channel-sender';

/** What one outbox file holds: `<OUTBOX_DIR>/<channel>/<notificationId>.json`. */
export interface OutboxFile {
  notificationId: string;
  channel: NotificationChannel;
  to: string;
  subject: string;
  text: string;
  html: string | null;
  /** ISO instant, by Herald's clock. */
  createdAt: string;
}

/** An outbox message as the admin query shows it. */
export interface OutboxEntry extends Omit<OutboxFile, 'createdAt'> {
  createdAt: Date;
  /** `outbox:<channel>/<notificationId>.json`, as recorded on the notification. */
  providerMessageId: string;
}

const OUTBOX_SCHEME = 'outbox:';
const relativePath = (channel: NotificationChannel, notificationId: string) => `${channel}/${notificationId}.json`;

/**
 * Development stand-in for a channel without credentials: writes each message as a JSON file
 * instead of sending it. One instance per channel; the registry creates them, and only when
 * the outbox is enabled (never in production). Writing the same notification again replaces
 * its file, so a retried send leaves one file.
 */
export class OutboxSender extends ChannelSender {
  private readonly dir: string;

  constructor(
    readonly channel: NotificationChannel,
    outboxDir: string,
    private readonly clock: Clock,
  ) {
    super();
    this.dir = resolve(outboxDir);
  }

  isConfigured(): boolean {
    return true;
  }

  addressOf(user: ChannelUser): ChannelAddress | null {
    return addressOn(this.channel, user);
  }

  async send(notificationId: string, address: ChannelAddress, message: RenderedMessage, _about: MessageAbout, beforeProviderCall: BeforeProviderCall): Promise<SendReceipt> {
    await beforeProviderCall();
    const file: OutboxFile = {
      notificationId,
      channel: this.channel,
      to: address.to,
      subject: message.subject,
      text: message.text,
      html: message.html ?? null,
      createdAt: this.clock.now().toISOString(),
    };
    const relative = relativePath(this.channel, notificationId);
    const target = join(this.dir, relative);
    await mkdir(join(this.dir, this.channel), { recursive: true });
    // Write then rename, so a reader never sees half a file.
    const partial = `${target}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(partial, JSON.stringify(file, null, 2));
    await rename(partial, target);
    return { providerMessageId: OUTBOX_SCHEME + relative };
  }
}

/** Reads the development outbox, for the admin query and for tests. */
@Injectable()
export class OutboxReader {
  private readonly dir: string;

  constructor(config: HeraldConfig) {
    this.dir = resolve(config.OUTBOX_DIR);
  }

  /** Messages newest first, optionally of one channel only, at most `limit` (default 50). */
  async list(options: { channel?: NotificationChannel; limit?: number } = {}): Promise<OutboxEntry[]> {
    const channels = options.channel ? [options.channel] : Object.values(NotificationChannel);
    const entries = (await Promise.all(channels.map((channel) => this.readChannel(channel)))).flat();
    entries.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.notificationId.localeCompare(a.notificationId));
    return entries.slice(0, options.limit ?? 50);
  }

  /** One message by the providerMessageId recorded on its notification, or null. */
  async get(providerMessageId: string): Promise<OutboxEntry | null> {
    if (!providerMessageId.startsWith(OUTBOX_SCHEME)) return null;
    const [channel, name] = providerMessageId.slice(OUTBOX_SCHEME.length).split('/');
    if (!Object.values(NotificationChannel).includes(channel as NotificationChannel) || !name?.endsWith('.json') || name.includes('..')) return null;
    return this.readFile(channel as NotificationChannel, name);
  }

  private async readChannel(channel: NotificationChannel): Promise<OutboxEntry[]> {
    let names: string[];
    try {
      names = await readdir(join(this.dir, channel));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const entries = await Promise.all(names.filter((name) => name.endsWith('.json')).map((name) => this.readFile(channel, name)));
    return entries.filter((entry): entry is OutboxEntry => entry !== null);
  }

  private async readFile(channel: NotificationChannel, name: string): Promise<OutboxEntry | null> {
    try {
      const file = JSON.parse(await readFile(join(this.dir, channel, name), 'utf8')) as OutboxFile;
      return {
        notificationId: file.notificationId,
        channel,
        to: file.to,
        subject: file.subject,
        text: file.text,
        html: file.html ?? null,
        createdAt: new Date(file.createdAt),
        providerMessageId: OUTBOX_SCHEME + `${channel}/${name}`,
      };
    } catch (error) {
      // Gone between listing and reading, or not ours: not a message.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || error instanceof SyntaxError) return null;
      throw error;
    }
  }
}
