/** How a template's body is written, and so how the values it prints are escaped. */
export enum TemplateFormat {
  /** Text as it is: nothing escaped. */
  plain = 'plain',
  /** Telegram's HTML parse mode (<b>, <i>, <a href>…): values escaped for it. */
  telegram_html = 'telegram_html',
  /** An email's HTML: values escaped for HTML. */
  html = 'html',
}
