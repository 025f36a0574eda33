import { NotificationType } from '../../notifications/notification.entity';
import { Locale } from '../../users/user.entity';
import { TEMPLATE_VARIABLES, sampleContext, templateVariables } from './template-variables';

const now = new Date('2031-01-10T06:00:00Z');

/** Every leaf name of a scope, lists' entries as `name[].field`. */
function leaves(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) return [prefix, ...leaves(value[0], `${prefix}[]`)];
  if (value === null || typeof value !== 'object' || value instanceof Date) return [prefix];
  return Object.entries(value).flatMap(([key, inner]) => leaves(inner, prefix ? `${prefix}.${key}` : key));
}

describe('template variables', () => {
  it.each(Object.values(NotificationType))('documents exactly what a %s template sees', (type) => {
    const { scope } = templateVariables(sampleContext(type, Locale.en, now), now);
    expect(leaves(scope).sort()).toEqual(TEMPLATE_VARIABLES[type].map((doc) => doc.name).sort());
  });

  it("shows a booking's times in its zone and an agenda's in the provider's, in the recipient's language or English", () => {
    const reminder = sampleContext(NotificationType.booking_reminder, Locale.ru, now);
    reminder.booking!.timezone = 'Europe/Moscow';
    expect(templateVariables(reminder, now)).toMatchObject({ locale: Locale.ru, zone: 'Europe/Moscow', scope: { booking: { inOtherZone: true }, left: 3 * 3_600_000 } });

    const agenda = sampleContext(NotificationType.provider_daily_agenda, Locale.en, now);
    agenda.recipient.timezone = 'America/New_York';
    agenda.recipient.locale = 'de';
    expect(templateVariables(agenda, now)).toMatchObject({ locale: Locale.en, zone: 'America/New_York', scope: { recipient: { role: 'provider' }, agenda: { date: '2031-01-10', count: 3 } } });
  });

  it('counts the time left until the end for ending-soon notices', () => {
    expect(templateVariables(sampleContext(NotificationType.booking_ending_soon, Locale.en, now), now).scope.left).toBe(15 * 60_000);
  });
});
