import { registerEnumType } from '@nestjs/graphql';

/** What postal codes can be ranked by; keys are the wire spelling. */
export enum PostalCodeMetric {
  bookings = 'bookings',
  completed = 'completed',
  cancelled = 'cancelled',
  no_show = 'no_show',
  providers_active = 'providers_active',
  revenue = 'revenue',
  rating = 'rating',
  response_time = 'response_time',
}
registerEnumType(PostalCodeMetric, {
  name: 'PostalCodeMetric',
  description: 'Highest first, except response_time (fastest first); rating, response_time and revenue rank only postal codes that have the figure',
});

/**
 * Each metric as an ORDER BY over `postal_code_daily`, and the rows that have it. Fixed SQL
 * chosen by enum key, never built from input; revenue reads the currency the query binds as
 * `chosen."currency"`.
 */
export const METRIC_ORDER: Record<PostalCodeMetric, { having: string; order: string }> = {
  [PostalCodeMetric.bookings]: { having: 'true', order: '"bookings_total" desc' },
  [PostalCodeMetric.completed]: { having: 'true', order: '"completed" desc' },
  [PostalCodeMetric.cancelled]: { having: 'true', order: '"cancelled" desc' },
  [PostalCodeMetric.no_show]: { having: 'true', order: '"no_show" desc' },
  [PostalCodeMetric.providers_active]: { having: 'true', order: '"providers_active" desc' },
  [PostalCodeMetric.revenue]: { having: 'jsonb_exists("revenue", chosen."currency")', order: '("revenue" -> chosen."currency" ->> \'total\')::numeric desc' },
  [PostalCodeMetric.rating]: { having: '"ratings_count" > 0', order: '"ratings_sum"::numeric / "ratings_count" desc' },
  [PostalCodeMetric.response_time]: { having: '"avg_response_seconds" is not null', order: '"avg_response_seconds" asc' },
};
