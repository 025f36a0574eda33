import { Injectable, Logger } from '@nestjs/common';
import { DateTime } from 'luxon';
import type { Context } from 'telegraf';
import { AuthUser, Role } from '../../auth/role';
import { ACTIVE_STATUSES, Booking } from '../../bookings/booking.entity';
import { BookingErrorReason } from '../../bookings/bookings.error';
import { BookingsService } from '../../bookings/bookings.service';
import { Clock } from '../../core/clock/clock';
import { ErrorKind, HeraldError } from '../../core/errors/herald-error';
import { PageInput } from '../../core/pagination/pagination';
import { User } from '../../users/user.entity';
import { BookingButton, parseCallbackData } from './booking-buttons';
import { escapeHtml, escapeWithin, TELEGRAM_TEXT_LIMIT } from './telegram-format';
import { TelegramLinks } from './telegram-links';
import { BotTexts, botTexts } from './telegram-texts';
import { fill } from '../../notifications/rendering/texts';

/** Upcoming bookings /bookings lists. */
const UPCOMING_LIMIT = 10;
/** Bookings /today lists (a provider's day). */
const TODAY_LIMIT = 50;

/**
 * What the bot does with updates: /start <token> links the chat, /start turns messages back on,
 * /stop turns them off, /bookings and /today (providers) list bookings, /help; button presses
 * change bookings through BookingsService as the chat's linked user, with that user's roles, so
 * the rules are those of the GraphQL API. An unlinked chat is told how to link. The handlers are
 * registered on the bot by TelegramBotUpdate (nestjs-telegraf), which calls these methods.
 */
@Injectable()
export class TelegramUpdates {
  private readonly logger = new Logger(TelegramUpdates.name);

  constructor(
    private readonly links: TelegramLinks,
    private readonly bookings: BookingsService,
    private readonly clock: Clock,
  ) {}

  async onStart(ctx: Context, token: string): Promise<void> {
    const chatId = chatOf(ctx);
    if (!chatId) return;
    if (token) {
      const user = ctx.chat?.type === 'private' ? await this.links.redeem(token, chatId) : null;
      if (!user) {
        await ctx.reply(this.textsFor(ctx, null).linkInvalid);
        return;
      }
      this.logger.log(`Telegram chat linked to user ${user.id}`);
      await ctx.reply(fill(this.textsFor(ctx, user).linked, { name: user.name }));
      return;
    }
    const user = await this.links.userOfChat(chatId);
    if (!user) {
      await ctx.reply(this.textsFor(ctx, null).notLinked);
      return;
    }
    await this.links.turnOn(user);
    await ctx.reply(fill(this.textsFor(ctx, user).welcomeBack, { name: user.name }));
  }

  async onStop(ctx: Context): Promise<void> {
    const chatId = chatOf(ctx);
    if (!chatId) return;
    const user = await this.links.turnOff(chatId);
    await ctx.reply(user ? this.textsFor(ctx, user).stopped : this.textsFor(ctx, null).notLinked);
  }

  async onHelp(ctx: Context): Promise<void> {
    const user = await this.linkedUser(ctx);
    if (!user) return;
    const texts = this.textsFor(ctx, user);
    await ctx.reply(user.roles.includes(Role.provider) ? `${texts.help}\n${texts.providerHelp}` : texts.help);
  }

  async onBookings(ctx: Context): Promise<void> {
    const user = await this.linkedUser(ctx);
    if (!user) return;
    const texts = this.textsFor(ctx, user);
    const page = await this.bookings.list(
      callerOf(user),
      { startsFrom: this.clock.now(), status: [...ACTIVE_STATUSES] },
      Object.assign(new PageInput(), { first: UPCOMING_LIMIT }),
    );
    if (page.nodes.length === 0) {
      await ctx.reply(texts.bookingsNone);
      return;
    }
    const lines = page.nodes.map((booking) => {
      const start = DateTime.fromJSDate(booking.startsAt, { zone: zoneOf(booking.timezone) }).setLocale(user.locale);
      const other = booking.customer.id === user.id ? booking.provider : booking.customer;
      return `• ${start.toFormat('ccc d LLL, HH:mm')} — ${booking.serviceName} (${other.name})`;
    });
    await ctx.reply(cut([texts.bookingsTitle, ...lines].join('\n')));
  }

  /** A provider's bookings of today, in the provider's own time zone. */
  async onToday(ctx: Context): Promise<void> {
    const user = await this.linkedUser(ctx);
    if (!user) return;
    const texts = this.textsFor(ctx, user);
    if (!user.roles.includes(Role.provider)) {
      await ctx.reply(texts.providersOnly);
      return;
    }
    const zone = zoneOf(user.timezone);
    const day = DateTime.fromJSDate(this.clock.now(), { zone }).setLocale(user.locale).startOf('day');
    const page = await this.bookings.list(
      callerOf(user),
      { providerId: user.id, startsFrom: day.toJSDate(), startsTo: day.plus({ days: 1 }).toJSDate(), status: [...ACTIVE_STATUSES] },
      Object.assign(new PageInput(), { first: TODAY_LIMIT }),
    );
    const title = fill(texts.todayTitle, { date: day.toFormat('cccc d LLLL') });
    if (page.nodes.length === 0) {
      await ctx.reply(`${title}\n${texts.todayNone}`);
      return;
    }
    const lines = page.nodes.map((booking: Booking) => {
      const from = DateTime.fromJSDate(booking.startsAt, { zone }).toFormat('HH:mm');
      const to = DateTime.fromJSDate(booking.endsAt, { zone }).toFormat('HH:mm');
      return `${from}–${to}  ${booking.serviceName} — ${booking.customer.name}${booking.address ? `, ${booking.address}` : ''}`;
    });
    await ctx.reply(cut([title, ...lines].join('\n')));
  }

  async onOtherText(ctx: Context): Promise<void> {
    const user = await this.linkedUser(ctx);
    if (user) await ctx.reply(this.textsFor(ctx, user).unknownCommand);
  }

  /** A button under a booking message: act as the chat's user, then show the outcome in the message. */
  async onButton(ctx: Context): Promise<void> {
    const query = ctx.callbackQuery;
    if (!query) return;
    const pressed = 'data' in query ? parseCallbackData(query.data) : null;
    const chatId = chatOf(ctx);
    const user = chatId ? await this.links.userOfChat(chatId) : null;
    const texts = this.textsFor(ctx, user);
    if (!pressed) return void (await ctx.answerCbQuery(texts.refused.unknown));
    if (!user) return void (await ctx.answerCbQuery(texts.refused.notLinked));

    let outcome: string;
    try {
      outcome = await this.act(callerOf(user), pressed.action, pressed.bookingId, texts);
    } catch (error) {
      await ctx.answerCbQuery(this.refusal(error, texts));
      return;
    }
    await ctx.answerCbQuery(outcome);
    const original = query.message && 'text' in query.message ? query.message.text : '';
    const suffix = `<b>${escapeHtml(outcome)}</b>`;
    const text = original ? `${escapeWithin(original, TELEGRAM_TEXT_LIMIT - suffix.length - 2)}\n\n${suffix}` : suffix;
    // No reply_markup: the buttons go, the outcome stays in the message.
    await ctx.editMessageText(text, { parse_mode: 'HTML', link_preview_options: { is_disabled: true } }).catch((error: unknown) => {
      this.logger.warn(`Telegram: could not edit the message of a button press (${error instanceof Error ? error.message : String(error)})`);
    });
  }

  /** The same service calls and permission rules as the GraphQL mutations. */
  private async act(caller: AuthUser, action: BookingButton, bookingId: string, texts: BotTexts): Promise<string> {
    switch (action) {
      case BookingButton.keep:
        await this.bookings.get(caller, bookingId);
        return texts.outcome.kept;
      case BookingButton.cancel:
        await this.bookings.cancel(caller, bookingId, {});
        return texts.outcome.cancelled;
      case BookingButton.confirm:
        await this.bookings.confirm(caller, bookingId);
        return texts.outcome.confirmed;
      case BookingButton.complete:
        await this.bookings.complete(caller, bookingId);
        return texts.outcome.completed;
      case BookingButton.noShow:
        await this.bookings.markNoShow(caller, bookingId);
        return texts.outcome.noShow;
    }
  }

  /** The short text answering a refused press. */
  private refusal(error: unknown, texts: BotTexts): string {
    if (!(error instanceof HeraldError)) {
      this.logger.error(`Telegram button press failed: ${error instanceof Error ? error.name : String(error)}`, error instanceof Error ? error.stack : undefined);
      return texts.refused.failed;
    }
    switch (error.kind) {
      case ErrorKind.NotFound:
        return texts.refused.notFound;
      case ErrorKind.Forbidden:
        return texts.refused.forbidden;
      case ErrorKind.Conflict:
        if (error.reason === BookingErrorReason.NotStarted) return texts.refused.notStarted;
        if (typeof error.details.currentStatus === 'string') return fill(texts.refused.conflict, { status: error.details.currentStatus.replace('_', '-') });
        return texts.refused.failed;
      default:
        return texts.refused.failed;
    }
  }

  /** The chat's user; an unlinked chat is told how to link and gets null. */
  private async linkedUser(ctx: Context): Promise<User | null> {
    const chatId = chatOf(ctx);
    const user = chatId ? await this.links.userOfChat(chatId) : null;
    if (!user) await ctx.reply(this.textsFor(ctx, null).notLinked);
    return user;
  }

  /** The user's language, or the Telegram client's for a chat not linked yet. */
  private textsFor(ctx: Context, user: User | null): BotTexts {
    return botTexts(user?.locale ?? ctx.from?.language_code).texts;
  }
}

const chatOf = (ctx: Context): string | null => (ctx.chat ? String(ctx.chat.id) : null);

/** The caller a linked chat acts as: its user, with that user's roles. */
const callerOf = (user: User) => new AuthUser(user.id, user.roles);

const zoneOf = (timezone: string) => (DateTime.local().setZone(timezone).isValid ? timezone : 'UTC');

/** Plain replies longer than Telegram allows are cut. */
const cut = (text: string) => (text.length <= TELEGRAM_TEXT_LIMIT ? text : `${text.slice(0, TELEGRAM_TEXT_LIMIT - 1)}…`);
