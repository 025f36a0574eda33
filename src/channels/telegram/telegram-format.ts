import { RenderedMessage } from '../../notifications/rendering/message-renderer';

/** Telegram's limit on a message's text. */
export const TELEGRAM_TEXT_LIMIT = 4096;

/**
 * Escapes text for Telegram's HTML parse mode, which needs exactly &, < and > escaped
 * (quotes only inside attribute values, which Herald never writes).
 */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escaped `text` cut (with an ellipsis) so that the escaped result is at most `budget` characters long. */
export function escapeWithin(text: string, budget: number): string {
  const escaped = escapeHtml(text);
  if (escaped.length <= budget) return escaped;
  let out = '';
  for (const char of text) {
    const piece = escapeHtml(char);
    if (out.length + piece.length > budget - 1) break;
    out += piece;
  }
  return `${out}…`;
}

/**
 * A rendered notification as Telegram HTML: the template's own Telegram HTML when it has one that
 * fits (markup cannot be cut safely), else the subject in bold, a blank line, the text. The
 * renderer's `html` is for email (<p>, <br>), which Telegram's HTML mode does not accept.
 */
export function toTelegramHtml(message: Pick<RenderedMessage, 'subject' | 'text' | 'telegramHtml'>): string {
  if (message.telegramHtml && message.telegramHtml.length <= TELEGRAM_TEXT_LIMIT) return message.telegramHtml;
  const head = `<b>${escapeWithin(message.subject, 512)}</b>`;
  if (!message.text) return head;
  return `${head}\n\n${escapeWithin(message.text, TELEGRAM_TEXT_LIMIT - head.length - 2)}`;
}
