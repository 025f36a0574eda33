import { performance } from 'node:perf_hooks';
import { toTelegramHtml } from '../../src/channels/telegram/telegram-format';
import { Clock } from '../../src/core/clock/clock';
import { NotificationChannel, NotificationType } from '../../src/notifications/notification.entity';
import { DefaultMessageRenderer } from '../../src/notifications/rendering/default-message-renderer';
import { RenderContext } from '../../src/notifications/rendering/message-renderer';
import { defaultTemplate } from '../../src/templates/defaults/default-templates';
import { TemplateEngine } from '../../src/templates/engine/template-engine';
import { sampleContext, templateVariables } from '../../src/templates/engine/template-variables';
import { Locale } from '../../src/users/user.entity';
import { atLeast, metric } from '../support/report';
import { InProcessScenario } from '../support/scenario';

const MINUTE = 60_000;
const CHANNELS = [NotificationChannel.in_app, NotificationChannel.telegram] as const;
const ROUNDS = 3;

/** A fixed "now": the reminders all fall a few hours after it. */
class FixedClock extends Clock {
  constructor(private readonly at: Date) {
    super();
  }

  now(): Date {
    return this.at;
  }
}

/**
 * Rendering a reminder, in-app and Telegram, in each language, one core: through the cached
 * TemplateEngine with the default templates, and through the built-in DefaultMessageRenderer
 * (plus Telegram's HTML wrapping) as the baseline. Bookings differ in start and customer, so the
 * instant memos see a stream rather than one booking; each is rendered for both channels, as a
 * booking's reminder is. Rounds alternate between the two; the best of each counts.
 */
export const render: InProcessScenario = {
  name: 'render',
  description: 'booking_reminder in-app + Telegram per locale: cached TemplateEngine vs DefaultMessageRenderer, messages/s on one core',
  inProcess: true,
  async run(run) {
    const bookings = run.settings.scaled('BOOKINGS', 3_000, 10);
    const messages = run.settings.scaled('N', 300_000, 3_000);
    const now = new Date('2031-01-10T06:00:00Z');
    const contexts = reminders(bookings, now);
    const engine = new TemplateEngine();
    const renderer = new DefaultMessageRenderer(new FixedClock(now));

    const viaTemplates = (context: RenderContext, channel: NotificationChannel): string => {
      const locale = context.recipient.locale as Locale;
      const template = defaultTemplate(NotificationType.booking_reminder, channel, locale)!;
      const compiled = engine.compile(template, `${template.type}:${channel}:${locale}`);
      const message = engine.render(compiled, templateVariables(context, now));
      return message.telegramHtml ?? message.text;
    };
    const viaRenderer = async (context: RenderContext, channel: NotificationChannel): Promise<string> => {
      const message = await renderer.render(context);
      return channel === NotificationChannel.telegram ? toTelegramHtml(message) : message.text;
    };

    const templateRates: number[] = [];
    const rendererRates: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      templateRates.push(await rate(messages, contexts, viaTemplates));
      rendererRates.push(await rate(messages, contexts, viaRenderer));
      run.log(`round ${round + 1}: templates ${Math.round(templateRates[round])}/s, built-in renderer ${Math.round(rendererRates[round])}/s`);
    }
    run.details.render = { bookings, messagesPerRound: messages, templateRates, rendererRates };
    run.notes.push(`${messages} messages a round over ${bookings} bookings × 3 locales × 2 channels, best of ${ROUNDS} rounds`);
    return [metric({ name: 'reminders rendered', unit: '/s', measured: Math.max(...templateRates), baseline: Math.max(...rendererRates), target: atLeast(20_000) })];
  },
};

/** `count` reminders per locale, a minute apart, each with its own customer. */
function reminders(count: number, now: Date): RenderContext[] {
  return Object.values(Locale).flatMap((locale) =>
    Array.from({ length: count }, (_, index) => {
      const context = sampleContext(NotificationType.booking_reminder, locale, now);
      const booking = context.booking!;
      const shift = index * MINUTE;
      booking.startsAt = new Date(booking.startsAt.getTime() + shift);
      booking.endsAt = new Date(booking.endsAt.getTime() + shift);
      booking.customer = context.recipient = { ...context.recipient, name: `Customer ${index}` };
      return context;
    }),
  );
}

/** Messages per second rendering `count` messages: each context on every channel, in turn. */
async function rate(count: number, contexts: readonly RenderContext[], renderOne: (context: RenderContext, channel: NotificationChannel) => string | Promise<string>): Promise<number> {
  let length = 0;
  const started = performance.now();
  for (let done = 0; done < count; done += CHANNELS.length) {
    const context = contexts[(done / CHANNELS.length) % contexts.length];
    for (const channel of CHANNELS) {
      // Only the built-in renderer is async; awaiting the engine's string would bill it a microtask per message.
      const rendered = renderOne(context, channel);
      length += (typeof rendered === 'string' ? rendered : await rendered).length;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  // The total keeps the work observable, so none of it can be optimised away.
  if (length === 0) throw new Error('nothing was rendered');
  return count / seconds;
}
