/**
 * The one declaration of Baton's functions: where each one's code is, what triggers it and what it
 * may touch. The CDK stack (infra/aws) and the local runtime (infra/local) are both generated from
 * this list; nothing else lists functions.
 *
 * Every function directory holds `handler.ts` (exports `createHandler(runtime)`) and `lambda.ts`
 * (the Lambda entry, `handler` on AWS adapters).
 */
import type { DetailType } from '../shared/events/catalog';

export type HttpMethod = 'GET' | 'POST';

/** An API Gateway HTTP API route key, e.g. `POST /v1/{tenant}/whatsapp`. */
export type RouteKey = `${HttpMethod} /${string}`;

export interface EventRule {
  detailType: DetailType;
}

export type Trigger =
  | { kind: 'http'; routes: readonly RouteKey[] }
  | { kind: 'events'; rules: readonly EventRule[] }
  | { kind: 'schedule'; everyMinutes: number };

export interface Access {
  table: 'none' | 'read' | 'readWrite';
  /** May put events on the Baton bus. */
  publish: boolean;
  /** May read the tenants' secrets (channel secrets, tokens, API keys). */
  secrets: boolean;
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
    description: 'Channel webhooks (WhatsApp, web chat) and pushed bot answers: verify, validate, route.',
    trigger: {
      kind: 'http',
      routes: [
        'GET /v1/{tenant}/whatsapp',
        'POST /v1/{tenant}/whatsapp',
        'POST /v1/{tenant}/web',
        'POST /v1/{tenant}/answers',
      ],
    },
    access: { table: 'readWrite', publish: true, secrets: true },
    timeoutSeconds: 10,
  },
  {
    name: 'relay',
    dir: 'functions/relay',
    description:
      'User messages to their owner in arrival order, answers back, and the notices of a handover.',
    trigger: {
      kind: 'events',
      rules: [
        { detailType: 'MessagesWaiting' },
        { detailType: 'BotAnswered' },
        { detailType: 'HandoverDeclined' },
        { detailType: 'SessionStarted' },
        { detailType: 'AgentMessaged' },
        { detailType: 'SessionEnded' },
      ],
    },
    access: { table: 'readWrite', publish: true, secrets: true },
    // A drain starts no message after 20 s, and one delivery takes at most 25 s (outside timeouts).
    timeoutSeconds: 60,
  },
  {
    name: 'check-presence',
    dir: 'functions/check-presence',
    description: 'Asks the agent desk whether an agent is available (2 s timeout; any failure is offline).',
    trigger: { kind: 'events', rules: [{ detailType: 'HandoverRequested' }] },
    access: { table: 'readWrite', publish: true, secrets: true },
    // A tenant's presence timeout may be 25 s, and waiting for the shared call budget up to 5 s more.
    timeoutSeconds: 45,
  },
  {
    name: 'advance-intake',
    dir: 'functions/advance-intake',
    description: 'Starts the prechat intake with its first question; the answers come through the relay.',
    trigger: {
      kind: 'events',
      rules: [{ detailType: 'IntakeStarted' }],
    },
    access: { table: 'readWrite', publish: true, secrets: true },
    timeoutSeconds: 15,
  },
  {
    name: 'hand-over',
    dir: 'functions/hand-over',
    description: 'Hands the conversation to the agent desk and locks it to the agent.',
    trigger: { kind: 'events', rules: [{ detailType: 'IntakeCompleted' }] },
    access: { table: 'readWrite', publish: true, secrets: true },
    // The desk (up to 25 s), then the Web Conversations notice (up to 25 s), one after the other.
    timeoutSeconds: 60,
  },
  {
    name: 'agent-api',
    dir: 'functions/agent-api',
    description: "The agent desk's callbacks: claim, agent messages, sign-off.",
    trigger: {
      kind: 'http',
      routes: [
        'POST /v1/{tenant}/agent/conversations/{conversationId}/claim',
        'POST /v1/{tenant}/agent/conversations/{conversationId}/messages',
        'POST /v1/{tenant}/agent/conversations/{conversationId}/end',
      ],
    },
    access: { table: 'readWrite', publish: true, secrets: true },
    timeoutSeconds: 10,
  },
  {
    name: 'expire-sessions',
    dir: 'functions/expire-sessions',
    description: 'Releases agent locks past their expiry and tells the bot.',
    trigger: { kind: 'schedule', everyMinutes: 1 },
    access: { table: 'readWrite', publish: true, secrets: false },
    timeoutSeconds: 60,
  },
];

export function functionNamed(name: string): FunctionDeclaration {
  const found = FUNCTIONS.find((fn) => fn.name === name);
  if (!found) throw new Error(`no function ${name} in the topology`);
  return found;
}

/** The consumers of an event: the local bus delivers by this, the CDK stack makes one rule per entry. */
export function eventRules(): Array<{ fn: FunctionDeclaration; rule: EventRule }> {
  return FUNCTIONS.flatMap((fn) =>
    fn.trigger.kind === 'events' ? fn.trigger.rules.map((rule) => ({ fn, rule })) : [],
  );
}
