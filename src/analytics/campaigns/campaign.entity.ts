import { Entity, Enum, Index, ManyToOne, Property, Unique } from '@mikro-orm/core';
import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import { BaseEntity } from '../../core/database/base.entity';
import { JsonScalar } from '../../core/graphql/json.scalar';
import { CampaignKind } from '../../notifications/notification.entity';
import { LocalDateScalar } from '../local-date';

/**
 * One of seed 004's location campaigns, as admins tuned it: when it runs (a cron expression in
 * a time zone), the thresholds that pick its areas from the previous day's figures, and the
 * bonus or discount it offers. Each kind reads only the thresholds it names.
 */
@ObjectType()
@Entity({ tableName: 'campaigns' })
export class Campaign extends BaseEntity<'enabled' | 'bookingsOver' | 'perProviderOver' | 'providersUnder' | 'bookingsUnder' | 'percent'> {
  @Field(() => ID)
  declare id: string;

  @Field(() => CampaignKind)
  @Unique()
  @Enum({ items: () => CampaignKind })
  kind: CampaignKind;

  @Field()
  @Property({ type: 'text' })
  name: string;

  @Field()
  @Property({ type: 'boolean' })
  enabled: boolean = true;

  @Field({ description: 'When it runs: a cron expression (minute hour day month weekday) read in `timezone`' })
  @Property({ type: 'text' })
  schedule: string;

  @Field()
  @Property({ type: 'text' })
  timezone: string;

  @Field(() => Int, { nullable: true, description: 'high_demand, provider_bonus: an area matches with more bookings than this' })
  @Property({ type: 'integer', nullable: true })
  bookingsOver: number | null = null;

  @Field(() => Int, { nullable: true, description: 'high_demand: or with more bookings per available provider than this' })
  @Property({ type: 'integer', nullable: true })
  perProviderOver: number | null = null;

  @Field(() => Int, { nullable: true, description: 'provider_bonus: and fewer available providers than this' })
  @Property({ type: 'integer', nullable: true })
  providersUnder: number | null = null;

  @Field(() => Int, { nullable: true, description: 'low_activity: an area matches with fewer bookings than this' })
  @Property({ type: 'integer', nullable: true })
  bookingsUnder: number | null = null;

  @Field(() => Int, { nullable: true, description: 'provider_bonus: the bonus; low_activity: the discount (percent)' })
  @Property({ type: 'integer', nullable: true })
  percent: number | null = null;

  @Field()
  declare updatedAt: Date;
}

/** What one run of a campaign did (or, dry, would do), counted in messages. */
@ObjectType()
@Entity({ tableName: 'campaign_runs' })
@Unique({ properties: ['campaign', 'slot'] })
@Index({ properties: ['campaign', 'createdAt'] })
export class CampaignRun extends BaseEntity<'campaignId' | 'slot' | 'triggeredBy' | 'dryRun' | 'areas' | 'recipients' | 'planned' | 'skipped'> {
  @Field(() => ID)
  declare id: string;

  @ManyToOne(() => Campaign, { deleteRule: 'cascade' })
  campaign: Campaign;

  @Field(() => ID)
  get campaignId(): string {
    return this.campaign.id;
  }

  /** The scheduled occurrence it ran for; null for a run asked for by hand. One run per occurrence. */
  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  slot: Date | null = null;

  @Field(() => LocalDateScalar, { description: "The run's local day: at most one message per area and recipient per day" })
  @Property({ type: 'date' })
  day: string;

  @Field(() => LocalDateScalar, { description: 'The day whose figures picked the areas (the day before)' })
  @Property({ type: 'date' })
  figuresDay: string;

  @Field(() => ID, { nullable: true, description: 'Who ran it by hand' })
  @Property({ type: 'uuid', nullable: true })
  triggeredBy: string | null = null;

  @Field()
  @Property({ type: 'boolean' })
  dryRun: boolean = false;

  @Field(() => JsonScalar, { description: 'The areas matched: postal code, bookings, providers, recipients' })
  @Property({ type: 'jsonb' })
  areas: MatchedArea[] = [];

  @Field(() => Int)
  @Property({ type: 'integer' })
  recipients: number = 0;

  @Field(() => Int)
  @Property({ type: 'integer' })
  planned: number = 0;

  @Field(() => JsonScalar, { description: 'Messages not planned, by reason: not_opted_in, frequency_cap, already_sent, no_address' })
  @Property({ type: 'jsonb' })
  skipped: Record<string, number> = {};

  @Field()
  declare createdAt: Date;
}

/** An area a campaign matched, with the figures it matched on and how many it reaches. */
export interface MatchedArea {
  postalCode: string;
  bookings: number;
  providers: number;
  recipients: number;
}
