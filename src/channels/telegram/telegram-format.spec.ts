import { escapeHtml, escapeWithin, TELEGRAM_TEXT_LIMIT, toTelegramHtml } from './telegram-format';

describe('telegram-format', () => {
  it('escapes exactly what HTML parse mode needs: &, < and >', () => {
    expect(escapeHtml('Tom & Jerry <b>"x"</b> \'y\'')).toBe('Tom &amp; Jerry &lt;b&gt;"x"&lt;/b&gt; \'y\'');
    expect(escapeHtml('&amp;')).toBe('&amp;amp;');
  });

  it('puts the subject in bold above the escaped text', () => {
    expect(toTelegramHtml({ subject: 'Reminder: Cut & <Style>', text: 'Line 1\nAddress: A < B' })).toBe(
      '<b>Reminder: Cut &amp; &lt;Style&gt;</b>\n\nLine 1\nAddress: A &lt; B',
    );
    expect(toTelegramHtml({ subject: 'Only', text: '' })).toBe('<b>Only</b>');
  });

  it('keeps a long message within Telegram\'s limit without cutting an entity in half', () => {
    const html = toTelegramHtml({ subject: 'S', text: '&'.repeat(5000) });
    expect(html.length).toBeLessThanOrEqual(TELEGRAM_TEXT_LIMIT);
    expect(html.endsWith('&amp;…')).toBe(true);
    expect(escapeWithin('a&b', 3)).toBe('a…');
    expect(escapeWithin('abc', 3)).toBe('abc');
  });
});
