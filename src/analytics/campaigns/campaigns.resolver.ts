import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { CurrentUser, Roles } from '../../auth/access.decorators';
import { AuthUser, Role } from '../../auth/role';
import { IdArg } from '../../core/validation/id-arg';
import { Campaign, CampaignRun } from './campaign.entity';
import { CampaignsService } from './campaigns.service';
import { CampaignRunsArgs, PreviewCampaignArgs, UpdateCampaignInput } from './dto/campaign.input';
import { CampaignPreview, CampaignRunConnection } from './dto/campaign.output';

/** Ops may look at campaigns and what they would do; admins tune and run them. */
@Resolver(() => Campaign)
export class CampaignsResolver {
  constructor(private readonly service: CampaignsService) {}

  @Query(() => [Campaign], { description: "The location campaigns, with their schedules and thresholds" })
  @Roles(Role.ops, Role.admin)
  campaigns(): Promise<Campaign[]> {
    return this.service.list();
  }

  @Query(() => CampaignRunConnection, { description: 'Runs of a campaign (or of all), newest first' })
  @Roles(Role.ops, Role.admin)
  campaignRuns(@Args() { campaignId, page }: CampaignRunsArgs): Promise<CampaignRunConnection> {
    return this.service.runs(campaignId ?? null, page ?? undefined);
  }

  @Query(() => CampaignPreview, { description: 'The areas and recipient counts a run on a date would pick; nothing is written' })
  @Roles(Role.ops, Role.admin)
  previewCampaign(@Args() { id, date }: PreviewCampaignArgs): Promise<CampaignPreview> {
    return this.service.preview(id, date);
  }

  @Mutation(() => Campaign, { description: "Changes a campaign's schedule, thresholds, percentage or whether it runs" })
  @Roles(Role.admin)
  updateCampaign(@IdArg() id: string, @Args('input') input: UpdateCampaignInput): Promise<Campaign> {
    return this.service.update(id, input);
  }

  @Mutation(() => CampaignRun, { description: 'Runs a campaign now for today; dryRun computes the run and writes nothing' })
  @Roles(Role.admin)
  runCampaign(@CurrentUser() caller: AuthUser, @IdArg() id: string, @Args('dryRun', { defaultValue: false }) dryRun: boolean): Promise<CampaignRun> {
    return this.service.run(id, { dryRun, triggeredBy: caller.id });
  }
}
