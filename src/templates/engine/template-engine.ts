import { Injectable } from '@nestjs/common';
import { Context, Liquid, LiquidError, Template } from 'liquidjs';
import { escapeHtml as escapeTelegramHtml } from '../../channels/telegram/telegram-format';
import { RenderedMessage } from '../../notifications/rendering/message-renderer';
import { evaluateDirectly } from './direct-values';
import { formatDateTime } from './local-format';
import { escapeHtml, htmlToText, telegramHtmlToText } from './markup';
import { FilterCall, registerFilters, VARIABLES_REGISTER } from './template-filters';
import { TemplateFormat } from './template-format';
import { TemplateVariables } from './template-variables';

export interface TemplateSource {
  subject: string | null;
  body: string;
  format: TemplateFormat;
}

/** A template parsed once, rendered many times. */
export interface CompiledTemplate {
  readonly format: TemplateFormat;
  readonly subject: Template[] | null;
  readonly body: Template[];
}

export type TemplatePart = 'subject' | 'body';

/** A template that does not parse, or names what a render does not have. */
export class TemplateError extends Error {
  constructor(
    readonly part: TemplatePart,
    readonly line: number | null,
    readonly column: number | null,
    readonly reason: string,
  ) {
    super(line === null ? `${part}: ${reason}` : `${part}, line ${line}, column ${column}: ${reason}`);
    this.name = 'TemplateError';
  }

  /** A LiquidJS error as ours: its position from its token, its reason without the position LiquidJS appends. */
  static fromLiquid(part: TemplatePart, error: unknown): TemplateError {
    if (!(error instanceof LiquidError)) return new TemplateError(part, null, null, error instanceof Error ? error.message : String(error));
    const [line, column] = error.token.getPosition();
    return new TemplateError(part, line, column, error.message.replace(/, line:\d+, col:\d+$/, ''));
  }
}

/** Tags that read other templates from files; a template stands alone. */
const FILE_TAGS = ['include', 'render', 'layout'];


const ESCAPES: Record<TemplateFormat, (text: string) => string> = {
  [TemplateFormat.plain]: (text) => text,
  [TemplateFormat.telegram_html]: escapeTelegramHtml,
  [TemplateFormat.html]: escapeHtml,
};

const COMPILED_CACHE_LIMIT = 1_000;

/**
 * Herald's templates: Liquid in strict mode (an unknown variable or filter is an error), with
 * no file access, Herald's filters for dates, durations and money in the recipient's locale,
 * and the values a template prints escaped for its format while its own markup stays.
 */
@Injectable()
export class TemplateEngine {
  /** One Liquid per format: LiquidJS fixes output escaping when it parses. Subjects are plain. */
  private readonly liquids: Record<TemplateFormat, Liquid> = {
    [TemplateFormat.plain]: createLiquid(ESCAPES[TemplateFormat.plain]),
    [TemplateFormat.telegram_html]: createLiquid(ESCAPES[TemplateFormat.telegram_html]),
    [TemplateFormat.html]: createLiquid(ESCAPES[TemplateFormat.html]),
  };
  /** By cache key, oldest first: a Map keeps insertion order. */
  private readonly compiled = new Map<string, CompiledTemplate>();

  /**
   * Parses subject and body; a TemplateError for broken syntax or an unknown filter. With a
   * `cacheKey`, the first template compiled under it is returned again (the key must change when
   * the source does, e.g. carry its id and version); the oldest of more than 1,000 keys is dropped.
   */
  compile(source: TemplateSource, cacheKey?: string): CompiledTemplate {
    const cached = cacheKey === undefined ? undefined : this.compiled.get(cacheKey);
    if (cached) return cached;
    const compiled: CompiledTemplate = {
      format: source.format,
      subject: source.subject === null ? null : parse(this.liquids[TemplateFormat.plain], 'subject', source.subject),
      body: parse(this.liquids[source.format], 'body', source.body),
    };
    if (cacheKey !== undefined) {
      if (this.compiled.size >= COMPILED_CACHE_LIMIT) this.compiled.delete(this.compiled.keys().next().value!);
      this.compiled.set(cacheKey, compiled);
    }
    return compiled;
  }

  /** Renders at once (no I/O); a TemplateError for a variable the template's type does not have. */
  render(compiled: CompiledTemplate, variables: TemplateVariables): RenderedMessage {
    const subject = compiled.subject ? oneLine(this.renderPart(this.liquids[TemplateFormat.plain], 'subject', compiled.subject, variables)) : '';
    const body = trimBlankEnds(this.renderPart(this.liquids[compiled.format], 'body', compiled.body, variables));
    switch (compiled.format) {
      case TemplateFormat.plain:
        return { subject, text: body };
      case TemplateFormat.telegram_html:
        return { subject, text: telegramHtmlToText(body), telegramHtml: body };
      case TemplateFormat.html:
        return { subject, text: htmlToText(body), html: body };
    }
  }

  private renderPart(liquid: Liquid, part: TemplatePart, templates: Template[], variables: TemplateVariables): string {
    const context = new Context(variables.scope, liquid.options, { sync: true }, { liquid });
    context.setRegister(VARIABLES_REGISTER, variables);
    try {
      return String(liquid.renderSync(templates, context));
    } catch (error) {
      throw TemplateError.fromLiquid(part, error);
    }
  }
}

function createLiquid(escape: (text: string) => string): Liquid {
  // How a format prints a value: Dates as their local date and time, null as nothing, then escaped.
  const outputEscape = function (this: FilterCall, value: unknown): string {
    return escape(printable(value, this.context));
  };
  const liquid = new Liquid({
    strictVariables: true,
    strictFilters: true,
    ownPropertyOnly: true,
    // No file system: an empty in-memory one, and no tags that would read it.
    templates: {},
    root: [],
    relativeReference: false,
    outputEscape,
  });
  for (const tag of FILE_TAGS) delete liquid.tags[tag];
  registerFilters(liquid);
  return liquid;
}

function printable(value: unknown, context: Context): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) {
    const variables = context.getRegister(VARIABLES_REGISTER) as TemplateVariables;
    return formatDateTime(value, variables.locale, variables.zone);
  }
  return String(value);
}

function parse(liquid: Liquid, part: TemplatePart, text: string): Template[] {
  let templates: Template[];
  try {
    templates = liquid.parse(text);
  } catch (error) {
    throw TemplateError.fromLiquid(part, error);
  }
  evaluateDirectly(templates);
  return templates;
}

/** Subjects are one line, however the template wraps them. */
const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, ' ').trim();

/** Bodies lose the blank lines a template's tags leave at its start and end. */
const trimBlankEnds = (text: string): string => text.replace(/^\s*\n/, '').trimEnd();
