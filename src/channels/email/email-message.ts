import { Booking, BookingStatus } from '../../bookings/booking.entity';
import { NotificationType } from '../../notifications/notification.entity';
import { RenderedMessage } from '../../notifications/rendering/message-renderer';
import { toHtml } from '../../notifications/rendering/default-message-renderer';
import { buildIcs, CalendarMethod } from './ics';
import { MailAttachment, OutgoingMail } from './mail-transport';

/** Mail that may be opted out of (List-Unsubscribe); everything else (booking changes, staff alerts) no unsubscribe may stop. */
const NON_TRANSACTIONAL: ReadonlySet<NotificationType> = new Set([
  NotificationType.booking_reminder,
  NotificationType.booking_starting,
  NotificationType.booking_ending_soon,
  NotificationType.provider_next_booking,
  NotificationType.provider_daily_agenda,
  NotificationType.provider_completion_reminder,
  NotificationType.area_demand,
  NotificationType.area_promotion,
]);

/** Types whose email carries the booking as an iCalendar event: added or updated, or (cancellations) removed. */
const WITH_CALENDAR: ReadonlySet<NotificationType> = new Set([
  NotificationType.booking_confirmation,
  NotificationType.provider_new_booking,
  NotificationType.booking_rescheduled,
  NotificationType.booking_cancelled,
]);

export const isTransactional = (type: NotificationType): boolean => !NON_TRANSACTIONAL.has(type);

export const calendarUid = (bookingId: string): string => `${bookingId}@herald`;

export interface EmailInput {
  notificationId: string;
  /** Null when the row could not be read: then the mail goes out as transactional, without a calendar. */
  type: NotificationType | null;
  booking: Pick<Booking, 'id' | 'version' | 'serviceName' | 'startsAt' | 'endsAt' | 'address' | 'status'> | null;
  from: string;
  to: string;
  message: RenderedMessage;
  /** The List-Unsubscribe target (see UnsubscribeLinks); `{notificationId}` in it is replaced. */
  unsubscribeUrl?: string;
  /** Domain of the Message-ID. */
  messageIdDomain: string;
  now: Date;
}

/**
 * The email for one notification: text and HTML parts, a Message-ID derived from the
 * notification (a retried send carries the same one), List-Unsubscribe on non-transactional
 * mail, and the booking as an .ics on confirmations, new-booking notices and reschedules (a
 * METHOD:CANCEL one with the same UID on cancellations, so calendars drop the event).
 */
export function composeEmail(input: EmailInput): OutgoingMail {
  const headers: Record<string, string> = { 'X-Herald-Notification': input.notificationId };
  if (input.type && !isTransactional(input.type) && input.unsubscribeUrl) Object.assign(headers, unsubscribeHeaders(input.unsubscribeUrl, input.notificationId));
  const attachments: MailAttachment[] = [];
  if (input.type && WITH_CALENDAR.has(input.type) && input.booking) {
    attachments.push(calendarAttachment(input.booking, input.now, input.type === NotificationType.booking_cancelled ? 'CANCEL' : 'PUBLISH'));
  }
  return {
    from: input.from,
    to: input.to,
    subject: oneLine(input.message.subject),
    text: input.message.text,
    html: input.message.html ?? toHtml(input.message.text),
    messageId: `<${input.notificationId}@${input.messageIdDomain}>`,
    date: input.now,
    headers,
    attachments,
  };
}

/** RFC 2369 List-Unsubscribe, plus RFC 8058 one-click for an https target. */
export function unsubscribeHeaders(url: string, notificationId: string): Record<string, string> {
  const target = url.replace(/\{notificationId\}/g, encodeURIComponent(notificationId)).trim();
  const headers: Record<string, string> = { 'List-Unsubscribe': `<${target}>` };
  if (/^https:\/\//i.test(target)) headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
  return headers;
}

function calendarAttachment(booking: NonNullable<EmailInput['booking']>, now: Date, method: CalendarMethod): MailAttachment {
  const content = buildIcs(
    {
      uid: calendarUid(booking.id),
      sequence: booking.version,
      start: booking.startsAt,
      end: booking.endsAt,
      summary: booking.serviceName,
      location: booking.address,
      stamp: now,
      status: method === 'CANCEL' ? 'CANCELLED' : booking.status === BookingStatus.pending ? 'TENTATIVE' : 'CONFIRMED',
    },
    method,
  );
  return { filename: 'booking.ics', contentType: `text/calendar; charset=utf-8; method=${method}`, content };
}

/** A subject is one header line: line breaks in rendered text must not start new headers. */
const oneLine = (value: string): string => value.replace(/[\r\n]+/g, ' ').trim();
