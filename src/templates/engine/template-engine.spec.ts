import { NotificationType } from '../../notifications/notification.entity';
import { Locale } from '../../users/user.entity';
import { TemplateEngine, TemplateError, TemplateSource } from './template-engine';
import { TemplateFormat } from './template-format';
import { sampleContext, templateVariables, TemplateVariables } from './template-variables';

const now = new Date('2031-01-10T06:00:00Z');

function reminderVariables(change: (context: ReturnType<typeof sampleContext>) => void = () => undefined): TemplateVariables {
  const context = sampleContext(NotificationType.booking_reminder, Locale.en, now);
  change(context);
  return templateVariables(context, now);
}

function thrown(work: () => unknown): TemplateError {
  try {
    work();
  } catch (error) {
    if (error instanceof TemplateError) return error;
    throw error;
  }
  throw new Error('expected a TemplateError');
}

describe(TemplateEngine.name, () => {
  const sut = new TemplateEngine();
  const render = (source: TemplateSource, variables = reminderVariables()) => sut.render(sut.compile(source), variables);
  const plain = (body: string, subject: string | null = null): TemplateSource => ({ subject, body, format: TemplateFormat.plain });

  it('renders the subject on one line and the body without the blank ends its tags leave', () => {
    const message = render(plain('\n{% if booking.address %}At {{ booking.address }}{% endif %}\n\n', 'Soon:\n  {{ booking.service }}\n'));
    expect(message).toEqual({ subject: 'Soon: Haircut', text: 'At Amir Temur Ave 15, Tashkent' });
  });

  it('prints a null value as nothing and tests it as false, however strict', () => {
    const variables = reminderVariables((context) => (context.booking!.address = null));
    expect(render(plain('[{{ booking.address }}]{% if booking.address %} at {{ booking.address }}{% endif %}'), variables).text).toBe('[]');
  });

  it('prints a date without a filter as its local date and time', () => {
    expect(render(plain('{{ booking.startsAt }}')).text).toBe('Friday, 10 January 2031, 14:00');
  });

  it('names the part, line and column (of the variable itself) of an unknown variable when rendering', () => {
    const compiled = sut.compile(plain('Hello\n  {{ recipient.nmae }}', '{{ booking.service }}'));
    const error = thrown(() => sut.render(compiled, reminderVariables()));
    expect(error).toMatchObject({ part: 'body', line: 2, column: 6, reason: 'undefined variable: recipient.nmae' });
    expect(error.message).toBe('body, line 2, column 6: undefined variable: recipient.nmae');
  });

  it('says where an unknown variable is inside tags, loops and filtered outputs too', () => {
    const at = (body: string) => thrown(() => render(plain(body)));
    expect(at('x\n{% if booking.adress %}y{% endif %}')).toMatchObject({ line: 2, column: 7, reason: 'undefined variable: booking.adress' });
    expect(at('{% unless booking.address %}{% else %}{{ booking.startsAt.day | time }}{% endunless %}')).toMatchObject({ line: 1, column: 42, reason: 'undefined variable: booking.startsAt.day' });
    expect(at('{% for x in booking.customer %}{% endfor %}{% if recipient.role == nobody %}{% endif %}')).toMatchObject({ line: 1, reason: 'undefined variable: nobody' });
  });

  it('refuses, when compiling, an unknown filter and broken syntax, saying where', () => {
    expect(thrown(() => sut.compile(plain('ok', 'Hi {{ booking.service | shout }}')))).toMatchObject({ part: 'subject', line: 1, column: 4, reason: 'undefined filter: shout' });
    expect(thrown(() => sut.compile(plain('one\ntwo {% if booking.address %}')))).toMatchObject({ part: 'body', line: 2, column: 5 });
    expect(thrown(() => sut.compile(plain('one\n{{ booking.service')))).toMatchObject({ part: 'body', line: 2, column: 1 });
  });

  it('has no tags that read files', () => {
    for (const tag of ['{% include "secrets" %}', '{% render "secrets" %}', '{% layout "secrets" %}']) {
      expect(thrown(() => sut.compile(plain(tag)))).toMatchObject({ part: 'body', line: 1, reason: expect.stringContaining('not found') });
    }
  });

  it("reads only a value's own properties", () => {
    expect(thrown(() => render(plain('{{ booking.service.constructor }}'))).reason).toBe('undefined variable: booking.service.constructor');
  });

  describe('escapes what templates print for their format and keeps their own markup', () => {
    const variables = reminderVariables((context) => (context.booking!.serviceName = `<b>Tom & Jerry's</b>`));
    const body = '<i>Service</i>: {{ booking.service }}';
    const subject = 'Re: {{ booking.service }}';

    it('plain: nothing', () => {
      expect(render({ subject, body, format: TemplateFormat.plain }, variables)).toEqual({ subject: `Re: <b>Tom & Jerry's</b>`, text: `<i>Service</i>: <b>Tom & Jerry's</b>` });
    });

    it("telegram_html: &, < and > only; the text is what the chat shows", () => {
      expect(render({ subject, body, format: TemplateFormat.telegram_html }, variables)).toEqual({
        subject: `Re: <b>Tom & Jerry's</b>`,
        telegramHtml: `<i>Service</i>: &lt;b&gt;Tom &amp; Jerry's&lt;/b&gt;`,
        text: `Service: <b>Tom & Jerry's</b>`,
      });
    });

    it('html: quotes too; the text part reads as plain text', () => {
      const message = render({ subject, body: `<p>${body}<br>Bye</p>\n<p>Team</p>`, format: TemplateFormat.html }, variables);
      expect(message.subject).toBe(`Re: <b>Tom & Jerry's</b>`);
      expect(message.html).toBe(`<p><i>Service</i>: &lt;b&gt;Tom &amp; Jerry&#39;s&lt;/b&gt;<br>Bye</p>\n<p>Team</p>`);
      expect(message.text).toBe(`Service: <b>Tom & Jerry's</b>\nBye\n\nTeam`);
    });

    it('| raw opts out', () => {
      expect(render({ subject: null, body: '{{ booking.service | raw }}', format: TemplateFormat.telegram_html }, variables).telegramHtml).toBe(`<b>Tom & Jerry's</b>`);
    });
  });

  it('returns the same compiled template for the same cache key, and parses again without one', () => {
    const source = plain('{{ booking.service }}');
    const first = sut.compile(source, 'booking_reminder:in_app:en');
    expect(sut.compile({ ...source, body: 'ignored' }, 'booking_reminder:in_app:en')).toBe(first);
    expect(sut.compile(source)).not.toBe(first);
  });
});
