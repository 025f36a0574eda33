const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
export const DURATION = /^(\d+)(ms|s|m|h|d)$/;
export const DURATION_LIST = /^\s*\d+(ms|s|m|h|d)\s*(,\s*\d+(ms|s|m|h|d)\s*)*$/;
/** Durations in whole seconds ("ms" only in multiples of 1000), for offsets that are stored in seconds. */
const WHOLE_SECONDS = String.raw`(\d+(s|m|h|d)|(\d*000|0)ms)`;
export const WHOLE_SECONDS_DURATION = new RegExp(`^${WHOLE_SECONDS}$`);
export const WHOLE_SECONDS_DURATION_LIST = new RegExp(String.raw`^\s*${WHOLE_SECONDS}\s*(,\s*${WHOLE_SECONDS}\s*)*$`);
export const WHOLE_SECONDS_DURATION_OR_OFF = new RegExp(`^(off|${WHOLE_SECONDS})$`);

/** "90s" → 90000. Settings are validated with DURATION first, so a bad value here is a bug. */
export function parseDuration(text: string): number {
  const match = DURATION.exec(text.trim());
  if (!match) throw new Error(`not a duration: ${text}`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/** "72h, 36h" → [259200000, 129600000]; empty text → []. */
export function parseDurationList(text: string): number[] {
  return text.trim() === '' ? [] : text.split(',').map(parseDuration);
}
