import { Args, ID, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentUser, Roles } from '../auth/access.decorators';
import { AuthUser, Role } from '../auth/role';
import { IdArg } from '../core/validation/id-arg';
import { NotificationType } from '../notifications/notification.entity';
import { PreviewTemplateInput, TemplatesFilter, UpsertTemplateInput } from './dto/template.input';
import { TemplatePreview, TemplateVariable } from './dto/template.output';
import { MessageTemplate } from './message-template.entity';
import { TemplatesService } from './templates.service';

@Resolver(() => MessageTemplate)
export class TemplatesResolver {
  constructor(private readonly service: TemplatesService) {}

  @Query(() => [MessageTemplate], { description: "Saved template versions, newest first; providers see their own and everyone's" })
  @Roles(Role.provider, Role.ops, Role.admin)
  templates(@CurrentUser() caller: AuthUser, @Args('filter', { type: () => TemplatesFilter, nullable: true }) filter?: TemplatesFilter): Promise<MessageTemplate[]> {
    return this.service.list(caller, filter ?? undefined);
  }

  @Mutation(() => MessageTemplate, {
    description:
      "Saves a new version of a template (active unless activate: false). Providers word the messages about their own bookings, admins anyone's. " +
      'A template that does not compile or render against its type’s sample is refused (BAD_USER_INPUT with part, line, column and cause) and nothing is saved',
  })
  @Roles(Role.provider, Role.admin)
  upsertTemplate(@CurrentUser() caller: AuthUser, @Args('input') input: UpsertTemplateInput): Promise<MessageTemplate> {
    return this.service.upsert(caller, input);
  }

  @Mutation(() => MessageTemplate, { description: 'Makes a saved version the one its messages use (activating an older one rolls back)' })
  @Roles(Role.provider, Role.admin)
  activateTemplateVersion(@CurrentUser() caller: AuthUser, @IdArg() id: string): Promise<MessageTemplate> {
    return this.service.activate(caller, id);
  }

  @Query(() => TemplatePreview, { description: 'The message a type would send on a channel in a language, for a booking you may see or a sample one; or a draft rendered instead' })
  @Roles(Role.provider, Role.ops, Role.admin)
  previewTemplate(@CurrentUser() caller: AuthUser, @Args('input') input: PreviewTemplateInput): Promise<TemplatePreview> {
    return this.service.preview(caller, input);
  }

  @Query(() => [TemplateVariable], { description: 'What templates of a notification type may print, with examples' })
  @Roles(Role.provider, Role.ops, Role.admin)
  templateVariables(@Args('type', { type: () => NotificationType }) type: NotificationType): readonly TemplateVariable[] {
    return this.service.variables(type);
  }

  @ResolveField(() => ID, { nullable: true, description: "The provider whose bookings' messages it words; null: everyone's" })
  providerId(@Parent() template: MessageTemplate): string | null {
    return template.provider?.id ?? null;
  }

  @ResolveField(() => ID, { nullable: true, description: 'Who saved this version' })
  changedById(@Parent() template: MessageTemplate): string | null {
    return template.changedBy?.id ?? null;
  }
}
