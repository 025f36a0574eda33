import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import { Paginated } from '../../../core/pagination/pagination';
import { LocalDateScalar } from '../../local-date';
import { CampaignRun } from '../campaign.entity';

@ObjectType({ description: 'An area a campaign picks, with the figures it matched on' })
export class CampaignArea {
  @Field()
  postalCode: string;

  @Field(() => Int)
  bookings: number;

  @Field(() => Int, { description: 'Providers serving it' })
  providers: number;

  @Field(() => Int, { description: 'Who the campaign writes to there, before opt-in and the frequency cap' })
  recipients: number;
}

@ObjectType({ description: 'What a run would pick; nothing is written' })
export class CampaignPreview {
  @Field(() => ID)
  campaignId: string;

  @Field(() => LocalDateScalar)
  day: string;

  @Field(() => LocalDateScalar, { description: 'The day whose figures it reads (the day before)' })
  figuresDay: string;

  @Field(() => [CampaignArea])
  areas: CampaignArea[];

  @Field(() => Int)
  recipients: number;
}

@ObjectType()
export class CampaignRunConnection extends Paginated(CampaignRun) {}
