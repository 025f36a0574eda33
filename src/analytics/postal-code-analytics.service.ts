import { EntityManager, FilterQuery } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { Clock } from '../core/clock/clock';
import { rawQuery } from '../core/database/raw-query';
import { assertCursor, Page, PageInput, toPage } from '../core/pagination/pagination';
import { AnalyticsError } from './analytics.error';
import { METRIC_ORDER, PostalCodeMetric } from './postal-code-metric';
import { PostalCodeDaily } from './postal-code-daily.entity';

/** The widest offsets from UTC a zone has (Kiribati +14, Baker Island −12): a local date's bookings start within these bounds. */
const EARLIEST_OFFSET_HOURS = 14;
const LATEST_OFFSET_HOURS = 12;
const HOUR_MS = 3_600_000;

/**
 * The whole day in one statement: the bookings that start on `day` in their own time zone
 * (found by a UTC range first, so the zone arithmetic runs on few rows), their event times, their
 * captured payments and the providers serving each postal code, grouped per postal code and
 * upserted; the day's rows of postal codes without bookings any more are deleted in the same
 * statement, so a rerun leaves exactly what the data says now.
 */
const COMPUTE_DAY = `
with params as (
  select ?::date as "day", ?::timestamptz as "earliest", ?::timestamptz as "latest", ?::timestamptz as "computed_at"
),
day_bookings as (
  select b."id", b."postal_code", b."status", b."provider_id", b."starts_at", b."rating", ev."created_at", ev."confirmed_at", ev."completed_at"
  from params, "bookings" b
  left join lateral (
    select min(e."occurred_at") filter (where e."type" = 'created') as "created_at",
           min(e."occurred_at") filter (where e."type" = 'confirmed') as "confirmed_at",
           max(e."occurred_at") filter (where e."type" = 'completed') as "completed_at"
    from "booking_events" e
    where e."booking_id" = b."id"
  ) ev on true
  where b."postal_code" is not null
    and b."starts_at" >= params."earliest" and b."starts_at" < params."latest"
    and (b."starts_at" at time zone b."timezone")::date = params."day"
),
figures as (
  select "postal_code",
    count(*)::int as "bookings_total",
    count(*) filter (where "status" = 'pending')::int as "pending",
    count(*) filter (where "status" = 'confirmed')::int as "confirmed",
    count(*) filter (where "status" = 'completed')::int as "completed",
    count(*) filter (where "status" = 'cancelled')::int as "cancelled",
    count(*) filter (where "status" = 'no_show')::int as "no_show",
    count(distinct "provider_id") filter (where "status" <> 'cancelled')::int as "providers_active",
    round(avg(extract(epoch from "confirmed_at" - "created_at")))::int as "avg_response_seconds",
    round(avg(extract(epoch from "completed_at" - "starts_at")) filter (where "status" = 'completed'))::int as "avg_completion_seconds",
    count("rating") filter (where "status" = 'completed')::int as "ratings_count",
    coalesce(sum("rating") filter (where "status" = 'completed'), 0)::int as "ratings_sum"
  from day_bookings
  group by "postal_code"
),
revenue_by_currency as (
  select d."postal_code", p."currency", sum(p."amount") as "total", count(distinct p."booking_id")::int as "bookings"
  from day_bookings d
  join "payments" p on p."booking_id" = d."id" and p."status" = 'captured'
  group by d."postal_code", p."currency"
),
revenue as (
  select "postal_code",
    jsonb_object_agg("currency", jsonb_build_object('total', "total"::text, 'bookings', "bookings", 'averageBookingValue', round("total" / "bookings", 2)::text)) as "revenue"
  from revenue_by_currency
  group by "postal_code"
),
available as (
  select served."code", count(*)::int as "providers"
  from "users" u
  cross join lateral unnest(u."postal_codes") as served("code")
  where 'provider' = any(u."roles") and served."code" in (select "postal_code" from figures)
  group by served."code"
),
stale as (
  delete from "postal_code_daily" where "day" = (select "day" from params) and "postal_code" not in (select "postal_code" from figures)
)
insert into "postal_code_daily" (
  "postal_code", "day", "bookings_total", "pending", "confirmed", "completed", "cancelled", "no_show", "providers_available", "providers_active",
  "avg_response_seconds", "avg_completion_seconds", "ratings_count", "ratings_sum", "revenue", "computed_at"
)
select f."postal_code", params."day", f."bookings_total", f."pending", f."confirmed", f."completed", f."cancelled", f."no_show", coalesce(a."providers", 0), f."providers_active",
  f."avg_response_seconds", f."avg_completion_seconds", f."ratings_count", f."ratings_sum", coalesce(r."revenue", '{}'::jsonb), params."computed_at"
from params, figures f
left join available a on a."code" = f."postal_code"
left join revenue r on r."postal_code" = f."postal_code"
on conflict ("postal_code", "day") do update set
  "bookings_total" = excluded."bookings_total", "pending" = excluded."pending", "confirmed" = excluded."confirmed", "completed" = excluded."completed",
  "cancelled" = excluded."cancelled", "no_show" = excluded."no_show", "providers_available" = excluded."providers_available",
  "providers_active" = excluded."providers_active", "avg_response_seconds" = excluded."avg_response_seconds",
  "avg_completion_seconds" = excluded."avg_completion_seconds", "ratings_count" = excluded."ratings_count", "ratings_sum" = excluded."ratings_sum",
  "revenue" = excluded."revenue", "computed_at" = excluded."computed_at"
returning "postal_code"`;

export interface DayComputed {
  day: string;
  /** How many postal codes had bookings that day, each now one row. */
  postalCodes: number;
}

export interface PostalCodeAnalyticsFilter {
  postalCode?: string | null;
  from?: string | null;
  to?: string | null;
}

/**
 * Daily figures per postal code: computed from bookings, their events and payments and the
 * providers' postal codes (read, never written, by this module), kept in `postal_code_daily`.
 */
@Injectable()
export class PostalCodeAnalytics {
  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
  ) {}

  /** Computes `day` (YYYY-MM-DD) and replaces its rows; the same data gives the same rows however often it runs. */
  async computeDay(day: string, em: EntityManager = this.em.fork()): Promise<DayComputed> {
    const midnight = Date.parse(`${day}T00:00:00Z`);
    const earliest = new Date(midnight - EARLIEST_OFFSET_HOURS * HOUR_MS);
    const latest = new Date(midnight + (24 + LATEST_OFFSET_HOURS) * HOUR_MS);
    const rows = await rawQuery<{ postal_code: string }>(em, COMPUTE_DAY, [day, earliest, latest, this.clock.now()]);
    return { day, postalCodes: rows.length };
  }

  /** One day's figures, a row per postal code with bookings that day: what campaigns read to pick their areas. */
  figuresFor(day: string, em: EntityManager = this.em.fork()): Promise<PostalCodeDaily[]> {
    return em.find(PostalCodeDaily, { day }, { orderBy: { postalCode: 'asc' } });
  }

  /** Daily rows, newest day first, then by postal code. */
  async list(filter: PostalCodeAnalyticsFilter = {}, page: PageInput = new PageInput()): Promise<Page<PostalCodeDaily>> {
    assertCursor(page.after);
    if (filter.from && filter.to && filter.from > filter.to) throw AnalyticsError.badRange(filter.from, filter.to);
    const where: FilterQuery<PostalCodeDaily> = {};
    if (filter.postalCode) where.postalCode = filter.postalCode;
    if (filter.from || filter.to) where.day = { ...(filter.from ? { $gte: filter.from } : {}), ...(filter.to ? { $lte: filter.to } : {}) };
    const cursor = await this.em.findByCursor(PostalCodeDaily, where, { first: page.first, after: page.after, orderBy: { day: 'desc', postalCode: 'asc' } });
    return toPage(cursor);
  }

  /** The `top` postal codes of `day` by `metric`; ties go to the lower postal code. */
  async ranking(day: string, metric: PostalCodeMetric, top: number, currency: string | null): Promise<PostalCodeDaily[]> {
    if (metric === PostalCodeMetric.revenue && !currency) throw AnalyticsError.currencyRequired();
    const { having, order } = METRIC_ORDER[metric];
    const em = this.em.fork();
    const rows = await rawQuery<Record<string, unknown>>(
      em,
      `select d.* from "postal_code_daily" d cross join (select ?::text as "currency") chosen
       where d."day" = ?::date and ${having} order by ${order}, d."postal_code" asc limit ?`,
      [currency, day, top],
    );
    return rows.map((row) => em.map(PostalCodeDaily, row));
  }
}

