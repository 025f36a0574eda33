import { Booking, BookingStatus } from '../src/bookings/booking.entity';
import { BeforeProviderCall, ChannelAddress, ChannelError, ChannelSender, MessageAbout, SendReceipt } from '../src/notifications/channels/channel-sender';
import { Notification, NotificationChannel, NotificationPayload, NotificationStatus, NotificationType } from '../src/notifications/notification.entity';
import { RenderedMessage } from '../src/notifications/rendering/message-renderer';
import { User } from '../src/users/user.entity';
import type { Persona, TestApp } from './support/test-app';

/** Shared by the delivery e2e specs: a scripted channel, rows written directly, polling. */

export const HOUR = 3_600_000;

/** What a scripted send does: succeed, or throw the given error. */
export type Step = 'ok' | Error;

export interface RecordedSend {
  /** Which sender (process) made the call. */
  by: string;
  notificationId: string;
  to: string;
  subject: string;
  /** When send was called, by the app's clock. */
  at: number;
}

/**
 * A real ChannelSender for SMS that does what each notification's script says, attempt by
 * attempt (then succeeds), and records every call; twins in other processes share the record,
 * so sends are counted across processes.
 */
export class ScriptedSender extends ChannelSender {
  readonly channel = NotificationChannel.sms;

  constructor(
    private readonly now: () => number,
    /** Senders of several processes may share one log and one set of scripts. */
    readonly sends: RecordedSend[] = [],
    private readonly scripts = new Map<string, Step[]>(),
    private readonly label = 'sender',
  ) {
    super();
  }

  /** Another process's sender writing to the same log and reading the same scripts. */
  twin(label: string): ScriptedSender {
    return new ScriptedSender(this.now, this.sends, this.scripts, label);
  }

  script(notificationId: string, steps: Step[]): void {
    this.scripts.set(notificationId, [...steps]);
  }

  sendsOf(notificationId: string): RecordedSend[] {
    return this.sends.filter((send) => send.notificationId === notificationId);
  }

  isConfigured(): boolean {
    return true;
  }

  addressOf(user: { id: string; phone: string | null; locale: string }): ChannelAddress | null {
    return user.phone ? { userId: user.id, to: user.phone, locale: user.locale } : null;
  }

  async send(notificationId: string, address: ChannelAddress, message: RenderedMessage, _about: MessageAbout, beforeProviderCall: BeforeProviderCall): Promise<SendReceipt> {
    await beforeProviderCall();
    this.sends.push({ by: this.label, notificationId, to: address.to, subject: message.subject, at: this.now() });
    const step = this.scripts.get(notificationId)?.shift() ?? 'ok';
    if (step !== 'ok') throw step;
    return { providerMessageId: `sms-${notificationId}` };
  }
}

export const retryable = (message = '503 Service Unavailable', retryAfterMs?: number) => ChannelError.retryable(message, retryAfterMs, 'http_503');
export const permanent = (message = 'number is not reachable') => ChannelError.permanent(message, 'invalid_address');

let slot = 0;

/**
 * A confirmed booking of the customer with the provider, written directly (no booking event, so
 * planning stays out of it), in a slot no other call returns, days after the clock's now.
 */
export async function insertBooking(t: TestApp, overrides: Partial<Booking> = {}): Promise<Booking> {
  const em = t.orm.em.fork();
  const startsAt = new Date(t.clock.now().getTime() + 10 * 24 * HOUR + slot++ * 3 * HOUR);
  const booking = em.create(Booking, {
    customer: em.getReference(User, t.users.customer.id),
    provider: em.getReference(User, t.users.provider.id),
    serviceName: 'Haircut',
    startsAt,
    endsAt: new Date(startsAt.getTime() + HOUR),
    timezone: 'Asia/Tashkent',
    address: 'Amir Temur Ave 15',
    price: '150000.00',
    currency: 'UZS',
    status: BookingStatus.confirmed,
    ...overrides,
  });
  await em.flush();
  return booking;
}

let dedup = 0;

export interface NotificationSpec {
  booking?: Booking | null;
  recipient?: Persona;
  type?: NotificationType;
  channel?: NotificationChannel;
  /** Due this many ms from the clock's now (default: now). */
  dueInMs?: number;
  status?: NotificationStatus;
  payload?: NotificationPayload;
  attempts?: number;
  /** A retry (or deferral) waiting this many ms from the clock's now. */
  nextAttemptInMs?: number;
}

/**
 * A notification row as planning would leave it (payload = the booking's slot), written
 * directly; its insert wakes the dispatcher, as planning's does.
 */
export async function insertNotification(t: TestApp, spec: NotificationSpec = {}): Promise<Notification> {
  const em = t.orm.em.fork();
  const booking = spec.booking === undefined ? await insertBooking(t) : spec.booking;
  const status = spec.status ?? NotificationStatus.queued;
  const row = em.create(Notification, {
    recipient: em.getReference(User, t.users[spec.recipient ?? 'customer'].id),
    booking: booking ? em.getReference(Booking, booking.id) : null,
    type: spec.type ?? NotificationType.booking_reminder,
    channel: spec.channel ?? NotificationChannel.sms,
    dueAt: new Date(t.clock.now().getTime() + (spec.dueInMs ?? 0)),
    status,
    attempts: spec.attempts ?? 0,
    nextAttemptAt: spec.nextAttemptInMs === undefined ? null : new Date(t.clock.now().getTime() + spec.nextAttemptInMs),
    bookingVersion: booking ? 1 : null,
    payload: spec.payload ?? (booking ? { startsAt: booking.startsAt.toISOString(), endsAt: booking.endsAt.toISOString() } : {}),
    dedupKey: `delivery-test:${process.pid}:${dedup++}`,
  });
  await em.flush();
  return row;
}

/** The row as Postgres has it now. */
export function rowOf(t: TestApp, id: string): Promise<Notification> {
  return t.orm.em.fork().findOneOrFail(Notification, { id });
}

/** Polls until `probe` returns something truthy; fails with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** Waits until the row has left queued/sending/planned, and returns it. */
export function settled(t: TestApp, id: string, timeoutMs = 10_000): Promise<Notification> {
  const open: NotificationStatus[] = [NotificationStatus.planned, NotificationStatus.queued, NotificationStatus.sending];
  return waitFor(`notification ${id} to settle`, async () => {
    const row = await rowOf(t, id);
    return open.includes(row.status) ? null : row;
  }, timeoutMs);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A booking's notification timeline over GraphQL, as the specs read it. */
export const TIMELINE = `query($bookingId: ID!) {
  bookingNotifications(bookingId: $bookingId) { id type channel status reason fallbackOf lastError dueAt sentAt recipientId offsetMinutes }
}`;

export interface TimelineRow {
  id: string;
  type: string;
  channel: string;
  status: string;
  reason: string | null;
  fallbackOf: string | null;
  lastError: string | null;
  dueAt: string;
  sentAt: string | null;
  recipientId: string;
  offsetMinutes: number;
}
