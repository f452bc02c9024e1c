/** HMAC-SHA256 signatures of raw bodies, as Meta (`X-Hub-Signature-256`) and Baton (`X-Baton-Signature`) use. */
import { createHmac, timingSafeEqual } from 'node:crypto';

export function sign(secret: string, rawBody: string): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody, 'utf8').digest('hex')}`;
}

/** Constant-time comparison over the raw body as received, before anything parses it. */
export function hasValidSignature(secret: string, rawBody: string, header: string | undefined): boolean {
  return header !== undefined && sameSecret(header.trim(), sign(secret, rawBody));
}

/** Whether `given` is `expected`, in constant time; an empty `expected` matches nothing. */
export function sameSecret(given: string | undefined, expected: string): boolean {
  const a = Buffer.from(given ?? '', 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return b.length > 0 && a.length === b.length && timingSafeEqual(a, b);
}
