import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import { TemplateFormat } from '../engine/template-format';

@ObjectType({ description: 'A message as a template renders it' })
export class TemplatePreview {
  @Field()
  subject: string;

  @Field({ description: 'The plain text (SMS, in-app, the email text part)' })
  text: string;

  @Field(() => String, { nullable: true, description: "The email's HTML, for html templates" })
  html: string | null;

  @Field(() => String, { nullable: true, description: "Telegram's HTML, for telegram_html templates" })
  telegramHtml: string | null;

  @Field(() => ID, { nullable: true, description: 'The saved version rendered; null for the shipped template or a draft' })
  templateId: string | null;

  @Field(() => Int, { nullable: true })
  version: number | null;

  @Field({ description: 'Rendered from the template Herald ships' })
  shipped: boolean;

  @Field(() => String, { nullable: true, description: 'The source rendered: a starting point for a new version' })
  sourceSubject: string | null;

  @Field()
  sourceBody: string;

  @Field(() => TemplateFormat)
  format: TemplateFormat;
}

@ObjectType({ description: 'A value templates of a notification type may print' })
export class TemplateVariable {
  @Field({ description: 'As written in a template, e.g. booking.startsAt' })
  name: string;

  @Field()
  type: string;

  @Field()
  description: string;

  @Field()
  example: string;
}
