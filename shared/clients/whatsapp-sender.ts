/**
 * ChannelSender → WhatsApp Cloud API: `POST /{version}/{phone-number-id}/messages` with a bearer
 * token, one message per call, shaped as Meta's messages reference shapes text, media (by link)
 * and interactive (reply buttons, list) messages.
 */

import type { SecretResolver } from '../config/secrets';
import type { TenantConfig } from '../config/tenants';
import type { OutboundMedia } from '../events/rich-content';
import type { HttpCall } from './http';
import type { OutgoingMessage } from './outgoing-message';

type WhatsAppConfig = NonNullable<TenantConfig['whatsapp']>;
type Body = Record<string, unknown>;

/** Meta: a caption with images, videos and documents only, of at most 1,024 characters. */
const CAPTIONED = new Set(['image', 'video', 'document']);
/** Meta: an interactive message's header may be an image, a video or a document (or text). */
const HEADER_MEDIA = CAPTIONED;

const mediaObject = (media: OutboundMedia, caption: string | undefined) => ({
  link: media.url,
  ...(caption && CAPTIONED.has(media.type) ? { caption } : {}),
  ...(media.type === 'document' && media.filename ? { filename: media.filename } : {}),
});

/**
 * The Cloud API messages that say `message`, in order: one whenever Meta's shapes allow (a file
 * with its caption, buttons under a file header), two when they do not (a voice note and its text,
 * a file and a list), sent one after the other.
 */
export function whatsappMessageBodies(to: string, message: OutgoingMessage): Body[] {
  const base = {
    messaging_product: 'whatsapp',
    recipient_type: 'individual',
    to,
    ...(message.tracking ? { biz_opaque_callback_data: message.tracking } : {}),
  };
  const { text, media, buttons, list, template } = message;
  if (template)
    return [
      {
        ...base,
        type: 'template',
        template: {
          name: template.name,
          language: { code: template.language },
          ...(template.parameters.length
            ? {
                components: [
                  {
                    type: 'body',
                    parameters: template.parameters.map((value) => ({ type: 'text', text: value })),
                  },
                ],
              }
            : {}),
        },
      },
    ];
  const mediaMessage = (caption: string | undefined): Body =>
    media ? { ...base, type: media.type, [media.type]: mediaObject(media, caption) } : {};
  const textMessage: Body = { ...base, type: 'text', text: { body: text } };
  if (buttons?.length) {
    const header =
      media && HEADER_MEDIA.has(media.type)
        ? { header: { type: media.type, [media.type]: mediaObject(media, undefined) } }
        : {};
    const interactive: Body = {
      ...base,
      type: 'interactive',
      interactive: {
        type: 'button',
        ...header,
        body: { text },
        action: {
          buttons: buttons.slice(0, 3).map((button) => ({
            type: 'reply',
            reply: { id: button.payload, title: button.title.slice(0, 20) },
          })),
        },
      },
    };
    return media && !HEADER_MEDIA.has(media.type)
      ? [mediaMessage(media.caption), interactive]
      : [interactive];
  }
  if (list) {
    const interactive: Body = {
      ...base,
      type: 'interactive',
      interactive: { type: 'list', body: { text }, action: { button: list.button, sections: list.sections } },
    };
    return media ? [mediaMessage(media.caption), interactive] : [interactive];
  }
  if (!media) return [textMessage];
  // The text (over the file's own caption) as the caption where Meta takes one and it fits;
  // otherwise the text first, then the file.
  if (!text) return [mediaMessage(media.caption)];
  const caption = media.caption ? `${text}\n\n${media.caption}` : text;
  if (CAPTIONED.has(media.type) && caption.length <= 1024) return [mediaMessage(caption)];
  return [textMessage, mediaMessage(media.caption)];
}

export async function sendWhatsApp(
  http: HttpCall,
  secrets: SecretResolver,
  config: WhatsAppConfig,
  address: { waId: string; phoneNumberId: string },
  message: OutgoingMessage,
): Promise<void> {
  const token = await secrets.resolve(config.accessToken);
  const base = config.graphApiUrl.replace(/\/+$/, '');
  for (const body of whatsappMessageBodies(address.waId, message)) {
    await http({
      system: 'whatsapp',
      method: 'POST',
      url: `${base}/${config.apiVersion}/${encodeURIComponent(address.phoneNumberId)}/messages`,
      timeoutMs: config.timeoutMs,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }
}
