/**
 * A user's WhatsApp media, as Meta's media reference describes the download: `GET /{version}/{media-id}`
 * with the tenant's token answers a URL valid for 5 minutes (with `mime_type`, `sha256`, `file_size`),
 * then `GET` on that URL with the same token answers the bytes. They pass through, never held whole.
 */
import * as z from 'zod/mini';
import type { SecretResolver } from '../config/secrets';
import type { TenantConfig } from '../config/tenants';
import { httpUrl, nonEmptyString, safeParse } from '../validation/zod';
import { type HttpCall, type HttpStreamCall, OutsideCallError, parseJsonBody } from './http';

type WhatsAppConfig = NonNullable<TenantConfig['whatsapp']>;

export interface OpenedMedia {
  mimeType: string;
  contentLength: number | undefined;
  body: ReadableStream<Uint8Array>;
}

export interface WhatsAppMedia {
  /** `deadlineMs`: for the whole download (the function's remaining time, less a margin). */
  open(
    config: WhatsAppConfig,
    media: { mediaId: string; phoneNumberId: string },
    deadlineMs: number,
  ): Promise<OpenedMedia>;
}

/** A MIME type fit to send on as `content-type` (no parameters but one `; codecs=…` or the like). */
const MIME_TYPE = /^[a-z0-9][\w.+-]*\/[\w.+-]+(?:; ?[\w.-]+=[\w.,"-]+)?$/i;

const mediaUrlSchema = z.object({
  url: httpUrl(),
  mime_type: nonEmptyString(),
  // Meta documents a string of digits; some answers carry a number.
  file_size: z.optional(z.union([z.string(), z.number()])),
  id: z.optional(z.string()),
});

export function createWhatsAppMedia(
  http: HttpCall,
  stream: HttpStreamCall,
  secrets: SecretResolver,
): WhatsAppMedia {
  return {
    async open(config, media, deadlineMs) {
      const token = await secrets.resolve(config.accessToken);
      const base = config.graphApiUrl.replace(/\/+$/, '');
      const authorization = `Bearer ${token}`;
      // The number the media came to: Meta then answers only for media of that number.
      const query = new URLSearchParams({ phone_number_id: media.phoneNumberId });
      const answer = await http({
        system: 'whatsapp',
        method: 'GET',
        url: `${base}/${config.apiVersion}/${encodeURIComponent(media.mediaId)}?${query}`,
        timeoutMs: config.timeoutMs,
        headers: { authorization },
      });
      const described = safeParse(mediaUrlSchema, parseJsonBody('whatsapp', answer.text));
      if (!described.success)
        throw new OutsideCallError('whatsapp', 'invalid-response', 'media answer without url and mime_type');
      const download = await stream({
        system: 'whatsapp',
        method: 'GET',
        url: described.data.url,
        timeoutMs: config.timeoutMs,
        deadlineMs,
        headers: { authorization },
      });
      const mimeType = MIME_TYPE.test(described.data.mime_type)
        ? described.data.mime_type
        : 'application/octet-stream';
      const size = Number(described.data.file_size);
      return {
        mimeType,
        contentLength: download.contentLength ?? (Number.isSafeInteger(size) && size >= 0 ? size : undefined),
        body: download.body,
      };
    },
  };
}
