/**
 * What WhatsApp's Cloud API takes at `POST /{version}/{phone-number-id}/messages`, written from
 * Meta's messages reference (text, media by link or id, interactive reply buttons and lists,
 * templates) and not from Baton's sender: a body it would refuse gets Meta's 400 here too.
 */
import * as z from 'zod';

const media = (captioned: boolean, filename = false) =>
  z
    .strictObject({
      link: z.string().url().optional(),
      id: z.string().min(1).optional(),
      ...(captioned ? { caption: z.string().min(1).max(1024).optional() } : {}),
      ...(filename ? { filename: z.string().min(1).optional() } : {}),
    })
    .refine((object) => (object.link === undefined) !== (object.id === undefined), 'link or id, one of them');

const header = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('text'), text: z.string().min(1).max(60) }),
  z.strictObject({ type: z.literal('image'), image: media(false) }),
  z.strictObject({ type: z.literal('video'), video: media(false) }),
  z.strictObject({ type: z.literal('document'), document: media(false, true) }),
]);
const footer = z.strictObject({ text: z.string().min(1).max(60) }).optional();
const noEdgeSpaces = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^\S(.*\S)?$/);

const buttons = z.strictObject({
  type: z.literal('button'),
  header: header.optional(),
  body: z.strictObject({ text: z.string().min(1).max(1024) }),
  footer,
  action: z.strictObject({
    buttons: z
      .array(
        z.strictObject({
          type: z.literal('reply'),
          reply: z.strictObject({ id: noEdgeSpaces(256), title: z.string().min(1).max(20) }),
        }),
      )
      .min(1)
      .max(3)
      .refine(
        (all) =>
          new Set(all.map((b) => b.reply.title)).size === all.length &&
          new Set(all.map((b) => b.reply.id)).size === all.length,
        'button titles and ids must be unique',
      ),
  }),
});

const list = z.strictObject({
  type: z.literal('list'),
  header: z.strictObject({ type: z.literal('text'), text: z.string().min(1).max(60) }).optional(),
  body: z.strictObject({ text: z.string().min(1).max(4096) }),
  footer,
  action: z.strictObject({
    button: z.string().min(1).max(20),
    sections: z
      .array(
        z.strictObject({
          title: z.string().min(1).max(24).optional(),
          rows: z
            .array(
              z.strictObject({
                id: noEdgeSpaces(200),
                title: z.string().min(1).max(24),
                description: z.string().min(1).max(72).optional(),
              }),
            )
            .min(1),
        }),
      )
      .min(1)
      .max(10)
      .refine((sections) => sections.flatMap((s) => s.rows).length <= 10, 'at most 10 rows in all')
      .refine((sections) => sections.length === 1 || sections.every((s) => s.title), 'sections need titles'),
  }),
});

const template = z.strictObject({
  name: z.string().min(1).max(512),
  language: z.strictObject({ code: z.string().min(2), policy: z.literal('deterministic').optional() }),
  components: z
    .array(
      z
        .object({
          type: z.enum(['header', 'body', 'button']),
          parameters: z.array(z.object({ type: z.string() }).passthrough()).optional(),
        })
        .passthrough(),
    )
    .optional(),
});

const base = {
  messaging_product: z.literal('whatsapp'),
  recipient_type: z.literal('individual').optional(),
  to: z.string().min(1),
  context: z.strictObject({ message_id: z.string().min(1) }).optional(),
  biz_opaque_callback_data: z.string().max(512).optional(),
};

export const whatsappSendSchema = z.discriminatedUnion('type', [
  z.strictObject({
    ...base,
    type: z.literal('text'),
    text: z.strictObject({ body: z.string().min(1).max(4096), preview_url: z.boolean().optional() }),
  }),
  z.strictObject({ ...base, type: z.literal('image'), image: media(true) }),
  z.strictObject({ ...base, type: z.literal('video'), video: media(true) }),
  z.strictObject({ ...base, type: z.literal('audio'), audio: media(false) }),
  z.strictObject({ ...base, type: z.literal('document'), document: media(true, true) }),
  z.strictObject({ ...base, type: z.literal('sticker'), sticker: media(false) }),
  z.strictObject({
    ...base,
    type: z.literal('interactive'),
    interactive: z.discriminatedUnion('type', [buttons, list]),
  }),
  z.strictObject({ ...base, type: z.literal('template'), template }),
]);

/** Meta's answer to a body it does not take: `(#100) Invalid parameter`, the offending field named. */
export function invalidParameter(error: z.ZodError): unknown {
  const issue = error.issues[0];
  return {
    error: {
      message: '(#100) Invalid parameter',
      type: 'OAuthException',
      code: 100,
      error_data: {
        messaging_product: 'whatsapp',
        details: `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`,
      },
    },
  };
}
