const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
export const DURATION = /^(\d+)(ms|s|m|h|d)$/;
export const DURATION_LIST = /^\s*\d+(ms|s|m|h|d)\s*(,\s*\d+(ms|s|m|h|d)\s*)*$/;
/** Durations in whole seconds ("ms" only in multiples of 1000), for offsets that are stored in seconds. */
const WHOLE_SECONDS = String.raw`(\d+(s|m|h|d)|(\d*000|0)ms)`;
export const WHOLE_SECONDS_DURATION = new RegExp(`^${WHOLE_SECONDS}$`);
export const WHOLE_SECONDS_DURATION_OR_OFF = new RegExp(`^(off|${WHOLE_SECONDS})$`);
/** Durations in whole seconds, each optionally naming a channel: "2d@email,1d@sms,2h". */
const TIMED_ENTRY = String.raw`${WHOLE_SECONDS}(@(telegram|email|sms))?`;
export const WHOLE_SECONDS_SCHEDULE = new RegExp(String.raw`^\s*${TIMED_ENTRY}\s*(,\s*${TIMED_ENTRY}\s*)*$`);

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

/** "2d@email, 1h" → [{ ms: 172800000, channel: 'email' }, { ms: 3600000, channel: null }]; validated with WHOLE_SECONDS_SCHEDULE first. */
export function parseSchedule(text: string): { ms: number; channel: string | null }[] {
  if (text.trim() === '') return [];
  return text.split(',').map((entry) => {
    const [duration, channel] = entry.trim().split('@');
    return { ms: parseDuration(duration), channel: channel ?? null };
  });
}
