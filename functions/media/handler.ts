/**
 * (Lambda function URL, response streaming) → media: `GET /v1/{tenant}/media/{token}`, a signed and
 * expiring link Baton gave a desk or bot, streams the user's media from WhatsApp's Graph API with
 * the tenant's token. The link is the authorization; nothing is stored.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { OutsideCallError } from '../../shared/clients/http';
import type { WhatsAppMedia } from '../../shared/clients/whatsapp-media';
import { type ResponseSink, sendJson } from '../../shared/http/response-sink';
import { errorFields } from '../../shared/log/logger';
import { MEDIA_PATH, type MediaLinks } from '../../shared/media/media-link';
import type { CorePorts } from '../../shared/runtime/runtime';
import type { Scoped } from '../../shared/runtime/tenant-scope';

export interface MediaPorts extends CorePorts {
  whatsappMedia: WhatsAppMedia;
  mediaLinks: MediaLinks;
}

/** What the download may take at most: a 100 MB document at the 2 MB/s Lambda streams past 6 MB. */
export const DOWNLOAD_DEADLINE_MS = 100_000;

/** Shown in place (a browser plays or shows it); anything else is a download, never rendered here. */
const INLINE = /^(image|audio|video)\//;

const refuse = (sink: ResponseSink, status: number, error: string, message: string) =>
  sendJson(sink, status, { error, message });

export function createHandler(rt: Scoped<MediaPorts>) {
  return async (event: APIGatewayProxyEventV2, sink: ResponseSink): Promise<void> => {
    const method = event.requestContext.http.method;
    if (method !== 'GET') return refuse(sink, 405, 'method_not_allowed', 'only GET');
    const [, tenantId = '', token = ''] = MEDIA_PATH.exec(event.rawPath) ?? [];
    const tenant = rt.tenants.get(tenantId);
    if (!tenant?.whatsapp) return refuse(sink, 404, 'not_found', 'no such media link');
    const check = await rt.mediaLinks.check(tenant.id, token, rt.clock.now());
    if (check.outcome === 'invalid')
      return refuse(sink, 403, 'invalid_link', 'not a media link of this tenant');
    if (check.outcome === 'expired') return refuse(sink, 410, 'link_expired', 'the media link has expired');
    const ports = await rt.forTenant(tenant.id);
    let opened: Awaited<ReturnType<WhatsAppMedia['open']>>;
    try {
      opened = await ports.whatsappMedia.open(tenant.whatsapp, check.claims, DOWNLOAD_DEADLINE_MS);
    } catch (error) {
      const status = error instanceof OutsideCallError ? error.status : undefined;
      // Meta answers 404, or 400 with its "object does not exist" error, for media it no longer keeps.
      if (status === 404 || status === 400) {
        rt.logger.info('media no longer at WhatsApp', { tenantId: tenant.id, status });
        return refuse(sink, 404, 'media_not_found', 'WhatsApp no longer has this media');
      }
      rt.logger.error('media fetch failed', { tenantId: tenant.id, status, ...errorFields(error) });
      rt.metrics.put({ name: 'MediaFetchFailed', value: 1, unit: 'Count', tenant: tenant.id });
      const timedOut = error instanceof OutsideCallError && error.kind === 'timeout';
      return refuse(
        sink,
        timedOut ? 504 : 502,
        'whatsapp_unavailable',
        'WhatsApp did not hand out the media',
      );
    }
    const headers: Record<string, string> = {
      'content-type': opened.mimeType,
      'content-disposition': INLINE.test(opened.mimeType) ? 'inline' : 'attachment',
      // What a user sent is never run as a page of this origin, nor kept in a shared cache.
      'content-security-policy': "sandbox; default-src 'none'",
      'x-content-type-options': 'nosniff',
      'cache-control': 'private, no-store',
    };
    if (opened.contentLength !== undefined) headers['content-length'] = String(opened.contentLength);
    try {
      await pipeline(Readable.fromWeb(opened.body), sink.start(200, headers));
    } catch (error) {
      // The status is sent: a cut body is all the client can be told.
      rt.logger.warn('media stream broken off', { tenantId: tenant.id, ...errorFields(error) });
      rt.metrics.put({ name: 'MediaFetchFailed', value: 1, unit: 'Count', tenant: tenant.id });
    }
  };
}
