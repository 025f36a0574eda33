import { ErrorKind, HeraldError } from '../core/errors/herald-error';

export enum AnalyticsErrorReason {
  RevenueForbidden = 'ANALYTICS_REVENUE_FORBIDDEN',
  CurrencyRequired = 'ANALYTICS_CURRENCY_REQUIRED',
  BadRange = 'ANALYTICS_BAD_RANGE',
  CampaignNotFound = 'CAMPAIGN_NOT_FOUND',
}

/** What the analytics module (figures and campaigns) refuses, and why. */
export class AnalyticsError extends HeraldError {
  static revenueForbidden() {
    return new AnalyticsError(ErrorKind.Forbidden, AnalyticsErrorReason.RevenueForbidden, 'Revenue figures are for finance and admins only');
  }

  static currencyRequired() {
    return new AnalyticsError(ErrorKind.BadUserInput, AnalyticsErrorReason.CurrencyRequired, 'Ranking by revenue needs a currency: totals of different currencies do not compare', {
      fields: [{ field: 'currency', problems: ['is required when metric is revenue'] }],
    });
  }

  static badRange(from: string, to: string) {
    return new AnalyticsError(ErrorKind.BadUserInput, AnalyticsErrorReason.BadRange, `from (${from}) must not be after to (${to})`, {
      fields: [{ field: 'from', problems: ['must not be after to'] }],
    });
  }

  static campaignNotFound(id: string) {
    return new AnalyticsError(ErrorKind.NotFound, AnalyticsErrorReason.CampaignNotFound, `Campaign ${id} not found`, { id });
  }
}
