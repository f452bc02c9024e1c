/**
 * The one declaration of Baton's functions: where each one's code is, what triggers it and what it
 * may touch. The CDK stack (infra/aws) and the local runtime (infra/local) are both generated from
 * this list; nothing else lists functions.
 *
 * Every function directory holds `handler.ts` (exports `createHandler(runtime)`) and `lambda.ts`
 * (the Lambda entry, `handler` on AWS adapters).
 */
import type { SecretPath } from '../shared/config/secret-paths';
import type { DetailType } from '../shared/events/catalog';

export type { SecretPath };

export type HttpMethod = 'GET' | 'POST';

/** An API Gateway HTTP API route key, e.g. `POST /v1/{tenant}/whatsapp`. */
export type RouteKey = `${HttpMethod} /${string}`;

export interface EventRule {
  detailType: DetailType;
}

/**
 * The table's change stream, read in order per conversation (partition key). In AWS an event source
 * mapping; locally a poller of DynamoDB Local's stream with the same semantics.
 */
export interface StreamTrigger {
  kind: 'stream';
  /** Only records of items with this sort key reach the function (a filter in AWS and locally). */
  sortKey: string;
  /** Records per invocation, at most. */
  batchSize: number;
  /** Concurrent batches per shard, records of one partition key always in the same one, in order. */
  parallelizationFactor: number;
  /** Retries of a failing batch (halved each time: bisect) before its record goes to the on-failure queue. */
  maxRetryAttempts: number;
  /** A record older than this is not retried but sent to the on-failure queue. */
  maxRecordAgeSeconds: number;
}

/**
 * A Lambda function URL of its own, its response streamed (RESPONSE_STREAM): API Gateway buffers a
 * Lambda's answer (6 MB at most), and a WhatsApp document may be 100 MB. No authorization of its
 * own: the function checks its requests (a signed link). Locally the same path on the one server.
 */
export interface UrlTrigger {
  kind: 'url';
  /** The one route it serves, its method and path as API Gateway would write them. */
  route: RouteKey;
}

/**
 * API Gateway routes. `authorization: 'iam'`: only IAM-signed requests whose caller's policy allows
 * the route (execute-api:Invoke) reach the function; locally the gateway checks a bearer token in
 * its place. Without it the function checks its requests itself (signatures, tokens).
 */
export interface HttpTrigger {
  kind: 'http';
  routes: readonly RouteKey[];
  authorization?: 'iam';
}

export type Trigger =
  | HttpTrigger
  | UrlTrigger
  | { kind: 'events'; rules: readonly EventRule[] }
  | { kind: 'schedule'; everyMinutes: number }
  | StreamTrigger;

/** Everything that talks to the user's channel: WhatsApp's token, the web chat's and the router's secrets. */
const CHANNELS: readonly SecretPath[] = ['whatsapp.accessToken', 'web.signingSecret', 'router.productToken'];
/** Everything that talks to a desk: MSC through the router, a webhook desk with its signature. */
const DESKS: readonly SecretPath[] = ['desk.productToken', 'desk.signingSecret'];

export interface Access {
  /**
   * What it may do to a tenant's items when it acts for that tenant (AWS: the function's tenant role,
   * its keys only; locally the leading-keys guard). A function's own credentials reach no item.
   */
  table: 'none' | 'read' | 'readWrite';
  /** May query the expiry index across tenants with its own credentials (the sweep). */
  expiryIndex: boolean;
  /** May query the phase index for the tenant it acts for (an operator's listing; default no). */
  phaseIndex?: boolean;
  /**
   * May put events on the Baton bus. The conveyor (the outbox of every write), hand-over (a status
   * event the bot did not take) and ingest (WhatsApp's statuses of agents' messages, never a user's
   * message) do: every other function's events leave through its writes.
   */
  publish: boolean;
  /** The tenants' secrets it may read (AWS: GetSecretValue on those alone; locally, the same rule). */
  secrets: readonly SecretPath[];
  /** May sign or check media links (shared/media/media-link.ts): the stack's media link key. */
  mediaLinks: boolean;
}

export interface FunctionDeclaration {
  name: string;
  /** Directory of `handler.ts` and `lambda.ts`, relative to the repository root. */
  dir: string;
  description: string;
  trigger: Trigger;
  access: Access;
  /** Lambda timeout; outside calls inside have their own, shorter ones. */
  timeoutSeconds: number;
  memoryMb?: number;
}

export const FUNCTIONS: readonly FunctionDeclaration[] = [
  {
    name: 'ingest',
    dir: 'functions/ingest',
    description:
      "Channel webhooks (WhatsApp, web chat, chats Baton hosts on CM.com's router) and pushed bot answers: verify, validate, route.",
    trigger: {
      kind: 'http',
      routes: [
        'GET /v1/{tenant}/whatsapp',
        'POST /v1/{tenant}/whatsapp',
        // The Meta app's one callback URL: the numbers in the body say which tenant.
        'GET /v1/whatsapp',
        'POST /v1/whatsapp',
        'POST /v1/{tenant}/web',
        'POST /v1/{tenant}/answers',
        'POST /v1/{tenant}/router/messages',
      ],
    },
    // Checks the signatures of what comes in: Meta's, the web chat's, the bot's; the router's token.
    // Publishes WhatsApp's statuses of agents' messages (no user message goes on the bus).
    access: {
      table: 'readWrite',
      expiryIndex: false,
      publish: true,
      mediaLinks: false,
      secrets: [
        'whatsapp.appSecret',
        'whatsapp.verifyToken',
        'web.signingSecret',
        'bot.signingSecret',
        'router.productToken',
      ],
    },
    timeoutSeconds: 10,
  },
  {
    name: 'conveyor',
    dir: 'functions/conveyor',
    description:
      "The table's stream: publishes the events each version wrote, delivers the inbox head to its owner.",
    trigger: {
      kind: 'stream',
      sortKey: 'STATE',
      batchSize: 50,
      // One slow bot holds only the conversations that hash to its lane, not the whole shard.
      parallelizationFactor: 10,
      maxRetryAttempts: 5,
      maxRecordAgeSeconds: 3600,
    },
    // Calls the bot (messages and status events), the user's channel and the desk.
    access: {
      table: 'readWrite',
      expiryIndex: false,
      publish: true,
      // Links to a user's media for the bot and the desk.
      mediaLinks: true,
      secrets: ['bot.signingSecret', ...CHANNELS, ...DESKS],
    },
    // Each conversation of a batch in parallel, each at worst: its notices, the first question and a
    // delivery, every one 3 attempts of an outside call (≤ 25 s each) and the waits between them.
    timeoutSeconds: 300,
  },
  {
    name: 'relay',
    dir: 'functions/relay',
    description:
      "What the conveyor could not deliver in place (messages for the user, the bot's status events), and the end, move or withdrawal of a handover to its desk.",
    trigger: {
      kind: 'events',
      rules: [
        // What the conveyor could not deliver in place, with the bus's retries.
        { detailType: 'MessageUnsent' },
        { detailType: 'BotEventUnsent' },
        // The desk hears of these (the user and the bot heard of them from the conveyor).
        { detailType: 'SessionEnded' },
        { detailType: 'HandoverDeclined' },
        { detailType: 'HandoverTransferred' },
        // WhatsApp's statuses of agents' messages, for their desk.
        { detailType: 'DeliveryStatusReported' },
      ],
    },
    // Tells the bot (its events), the user's channel and the desk.
    access: {
      table: 'readWrite',
      expiryIndex: false,
      publish: false,
      mediaLinks: false,
      secrets: ['bot.signingSecret', ...CHANNELS, ...DESKS],
    },
    // An answer's delivery and the handover it asks for, or one desk notice (≤ 25 s each).
    timeoutSeconds: 120,
  },
  {
    name: 'check-presence',
    dir: 'functions/check-presence',
    description: 'Asks the agent desk whether an agent is available (2 s timeout; any failure is offline).',
    trigger: { kind: 'events', rules: [{ detailType: 'HandoverRequested' }] },
    access: {
      table: 'readWrite',
      expiryIndex: false,
      publish: false,
      mediaLinks: false,
      secrets: ['presence.apiKey'],
    },
    // A tenant's presence timeout may be 25 s, and waiting for the shared call budget up to 5 s more.
    timeoutSeconds: 45,
  },
  {
    name: 'hand-over',
    dir: 'functions/hand-over',
    description: 'Hands the conversation to the agent desk and locks it to the agent.',
    trigger: { kind: 'events', rules: [{ detailType: 'IntakeCompleted' }] },
    // The desk (a hosted chat's through the router), then Web Conversations (the web chat's secret by
    // default); the transcript's files linked for the desk.
    access: {
      table: 'readWrite',
      expiryIndex: false,
      publish: true,
      mediaLinks: true,
      secrets: [
        ...DESKS,
        'router.productToken',
        'webConversations.signingSecret',
        'web.signingSecret',
        // A desk live on its claim accepted: the bot hears of it from here.
        'bot.signingSecret',
      ],
    },
    // The desk (MSC: two router calls of up to 25 s each) asked up to three times when it does not
    // answer, the bot told a desk live on its claim accepted (once), then the Web Conversations
    // notice (up to 25 s), and the writes around them.
    timeoutSeconds: 210,
  },
  {
    name: 'agent-api',
    dir: 'functions/agent-api',
    description:
      "The agent desk's callbacks (claim, queue position, agent messages, sign-off) and CM.com's router (TwoWay messages, events).",
    trigger: {
      kind: 'http',
      routes: [
        'POST /v1/{tenant}/agent/conversations/{conversationId}/claim',
        'POST /v1/{tenant}/agent/conversations/{conversationId}/queue',
        'POST /v1/{tenant}/agent/conversations/{conversationId}/transfer',
        'POST /v1/{tenant}/agent/conversations/{conversationId}/messages',
        'POST /v1/{tenant}/agent/conversations/{conversationId}/end',
        'POST /v1/{tenant}/twoway/messages',
        'POST /v1/{tenant}/twoway/events',
        'POST /v1/{tenant}/router/events',
      ],
    },
    // The desks' bearer tokens; the router's product token on the TwoWay endpoints.
    access: {
      table: 'readWrite',
      expiryIndex: false,
      publish: false,
      mediaLinks: false,
      secrets: ['agentApiToken', 'desk.productToken', 'router.productToken'],
    },
    timeoutSeconds: 10,
  },
  {
    name: 'operator-api',
    dir: 'functions/operator-api',
    description:
      "An operator's API: a tenant's conversations by phase, one conversation's state and audit trail, force-end, redrive of dead letters, erasure.",
    trigger: {
      kind: 'http',
      authorization: 'iam',
      routes: [
        'GET /v1/operator/{tenant}/conversations',
        'POST /v1/operator/{tenant}/refs',
        'GET /v1/operator/{tenant}/conversations/{conversationRef}',
        'POST /v1/operator/{tenant}/conversations/{conversationRef}/end',
        'POST /v1/operator/{tenant}/conversations/{conversationRef}/redrive',
        'POST /v1/operator/{tenant}/conversations/{conversationRef}/erase',
      ],
    },
    // Its writes go through the stream like any other: the conveyor tells the user, bot and desk.
    access: {
      table: 'readWrite',
      expiryIndex: false,
      phaseIndex: true,
      publish: false,
      mediaLinks: false,
      secrets: [],
    },
    timeoutSeconds: 30,
  },
  {
    name: 'expire-sessions',
    dir: 'functions/expire-sessions',
    description: 'Releases agent locks past their expiry and tells the bot.',
    trigger: { kind: 'schedule', everyMinutes: 1 },
    access: { table: 'readWrite', expiryIndex: true, publish: false, mediaLinks: false, secrets: [] },
    timeoutSeconds: 60,
  },
  {
    name: 'media',
    dir: 'functions/media',
    description:
      "A user's WhatsApp media for a desk or bot holding a signed, expiring link: fetched from the Graph API with the tenant's token and streamed through, never stored.",
    trigger: { kind: 'url', route: 'GET /v1/{tenant}/media/{token}' },
    // The tenant's WhatsApp token; no item of the table.
    access: {
      table: 'none',
      expiryIndex: false,
      publish: false,
      mediaLinks: true,
      secrets: ['whatsapp.accessToken'],
    },
    // The Graph API's answer, then a download of up to 100 MB (DOWNLOAD_DEADLINE_MS in its handler).
    timeoutSeconds: 120,
  },
];

export function functionNamed(name: string): FunctionDeclaration {
  const found = FUNCTIONS.find((fn) => fn.name === name);
  if (!found) throw new Error(`no function ${name} in the topology`);
  return found;
}

/** The function the table's stream triggers, if any. */
export function streamConsumer(): (FunctionDeclaration & { trigger: StreamTrigger }) | undefined {
  for (const fn of FUNCTIONS) if (fn.trigger.kind === 'stream') return { ...fn, trigger: fn.trigger };
  return undefined;
}

/** The consumers of an event: the local bus delivers by this, the CDK stack makes one rule per entry. */
export function eventRules(): Array<{ fn: FunctionDeclaration; rule: EventRule }> {
  return FUNCTIONS.flatMap((fn) =>
    fn.trigger.kind === 'events' ? fn.trigger.rules.map((rule) => ({ fn, rule })) : [],
  );
}
