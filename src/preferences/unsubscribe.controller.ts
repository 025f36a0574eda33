import { BadRequestException, Body, Controller, Get, Header, HttpCode, HttpStatus, Post, Query } from '@nestjs/common';
import { Public } from '../auth/access.decorators';
import { PreferenceChanges } from './preference-changes.service';
import { PreferencesError } from './preferences.error';
import { UnsubscribeLinks, UnsubscribeTarget, UNSUBSCRIBE_PATH } from './unsubscribe-links';

/**
 * One-click unsubscribe (RFC 8058). Mail clients POST `List-Unsubscribe=One-Click` to the link:
 * email is switched off. A person opening the link gets a page asking first (a GET never
 * changes anything, so link scanners cannot unsubscribe anyone), offering to stop all email or
 * only messages of that type. Public: the signed token is the proof.
 */
@Controller()
export class UnsubscribeController {
  constructor(
    private readonly links: UnsubscribeLinks,
    private readonly changes: PreferenceChanges,
  ) {}

  @Get(UNSUBSCRIBE_PATH)
  @Public()
  @Header('content-type', 'text/html; charset=utf-8')
  page(@Query('token') token: string | undefined): string {
    const target = this.target(token);
    const action = `${UNSUBSCRIBE_PATH}?token=${encodeURIComponent(token!)}`;
    return `<!doctype html><title>Unsubscribe</title>
<form method="post" action="${action}">
<p><button name="scope" value="email">Stop all email from Herald</button></p>
<p><button name="scope" value="type">Stop only ${target.type.replace(/_/g, ' ')} messages</button></p>
</form>`;
  }

  @Post(UNSUBSCRIBE_PATH)
  @Public()
  @HttpCode(HttpStatus.OK)
  @Header('content-type', 'text/html; charset=utf-8')
  async unsubscribe(@Query('token') token: string | undefined, @Body() body: Record<string, unknown> | undefined): Promise<string> {
    const target = this.target(token);
    const onlyType = body?.scope === 'type';
    try {
      await this.changes.unsubscribe(target.userId, onlyType ? { type: target.type } : { email: true });
    } catch (error) {
      // A critical type, or a user deleted since the mail went out: nothing to unsubscribe from.
      if (error instanceof PreferencesError) throw new BadRequestException(error.message);
      throw error;
    }
    return onlyType ? `<!doctype html><p>You will no longer get ${target.type.replace(/_/g, ' ')} messages.</p>` : '<!doctype html><p>You will no longer get email from Herald.</p>';
  }

  private target(token: string | undefined): UnsubscribeTarget {
    const target = token ? this.links.read(token) : null;
    if (!target) throw new BadRequestException('This unsubscribe link is not valid');
    return target;
  }
}
