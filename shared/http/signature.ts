/**
 * HMAC-SHA256 signatures, always over the raw bytes as sent: Meta's over the body
 * (`X-Hub-Signature-256`); Baton's over `<timestamp>.<body>` (`X-Baton-Timestamp` in Unix seconds,
 * `X-Baton-Signature`), so a captured request cannot be replayed once its timestamp is 5 minutes old.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-baton-signature';
export const TIMESTAMP_HEADER = 'x-baton-timestamp';
/** How far a signed timestamp may be from the receiver's clock, either way. */
export const SIGNATURE_WINDOW_SECONDS = 300;

export function sign(secret: string, payload: string | Uint8Array): string {
  return `sha256=${createHmac('sha256', secret).update(payload).digest('hex')}`;
}

/** The headers Baton signs a request with: the body as it will be sent, at `nowMs`. */
export function signatureHeaders(secret: string, body: string, nowMs = Date.now()): Record<string, string> {
  const timestamp = String(Math.floor(nowMs / 1000));
  return { [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: sign(secret, `${timestamp}.${body}`) };
}

/** Meta's signature: constant-time, over the raw body as received, before anything parses it. */
export function hasValidSignature(secret: string, rawBody: Uint8Array, header: string | undefined): boolean {
  return header !== undefined && sameSecret(header.trim(), sign(secret, rawBody));
}

export type SignatureCheck = 'valid' | 'invalid' | 'expired';

export interface SignedRequest {
  rawBody: Uint8Array;
  signature: string | undefined;
  timestamp: string | undefined;
}

/**
 * Baton's signature on an inbound request. Without a timestamp only if `acceptUntimed` (the body
 * alone signed, as before timestamps: replayable, so only while a caller migrates).
 */
export function checkSignature(
  secret: string,
  request: SignedRequest,
  options: { nowMs: number; acceptUntimed: boolean },
): SignatureCheck {
  const { rawBody, signature, timestamp } = request;
  if (timestamp === undefined)
    return options.acceptUntimed && hasValidSignature(secret, rawBody, signature) ? 'valid' : 'invalid';
  if (!/^\d{1,12}$/.test(timestamp) || signature === undefined) return 'invalid';
  const signed = Buffer.concat([Buffer.from(`${timestamp}.`, 'utf8'), rawBody]);
  if (!sameSecret(signature.trim(), sign(secret, signed))) return 'invalid';
  const skew = Math.abs(options.nowMs / 1000 - Number(timestamp));
  return skew <= SIGNATURE_WINDOW_SECONDS ? 'valid' : 'expired';
}

/** Whether `given` is `expected`, in constant time; an empty `expected` matches nothing. */
export function sameSecret(given: string | undefined, expected: string): boolean {
  const a = Buffer.from(given ?? '', 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return b.length > 0 && a.length === b.length && timingSafeEqual(a, b);
}
