/**
 * What a transcript must not carry: card numbers by default (13 to 19 digits that pass the Luhn
 * check, so an order or phone number stays readable) and the tenant's own patterns. Pure.
 */

export const REDACTED_CARD = '[card number]';
export const REDACTED = '[redacted]';

export interface RedactionRules {
  cardNumbers: boolean;
  /** Regular expressions (JavaScript syntax, matched case-insensitively), each match replaced. */
  patterns: readonly string[];
}

/**
 * Digit groups joined by up to three spaces, dots, dashes or slashes, or a line break
 * (`4111 1111 1111 1111 123`, `4111.1111.1111.1111`, `4111 - 1111 - …`), not touching more digits.
 */
const DIGIT_RUN = /(?<!\d)\d+(?:(?:[ \t\u00a0.\-/]{1,3}|\r?\n)\d+)*(?!\d)/g;

/**
 * A run with its card numbers replaced: each span of whole groups holding 13 to 19 digits that pass
 * the Luhn check (the longest from each group on), so a CVV, an expiry or a quantity beside a card
 * does not hide it, and a longer number without separators is no card.
 */
function withoutCards(run: string): string {
  const groups = [...run.matchAll(/\d+/g)].map((match) => ({ at: match.index, digits: match[0] }));
  const spans: Array<{ from: number; to: number }> = [];
  for (let i = 0; i < groups.length; ) {
    let found = -1;
    let digits = '';
    for (let j = i; j < groups.length; j += 1) {
      digits += groups[j]?.digits ?? '';
      if (digits.length > 19) break;
      if (digits.length >= 13 && passesLuhn(digits)) found = j;
    }
    if (found < 0) {
      i += 1;
      continue;
    }
    const first = groups[i];
    const last = groups[found];
    if (first && last) spans.push({ from: first.at, to: last.at + last.digits.length });
    i = found + 1;
  }
  let out = run;
  for (const { from, to } of spans.reverse()) out = `${out.slice(0, from)}${REDACTED_CARD}${out.slice(to)}`;
  return out;
}

/** The Luhn checksum every payment card number passes. */
export function passesLuhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

/** Whether a pattern compiles as the redaction uses it, for the configuration check. */
export function isValidPattern(pattern: string): boolean {
  try {
    new RegExp(pattern, 'giu');
    return true;
  } catch {
    return false;
  }
}

/** A function that redacts one text by the rules; compiled once per tenant. */
export function redactor(rules: RedactionRules): (text: string) => string {
  const patterns = rules.patterns.map((pattern) => new RegExp(pattern, 'giu'));
  return (text) => {
    let out = rules.cardNumbers ? text.replace(DIGIT_RUN, withoutCards) : text;
    for (const pattern of patterns) out = out.replace(pattern, REDACTED);
    return out;
  };
}
