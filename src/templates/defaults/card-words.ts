import { NotificationType } from '../../notifications/notification.entity';
import { Locale } from '../../users/user.entity';

/**
 * The wording of the emoji "cards" Herald sends to Telegram (and, in Uzbek, everywhere): a
 * headline, one emoji line per detail, and a closing line. Uzbek follows the wording the
 * customers' queue bot used (seed 000: "⏰ Navbat eslatmasi", "📅 Sana: …").
 */
export interface CardWords {
  headline: Record<NotificationType, string>;
  label: {
    date: string;
    time: string;
    provider: string;
    customer: string;
    service: string;
    address: string;
    left: string;
    was: string;
    reason: string;
  };
  /** Liquid allowed: closings may say when, e.g. `{{ booking.startsAt | relative }}`. */
  closing: Partial<Record<NotificationType, string>>;
  agendaEmpty: string;
}

const uz: CardWords = {
  headline: {
    [NotificationType.booking_confirmation]: '✅ Navbatingiz qayd etildi',
    [NotificationType.provider_new_booking]: '🆕 Yangi navbat',
    [NotificationType.booking_reminder]: '⏰ Navbat eslatmasi',
    [NotificationType.booking_starting]: '▶️ Navbatingiz boshlanmoqda',
    [NotificationType.booking_ending_soon]: '⌛ Navbat tugashiga oz qoldi',
    [NotificationType.provider_next_booking]: '🔔 Keyingi navbat eslatmasi',
    [NotificationType.provider_daily_agenda]: '📋 Bugungi navbatlar',
    [NotificationType.booking_rescheduled]: "🔁 Navbat boshqa vaqtga ko'chirildi",
    [NotificationType.booking_cancelled]: '❌ Navbat bekor qilindi',
    [NotificationType.provider_completion_reminder]: '📌 Navbat bajarilganini belgilang',
    [NotificationType.staff_alert]: '🚨 Ogohlantirish',
    [NotificationType.area_demand]: '📈 Hududingizda talab',
    [NotificationType.area_promotion]: '🎁 Maxsus taklif',
  },
  label: {
    date: 'Sana',
    time: 'Vaqt',
    provider: "Xizmat ko'rsatuvchi",
    customer: 'Mijoz',
    service: 'Xizmat',
    address: 'Manzil',
    left: 'Qolgan vaqt',
    was: 'Avvalgi vaqt',
    reason: 'Sabab',
  },
  closing: {
    [NotificationType.booking_reminder]: "Navbat vaqtida kelishingizni so'raymiz!",
    [NotificationType.provider_next_booking]: '{{ booking.startsAt | relative }} navbat boshlanadi!',
    [NotificationType.provider_daily_agenda]: "Bugungi navbatlar ro'yxati!",
    [NotificationType.provider_completion_reminder]: "{% if left < 0 %}Navbat {{ booking.endsAt | relative }} tugagan.{% else %}Navbat {{ booking.endsAt | relative }} tugaydi.{% endif %}",
  },
  agendaEmpty: "Bugun navbatlar yo'q.",
};

const ru: CardWords = {
  headline: {
    [NotificationType.booking_confirmation]: '✅ Запись оформлена',
    [NotificationType.provider_new_booking]: '🆕 Новая запись',
    [NotificationType.booking_reminder]: '⏰ Напоминание о записи',
    [NotificationType.booking_starting]: '▶️ Ваша запись начинается',
    [NotificationType.booking_ending_soon]: '⌛ Запись скоро закончится',
    [NotificationType.provider_next_booking]: '🔔 Следующая запись',
    [NotificationType.provider_daily_agenda]: '📋 Записи на сегодня',
    [NotificationType.booking_rescheduled]: '🔁 Запись перенесена',
    [NotificationType.booking_cancelled]: '❌ Запись отменена',
    [NotificationType.provider_completion_reminder]: '📌 Отметьте выполнение записи',
    [NotificationType.staff_alert]: '🚨 Оповещение',
    [NotificationType.area_demand]: '📈 Спрос в вашем районе',
    [NotificationType.area_promotion]: '🎁 Специальное предложение',
  },
  label: {
    date: 'Дата',
    time: 'Время',
    provider: 'Специалист',
    customer: 'Клиент',
    service: 'Услуга',
    address: 'Адрес',
    left: 'Осталось',
    was: 'Было',
    reason: 'Причина',
  },
  closing: {
    [NotificationType.booking_reminder]: 'Просим прийти вовремя!',
    [NotificationType.provider_next_booking]: 'Начало {{ booking.startsAt | relative }}!',
    [NotificationType.provider_daily_agenda]: 'Хорошего рабочего дня!',
    [NotificationType.provider_completion_reminder]: '{% if left < 0 %}Запись закончилась {{ booking.endsAt | relative }}.{% else %}Запись закончится {{ booking.endsAt | relative }}.{% endif %}',
  },
  agendaEmpty: 'Записей на сегодня нет.',
};

const en: CardWords = {
  headline: {
    [NotificationType.booking_confirmation]: '✅ Booking registered',
    [NotificationType.provider_new_booking]: '🆕 New booking',
    [NotificationType.booking_reminder]: '⏰ Booking reminder',
    [NotificationType.booking_starting]: '▶️ Your booking starts now',
    [NotificationType.booking_ending_soon]: '⌛ Your booking ends soon',
    [NotificationType.provider_next_booking]: '🔔 Next booking',
    [NotificationType.provider_daily_agenda]: "📋 Today's bookings",
    [NotificationType.booking_rescheduled]: '🔁 Booking moved',
    [NotificationType.booking_cancelled]: '❌ Booking cancelled',
    [NotificationType.provider_completion_reminder]: '📌 Booking to mark done',
    [NotificationType.staff_alert]: '🚨 Alert',
    [NotificationType.area_demand]: '📈 Demand in your area',
    [NotificationType.area_promotion]: '🎁 A special offer',
  },
  label: {
    date: 'Date',
    time: 'Time',
    provider: 'With',
    customer: 'Customer',
    service: 'Service',
    address: 'Address',
    left: 'Time left',
    was: 'Was',
    reason: 'Reason',
  },
  closing: {
    [NotificationType.booking_reminder]: 'Please arrive on time!',
    [NotificationType.provider_next_booking]: 'It starts {{ booking.startsAt | relative }}!',
    [NotificationType.provider_daily_agenda]: 'Have a good working day!',
    [NotificationType.provider_completion_reminder]: '{% if left < 0 %}It ended {{ booking.endsAt | relative }}.{% else %}It ends {{ booking.endsAt | relative }}.{% endif %}',
  },
  agendaEmpty: 'No bookings today.',
};

export const CARD_WORDS: Record<Locale, CardWords> = { uz, ru, en };

/** Uzbek subjects in the cards' words ("navbat"), `{name}` placeholders as in the built-in texts. */
export const UZ_SUBJECTS: Record<NotificationType, string> = {
  [NotificationType.booking_confirmation]: 'Navbat qayd etildi: {service}, {date}',
  [NotificationType.provider_new_booking]: 'Yangi navbat: {service}, {date} {time}',
  [NotificationType.booking_reminder]: 'Navbat eslatmasi: {service}, {date} {time}',
  [NotificationType.booking_starting]: 'Navbat boshlanmoqda: {service}',
  [NotificationType.booking_ending_soon]: 'Navbat tugashiga {left} qoldi: {service}',
  [NotificationType.provider_next_booking]: 'Keyingi navbat: {service}, {time}',
  [NotificationType.provider_daily_agenda]: 'Navbatlar: {date}, {count} ta',
  [NotificationType.booking_rescheduled]: "Navbat ko'chirildi: {service}, {date} {time}",
  [NotificationType.booking_cancelled]: 'Navbat bekor qilindi: {service}, {date} {time}',
  [NotificationType.provider_completion_reminder]: 'Navbat bajarilganini belgilang: {service}, {date} {time}',
  [NotificationType.staff_alert]: '[{severity}] {title}',
  [NotificationType.area_demand]: 'Hududdagi bronlar: {postalCode}',
  [NotificationType.area_promotion]: 'Hududdagi taklif: {postalCode}',
};
