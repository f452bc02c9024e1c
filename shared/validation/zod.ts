/**
 * What Lambda code needs around `zod/mini`, the functional build of zod v4 (~16 KB bundled,
 * classic `zod` ~90 KB): same core, same parsing, same issues; only the API is functions
 * (`z.optional(s)`, `s.check(z.maxLength(n))`) instead of methods. Modules import
 * `* as z from 'zod/mini'` themselves: a namespace re-exported from here would defeat
 * tree shaking and bundle all of zod (and every locale) again.
 */
import { en } from 'zod/locales';
import * as z from 'zod/mini';

// Classic zod loads the English messages by itself; mini loads none, and every built-in issue would
// read "Invalid input". The 400s and the configuration errors quote these messages, so whatever
// reads an issue parses through `parse` / `safeParse` below, which guarantees this ran first.
// `en` is imported by name: `z.locales.en()` would bundle every locale (~300 KB).
z.config(en());

/** `safeParse` for any zod schema (mini, or classic in tests and tools), with English messages. */
export const safeParse = z.safeParse;

/**
 * `parse` for any zod schema, with English messages. The error thrown is named `ZodError` as classic
 * zod names it (mini says `$ZodError`): the name ends up in logs and in dead-letter reasons.
 */
export function parse<Schema extends z.core.$ZodType>(schema: Schema, input: unknown): z.output<Schema> {
  const result = z.safeParse(schema, input);
  if (result.success) return result.data;
  result.error.name = 'ZodError';
  throw result.error;
}

/** A string of at least one character. */
export const nonEmptyString = () => z.string().check(z.minLength(1));

/** A string of at most `max` characters. */
export const stringUpTo = (max: number) => z.string().check(z.maxLength(max));

/** A string of `min` to `max` characters. */
export const boundedString = (min: number, max: number) =>
  z.string().check(z.minLength(min), z.maxLength(max));

/** An integer from `min` to `max`, both included. */
export const intBetween = (min: number, max: number) => z.number().check(z.int(), z.gte(min), z.lte(max));
