import { BookingStatus } from '../../bookings/booking.entity';
import { NotificationType } from '../../notifications/notification.entity';
import { BookingButton, buttonsFor, callbackData, parseCallbackData } from './booking-buttons';
import { botTexts } from './telegram-texts';

const id = '0b7c9a3e-4f2d-4a51-9d3c-1e2f3a4b5c6d';
const en = botTexts('en').texts;
const data = (markup: ReturnType<typeof buttonsFor>) => markup?.inline_keyboard.flat().map((button) => ('callback_data' in button ? button.callback_data : null));

describe('booking buttons', () => {
  it('round-trips callback data within 64 bytes and refuses anything else', () => {
    const encoded = callbackData(BookingButton.noShow, id);
    expect(encoded).toBe(`b:noshow:${id}`);
    expect(Buffer.byteLength(encoded)).toBeLessThanOrEqual(64);
    expect(parseCallbackData(encoded)).toEqual({ action: BookingButton.noShow, bookingId: id });
    expect(parseCallbackData(`b:delete:${id}`)).toBeNull();
    expect(parseCallbackData('b:cancel:not-a-uuid')).toBeNull();
    expect(parseCallbackData('hello')).toBeNull();
  });

  it("gives a customer's reminder Keep it / Cancel booking while the booking is active", () => {
    const markup = buttonsFor({ type: NotificationType.booking_reminder, recipientIs: 'customer', status: BookingStatus.confirmed, bookingId: id }, en);
    expect(markup?.inline_keyboard[0].map((button) => button.text)).toEqual(['Keep it', 'Cancel booking']);
    expect(data(markup)).toEqual([`b:keep:${id}`, `b:cancel:${id}`]);
    expect(buttonsFor({ type: NotificationType.booking_reminder, recipientIs: 'customer', status: BookingStatus.cancelled, bookingId: id }, en)).toBeUndefined();
    expect(buttonsFor({ type: NotificationType.booking_confirmation, recipientIs: 'customer', status: BookingStatus.confirmed, bookingId: id }, en)).toBeUndefined();
  });

  it('gives providers Confirm on a pending booking and Completed / No-show on the nudge of a confirmed one', () => {
    expect(data(buttonsFor({ type: NotificationType.provider_new_booking, recipientIs: 'provider', status: BookingStatus.pending, bookingId: id }, en))).toEqual([
      `b:confirm:${id}`,
    ]);
    expect(data(buttonsFor({ type: NotificationType.provider_next_booking, recipientIs: 'provider', status: BookingStatus.confirmed, bookingId: id }, en))).toEqual([
      `b:complete:${id}`,
      `b:noshow:${id}`,
    ]);
    expect(buttonsFor({ type: NotificationType.booking_reminder, recipientIs: 'provider', status: BookingStatus.confirmed, bookingId: id }, en)).toBeUndefined();
  });

  it('labels buttons in the recipient\'s language', () => {
    const ru = botTexts('ru').texts;
    const markup = buttonsFor({ type: NotificationType.booking_reminder, recipientIs: 'customer', status: BookingStatus.pending, bookingId: id }, ru);
    expect(markup?.inline_keyboard[0].map((button) => button.text)).toEqual(['Оставить', 'Отменить запись']);
    expect(botTexts('de').locale).toBe('en');
  });
});
