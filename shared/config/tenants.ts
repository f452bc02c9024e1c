/** Tenant configuration as code, validated once at start; a bad configuration stops the process. */
import * as z from 'zod';
import { secretRefSchema } from './secrets';

export const TENANT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,39}$/;

const httpUrl = z.url({ protocol: /^https?$/ });

const timeoutMs = (fallback: number) => z.number().int().min(100).max(25_000).default(fallback);

export const INTAKE_QUESTION_TYPES = ['text', 'email', 'phone', 'choice'] as const;

const intakeQuestionSchema = z
  .object({
    /** The name the answer is saved under and sent to the agent desk as customer info. */
    id: z.string().regex(/^[A-Za-z][\w-]{0,39}$/),
    type: z.enum(INTAKE_QUESTION_TYPES),
    prompt: z.string().min(1).max(1000),
    /** Sent after an invalid answer, before asking again. */
    reask: z.string().min(1).max(1000),
    minLength: z.number().int().min(0).max(1000).default(1),
    maxLength: z.number().int().min(1).max(1000).default(200),
    choices: z.array(z.string().min(1).max(100)).min(2).max(10).optional(),
  })
  .strict()
  .refine((question) => question.type !== 'choice' || question.choices !== undefined, {
    message: 'a choice question needs choices',
    path: ['choices'],
  });
export type IntakeQuestion = z.infer<typeof intakeQuestionSchema>;

const deskSchema = z.discriminatedUnion('type', [
  z
    .object({
      /** Mobile Service Cloud through CM.com's routing control API. */
      type: z.literal('msc'),
      apiUrl: httpUrl.default('https://api.conversational.cm.com'),
      technicalLinkId: z.string().min(1),
      productToken: secretRefSchema,
      timeoutMs: timeoutMs(5_000),
    })
    .strict(),
  z
    .object({
      /** Any livechat backend reached by a webhook (Certainly-style): it claims through Baton's agent API. */
      type: z.literal('webhook'),
      url: httpUrl,
      botId: z.string().default('baton'),
      timeoutMs: timeoutMs(5_000),
    })
    .strict(),
]);

/** Presence answers are shared for a short while: MSC's presence API allows 3 calls per second. */
const presenceProtection = {
  /** How long an answer is reused for the same channel and referrer. */
  cacheSeconds: z.number().int().min(0).max(300).default(10),
  /** Calls per second to the presence API, across every Lambda container of the tenant. */
  maxCallsPerSecond: z.number().int().min(1).max(100).default(3),
};

const presenceSchema = z.discriminatedUnion('type', [
  z
    .object({
      /** MSC's presence API: `GET <url>/api/v1?apikey=&Channel=&referrer=` answers `Online` or `Offline`. */
      type: z.literal('msc'),
      url: httpUrl.default('https://presence.robinhq.com'),
      apiKey: secretRefSchema,
      timeoutMs: timeoutMs(2_000),
      ...presenceProtection,
    })
    .strict(),
  z
    .object({
      /** A URL answering `{"agentAvailable": boolean}`. */
      type: z.literal('webhook'),
      url: httpUrl,
      timeoutMs: timeoutMs(2_000),
      ...presenceProtection,
    })
    .strict(),
]);

const messagesSchema = z
  .object({
    noAgents: z
      .string()
      .min(1)
      .default('Sorry, no agents are available right now. You can keep chatting with me.'),
    handoverFailed: z
      .string()
      .min(1)
      .default('Sorry, I could not reach an agent. You can keep chatting with me.'),
    intakeCancelled: z.string().min(1).default('No problem, the request for an agent is cancelled.'),
    agentJoined: z.string().min(1).default('An agent will be with you shortly.'),
    signOff: z.string().min(1).default('The agent has ended the chat. Tap to confirm.'),
    signOffButton: z.string().min(1).max(20).default('End chat'),
    sessionEnded: z.string().min(1).default('The chat with the agent has ended.'),
  })
  .strict();

export const tenantConfigSchema = z
  .object({
    id: z.string().regex(TENANT_ID_PATTERN, 'lowercase letters, digits and dashes, at most 40'),
    bot: z
      .object({
        /** Baton POSTs each user message here and delivers the answers it returns. */
        url: httpUrl,
        /** Signs Baton's requests to the bot and verifies answers pushed to `/answers`. */
        signingSecret: secretRefSchema,
        timeoutMs: z.number().int().min(100).max(25_000).default(5_000),
        /** Session events for the bot (LIVECHAT_SESSION_END, LIVECHAT_SESSION_EXPIRED), signed the same way. */
        eventsUrl: httpUrl.optional(),
      })
      .strict(),
    whatsapp: z
      .object({
        graphApiUrl: httpUrl.default('https://graph.facebook.com'),
        apiVersion: z
          .string()
          .regex(/^v\d+\.\d+$/)
          .default('v21.0'),
        appSecret: secretRefSchema,
        verifyToken: secretRefSchema,
        accessToken: secretRefSchema,
        timeoutMs: z.number().int().min(100).max(25_000).default(5_000),
      })
      .strict()
      .optional(),
    web: z
      .object({
        signingSecret: secretRefSchema,
        /** Baton POSTs messages for the user here: `{conversationId, text, buttons?}`. */
        deliveryUrl: httpUrl,
        timeoutMs: z.number().int().min(100).max(25_000).default(5_000),
      })
      .strict()
      .optional(),
    agentApiToken: secretRefSchema,
    session: z
      .object({
        /** Inactivity after which an agent's lock on a conversation ends (CSML: 60, CM.com: 24 h). */
        lockMinutes: z
          .number()
          .int()
          .min(1)
          .max(7 * 24 * 60)
          .default(24 * 60),
      })
      .strict()
      .default({ lockMinutes: 24 * 60 }),
    /** The `triggerEvent` metadata value that asks for a handover. */
    handoverEvent: z.string().min(1).default('handover'),
    desk: deskSchema,
    presence: presenceSchema,
    /** Web Conversations' handover endpoint: told of each web chat handover so its UI enables attachments. */
    webConversations: z
      .object({ handoverUrl: httpUrl, timeoutMs: timeoutMs(3_000) })
      .strict()
      .optional(),
    intake: z
      .object({
        questions: z.array(intakeQuestionSchema).max(20).default([]),
        maxInvalidAttempts: z.number().int().min(1).max(10).default(3),
        cancelWords: z.array(z.string().min(1)).default(['cancel', 'stop']),
      })
      .strict()
      .default({ questions: [], maxInvalidAttempts: 3, cancelWords: ['cancel', 'stop'] }),
    messages: messagesSchema.default(messagesSchema.parse({})),
  })
  .strict()
  .refine(
    (tenant) => new Set(tenant.intake.questions.map((q) => q.id)).size === tenant.intake.questions.length,
    {
      message: 'intake question ids must be unique',
      path: ['intake', 'questions'],
    },
  );

export type TenantConfig = z.infer<typeof tenantConfigSchema>;

export const tenantsSchema = z
  .array(tenantConfigSchema)
  .min(1)
  .refine(
    (tenants) => new Set(tenants.map((t) => t.id)).size === tenants.length,
    'tenant ids must be unique',
  );

export interface TenantDirectory {
  get(tenantId: string): TenantConfig | undefined;
  ids(): string[];
}

export function tenantDirectory(tenants: readonly TenantConfig[]): TenantDirectory {
  const byId = new Map(tenants.map((tenant) => [tenant.id, tenant]));
  return { get: (tenantId) => byId.get(tenantId), ids: () => [...byId.keys()] };
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function parseTenants(input: unknown): TenantConfig[] {
  const result = tenantsSchema.safeParse(input);
  if (!result.success)
    throw new ConfigError(`invalid tenant configuration: ${z.prettifyError(result.error)}`);
  return result.data;
}

/** How long an agent's lock lasts after the last message, in milliseconds. */
export const lockMsOf = (tenant: TenantConfig): number => tenant.session.lockMinutes * 60_000;
