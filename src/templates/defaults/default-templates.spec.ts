import { Clock } from '../../core/clock/clock';
import { AlertNoticeKind, CAMPAIGN_TYPES, CampaignKind, NotificationChannel, NotificationType } from '../../notifications/notification.entity';
import { DefaultMessageRenderer } from '../../notifications/rendering/default-message-renderer';
import { RenderContext } from '../../notifications/rendering/message-renderer';
import { Locale } from '../../users/user.entity';
import { TemplateEngine } from '../engine/template-engine';
import { TemplateFormat } from '../engine/template-format';
import { sampleContext, templateVariables } from '../engine/template-variables';
import { DEFAULT_TEMPLATES, defaultTemplate } from './default-templates';

const now = new Date('2031-01-10T06:00:00Z');
const DAY = 24 * 3_600_000;

class FixedClock extends Clock {
  now(): Date {
    return now;
  }
}

/** The sample of a type, and the same with whatever the built-in texts treat differently. */
function contextsOf(type: NotificationType, locale: Locale): [string, RenderContext][] {
  const variant = (name: string, change: (context: RenderContext) => void): [string, RenderContext] => {
    const context = sampleContext(type, locale, now);
    change(context);
    return [name, context];
  };
  if (type === NotificationType.provider_daily_agenda) {
    return [
      variant('sample', () => undefined),
      variant('no bookings', (context) => (context.agenda = [])),
      variant('no agenda date', (context) => (context.notification.payload = {})),
    ];
  }
  if (type === NotificationType.staff_alert) {
    return Object.values(AlertNoticeKind).map((kind) => variant(kind, (context) => (context.notification.payload.alert!.kind = kind)));
  }
  if (CAMPAIGN_TYPES.includes(type)) {
    return Object.values(CampaignKind).map((kind) => variant(kind, (context) => (context.notification.payload.campaign!.kind = kind)));
  }
  return [
    variant('sample', () => undefined),
    variant('to the provider', (context) => (context.recipient = { ...context.recipient, id: context.booking!.provider.id })),
    variant('another zone, no address', (context) => Object.assign(context.booking!, { timezone: 'Europe/Moscow', address: null })),
    variant('over midnight', (context) => (context.booking!.endsAt = new Date(context.booking!.startsAt.getTime() + DAY))),
    variant('an unknown zone', (context) => (context.booking!.timezone = 'Nowhere/Special')),
    variant('nothing in the payload', (context) => (context.notification.payload = {})),
  ];
}

describe('default templates', () => {
  const engine = new TemplateEngine();

  it('cover every type, channel and language once', () => {
    const keys = DEFAULT_TEMPLATES.map((template) => `${template.type}|${template.channel}|${template.locale}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toHaveLength(Object.values(NotificationType).length * Object.values(NotificationChannel).length * Object.values(Locale).length);
    expect(defaultTemplate(NotificationType.booking_reminder, NotificationChannel.telegram, Locale.uz)?.format).toBe(TemplateFormat.telegram_html);
  });

  it.each(DEFAULT_TEMPLATES.map((template) => [`${template.type} ${template.channel} ${template.locale}`, template] as const))(
    '%s compiles and renders its sample with every placeholder filled',
    (_name, template) => {
      const message = engine.render(engine.compile(template), templateVariables(sampleContext(template.type, template.locale, now), now));
      const everything = [message.subject, message.text, message.telegramHtml ?? ''].join('\n');
      expect(message.subject).not.toBe('');
      expect(message.text).not.toBe('');
      expect(everything).not.toMatch(/\{\{|\}\}|\{%|%\}|undefined|null|NaN|\[object/);
    },
  );

  it('Telegram cards head with a bold line and show Uzbek in the customers\' queue-bot words', () => {
    const render = (type: NotificationType) => {
      const template = defaultTemplate(type, NotificationChannel.telegram, Locale.uz)!;
      return engine.render(engine.compile(template), templateVariables(sampleContext(type, Locale.uz, now), now)).telegramHtml!;
    };
    expect(render(NotificationType.booking_reminder).split('\n')).toEqual([
      '<b>⏰ Navbat eslatmasi</b>',
      '',
      '📅 Sana: juma, 10 yanvar 2031',
      '🕐 Vaqt: 14:00–14:45',
      "👤 Xizmat ko'rsatuvchi: Aziz Rahimov",
      '📝 Xizmat: Soch olish',
      "📍 Manzil: Amir Temur shoh ko'chasi, 15, Toshkent",
      '⏳ Qolgan vaqt: 3 soat',
      '',
      "Navbat vaqtida kelishingizni so'raymiz!",
    ]);
    expect(render(NotificationType.provider_next_booking)).toMatch(/^<b>🔔 Keyingi navbat eslatmasi<\/b>\n[^]*👤 Mijoz: Kamola Yusupova[^]*\n\n3 soatdan keyin navbat boshlanadi!$/);
    expect(render(NotificationType.provider_completion_reminder)).toMatch(/^<b>📌 Navbat bajarilganini belgilang<\/b>\n[^]*👤 Mijoz: Kamola Yusupova[^]*\n\nNavbat 1 soat oldin tugagan\.$/);
    expect(render(NotificationType.staff_alert).split('\n')).toEqual([
      '<b>🚨 Ogohlantirish</b>: <b>Yangi ogohlantirish: Imzo 26 soatdan beri kutilmoqda</b>',
      '',
      "Bron uchun so'ralgan imzo hali qo'yilmagan.",
      '',
      '⚠️ Muhimlik: high',
      '🕐 Boshlangan: payshanba, 9 yanvar 2031, 09:00',
      '🔁 Takrorlandi: 3',
    ]);
    expect(render(NotificationType.area_promotion).split('\n')).toEqual(['<b>🎁 Maxsus taklif</b>', '', '100000 hududida dam olish kunlariga yoziling va 25 % chegirma oling.']);
    expect(render(NotificationType.provider_daily_agenda)).toMatch(/^<b>📋 Bugungi navbatlar<\/b>\n\n👤 Xizmat ko'rsatuvchi: Aziz Rahimov\n📅 Sana: [^\n]+\n\n✅ 14:00 - Kamola Yusupova/);
  });

  describe('say in English and Russian, on in-app, email and SMS, exactly what the built-in texts say', () => {
    const renderer = new DefaultMessageRenderer(new FixedClock());
    const cases = [Locale.en, Locale.ru].flatMap((locale) =>
      [NotificationChannel.in_app, NotificationChannel.email, NotificationChannel.sms].flatMap((channel) =>
        Object.values(NotificationType).flatMap((type) => contextsOf(type, locale).map(([variant, context]) => [`${locale} ${channel} ${type}, ${variant}`, channel, context] as const)),
      ),
    );

    it.each(cases)('%s', async (_name, channel, context) => {
      const template = defaultTemplate(context.notification.type, channel, context.recipient.locale as Locale)!;
      const expected = await renderer.render(context);
      const actual = engine.render(engine.compile(template), templateVariables(context, now));
      expect({ subject: actual.subject, text: actual.text }).toEqual({ subject: expected.subject, text: expected.text });
    });
  });
});
