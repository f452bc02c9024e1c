/**
 * An attachment as the bot or a desk is sent it: a WhatsApp file with `url`, a link to Baton's media
 * endpoint good for the tenant's `whatsapp.mediaLinkMinutes`, unless the receiver fetches by media id.
 */
import type { TenantConfig } from '../config/tenants';
import type { ChannelRef } from '../domain/conversation';
import { type Attachment, isMedia } from '../events/attachment';
import type { Runtime } from '../runtime/runtime';

export type SentAttachment = Attachment & { url?: string };

export async function sentAttachment(
  ports: Pick<Runtime, 'mediaLinks' | 'clock'>,
  tenant: TenantConfig,
  channel: ChannelRef,
  attachment: Attachment | undefined,
  withLink: boolean,
): Promise<SentAttachment | undefined> {
  if (!attachment || !withLink || !isMedia(attachment) || channel.type !== 'whatsapp' || !tenant.whatsapp)
    return attachment;
  const url = await ports.mediaLinks.linkFor(
    tenant.id,
    { mediaId: attachment.mediaId, phoneNumberId: channel.phoneNumberId },
    tenant.whatsapp.mediaLinkMinutes,
    ports.clock.now(),
  );
  return { ...attachment, url };
}
