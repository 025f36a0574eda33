import { ArgumentsHost, Catch, ExceptionFilter, UseFilters } from '@nestjs/common';
import { Command, Ctx, Help, On, Start, Update } from 'nestjs-telegraf';
// Type-only: a class in a decorated signature would be "validated" by the global ValidationPipe.
import type { Context } from 'telegraf';
import { Public } from '../../auth/access.decorators';
import { TelegramUpdates } from './telegram-updates';

/**
 * Hands a handler's error back to Telegraf, whose `bot.catch` (set in TelegramBot) logs it. Without
 * it Nest's global filters (made for GraphQL and HTTP) would get the error and their result would be
 * sent to the chat as a reply.
 */
@Catch()
class RethrowToTelegraf implements ExceptionFilter {
  catch(error: unknown, _host: ArgumentsHost): never {
    throw error;
  }
}

/**
 * The bot's update handlers, registered on the bot by nestjs-telegraf in this order. Thin: the
 * work is done by TelegramUpdates. `@Public()` satisfies the global AuthGuard, which runs for these
 * handlers too: a chat acts as its linked user, checked by TelegramUpdates, not by a bearer token.
 * Each update runs in its own ORM request context (a middleware set in TelegramModule).
 */
@Update()
@Public()
@UseFilters(new RethrowToTelegraf())
export class TelegramBotUpdate {
  constructor(private readonly updates: TelegramUpdates) {}

  /** /start <token> links the chat; /start alone turns messages back on. */
  @Start()
  async start(@Ctx() ctx: Context & { payload: string }): Promise<void> {
    await this.updates.onStart(ctx, ctx.payload.trim());
  }

  @Command('stop')
  async stop(@Ctx() ctx: Context): Promise<void> {
    await this.updates.onStop(ctx);
  }

  @Command('bookings')
  async bookings(@Ctx() ctx: Context): Promise<void> {
    await this.updates.onBookings(ctx);
  }

  @Command('today')
  async today(@Ctx() ctx: Context): Promise<void> {
    await this.updates.onToday(ctx);
  }

  @Help()
  async help(@Ctx() ctx: Context): Promise<void> {
    await this.updates.onHelp(ctx);
  }

  /** Every button press, so that one with unknown data is still answered. */
  @On('callback_query')
  async button(@Ctx() ctx: Context): Promise<void> {
    await this.updates.onButton(ctx);
  }

  /** Any other text message (telegraf's `on('text')`: a message with text). */
  @On('text')
  async otherText(@Ctx() ctx: Context): Promise<void> {
    await this.updates.onOtherText(ctx);
  }
}
