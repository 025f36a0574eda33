import { Context, Liquid } from 'liquidjs';
import { zoneOrUtc } from '../../core/time/zones';
import { formatLeft } from '../../notifications/rendering/default-message-renderer';
import { formatDate, formatDateTime, formatMoney, formatRelative, formatTime } from './local-format';
import type { TemplateVariables } from './template-variables';

/** Where the filters find the render's variables: its locale, display zone and moment. */
export const VARIABLES_REGISTER = 'heraldVariables';

/** What LiquidJS calls a filter with as `this` (its own type is not exported). */
export interface FilterCall {
  context: Context;
  token: { name: string };
}

function variablesOf(filter: FilterCall): TemplateVariables {
  return filter.context.getRegister(VARIABLES_REGISTER) as TemplateVariables;
}

const CALENDAR_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A filter's input as an instant and the zone to read it in; a calendar date (YYYY-MM-DD) names its day in any zone. */
function instantOf(filter: FilterCall, value: unknown, zone: unknown): { instant: Date; zone: string } {
  if (typeof value === 'string' && CALENDAR_DATE.test(value)) return { instant: new Date(`${value}T12:00:00Z`), zone: 'UTC' };
  const instant = value instanceof Date ? value : typeof value === 'string' || typeof value === 'number' ? new Date(value) : null;
  if (!instant || Number.isNaN(instant.getTime())) throw new Error(`${filter.token.name}: not a date: ${String(value)}`);
  return { instant, zone: zone === undefined ? variablesOf(filter).zone : knownZone(filter, String(zone)) };
}

/** A zone a template names must exist: a typo would otherwise show UTC times without a word. */
function knownZone(filter: FilterCall, zone: string): string {
  if (zoneOrUtc(zone) !== zone) throw new Error(`${filter.token.name}: unknown time zone: ${zone}`);
  return zone;
}

/** A filter writing an instant in the render's locale; null prints as nothing, as a missing date should. */
function instantFilter(write: (instant: Date, locale: string, zone: string) => string) {
  return function (this: FilterCall, value: unknown, zone?: unknown): string {
    if (value === null || value === undefined) return '';
    const local = instantOf(this, value, zone);
    return write(local.instant, variablesOf(this).locale, local.zone);
  };
}

function numberOf(filter: FilterCall, value: unknown): number {
  const number = typeof value === 'number' ? value : Number(value);
  if (value === null || value === '' || !Number.isFinite(number)) throw new Error(`${filter.token.name}: not a number: ${String(value)}`);
  return number;
}

/**
 * Herald's filters, each writing in the render's locale: `date`, `time` and `datetime` (in the
 * render's zone, or the one given: `| date: booking.timezone`), `duration` (milliseconds),
 * `money` (major units, an ISO currency, UZS unless given) and `relative` (from now).
 * `date` replaces Liquid's strftime filter: templates name no formats.
 */
export function registerFilters(liquid: Liquid): void {
  liquid.registerFilter('date', instantFilter(formatDate));
  liquid.registerFilter('time', instantFilter(formatTime));
  liquid.registerFilter('datetime', instantFilter(formatDateTime));
  liquid.registerFilter('duration', function (this: FilterCall, ms: unknown) {
    return formatLeft(numberOf(this, ms), variablesOf(this).locale);
  });
  liquid.registerFilter('money', function (this: FilterCall, amount: unknown, currency: unknown = 'UZS') {
    return formatMoney(numberOf(this, amount), variablesOf(this).locale, String(currency).toUpperCase());
  });
  liquid.registerFilter('relative', function (this: FilterCall, value: unknown) {
    if (value === null || value === undefined) return '';
    const variables = variablesOf(this);
    return formatRelative(instantOf(this, value, undefined).instant, variables.scope.now, variables.locale);
  });
}
