import { CronExpressionParser } from 'cron-parser';
import { CampaignKind } from '../../notifications/notification.entity';
import { Campaign } from './campaign.entity';

/**
 * The campaigns' rules, as pure functions: which areas a campaign picks from a day's figures,
 * and which scheduled occurrence is at hand.
 */

/** One area's figures as campaigns read them. */
export interface AreaFigures {
  postalCode: string;
  bookings: number;
  /** Providers serving it. */
  providers: number;
}

type Thresholds = Pick<Campaign, 'kind' | 'bookingsOver' | 'perProviderOver' | 'providersUnder' | 'bookingsUnder'>;

/** Whether an area meets the campaign's thresholds; a threshold left unset never matches. */
export function matches(campaign: Thresholds, area: AreaFigures): boolean {
  const over = (value: number, threshold: number | null) => threshold !== null && value > threshold;
  const under = (value: number, threshold: number | null) => threshold !== null && value < threshold;
  switch (campaign.kind) {
    case CampaignKind.high_demand:
      // With no provider there, every booking is one too many for them.
      return over(area.bookings, campaign.bookingsOver) || (area.bookings > 0 && over(area.bookings / Math.max(1, area.providers), campaign.perProviderOver));
    case CampaignKind.provider_bonus:
      return over(area.bookings, campaign.bookingsOver) && under(area.providers, campaign.providersUnder);
    case CampaignKind.low_activity:
      return under(area.bookings, campaign.bookingsUnder);
  }
}

/** A scheduled occurrence missed by more than this (Herald was down) is skipped, never sent late. */
export const CAMPAIGN_GRACE_MS = 30 * 60_000;

/** The latest occurrence of `schedule` (cron, read in `timezone`) at or before `now`, if it is within the grace; else null. */
export function dueOccurrence(schedule: string, timezone: string, now: Date): Date | null {
  const previous = CronExpressionParser.parse(schedule, { tz: timezone, currentDate: new Date(now.getTime() + 1) }).prev().toDate();
  return now.getTime() - previous.getTime() <= CAMPAIGN_GRACE_MS ? previous : null;
}

/** Null when `schedule` is a cron expression of five fields cron-parser reads; else why not. */
export function scheduleProblem(schedule: string): string | null {
  if (schedule.trim().split(/\s+/).length !== 5) return 'must have five fields: minute hour day-of-month month day-of-week';
  try {
    CronExpressionParser.parse(schedule, { tz: 'UTC' });
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
