import { Locale } from '../../users/user.entity';

/**
 * What the bot itself says (replies, buttons, outcomes), per locale. Notification messages are
 * worded by the renderer; these are only the bot's own words. Plain text: callers escape.
 */
export interface BotTexts {
  button: { keep: string; cancel: string; confirm: string; complete: string; noShow: string };
  outcome: { kept: string; cancelled: string; confirmed: string; completed: string; noShow: string };
  refused: { notFound: string; forbidden: string; conflict: string; notStarted: string; notLinked: string; failed: string; unknown: string };
  linked: string;
  linkInvalid: string;
  notLinked: string;
  welcomeBack: string;
  stopped: string;
  help: string;
  providerHelp: string;
  bookingsNone: string;
  bookingsTitle: string;
  todayNone: string;
  todayTitle: string;
  providersOnly: string;
  unknownCommand: string;
}

const en: BotTexts = {
  button: { keep: 'Keep it', cancel: 'Cancel booking', confirm: 'Confirm booking', complete: 'Completed', noShow: 'No-show' },
  outcome: {
    kept: '👍 Kept. See you there.',
    cancelled: '❌ Booking cancelled.',
    confirmed: '✅ Booking confirmed.',
    completed: '✅ Marked as completed.',
    noShow: '🚫 Marked as no-show.',
  },
  refused: {
    notFound: 'This booking is not available to you.',
    forbidden: 'You may not do that with this booking.',
    conflict: 'Not possible: the booking is {status}.',
    notStarted: 'The booking has not started yet.',
    notLinked: 'This chat is not linked to a Herald account.',
    failed: 'Something went wrong. Please try again.',
    unknown: 'This button is no longer valid.',
  },
  linked: 'Done, {name}! This chat is linked to your Herald account; reminders will arrive here.\nSend /help to see what I can do.',
  linkInvalid: 'This link has expired or was already used. Open Herald and get a new Telegram link.',
  notLinked: 'This chat is not linked to a Herald account yet. Open Herald, choose "Connect Telegram" and follow the link it gives you.',
  welcomeBack: 'Welcome back, {name}! Telegram messages are on.\nSend /help to see what I can do.',
  stopped: 'Telegram messages are off. Send /start to turn them back on.',
  help: 'Commands:\n/bookings — your upcoming bookings\n/stop — no more messages here\n/start — messages back on\n/help — this list',
  providerHelp: '/today — your agenda for today',
  bookingsNone: 'You have no upcoming bookings.',
  bookingsTitle: 'Your upcoming bookings:',
  todayNone: 'No bookings today.',
  todayTitle: 'Today, {date}:',
  providersOnly: '/today is for service providers.',
  unknownCommand: 'I did not understand that. Send /help for the commands.',
};

const ru: BotTexts = {
  button: { keep: 'Оставить', cancel: 'Отменить запись', confirm: 'Подтвердить запись', complete: 'Выполнено', noShow: 'Не пришёл' },
  outcome: {
    kept: '👍 Запись остаётся. До встречи!',
    cancelled: '❌ Запись отменена.',
    confirmed: '✅ Запись подтверждена.',
    completed: '✅ Отмечено как выполнено.',
    noShow: '🚫 Отмечено: клиент не пришёл.',
  },
  refused: {
    notFound: 'Эта запись вам недоступна.',
    forbidden: 'Вы не можете сделать это с этой записью.',
    conflict: 'Невозможно: статус записи — {status}.',
    notStarted: 'Запись ещё не началась.',
    notLinked: 'Этот чат не привязан к аккаунту Herald.',
    failed: 'Что-то пошло не так. Попробуйте ещё раз.',
    unknown: 'Эта кнопка больше не действует.',
  },
  linked: 'Готово, {name}! Чат привязан к вашему аккаунту Herald; напоминания будут приходить сюда.\n/help — что я умею.',
  linkInvalid: 'Ссылка устарела или уже использована. Откройте Herald и получите новую ссылку для Telegram.',
  notLinked: 'Этот чат ещё не привязан к аккаунту Herald. Откройте Herald, выберите «Подключить Telegram» и перейдите по ссылке.',
  welcomeBack: 'С возвращением, {name}! Сообщения в Telegram включены.\n/help — что я умею.',
  stopped: 'Сообщения в Telegram выключены. Отправьте /start, чтобы включить их снова.',
  help: 'Команды:\n/bookings — ваши предстоящие записи\n/stop — больше не присылать сообщения\n/start — снова присылать сообщения\n/help — этот список',
  providerHelp: '/today — ваше расписание на сегодня',
  bookingsNone: 'У вас нет предстоящих записей.',
  bookingsTitle: 'Ваши предстоящие записи:',
  todayNone: 'Сегодня записей нет.',
  todayTitle: 'Сегодня, {date}:',
  providersOnly: '/today — команда для специалистов.',
  unknownCommand: 'Не понял. Отправьте /help, чтобы увидеть команды.',
};

const uz: BotTexts = {
  button: { keep: 'Qoldirish', cancel: 'Bronni bekor qilish', confirm: 'Bronni tasdiqlash', complete: 'Bajarildi', noShow: 'Kelmadi' },
  outcome: {
    kept: '👍 Bron saqlandi. Ko‘rishguncha!',
    cancelled: '❌ Bron bekor qilindi.',
    confirmed: '✅ Bron tasdiqlandi.',
    completed: '✅ Bajarildi deb belgilandi.',
    noShow: '🚫 Mijoz kelmadi deb belgilandi.',
  },
  refused: {
    notFound: 'Bu bron sizga mavjud emas.',
    forbidden: 'Bu bron bilan buni qila olmaysiz.',
    conflict: 'Mumkin emas: bron holati — {status}.',
    notStarted: 'Bron hali boshlanmagan.',
    notLinked: 'Bu chat Herald hisobiga ulanmagan.',
    failed: 'Nimadir xato ketdi. Qaytadan urinib ko‘ring.',
    unknown: 'Bu tugma endi amal qilmaydi.',
  },
  linked: 'Tayyor, {name}! Bu chat Herald hisobingizga ulandi; eslatmalar shu yerga keladi.\n/help — nimalar qila olaman.',
  linkInvalid: 'Havola eskirgan yoki allaqachon ishlatilgan. Herald’ni oching va yangi Telegram havolasini oling.',
  notLinked: 'Bu chat hali Herald hisobiga ulanmagan. Herald’ni oching, «Telegram’ni ulash»ni tanlang va havolaga o‘ting.',
  welcomeBack: 'Xush kelibsiz, {name}! Telegram xabarlari yoqildi.\n/help — nimalar qila olaman.',
  stopped: 'Telegram xabarlari o‘chirildi. Qayta yoqish uchun /start yuboring.',
  help: 'Buyruqlar:\n/bookings — kelgusi bronlaringiz\n/stop — bu yerga xabar yubormaslik\n/start — xabarlarni qayta yoqish\n/help — shu ro‘yxat',
  providerHelp: '/today — bugungi jadvalingiz',
  bookingsNone: 'Kelgusi bronlaringiz yo‘q.',
  bookingsTitle: 'Kelgusi bronlaringiz:',
  todayNone: 'Bugun bronlar yo‘q.',
  todayTitle: 'Bugun, {date}:',
  providersOnly: '/today — mutaxassislar uchun buyruq.',
  unknownCommand: 'Tushunmadim. Buyruqlar uchun /help yuboring.',
};

const TEXTS: Record<Locale, BotTexts> = { en, ru, uz };

/** The locale's texts, English for any other. Accepts Telegram's language_code too (e.g. "ru", "en-US"). */
export function botTexts(locale: string | null | undefined): { locale: Locale; texts: BotTexts } {
  const key = (locale ?? '').slice(0, 2).toLowerCase();
  const known = (Object.values(Locale) as string[]).includes(key) ? (key as Locale) : Locale.en;
  return { locale: known, texts: TEXTS[known] };
}

