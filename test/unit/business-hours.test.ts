import { businessHoursSchema } from '../../shared/config/business-hours';
import { isOpenAt, localTime } from '../../shared/domain/business-hours';

const amsterdam = businessHoursSchema.parse({
  timeZone: 'Europe/Amsterdam',
  weekly: { mon: ['09:00-12:00', '13:00-17:30'], sat: ['10:00-24:00'] },
  holidays: ['2026-12-28'],
});

/** An instant given as UTC. */
const at = (iso: string) => Date.parse(iso);

test('local time is the time zone’s, across the change to and from summer time', () => {
  // Winter: UTC+1. Summer: UTC+2 (from the last Sunday of March).
  expect(localTime('Europe/Amsterdam', at('2026-12-07T08:00:00Z'))).toEqual({
    day: 'mon',
    date: '2026-12-07',
    time: '09:00',
  });
  expect(localTime('Europe/Amsterdam', at('2026-06-01T07:00:00Z'))).toEqual({
    day: 'mon',
    date: '2026-06-01',
    time: '09:00',
  });
  // Late on Saturday in New York is Sunday in UTC.
  expect(localTime('America/New_York', at('2026-12-06T03:30:00Z'))).toMatchObject({
    day: 'sat',
    date: '2026-12-05',
  });
});

test.each([
  ['Monday 08:59 local', '2026-12-07T07:59:00Z', false],
  ['Monday 09:00 local: opens', '2026-12-07T08:00:00Z', true],
  ['Monday 11:59 local', '2026-12-07T10:59:00Z', true],
  ['Monday 12:00 local: lunch (a range ends before its end time)', '2026-12-07T11:00:00Z', false],
  ['Monday 13:00 local', '2026-12-07T12:00:00Z', true],
  ['Monday 17:29 local', '2026-12-07T16:29:00Z', true],
  ['Monday 17:30 local: closed', '2026-12-07T16:30:00Z', false],
  ['Monday 09:00 in summer (UTC+2)', '2026-06-01T07:00:00Z', true],
  ['Monday 08:00 UTC in summer is 10:00 local', '2026-06-01T08:00:00Z', true],
  ['Tuesday: not in the week at all', '2026-12-08T10:00:00Z', false],
  ['Saturday 23:59 local: open to midnight', '2026-12-05T22:59:00Z', true],
  ['Sunday 00:00 local', '2026-12-05T23:00:00Z', false],
  ['a Monday that is a holiday', '2026-12-28T10:00:00Z', false],
])('%s: open %s', (_name, iso, open) => {
  expect(isOpenAt(amsterdam, at(iso))).toBe(open);
});

test('holidays default to none; a day with no ranges is closed', () => {
  const hours = businessHoursSchema.parse({ timeZone: 'UTC', weekly: { mon: [] } });
  expect(hours.holidays).toEqual([]);
  expect(isOpenAt(hours, at('2026-12-07T10:00:00Z'))).toBe(false);
});
