import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { Clock } from '../../core/clock/clock';
import { HeraldConfig } from '../../core/config/herald-config';
import { NotificationChannel } from '../notification.entity';
import { ChannelError, ChannelSender } from './channel-sender';
import { InAppSender } from './in-app.sender';
import { OutboxSender } from './outbox';

/**
 * Senders that replace the discovered ones for their channel (tests plug fakes in here).
 * Channel modules need nothing of it: a ChannelSender provider anywhere in the app is found.
 */
export const CHANNEL_SENDERS = Symbol('CHANNEL_SENDERS');

/** How a channel's messages leave: its own sender, the development outbox, or not at all. */
export type ChannelRoute = 'sender' | 'outbox' | 'unavailable';

/**
 * Picks the sender of each channel. A configured sender sends; otherwise the message goes to
 * the development outbox when that is enabled (never in production), and in production the
 * channel fails permanently. Never a pretended success.
 */
@Injectable()
export class ChannelRegistry implements OnModuleInit {
  private readonly senders = new Map<NotificationChannel, ChannelSender>();
  private readonly outboxes = new Map<NotificationChannel, OutboxSender>();

  constructor(
    private readonly config: HeraldConfig,
    private readonly clock: Clock,
    private readonly discovery: DiscoveryService,
    private readonly inApp: InAppSender,
    @Inject(CHANNEL_SENDERS) private readonly overrides: readonly ChannelSender[],
  ) {}

  /** Every ChannelSender provider the app has (Telegram, email, SMS modules), then the overrides. */
  onModuleInit(): void {
    const discovered = this.discovery
      .getProviders()
      .map((wrapper) => wrapper.instance as unknown)
      .filter((instance): instance is ChannelSender => instance instanceof ChannelSender);
    for (const sender of [this.inApp, ...discovered, ...this.overrides]) this.senders.set(sender.channel, sender);
  }

  /** The sender for `channel`, or a permanent ChannelError when it cannot be sent on. */
  senderFor(channel: NotificationChannel): ChannelSender {
    switch (this.routeOf(channel)) {
      case 'sender':
        return this.senders.get(channel)!;
      case 'outbox':
        return this.outboxFor(channel);
      case 'unavailable':
        throw ChannelError.permanent('channel not configured', 'channel_not_configured');
    }
  }

  /** Whether `channel`'s sends take effect only once recorded (see ChannelSender.recordsFirst). */
  recordsFirst(channel: NotificationChannel): boolean {
    return this.routeOf(channel) === 'sender' && this.senders.get(channel)!.recordsFirst;
  }

  routeOf(channel: NotificationChannel): ChannelRoute {
    if (this.senders.get(channel)?.isConfigured()) return 'sender';
    return this.config.outboxEnabled ? 'outbox' : 'unavailable';
  }

  /** Every channel with its route, for health and admin views. */
  routes(): { channel: NotificationChannel; route: ChannelRoute }[] {
    return Object.values(NotificationChannel).map((channel) => ({ channel, route: this.routeOf(channel) }));
  }

  private outboxFor(channel: NotificationChannel): OutboxSender {
    let outbox = this.outboxes.get(channel);
    if (!outbox) {
      outbox = new OutboxSender(channel, this.config.OUTBOX_DIR, this.clock);
      this.outboxes.set(channel, outbox);
    }
    return outbox;
  }
}
