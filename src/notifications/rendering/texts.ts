import { Locale } from '../../users/user.entity';
import { AlertNoticeKind, CampaignKind, NotificationType } from '../notification.entity';

/**
 * The built-in wording of every message, per locale. `{name}` placeholders are filled by the
 * renderer: service, date, time, left (a duration), count. Labels head the detail lines, so
 * names are never inflected inside a sentence (Russian and Uzbek decline nouns).
 */
export interface Texts {
  subject: Record<NotificationType, string>;
  headline: Record<NotificationType, string>;
  label: {
    service: string;
    provider: string;
    customer: string;
    when: string;
    address: string;
    was: string;
    reason: string;
  };
  /** Appended to a time shown in a zone other than the recipient's own. */
  zoneNote: string;
  /** The agenda's line when a booking has no address. */
  agendaEmpty: string;
  /** Staff notices: the headline for each reason a notice goes (`{title}`), and the detail labels. */
  alert: {
    headline: Record<AlertNoticeKind, string>;
    severity: string;
    since: string;
    seen: string;
  };
  /** What a campaign's message says, per campaign: `{postalCode}`, `{date}`, `{bookings}`, `{providers}`, `{percent}`. */
  campaign: Record<CampaignKind, string>;
}

const en: Texts = {
  subject: {
    [NotificationType.booking_confirmation]: 'Booking registered: {service}, {date}',
    [NotificationType.provider_new_booking]: 'New booking: {service}, {date} {time}',
    [NotificationType.booking_reminder]: 'Reminder: {service} in {left}',
    [NotificationType.booking_starting]: 'Starting now: {service}',
    [NotificationType.booking_ending_soon]: 'Ending in {left}: {service}',
    [NotificationType.provider_next_booking]: 'Next: {service} at {time}',
    [NotificationType.provider_daily_agenda]: 'Your bookings on {date}',
    [NotificationType.booking_rescheduled]: 'Booking moved: {service}, now {date} {time}',
    [NotificationType.booking_cancelled]: 'Booking cancelled: {service}, {date} {time}',
    [NotificationType.provider_completion_reminder]: 'To mark done: {service}, {date} {time}',
    [NotificationType.staff_alert]: '[{severity}] {title}',
    [NotificationType.area_demand]: 'Bookings in {postalCode}',
    [NotificationType.area_promotion]: 'An offer in {postalCode}',
  },
  headline: {
    [NotificationType.booking_confirmation]: 'Your booking is registered.',
    [NotificationType.provider_new_booking]: 'You have a new booking.',
    [NotificationType.booking_reminder]: 'A reminder: your booking starts in {left}.',
    [NotificationType.booking_starting]: 'Your booking starts now.',
    [NotificationType.booking_ending_soon]: 'Your booking ends in {left}.',
    [NotificationType.provider_next_booking]: 'Your next booking starts in {left}.',
    [NotificationType.provider_daily_agenda]: 'Bookings on {date}: {count}.',
    [NotificationType.booking_rescheduled]: 'This booking has moved to a new time.',
    [NotificationType.booking_cancelled]: 'This booking has been cancelled.',
    [NotificationType.provider_completion_reminder]: 'Please mark this booking completed (or no-show) once it is done.',
    [NotificationType.staff_alert]: '{title}',
    [NotificationType.area_demand]: 'Demand in your area, {postalCode}.',
    [NotificationType.area_promotion]: 'A special offer in {postalCode}.',
  },
  label: { service: 'Service', provider: 'With', customer: 'Customer', when: 'When', address: 'Address', was: 'Was', reason: 'Reason' },
  zoneNote: '(time in {zone})',
  agendaEmpty: 'No bookings.',
  alert: {
    headline: { raised: 'New alert: {title}', escalated: 'Alert escalated: {title}', repeated: 'Still open: {title}', resolved: 'Resolved: {title}' },
    severity: 'Severity',
    since: 'Since',
    seen: 'Seen',
  },
  campaign: {
    high_demand: 'Demand is high in {postalCode}: {bookings} bookings on {date} for {providers} provider(s). Open more slots there to take them.',
    provider_bonus: '{bookings} bookings on {date} in {postalCode} met only {providers} provider(s): take bookings there and earn a {percent} % bonus.',
    low_activity: 'Book this weekend in {postalCode} and get {percent} % off.',
  },
};

const ru: Texts = {
  subject: {
    [NotificationType.booking_confirmation]: 'Запись оформлена: {service}, {date}',
    [NotificationType.provider_new_booking]: 'Новая запись: {service}, {date} {time}',
    [NotificationType.booking_reminder]: 'Напоминание: {service}, {date} {time}',
    [NotificationType.booking_starting]: 'Начинается: {service}',
    [NotificationType.booking_ending_soon]: 'Скоро окончание: {service}',
    [NotificationType.provider_next_booking]: 'Следующая запись: {service}, {time}',
    [NotificationType.provider_daily_agenda]: 'Ваши записи на {date}',
    [NotificationType.booking_rescheduled]: 'Запись перенесена: {service}, {date} {time}',
    [NotificationType.booking_cancelled]: 'Запись отменена: {service}, {date} {time}',
    [NotificationType.provider_completion_reminder]: 'Отметьте выполнение: {service}, {date} {time}',
    [NotificationType.staff_alert]: '[{severity}] {title}',
    [NotificationType.area_demand]: 'Записи в районе {postalCode}',
    [NotificationType.area_promotion]: 'Предложение в районе {postalCode}',
  },
  headline: {
    [NotificationType.booking_confirmation]: 'Ваша запись оформлена.',
    [NotificationType.provider_new_booking]: 'У вас новая запись.',
    [NotificationType.booking_reminder]: 'Напоминаем о записи. До начала: {left}.',
    [NotificationType.booking_starting]: 'Ваша запись начинается сейчас.',
    [NotificationType.booking_ending_soon]: 'До окончания: {left}.',
    [NotificationType.provider_next_booking]: 'Следующая запись. До начала: {left}.',
    [NotificationType.provider_daily_agenda]: 'Записей на {date}: {count}.',
    [NotificationType.booking_rescheduled]: 'Запись перенесена на другое время.',
    [NotificationType.booking_cancelled]: 'Запись отменена.',
    [NotificationType.provider_completion_reminder]: 'Когда запись выполнена, отметьте её завершённой (или неявкой).',
    [NotificationType.staff_alert]: '{title}',
    [NotificationType.area_demand]: 'Спрос в вашем районе, {postalCode}.',
    [NotificationType.area_promotion]: 'Специальное предложение в районе {postalCode}.',
  },
  label: { service: 'Услуга', provider: 'Специалист', customer: 'Клиент', when: 'Когда', address: 'Адрес', was: 'Было', reason: 'Причина' },
  zoneNote: '(время: {zone})',
  agendaEmpty: 'Записей нет.',
  alert: {
    headline: { raised: 'Новое оповещение: {title}', escalated: 'Оповещение усилено: {title}', repeated: 'Всё ещё открыто: {title}', resolved: 'Решено: {title}' },
    severity: 'Важность',
    since: 'С',
    seen: 'Замечено раз',
  },
  campaign: {
    high_demand: 'Высокий спрос в районе {postalCode}: записей за {date}: {bookings}, специалистов: {providers}. Откройте там больше окон.',
    provider_bonus: 'Записей за {date} в районе {postalCode}: {bookings}, а специалистов всего {providers}. Берите там записи и получайте бонус {percent} %.',
    low_activity: 'Запишитесь на выходные в районе {postalCode} и получите скидку {percent} %.',
  },
};

const uz: Texts = {
  subject: {
    [NotificationType.booking_confirmation]: 'Bron qayd etildi: {service}, {date}',
    [NotificationType.provider_new_booking]: 'Yangi bron: {service}, {date} {time}',
    [NotificationType.booking_reminder]: 'Eslatma: {service}, {date} {time}',
    [NotificationType.booking_starting]: 'Boshlanmoqda: {service}',
    [NotificationType.booking_ending_soon]: 'Tez orada tugaydi: {service}',
    [NotificationType.provider_next_booking]: 'Keyingi bron: {service}, {time}',
    [NotificationType.provider_daily_agenda]: 'Bronlaringiz: {date}',
    [NotificationType.booking_rescheduled]: "Bron ko'chirildi: {service}, {date} {time}",
    [NotificationType.booking_cancelled]: 'Bron bekor qilindi: {service}, {date} {time}',
    [NotificationType.provider_completion_reminder]: 'Bajarilganini belgilang: {service}, {date} {time}',
    [NotificationType.staff_alert]: '[{severity}] {title}',
    [NotificationType.area_demand]: 'Hududdagi bronlar: {postalCode}',
    [NotificationType.area_promotion]: 'Hududdagi taklif: {postalCode}',
  },
  headline: {
    [NotificationType.booking_confirmation]: 'Broningiz qayd etildi.',
    [NotificationType.provider_new_booking]: 'Sizda yangi bron bor.',
    [NotificationType.booking_reminder]: 'Eslatma: boshlanishiga {left} qoldi.',
    [NotificationType.booking_starting]: 'Broningiz hozir boshlanadi.',
    [NotificationType.booking_ending_soon]: 'Tugashiga {left} qoldi.',
    [NotificationType.provider_next_booking]: 'Keyingi bron: boshlanishiga {left} qoldi.',
    [NotificationType.provider_daily_agenda]: 'Bronlar soni ({date}): {count}.',
    [NotificationType.booking_rescheduled]: "Bron boshqa vaqtga ko'chirildi.",
    [NotificationType.booking_cancelled]: 'Bron bekor qilindi.',
    [NotificationType.provider_completion_reminder]: "Bron bajarilgach, uni yakunlangan (yoki kelmagan) deb belgilang.",
    [NotificationType.staff_alert]: '{title}',
    [NotificationType.area_demand]: 'Hududingizda talab, {postalCode}.',
    [NotificationType.area_promotion]: 'Maxsus taklif, {postalCode}.',
  },
  label: { service: 'Xizmat', provider: 'Mutaxassis', customer: 'Mijoz', when: 'Vaqt', address: 'Manzil', was: 'Avval', reason: 'Sabab' },
  zoneNote: '({zone} vaqti)',
  agendaEmpty: "Bronlar yo'q.",
  alert: {
    headline: { raised: 'Yangi ogohlantirish: {title}', escalated: 'Ogohlantirish kuchaydi: {title}', repeated: 'Hali ochiq: {title}', resolved: 'Hal qilindi: {title}' },
    severity: 'Muhimlik',
    since: 'Boshlangan',
    seen: 'Takrorlandi',
  },
  campaign: {
    high_demand: "{postalCode} hududida talab yuqori: {date} kuni {bookings} ta bron, mutaxassislar: {providers}. U yerda ko'proq vaqt oching.",
    provider_bonus: '{date} kuni {postalCode} hududida {bookings} ta bron, mutaxassislar esa atigi {providers}. U yerdagi bronlar uchun {percent} % bonus oling.',
    low_activity: '{postalCode} hududida dam olish kunlariga yoziling va {percent} % chegirma oling.',
  },
};

export const TEXTS: Record<Locale, Texts> = { en, ru, uz };

/** The texts of a locale, English when Herald has none for it. */
export function textsFor(locale: string): { locale: Locale; texts: Texts } {
  const known = (Object.values(Locale) as string[]).includes(locale) ? (locale as Locale) : Locale.en;
  return { locale: known, texts: TEXTS[known] };
}

/** Fills `{name}` placeholders; an unknown one stays as it is, so a wording slip shows. */
export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}
