import { Mutation, Resolver } from '@nestjs/graphql';
import { CurrentUser, Roles } from '../../auth/access.decorators';
import { ALL_ROLES, AuthUser } from '../../auth/role';
import { TelegramLinks } from './telegram-links';

@Resolver()
export class TelegramLinkResolver {
  constructor(private readonly links: TelegramLinks) {}

  @Mutation(() => String, {
    description:
      'A one-time t.me deep link that links the Telegram chat opening it to your account (valid for TELEGRAM_LINK_TTL). CONFLICT TELEGRAM_NOT_CONFIGURED without a bot.',
  })
  @Roles(...ALL_ROLES)
  telegramLinkUrl(@CurrentUser() caller: AuthUser): Promise<string> {
    return this.links.createLink(caller.id);
  }
}
