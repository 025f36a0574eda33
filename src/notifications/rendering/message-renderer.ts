import { BookingStatus } from '../../bookings/booking.entity';
import { NotificationChannel, NotificationPayload, NotificationType } from '../notification.entity';

export interface RenderedMessage {
  subject: string;
  text: string;
  html?: string;
  /** The text in Telegram's HTML parse mode, when the template is written in it. */
  telegramHtml?: string;
}

/** A party of a booking as messages name them. */
export interface RenderParty {
  id: string;
  name: string;
}

/** What messages say about a booking; the Booking entity is one, and so is a row read with raw SQL. */
export interface RenderBooking {
  id: string;
  /** Grows with every change (a calendar attachment's sequence). */
  version: number;
  serviceName: string;
  startsAt: Date;
  endsAt: Date;
  timezone: string;
  address: string | null;
  cancellationReason: string | null;
  status: BookingStatus;
  customer: RenderParty;
  provider: RenderParty;
}

/** The person a message goes to, with what the channels need to reach them. */
export interface RenderRecipient extends RenderParty {
  email: string;
  phone: string | null;
  telegramChatId: string | null;
  telegramOffAt: Date | null;
  smsOffAt: Date | null;
  locale: string;
  timezone: string;
}

export interface RenderNotification {
  id: string;
  type: NotificationType;
  dueAt: Date;
  payload: NotificationPayload;
}

/** Everything a message may say, loaded from Postgres at send time. */
export interface RenderContext {
  notification: RenderNotification;
  recipient: RenderRecipient;
  booking: RenderBooking | null;
  /** For the provider's agenda: that local day's bookings, by start. */
  agenda?: RenderBooking[];
}

/** Turns a notification into words for a channel: the templates module's saved and shipped templates. */
export abstract class MessageRenderer {
  abstract render(context: RenderContext, channel: NotificationChannel): Promise<RenderedMessage>;
}
