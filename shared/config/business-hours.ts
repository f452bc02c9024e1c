/** A tenant's business hours: weekly opening times in an IANA time zone, and holiday dates. */
import * as z from 'zod/mini';

const TIME = '([01]\\d|2[0-3]):[0-5]\\d';
const RANGE = new RegExp(`^${TIME}-(${TIME}|24:00)$`);

/** `09:00-17:30`, local time; `24:00` closes at midnight. A range may not cross midnight: use two. */
const rangeSchema = z.string().check(
  z.regex(RANGE, 'a range of local times, HH:MM-HH:MM'),
  z.refine((range) => {
    const [from = '', to = ''] = range.split('-');
    return from < to;
  }, 'a range must end after it starts (to cross midnight, use two ranges)'),
);

const daySchema = z.optional(z.array(rangeSchema).check(z.maxLength(10)));

const isTimeZone = (zone: string): boolean => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

export const businessHoursSchema = z.strictObject({
  /** An IANA time zone, e.g. `Europe/Amsterdam`: the hours and holidays are its local time. */
  timeZone: z.string().check(z.refine(isTimeZone, 'an IANA time zone, e.g. Europe/Amsterdam')),
  /** Opening ranges per weekday; a day left out (or empty) is closed all day. */
  weekly: z.strictObject({
    mon: daySchema,
    tue: daySchema,
    wed: daySchema,
    thu: daySchema,
    fri: daySchema,
    sat: daySchema,
    sun: daySchema,
  }),
  /** Local dates closed all day, `YYYY-MM-DD`. */
  holidays: z._default(
    z.array(z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/, 'a date, YYYY-MM-DD'))).check(z.maxLength(400)),
    [],
  ),
});

export type BusinessHours = z.infer<typeof businessHoursSchema>;
