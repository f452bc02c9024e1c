/** Tenant configuration as code, validated once at start; a bad configuration stops the process. */
import * as z from 'zod/mini';
import { isValidPattern } from '../domain/redaction';
import {
  boundedString,
  describeIssues,
  httpUrl,
  intBetween,
  nonEmptyString,
  safeParse,
  shared,
  stringRecord,
} from '../validation/zod';
import { businessHoursSchema } from './business-hours';
import { secretRefSchema } from './secrets';

export const TENANT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,39}$/;
const DESK_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,39}$/;

/** An integer setting from `min` to `max`, `fallback` when left out. */
const intSetting = shared((min: number, max: number, fallback: number) =>
  z._default(intBetween(min, max), fallback),
);

/** A non-empty text, `fallback` when left out. */
const textSetting = (fallback: string) => z._default(nonEmptyString(), fallback);

/** The longest any outside call may take; the functions' Lambda timeouts are sized from it. */
export const MAX_OUTSIDE_TIMEOUT_MS = 25_000;

const timeoutMs = (fallback: number) => intSetting(100, MAX_OUTSIDE_TIMEOUT_MS, fallback);

export const INTAKE_QUESTION_TYPES = ['text', 'email', 'phone', 'choice'] as const;

const intakeQuestionSchema = z
  .strictObject({
    /** The name the answer is saved under and sent to the agent desk as customer info. */
    id: z.string().check(z.regex(/^[A-Za-z][\w-]{0,39}$/)),
    type: z.enum(INTAKE_QUESTION_TYPES),
    prompt: boundedString(1, 1000),
    /** Sent after an invalid answer, before asking again. */
    reask: boundedString(1, 1000),
    minLength: intSetting(0, 1000, 1),
    maxLength: intSetting(1, 1000, 200),
    choices: z.optional(z.array(boundedString(1, 100)).check(z.minLength(2), z.maxLength(10))),
  })
  .check(
    z.refine((question) => question.type !== 'choice' || question.choices !== undefined, {
      message: 'a choice question needs choices',
      path: ['choices'],
    }),
  );
export type IntakeQuestion = z.infer<typeof intakeQuestionSchema>;

/** A technical link on CM.com's Conversational Router, as the MSC desk and a channel on the router both use one. */
const routerLink = {
  /** The router's API host: routing control, and TwoWay unless `twoWayUrl` says otherwise. */
  apiUrl: z._default(httpUrl(), 'https://api.conversational.cm.com'),
  /** The id of the CONVERSATIONAL technical link: the account in every router URL. */
  technicalLinkId: nonEmptyString(),
  /** Baton's TwoWay adapter on the router (client side for the desk, host side for a channel). */
  adapterId: nonEmptyString(),
  /** The adapter's outbound URL as CM.com's UI shows it, when not `{apiUrl}/conversational/twoway/v1/accounts/{technicalLinkId}/adapters/{adapterId}`. */
  twoWayUrl: z.optional(httpUrl()),
  /** Sent as `X-Cm-Producttoken` on every call, and required on every call the router makes to Baton. */
  productToken: secretRefSchema,
  timeoutMs: timeoutMs(5_000),
};

/**
 * Whether a user's file reaches the desk with a link to Baton's media endpoint (signed, expiring;
 * in the text line too, for a view that shows text only), or by its media id alone, for a desk
 * that fetches from WhatsApp with its own token.
 */
const mediaLinksSetting = z._default(z.boolean(), true);

const deskSchema = z.discriminatedUnion('type', [
  z.strictObject({
    /**
     * Mobile Service Cloud through CM.com's Conversational Router, as CM.com documents custom
     * integrations: Baton is the client side of the tenant's TwoWay adapter.
     */
    type: z.literal('msc'),
    ...routerLink,
    /** MSC's adapter on the router: the hand-over enables the link from Baton's adapter to it. */
    mscAdapterId: nonEmptyString(),
    /** `conversationHostId` of the chats Baton opens (the host the user talks to); the tenant id when left out. */
    hostId: z.optional(nonEmptyString()),
    mediaLinks: mediaLinksSetting,
    /**
     * The longest transcript message MSC gets after the hand-over, in UTF-8 bytes (CM.com's pages
     * give no limit for a TwoWay text: 4,096, WhatsApp's, by default); older lines are left out.
     */
    transcriptMaxBytes: intSetting(256, 65_536, 4_096),
  }),
  z.strictObject({
    /** Any livechat backend reached by a webhook (Certainly-style): it claims through Baton's agent API. */
    type: z.literal('webhook'),
    url: httpUrl(),
    /** Signs every request to the desk (`X-Baton-Timestamp`, `X-Baton-Signature`; README, "Signatures"). */
    signingSecret: secretRefSchema,
    botId: z._default(z.string(), 'baton'),
    timeoutMs: timeoutMs(5_000),
    mediaLinks: mediaLinksSetting,
    /** The largest `transcript` the handover carries, in bytes of its JSON; older entries are left out. */
    transcriptMaxBytes: intSetting(1_024, 1_048_576, 65_536),
    /**
     * When the conversation is the agent's: when the desk accepts the handover (answers 2xx), or
     * only once it claims it through the agent API. Until the claim the handover is pending: the
     * user's messages wait for the agent, and without a claim by `pickupMinutes` after the desk was
     * asked the handover is withdrawn (the desk is told, the user hears `messages.pickupTimedOut`).
     */
    liveWhen: z._default(z.enum(['accepted', 'claimed']), 'accepted'),
    /** A desk live on its claim: how long it has to claim. */
    pickupMinutes: intSetting(1, 60, 5),
    /** A desk live on its claim: the user hears `messages.waiting` this often until it claims. */
    waitingEveryMinutes: z.optional(intBetween(1, 60)),
  }),
]);

/**
 * The bearer token(s) a desk calls the agent API with: one, or two while it is rotated (the new one
 * is added, the desk moves to it, the old one is removed; both are good in between).
 */
const agentTokensSchema = z.union([
  secretRefSchema,
  z.array(secretRefSchema).check(z.minLength(1), z.maxLength(2)),
]);
export type AgentTokens = z.infer<typeof agentTokensSchema>;

/** Presence answers are shared for a short while: MSC's presence API allows 3 calls per second. */
const presenceProtection = {
  /** How long an answer is reused for the same channel and referrer. */
  cacheSeconds: intSetting(0, 300, 10),
  /** Calls per second to the presence API, across every Lambda container of the tenant. */
  maxCallsPerSecond: intSetting(1, 100, 3),
};

const presenceSchema = z.discriminatedUnion('type', [
  z.strictObject({
    /** MSC's presence API: `GET <url>/api/v1?apikey=&Channel=&referrer=` answers `Online` or `Offline`. */
    type: z.literal('msc'),
    url: z._default(httpUrl(), 'https://presence.robinhq.com'),
    apiKey: secretRefSchema,
    timeoutMs: timeoutMs(2_000),
    ...presenceProtection,
  }),
  z.strictObject({
    /** A URL answering `{"agentAvailable": boolean}`. */
    type: z.literal('webhook'),
    url: httpUrl(),
    timeoutMs: timeoutMs(2_000),
    ...presenceProtection,
  }),
]);

const transcriptSchema = z.strictObject({
  /** How many of the last messages between the user and the bot the desk gets with a handover (0: none). */
  messages: intSetting(0, 50, 20),
  /** How long a message is kept for a transcript (at most 30 days; the conversation's retention still applies). */
  retentionHours: intSetting(1, 720, 720),
  redact: z._default(
    z.strictObject({
      /** Digits that pass the Luhn check (13 to 19, spaces or dashes between them) become `[card number]`. */
      cardNumbers: z._default(z.boolean(), true),
      /** More patterns (JavaScript regular expressions, case-insensitive), each match `[redacted]`. */
      patterns: z._default(
        z
          .array(boundedString(1, 200).check(z.refine(isValidPattern, 'not a valid regular expression')))
          .check(z.maxLength(20)),
        [],
      ),
    }),
    { cardNumbers: true, patterns: [] },
  ),
});

const messagesSchema = z.strictObject({
  noAgents: textSetting('Sorry, no agents are available right now. You can keep chatting with me.'),
  handoverFailed: textSetting('Sorry, I could not reach an agent. You can keep chatting with me.'),
  intakeCancelled: textSetting('No problem, the request for an agent is cancelled.'),
  intakeTimedOut: textSetting(
    'I did not hear back from you, so the request for an agent is closed. You can keep chatting with me.',
  ),
  closed: textSetting('Our agents are not available at this hour. You can keep chatting with me.'),
  /** While a desk live on its claim has not claimed: every `desk.waitingEveryMinutes`. */
  waiting: textSetting('Thanks for waiting. An agent will be with you as soon as one is free.'),
  /** When the desk reports the user's place in its queue; `{position}` is replaced by it. */
  queuePosition: textSetting('Thanks for waiting. You are number {position} in the queue.'),
  pickupTimedOut: textSetting('Sorry, no agent could take your chat in time. You can keep chatting with me.'),
  /** An agent passed the chat to another team (the agent API's transfer). */
  transferring: textSetting('I am passing you on to a colleague who can help with this. One moment, please.'),
  agentJoined: textSetting('An agent will be with you shortly.'),
  signOff: textSetting('The agent has ended the chat. Tap to confirm.'),
  signOffButton: z._default(boundedString(1, 20), 'End chat'),
  sessionEnded: textSetting('The chat with the agent has ended.'),
});

export const tenantConfigSchema = z
  .strictObject({
    id: z.string().check(z.regex(TENANT_ID_PATTERN, 'lowercase letters, digits and dashes, at most 40')),
    bot: z.strictObject({
      /** Baton POSTs each user message here and delivers the answers it returns. */
      url: httpUrl(),
      /** Signs Baton's requests to the bot and verifies answers pushed to `/answers`. */
      signingSecret: secretRefSchema,
      timeoutMs: timeoutMs(5_000),
      /**
       * Events for the bot, signed the same way: each step of a handover (README, "Status events to
       * the bot"), the ones of CM.com's flow carrying their payload (LIVECHAT_SESSION_END, ...).
       */
      eventsUrl: z.optional(httpUrl()),
      /** `false`: only the events that carry a CM.com payload, as before the status events. */
      statusEvents: z._default(z.boolean(), true),
      /** `false`: a user's file comes with its media id only (a bot that fetches with its own token), no link. */
      mediaLinks: z._default(z.boolean(), true),
    }),
    whatsapp: z.optional(
      z.strictObject({
        graphApiUrl: z._default(httpUrl(), 'https://graph.facebook.com'),
        apiVersion: z._default(z.string().check(z.regex(/^v\d+\.\d+$/)), 'v21.0'),
        appSecret: secretRefSchema,
        verifyToken: secretRefSchema,
        accessToken: secretRefSchema,
        timeoutMs: timeoutMs(5_000),
        /** How long a link to a user's file (Baton's media endpoint) is good for: 5 minutes to 7 days. */
        mediaLinkMinutes: intSetting(5, 10_080, 1_440),
        /**
         * An agent's message after WhatsApp's 24-hour window closed goes as this template (approved by
         * Meta): its body parameters, `{text}` standing for the agent's text. Without one, such a
         * message is refused to the desk (409 `window_closed`).
         */
        windowTemplate: z.optional(
          z.strictObject({
            name: boundedString(1, 512),
            language: boundedString(2, 15),
            parameters: z._default(z.array(boundedString(1, 1024)).check(z.maxLength(10)), ['{text}']),
          }),
        ),
        /**
         * The tenant's numbers (Meta's `phone_number_id`), each a number of one tenant only: a webhook
         * naming another is refused (403) before anything reaches a bot or desk, since replies go out
         * through that number with this tenant's token; the app's one callback URL routes by them.
         */
        phoneNumberIds: z.array(nonEmptyString()).check(z.minLength(1), z.maxLength(50)),
      }),
    ),
    web: z.optional(
      z.strictObject({
        signingSecret: secretRefSchema,
        /** Baton POSTs messages for the user here: `{conversationId, text, buttons?}`. */
        deliveryUrl: httpUrl(),
        timeoutMs: timeoutMs(5_000),
      }),
    ),
    /**
     * Channels that live on CM.com's Conversational Router (a WhatsApp number connected to CM.com):
     * Baton is the host side of a TwoWay adapter, in the bot's place. The router POSTs the user's
     * messages to `/v1/{tenant}/router/messages`; Baton answers through the adapter's outbound URL.
     */
    router: z.optional(
      z.strictObject({
        // The technical link the chats live on (with MSC's adapter, for a hand-over); Baton's host adapter.
        ...routerLink,
        /** The channel's adapter (e.g. CM.com's WhatsApp): a hand-over to MSC links it to MSC's instead of Baton's. */
        channelAdapterId: nonEmptyString(),
      }),
    ),
    /** The default desk's agent API token(s); each named desk has its own. */
    agentApiToken: agentTokensSchema,
    /**
     * Also take web chat messages and pushed answers signed over the body alone, without
     * `X-Baton-Timestamp` (Baton's signing before timestamps). Such a request can be replayed: only
     * while callers move to the timestamped signature.
     */
    acceptUntimedSignatures: z._default(z.boolean(), false),
    /**
     * How long a quiet conversation is kept (its state, audit trail and transcript): DynamoDB TTL
     * deletes it this long after its last write. At least the agent's lock.
     */
    retentionDays: intSetting(1, 365, 30),
    session: z._default(
      z.strictObject({
        /** Inactivity after which an agent's lock on a conversation ends (CSML: 60, CM.com: 24 h). */
        lockMinutes: intSetting(1, 7 * 24 * 60, 24 * 60),
      }),
      { lockMinutes: 24 * 60 },
    ),
    /** The `triggerEvent` metadata value that asks for a handover. */
    handoverEvent: textSetting('handover'),
    /** The default desk: every handover whose skill `skillRouting` does not send elsewhere. */
    desk: deskSchema,
    presence: presenceSchema,
    /**
     * More desks, by name: generic webhook desks (MSC routes by skill itself, on RoutingKeywords),
     * each with its own presence (the tenant's when left out).
     */
    desks: z.optional(
      stringRecord(
        z.strictObject({
          desk: deskSchema,
          presence: z.optional(presenceSchema),
          /** The desk's own agent API token(s): it reaches only the chats handed to it. */
          agentApiToken: agentTokensSchema,
        }),
      ).check(
        z.refine((desks) => Object.keys(desks).every((name) => DESK_NAME_PATTERN.test(name)), {
          message: 'desk names: lowercase letters, digits and dashes, at most 40',
        }),
      ),
    ),
    /** The skill of a handover request (the bot's `skill` addition) → the name of the desk it goes to. */
    skillRouting: z.optional(stringRecord(nonEmptyString())),
    /** Web Conversations' handover endpoint: told of each web chat handover so its UI enables attachments. */
    webConversations: z.optional(
      z.strictObject({
        handoverUrl: httpUrl(),
        /** Signs the notice; the web chat's signing secret when left out. */
        signingSecret: z.optional(secretRefSchema),
        timeoutMs: timeoutMs(3_000),
      }),
    ),
    intake: z._default(
      z.strictObject({
        /**
         * Who runs the prechat dialog: Baton, asking `questions`; or the bot, as in CM.com's flow: it
         * gets the `prechatEvent` and ends its dialog with an answer whose output additions carry
         * `livechatIntakeComplete: true` and `customerInfo` (the captured slots, a JSON object as a string).
         */
        by: z._default(z.enum(['baton', 'bot']), 'baton'),
        prechatEvent: z._default(boundedString(1, 100), 'prechat'),
        questions: z._default(z.array(intakeQuestionSchema).check(z.maxLength(20)), []),
        maxInvalidAttempts: intSetting(1, 10, 3),
        cancelWords: z._default(z.array(nonEmptyString()), ['cancel', 'stop']),
        /** Silence after which the intake is given up: the user is told, the bot gets the event. */
        timeoutMinutes: intSetting(1, 24 * 60, 30),
      }),
      {
        by: 'baton',
        prechatEvent: 'prechat',
        questions: [],
        maxInvalidAttempts: 3,
        cancelWords: ['cancel', 'stop'],
        timeoutMinutes: 30,
      },
    ),
    /** When agents work: outside these hours a handover takes the offline path without asking presence. */
    businessHours: z.optional(businessHoursSchema),
    /** The transcript of the bot's part of the conversation, for the desk (README, "The transcript"). */
    transcript: z._default(transcriptSchema, {
      messages: 20,
      retentionHours: 720,
      redact: { cardNumbers: true, patterns: [] },
    }),
    messages: z._default(messagesSchema, messagesSchema.parse({})),
  })
  .check(
    z.refine(
      (tenant) => new Set(tenant.intake.questions.map((q) => q.id)).size === tenant.intake.questions.length,
      {
        message: 'intake question ids must be unique',
        path: ['intake', 'questions'],
      },
    ),
    z.refine(
      (tenant) =>
        Object.values(tenant.skillRouting ?? {}).every((name) => tenant.desks?.[name] !== undefined),
      { message: 'every skill must route to a desk named in desks', path: ['skillRouting'] },
    ),
    z.refine(
      (tenant) =>
        !tenant.webConversations ||
        tenant.webConversations.signingSecret !== undefined ||
        tenant.web !== undefined,
      {
        message: 'a signing secret, or a web chat whose signing secret signs the notice',
        path: ['webConversations', 'signingSecret'],
      },
    ),
    z.refine((tenant) => Object.values(tenant.desks ?? {}).every((entry) => entry.desk.type === 'webhook'), {
      message: 'named desks are generic webhook desks (an MSC desk is the default desk)',
      path: ['desks'],
    }),
    // A day past the lock (and any handover step's deadline): the sweep must find the item to end it.
    z.refine((tenant) => tenant.retentionDays * 24 * 60 >= tenant.session.lockMinutes + 24 * 60, {
      message:
        'at least a day more than the agent lock (session.lockMinutes): the sweep must find the item to end it',
      path: ['retentionDays'],
    }),
    // The router carries a hosted chat handed to MSC: Baton sees no activity to slide the lock on,
    // and its expiry hands the chat back. It may not come before the router's own 24 h.
    z.refine(
      (tenant) => !tenant.router || tenant.desk.type !== 'msc' || tenant.session.lockMinutes >= 24 * 60,
      {
        message: 'at least 1440 (the router session) with a router channel and an MSC desk',
        path: ['session', 'lockMinutes'],
      },
    ),
  );

export type TenantConfig = z.infer<typeof tenantConfigSchema>;

/** What the tenant list is checked for as a whole: unique ids, and each WhatsApp number one tenant's. */
const acrossTenants = [
  z.minLength(1),
  z.refine<ReadonlyArray<NumbersOf & { id: string }>>(
    (tenants) => new Set(tenants.map((t) => t.id)).size === tenants.length,
    'tenant ids must be unique',
  ),
  z.refine<ReadonlyArray<NumbersOf & { id: string }>>((tenants) => {
    const numbers = tenants.flatMap(numbersOf);
    return new Set(numbers).size === numbers.length;
  }, 'a WhatsApp phoneNumberId belongs to one tenant only'),
] as const;

interface NumbersOf {
  whatsapp?: { phoneNumberIds?: readonly string[] | undefined } | undefined;
}
const numbersOf = (tenant: NumbersOf): readonly string[] => tenant.whatsapp?.phoneNumberIds ?? [];

export const tenantsSchema = z.array(tenantConfigSchema).check(...acrossTenants);

export interface TenantDirectory {
  get(tenantId: string): TenantConfig | undefined;
  ids(): string[];
  /** The id of the tenant whose WhatsApp number this is (Meta's `phone_number_id`). */
  ownerOfNumber(phoneNumberId: string): string | undefined;
}

export function tenantDirectory(tenants: readonly TenantConfig[]): TenantDirectory {
  const byId = new Map(tenants.map((tenant) => [tenant.id, tenant]));
  const owners = ownersOf(tenants);
  return {
    get: (tenantId) => byId.get(tenantId),
    ids: () => [...byId.keys()],
    ownerOfNumber: (number) => owners.get(number),
  };
}

function ownersOf(tenants: ReadonlyArray<NumbersOf & { id: string }>): Map<string, string> {
  return new Map(
    tenants.flatMap((tenant) => numbersOf(tenant).map((number) => [number, tenant.id] as const)),
  );
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * What finding a tenant needs: its id, and the WhatsApp numbers it owns, each unique. The rest of
 * each entry is checked on first use.
 */
const tenantEntriesSchema = z
  .array(
    z.looseObject({
      id: tenantConfigSchema.shape.id,
      whatsapp: z.optional(z.looseObject({ phoneNumberIds: z.optional(z.array(z.string())) })),
    }),
  )
  .check(...acrossTenants);

/**
 * The tenants of a deployed function (validated whole at synth), each checked against the full
 * schema when it is first asked for: a cold start costs the same for 2 tenants as for 200 (about
 * 0.5 ms each otherwise), and a broken entry fails only its own tenant's requests, by name.
 */
export function lazyTenantDirectory(input: unknown): TenantDirectory {
  const entries = safeParse(tenantEntriesSchema, input);
  if (!entries.success)
    throw new ConfigError(`invalid tenant configuration: ${describeIssues(entries.error)}`);
  const raw = new Map(entries.data.map((entry) => [entry.id, entry]));
  const parsed = new Map<string, TenantConfig>();
  const owners = ownersOf(entries.data);
  return {
    ownerOfNumber: (number) => owners.get(number),
    get(tenantId) {
      const known = parsed.get(tenantId);
      if (known) return known;
      const entry = raw.get(tenantId);
      if (!entry) return undefined;
      const result = safeParse(tenantConfigSchema, entry);
      if (!result.success)
        throw new ConfigError(`invalid configuration of tenant ${tenantId}: ${describeIssues(result.error)}`);
      parsed.set(tenantId, result.data);
      return result.data;
    },
    ids: () => [...raw.keys()],
  };
}

export function parseTenants(input: unknown): TenantConfig[] {
  const result = safeParse(tenantsSchema, input);
  if (!result.success) throw new ConfigError(`invalid tenant configuration: ${describeIssues(result.error)}`);
  return result.data;
}

/** How long a quiet conversation of the tenant is kept before DynamoDB TTL deletes it. */
export const retentionSecondsOf = (tenant: TenantConfig): number => tenant.retentionDays * 24 * 3600;

/** How long an agent's lock lasts after the last message, in milliseconds. */
export const lockMsOf = (tenant: TenantConfig): number => tenant.session.lockMinutes * 60_000;
