import { CampaignKind } from '../../notifications/notification.entity';
import { CAMPAIGN_GRACE_MS, dueOccurrence, matches, scheduleProblem } from './campaign-rules';

const highDemand = { kind: CampaignKind.high_demand, bookingsOver: 5, perProviderOver: 3, providersUnder: null, bookingsUnder: null };
const bonus = { kind: CampaignKind.provider_bonus, bookingsOver: 8, perProviderOver: null, providersUnder: 3, bookingsUnder: null };
const lowActivity = { kind: CampaignKind.low_activity, bookingsOver: null, perProviderOver: null, providersUnder: null, bookingsUnder: 3 };
const area = (bookings: number, providers: number) => ({ postalCode: '100000', bookings, providers });

describe(matches.name, () => {
  it('high demand: more than 5 bookings, or more than 3 per provider', () => {
    expect(matches(highDemand, area(5, 2))).toBe(false);
    expect(matches(highDemand, area(6, 2))).toBe(true);
    expect(matches(highDemand, area(3, 1))).toBe(false);
    expect(matches(highDemand, area(4, 1))).toBe(true);
    // Nobody serves it: every booking is one too many.
    expect(matches(highDemand, area(4, 0))).toBe(true);
    expect(matches(highDemand, area(0, 0))).toBe(false);
  });

  it('provider bonus: more than 8 bookings and fewer than 3 providers', () => {
    expect(matches(bonus, area(9, 2))).toBe(true);
    expect(matches(bonus, area(8, 2))).toBe(false);
    expect(matches(bonus, area(9, 3))).toBe(false);
  });

  it('low activity: fewer than 3 bookings, none included; an unset threshold never matches', () => {
    expect(matches(lowActivity, area(0, 0))).toBe(true);
    expect(matches(lowActivity, area(2, 1))).toBe(true);
    expect(matches(lowActivity, area(3, 1))).toBe(false);
    expect(matches({ ...lowActivity, bookingsUnder: null }, area(0, 0))).toBe(false);
  });
});

describe(dueOccurrence.name, () => {
  // Monday 10 March 2031, 11:00 in Tashkent (UTC+5).
  const eleven = new Date('2031-03-10T06:00:00Z');

  it("is the schedule's latest occurrence in its zone, within the grace", () => {
    expect(dueOccurrence('0 11 * * 1,3,5', 'Asia/Tashkent', eleven)).toEqual(eleven);
    expect(dueOccurrence('0 11 * * 1,3,5', 'Asia/Tashkent', new Date(eleven.getTime() + CAMPAIGN_GRACE_MS))).toEqual(eleven);
    expect(dueOccurrence('0 11 * * 1,3,5', 'Asia/Tashkent', new Date(eleven.getTime() + CAMPAIGN_GRACE_MS + 1))).toBeNull();
    // Tuesday: not a day of the schedule.
    expect(dueOccurrence('0 11 * * 1,3,5', 'Asia/Tashkent', new Date(eleven.getTime() + 24 * 3_600_000))).toBeNull();
  });

  it('follows the zone across a DST change', () => {
    // New York springs forward on 9 March 2031: 09:00 EDT is 13:00Z.
    expect(dueOccurrence('0 9 * * *', 'America/New_York', new Date('2031-03-10T13:10:00Z'))).toEqual(new Date('2031-03-10T13:00:00Z'));
  });
});

describe(scheduleProblem.name, () => {
  it('accepts five-field cron expressions and says what is wrong with others', () => {
    expect(scheduleProblem('0 9 * * *')).toBeNull();
    expect(scheduleProblem('0 9 * *')).toMatch(/five fields/);
    expect(scheduleProblem('61 9 * * *')).toMatch(/0-59/);
  });
});
