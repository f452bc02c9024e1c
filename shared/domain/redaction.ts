/**
 * What a transcript must not carry: card numbers by default (digits that pass the Luhn check, so an
 * order or phone number stays readable) and the tenant's own patterns. Pure.
 */

export const REDACTED_CARD = '[card number]';
export const REDACTED = '[redacted]';

export interface RedactionRules {
  cardNumbers: boolean;
  /** Regular expressions (JavaScript syntax, matched case-insensitively), each match replaced. */
  patterns: readonly string[];
}

/** 13 to 19 digits, single spaces or dashes between them allowed (`4111 1111 1111 1111`). */
const CARD_CANDIDATE = /(?<!\d)\d(?:[ -]?\d){12,18}(?!\d)/g;

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
    let out = rules.cardNumbers
      ? text.replace(CARD_CANDIDATE, (match) =>
          passesLuhn(match.replace(/\D/g, '')) ? REDACTED_CARD : match,
        )
      : text;
    for (const pattern of patterns) out = out.replace(pattern, REDACTED);
    return out;
  };
}
