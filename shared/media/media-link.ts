/**
 * Links to a user's media that a desk or bot can fetch without WhatsApp's token: Baton's media
 * endpoint (functions/media) with a token naming the tenant's media, signed (HMAC-SHA256 with the
 * stack's media link key) and expiring. Nothing is stored: the link carries all it needs.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import * as z from 'zod/mini';
import { boundedString, integer, safeParse } from '../validation/zod';

/** What a link names: the media (WhatsApp's id) and the number it came to, until when. */
export interface MediaLinkClaims {
  mediaId: string;
  phoneNumberId: string;
  /** Epoch milliseconds (kept to the second). */
  expiresAt: number;
}

export type MediaLinkCheck =
  | { outcome: 'valid'; claims: MediaLinkClaims }
  | { outcome: 'invalid' }
  | { outcome: 'expired' };

export interface MediaLinks {
  /** The URL of the media for `tenantId`, valid `minutes` from `nowMs`. */
  linkFor(
    tenantId: string,
    media: Omit<MediaLinkClaims, 'expiresAt'>,
    minutes: number,
    nowMs: number,
  ): Promise<string>;
  /** Whether `token` is a link of `tenantId`'s, signed here and not yet expired at `nowMs`. */
  check(tenantId: string, token: string, nowMs: number): Promise<MediaLinkCheck>;
}

/** The path of the media endpoint (in AWS a function URL of its own: see functions/media). */
export const MEDIA_PATH =
  /^\/v1\/([a-z0-9][a-z0-9-]{0,39})\/media\/([A-Za-z0-9_-]{1,600}\.[A-Za-z0-9_-]{43})$/;

// Another use of the same key could never produce a valid link: the signed text starts with this.
const DOMAIN = 'baton-media-link.v1';

const payloadSchema = z.object({
  m: boundedString(1, 256),
  p: boundedString(1, 64),
  e: integer(),
});

const mac = (key: string, tenantId: string, payload: string): Buffer =>
  createHmac('sha256', key).update(`${DOMAIN}\n${tenantId}\n${payload}`).digest();

export function signMediaToken(key: string, tenantId: string, claims: MediaLinkClaims): string {
  const payload = Buffer.from(
    JSON.stringify({ m: claims.mediaId, p: claims.phoneNumberId, e: Math.floor(claims.expiresAt / 1000) }),
  ).toString('base64url');
  return `${payload}.${mac(key, tenantId, payload).toString('base64url')}`;
}

export function checkMediaToken(key: string, tenantId: string, token: string, nowMs: number): MediaLinkCheck {
  const [payload = '', signature = '', ...rest] = token.split('.');
  if (rest.length > 0 || payload === '') return { outcome: 'invalid' };
  const expected = mac(key, tenantId, payload);
  // Only the one canonical spelling: base64url's last character carries unused bits, and a link
  // differing there alone would otherwise pass as the same signature.
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || given.toString('base64url') !== signature)
    return { outcome: 'invalid' };
  if (!timingSafeEqual(given, expected)) return { outcome: 'invalid' };
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { outcome: 'invalid' };
  }
  const parsed = safeParse(payloadSchema, json);
  if (!parsed.success) return { outcome: 'invalid' };
  const claims = { mediaId: parsed.data.m, phoneNumberId: parsed.data.p, expiresAt: parsed.data.e * 1000 };
  return claims.expiresAt <= nowMs ? { outcome: 'expired' } : { outcome: 'valid', claims };
}

/**
 * `baseUrl`: where the media endpoint is served (undefined where links are only checked: the
 * endpoint itself); `key`: the media link key, read when first needed.
 */
export function createMediaLinks(baseUrl: string | undefined, key: () => Promise<string>): MediaLinks {
  const base = baseUrl?.replace(/\/+$/, '');
  return {
    async linkFor(tenantId, media, minutes, nowMs) {
      if (base === undefined) throw new Error('no media endpoint URL here (BATON_MEDIA_URL) to link to');
      const token = signMediaToken(await key(), tenantId, { ...media, expiresAt: nowMs + minutes * 60_000 });
      return `${base}/v1/${tenantId}/media/${token}`;
    },
    async check(tenantId, token, nowMs) {
      return checkMediaToken(await key(), tenantId, token, nowMs);
    },
  };
}
