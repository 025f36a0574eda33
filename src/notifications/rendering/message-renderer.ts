import { Booking } from '../../bookings/booking.entity';
import { User } from '../../users/user.entity';
import { Notification } from '../notification.entity';

export interface RenderedMessage {
  subject: string;
  text: string;
  html?: string;
}

/** Everything a message may say, loaded from Postgres at send time. */
export interface RenderContext {
  notification: Notification;
  recipient: User;
  booking: Booking | null;
  /** For the provider's agenda: that local day's bookings, by start. */
  agenda?: Booking[];
}

/** Turns a notification into words. The templates module replaces the built-in texts. */
export abstract class MessageRenderer {
  abstract render(context: RenderContext): Promise<RenderedMessage>;
}
