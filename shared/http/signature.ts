/** HMAC-SHA256 signatures of raw bodies, as Meta (`X-Hub-Signature-256`) and Baton (`X-Baton-Signature`) use. */
import { createHmac, timingSafeEqual } from 'node:crypto';

export function sign(secret: string, rawBody: string): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody, 'utf8').digest('hex')}`;
}

/** Constant-time comparison over the raw body as received, before anything parses it. */
export function hasValidSignature(secret: string, rawBody: string, header: string | undefined): boolean {
  if (!header) return false;
  const expected = Buffer.from(sign(secret, rawBody), 'utf8');
  const given = Buffer.from(header.trim(), 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
