/** Whether a tenant's business hours are open at an instant. Pure but for the platform's time zone data. */
import type { BusinessHours } from '../config/business-hours';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** Building a formatter costs far more than using one: one per time zone, kept. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      weekday: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The local weekday, date (`YYYY-MM-DD`) and time (`HH:MM`) of `now` in `timeZone`. */
export function localTime(timeZone: string, now: number): { day: Weekday; date: string; time: string } {
  const parts: Record<string, string> = {};
  for (const part of formatterFor(timeZone).formatToParts(now)) parts[part.type] = part.value;
  const short = (parts.weekday ?? '').toLowerCase();
  const day = WEEKDAYS.find((weekday) => weekday === short);
  if (!day) throw new Error(`unexpected weekday ${short} from Intl`);
  return {
    day,
    date: `${parts.year}-${parts.month}-${parts.day}`,
    time: `${parts.hour}:${parts.minute}`,
  };
}

/** Open when today is no holiday and the local time falls in one of today's ranges (end exclusive). */
export function isOpenAt(hours: BusinessHours, now: number): boolean {
  const { day, date, time } = localTime(hours.timeZone, now);
  if (hours.holidays.includes(date)) return false;
  return (hours.weekly[day] ?? []).some((range) => {
    const [from = '', to = ''] = range.split('-');
    return from <= time && time < to;
  });
}
