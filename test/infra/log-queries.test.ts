/**
 * The Logs Insights queries saved with the stack (infra/aws/baton-queries.ts): four, each over the
 * log group of every function, and each finding the lines it is named for among lines Baton's code
 * really writes. Those lines are not written out here: the AWS core's logger (the one every Lambda
 * logs with) writes them to stdout, through the code that logs in production: the audit lines of a
 * conversation's writes (a handover's whole life, a dead letter), the conveyor's dead-letter report,
 * an event consumer's lines. Each query's filter, read from the synthesized template, is run over
 * them as Logs Insights would (its `=`, `in`, `and`, `or`), with the placeholders replaced as the
 * operator does.
 */
import { App, CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as z from 'zod';
import { reportDeadLetter } from '../../functions/conveyor/dead-letter';
import {
  HANDOVER_ACTIONS,
  REFERENCE_PLACEHOLDER,
  RUNTIME_ERROR_LEVEL,
  TENANT_PLACEHOLDER,
} from '../../infra/aws/baton-queries';
import { BatonStack } from '../../infra/aws/baton-stack';
import { readEnvironment } from '../../shared/config/environment';
import {
  type Command,
  type Conversation,
  newConversation,
  transition,
} from '../../shared/domain/conversation';
import { withDeadLetter } from '../../shared/domain/inbox';
import { createEventHandler, on } from '../../shared/events/consumer';
import type { OutgoingEvent } from '../../shared/events/define';
import { HandoverRequested } from '../../shared/events/handover-events';
import { eventsFor } from '../../shared/flow/effect-events';
import { writeConversation } from '../../shared/flow/write-conversation';
import { conversationRef } from '../../shared/log/logger';
import { RecordedMetrics } from '../../shared/log/metrics';
import type { ConversationByRef, ConversationStore } from '../../shared/ports/conversation-store';
import { VersionConflictError } from '../../shared/ports/version-conflict';
import { createAwsCore } from '../../shared/runtime/aws-core';
import { projectRoot, readExampleTenants } from './tenants-fixture';

// ---- The queries, as synthesized ----

const app = new App({ context: { 'aws:cdk:bundling-stacks': [] }, builtinCloudFormationValidation: false });
const stack = new BatonStack(app, 'Test', { tenants: readExampleTenants(), projectRoot });
const resources = z
  .object({
    Resources: z.record(
      z.string(),
      z.object({ Type: z.string(), Properties: z.record(z.string(), z.unknown()).default({}) }),
    ),
  })
  .parse(Template.fromStack(stack).toJSON()).Resources;

const refSchema = z.object({ Ref: z.string() });
const querySchema = z.object({
  Name: z.string(),
  QueryString: z.string(),
  LogGroupNames: z.array(refSchema),
});
const queries = Object.values(resources)
  .filter((resource) => resource.Type === 'AWS::Logs::QueryDefinition')
  .map((resource) => querySchema.parse(resource.Properties));

function queryNamed(name: string): z.infer<typeof querySchema> {
  const found = queries.find((query) => query.Name === `Baton/Test/${name}`);
  if (!found) throw new Error(`no query ${name} in ${queries.map((query) => query.Name).join(', ')}`);
  return found;
}

/** The `filter` commands of a query, each without its command. */
function filtersOf(query: z.infer<typeof querySchema>): string[] {
  return query.QueryString.split('\n| ')
    .filter((line) => line.startsWith('filter '))
    .map((line) => line.slice('filter '.length));
}

/** A query's filter commands as one filter: a line passes all of them (Logs Insights). */
const filterOf = (query: z.infer<typeof querySchema>): string =>
  filtersOf(query)
    .map((statement) => `(${statement})`)
    .join(' and ');

/** The fields a query shows (`fields` command), without Logs Insights' own `@…`. */
function shownFields(query: z.infer<typeof querySchema>): string[] {
  const line = query.QueryString.split('\n| ').find((command) => command.startsWith('fields '));
  return (line ?? '')
    .slice('fields '.length)
    .split(', ')
    .filter((field) => !field.startsWith('@'));
}

// ---- A filter as Logs Insights reads it: `field = 'v'`, `field in ['v', …]`, `and`, `or`, brackets ----

type LogLine = Record<string, unknown>;
type Predicate = (line: LogLine) => boolean;
interface Condition {
  field: string;
  values: string[];
}

/** The predicate, and the conditions it is made of (field and values compared). */
function parseFilter(filter: string): { matches: Predicate; conditions: Condition[] } {
  const tokens = filter.match(/'[^']*'|[A-Za-z_@][\w.]*|[=()[\],]/g) ?? [];
  expect(tokens.join('').replace(/\s/g, '')).toBe(filter.replace(/\s/g, ''));
  const conditions: Condition[] = [];
  let at = 0;
  const peek = (): string | undefined => tokens[at];
  const take = (expected?: string): string => {
    const token = tokens[at++];
    if (token === undefined || (expected !== undefined && token !== expected))
      throw new Error(`filter ${filter}: expected ${expected ?? 'more'} at ${at - 1}, found ${token}`);
    return token;
  };
  const literal = (): string => {
    const token = take();
    if (!/^'.*'$/.test(token)) throw new Error(`filter ${filter}: ${token} is not a string`);
    return token.slice(1, -1);
  };
  const atom = (): Predicate => {
    if (peek() === '(') {
      take('(');
      const inner = or();
      take(')');
      return inner;
    }
    const field = take();
    const values: string[] = [];
    if (peek() === '=') {
      take('=');
      values.push(literal());
    } else {
      take('in');
      take('[');
      values.push(literal());
      while (peek() === ',') {
        take(',');
        values.push(literal());
      }
      take(']');
    }
    conditions.push({ field, values });
    return (line) => {
      const value = line[field];
      return typeof value === 'string' && values.includes(value);
    };
  };
  const and = (): Predicate => {
    const all = [atom()];
    while (peek() === 'and') {
      take('and');
      all.push(atom());
    }
    return (line) => all.every((predicate) => predicate(line));
  };
  const or = (): Predicate => {
    const any = [and()];
    while (peek() === 'or') {
      take('or');
      any.push(and());
    }
    return (line) => any.some((predicate) => predicate(line));
  };
  const matches = or();
  expect(at).toBe(tokens.length);
  return { matches, conditions };
}

function run(name: string, lines: readonly LogLine[], replace: Record<string, string> = {}): LogLine[] {
  const filter = Object.entries(replace).reduce(
    (text, [placeholder, value]) => text.replaceAll(placeholder, value),
    filterOf(queryNamed(name)),
  );
  const { matches } = parseFilter(filter);
  return lines.filter(matches);
}

// ---- Lines Baton's code writes ----

class MemoryConversations implements ConversationStore {
  private readonly items = new Map<string, Conversation>();

  async get(tenantId: string, conversationId: string): Promise<Conversation | undefined> {
    return this.items.get(`${tenantId}\u0000${conversationId}`);
  }

  async getByRef(ref: ConversationByRef): Promise<Conversation | undefined> {
    return [...this.items.values()].find(
      (item) => conversationRef(item.tenantId, item.conversationId) === ref.conversationRef,
    );
  }

  async create(conversation: Conversation): Promise<void> {
    if (await this.get(conversation.tenantId, conversation.conversationId))
      throw new VersionConflictError(conversation.tenantId, -1, conversation);
    this.replace(conversation);
  }

  /** The test's own change to an item, outside any write of Baton's. */
  replace(conversation: Conversation): void {
    this.items.set(`${conversation.tenantId}\u0000${conversation.conversationId}`, conversation);
  }

  async save(next: Conversation): Promise<void> {
    const current = await this.get(next.tenantId, next.conversationId);
    if (current?.version !== next.version - 1)
      throw new VersionConflictError(next.tenantId, next.version - 1, current);
    this.items.set(`${next.tenantId}\u0000${next.conversationId}`, next);
  }
}

const T0 = Date.UTC(2026, 11, 5, 12, 0, 0);
const ACME = 'acme';
const GLOBEX = 'globex';
const ADDITIONS = { mscChannel: 'chat', skill: 'support' };

/** What the code wrote to stdout, and the references of the two conversations it wrote about. */
interface Produced {
  lines: LogLine[];
  acmeRef: string;
  globexRef: string;
}

async function produceLines(): Promise<Produced> {
  let now = T0;
  const clock = { now: () => now };
  // As functions/conveyor/lambda.ts builds it: the logger every line goes through.
  const core = createAwsCore(
    'conveyor',
    readEnvironment({
      TABLE_NAME: 'table',
      EVENT_BUS_NAME: 'bus',
      PUBLIC_API_URL: 'https://api.example.com',
      BATON_TENANTS: JSON.stringify(readExampleTenants()),
      BATON_REF_KEY: 'log-queries-reference-key-0123456789',
      BATON_TENANT_ROLE_ARN: 'arn:aws:iam::123456789012:role/baton-conveyor-tenant',
      AWS_REGION: 'eu-west-1',
    }),
  );
  const conversations = new MemoryConversations();
  const ports = { clock, conversations, logger: core.logger };
  let requested: OutgoingEvent[] = [];

  /** Applies `commands` to a conversation one write at a time, as apply-command does. */
  const apply = async (tenantId: string, conversationId: string, commands: readonly Command[]) => {
    for (const command of commands) {
      now += 1000;
      await writeConversation(ports, tenantId, conversationId, (state, at) => {
        const { state: next, effects } = transition(state, command, at);
        if (command.type === 'requestHandover' && command.handoverId === 'h-1')
          requested = eventsFor(next, effects, at);
        return next;
      });
    }
  };
  const handover = (id: string): Command[] => [
    { type: 'requestHandover', handoverId: id, additions: ADDITIONS },
    { type: 'presenceChecked', handoverId: id, status: 'online' },
  ];

  const captured: string[] = [];
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    captured.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  });
  try {
    await conversations.create(newConversation(ACME, 'web-1', { type: 'web' }, now));
    await conversations.create(newConversation(GLOBEX, 'web-1', { type: 'web' }, now));
    // acme: taken by an agent, transferred, ended; abandoned; refused by the desk; withdrawn; expired; ended by an operator.
    await apply(ACME, 'web-1', [
      ...handover('h-1'),
      { type: 'intakeCompleted', handoverId: 'h-1', answers: {} },
      { type: 'handoverSucceeded', handoverId: 'h-1', lockMs: 60_000 },
      { type: 'transferHandover', handoverId: 'h-1', toHandoverId: 'h-2', skill: 'billing' },
      { type: 'handoverSucceeded', handoverId: 'h-2', lockMs: 60_000 },
      { type: 'endSession', by: 'user' },
      ...handover('h-3'),
      { type: 'intakeAbandoned', handoverId: 'h-3', reason: 'cancelled' },
      ...handover('h-4'),
      { type: 'intakeCompleted', handoverId: 'h-4', answers: {} },
      { type: 'handoverFailed', handoverId: 'h-4', stage: 'desk:status' },
      ...handover('h-5'),
      { type: 'intakeCompleted', handoverId: 'h-5', answers: {} },
    ]);
    // As hand-over marks a handover to a desk that goes live on its claim (shared/store/desk-asks.ts).
    const asked = await conversations.get(ACME, 'web-1');
    if (!asked?.handover) throw new Error('no handover to mark');
    conversations.replace({ ...asked, handover: { ...asked.handover, awaitsClaim: true } });
    await apply(ACME, 'web-1', [
      { type: 'withdrawHandover', handoverId: 'h-5' },
      ...handover('h-6'),
      { type: 'intakeCompleted', handoverId: 'h-6', answers: {} },
      { type: 'handoverSucceeded', handoverId: 'h-6', lockMs: 60_000 },
    ]);
    now += 60_000;
    await apply(ACME, 'web-1', [{ type: 'expire' }]);
    // Ended by an operator (the operator API).
    await apply(ACME, 'web-1', [
      ...handover('h-7'),
      { type: 'intakeCompleted', handoverId: 'h-7', answers: {} },
      { type: 'handoverSucceeded', handoverId: 'h-7', lockMs: 60_000 },
      { type: 'forceEnd', reason: 'abusive' },
    ]);
    // A message the bot never took: the conveyor reports it, and one write keeps it among the dead letters.
    const message = { id: 'wamid.dead', text: 'hello', receivedAt: now };
    const reason = reportDeadLetter(
      { logger: core.logger, metrics: new RecordedMetrics() },
      ACME,
      message.id,
      {
        route: 'bot',
        attempts: 3,
        error: new TypeError('fetch failed'),
      },
    );
    await writeConversation(ports, ACME, 'web-1', (state, at) => ({
      ...state,
      ...withDeadLetter(state, { message, route: 'bot', reason, at }, at),
    }));
    // globex: a handover asked for, no agent online.
    await apply(GLOBEX, 'web-1', [
      { type: 'requestHandover', handoverId: 'g-1', additions: ADDITIONS },
      { type: 'presenceChecked', handoverId: 'g-1', status: 'offline' },
    ]);
    // An event about a conversation, handled by a consumer that fails (the bus retries it).
    const event = requested.find((candidate) => candidate.detailType === HandoverRequested.detailType);
    if (!event) throw new Error('no HandoverRequested event');
    const handler = createEventHandler(core.logger, [
      on(HandoverRequested, async (_data, _metadata, logger) => {
        logger.warn('presence not reached');
        throw new TypeError('fetch failed');
      }),
    ]);
    await expect(
      handler({
        version: '0',
        id: 'e-1',
        'detail-type': event.detailType,
        source: 'baton',
        account: '123456789012',
        time: new Date(now).toISOString(),
        region: 'eu-west-1',
        resources: [],
        detail: event.detail,
      }),
    ).rejects.toThrow('fetch failed');
  } finally {
    write.mockRestore();
  }
  const lines = captured
    .join('')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => z.record(z.string(), z.unknown()).parse(JSON.parse(line)));
  return { lines, acmeRef: conversationRef(ACME, 'web-1'), globexRef: conversationRef(GLOBEX, 'web-1') };
}

let produced: Produced;
beforeAll(async () => {
  produced = await produceLines();
});

// ---- The tests ----

test('four queries are saved under Baton/<stack>, each over the log group of every function', () => {
  expect(queries.map((query) => query.Name).sort()).toEqual([
    `Baton/Test/conversation (replace ${REFERENCE_PLACEHOLDER})`,
    'Baton/Test/dead letters',
    'Baton/Test/errors',
    `Baton/Test/tenant handovers (replace ${TENANT_PLACEHOLDER})`,
  ]);
  // Each function's log group as its own resource names it, found by the function's logical id.
  const functionLogGroups = Object.values(stack.baton.functions)
    .map((fn) => {
      const cfn = fn.node.defaultChild;
      if (!(cfn instanceof CfnElement)) throw new Error(`${fn.node.path} has no CloudFormation resource`);
      const properties = resources[stack.getLogicalId(cfn)]?.Properties;
      return z.object({ LoggingConfig: z.object({ LogGroup: refSchema }) }).parse(properties).LoggingConfig
        .LogGroup.Ref;
    })
    .sort();
  expect(new Set(functionLogGroups).size).toBe(Object.keys(stack.baton.functions).length);
  expect(functionLogGroups.length).toBeGreaterThan(5);
  for (const query of queries)
    expect(query.LogGroupNames.map((group) => group.Ref).sort()).toEqual(functionLogGroups);
});

test('each query filters on what it is named for', () => {
  expect(filtersOf(queryNamed(`conversation (replace ${REFERENCE_PLACEHOLDER})`))).toEqual([
    "correlationId = 'c-REPLACE_WITH_REFERENCE' or conversationRef = 'c-REPLACE_WITH_REFERENCE'",
  ]);
  expect(filtersOf(queryNamed('errors'))).toEqual(["level in ['error', 'ERROR']"]);
  expect(filtersOf(queryNamed('dead letters'))).toEqual([
    "message = 'message dead-lettered' or (message = 'audit' and action = 'dead_lettered')",
  ]);
  const [audit, tenant, actions] = filtersOf(queryNamed(`tenant handovers (replace ${TENANT_PLACEHOLDER})`));
  expect([audit, tenant]).toEqual(["message = 'audit'", "tenantId = 'REPLACE_WITH_TENANT_ID'"]);
  expect(actions).toMatch(/^action in \['requestHandover', .*'handoverSucceeded', .*'handoverFailed', .*\]$/);
});

test('one conversation: every line naming it, by either field, and none of another', () => {
  const { lines, acmeRef, globexRef } = produced;
  const found = run(`conversation (replace ${REFERENCE_PLACEHOLDER})`, lines, {
    [REFERENCE_PLACEHOLDER]: acmeRef,
  });
  // Its audit trail (by conversationRef) and the event consumer's lines about it (by correlationId).
  expect(found.filter((line) => line.message === 'audit').length).toBeGreaterThan(20);
  expect(found.some((line) => line.correlationId === acmeRef && line.message !== 'audit')).toBe(true);
  expect(found.every((line) => line.conversationRef === acmeRef || line.correlationId === acmeRef)).toBe(
    true,
  );
  expect(
    run(`conversation (replace ${REFERENCE_PLACEHOLDER})`, lines, { [REFERENCE_PLACEHOLDER]: globexRef }),
  ).toEqual(lines.filter((line) => line.conversationRef === globexRef));
  // The placeholder has the shape of what it stands for.
  expect(acmeRef).toMatch(/^c-[0-9a-f]{32}$/);
  expect(REFERENCE_PLACEHOLDER.startsWith('c-')).toBe(true);
});

test('errors: the lines Baton logs at error, and only those', () => {
  const found = run('errors', produced.lines);
  expect(found.map((line) => line.message).sort()).toEqual([
    'event handling failed',
    'message dead-lettered',
  ]);
  // The other value is the Lambda runtime's own level (JSON log format), in no line of Baton's.
  expect(produced.lines.some((line) => line.level === RUNTIME_ERROR_LEVEL)).toBe(false);
});

test('dead letters: the conveyor’s report and the write that keeps the message', () => {
  const found = run('dead letters', produced.lines);
  expect(found.map((line) => [line.message, line.action, line.cause])).toEqual([
    ['message dead-lettered', undefined, undefined],
    ['audit', 'dead_lettered', 'bot:TypeError'],
  ]);
});

test('a tenant’s handovers: every step of each, of that tenant alone', () => {
  const found = run(`tenant handovers (replace ${TENANT_PLACEHOLDER})`, produced.lines, {
    [TENANT_PLACEHOLDER]: ACME,
  });
  // Every action the query names is one a handover's life writes, and each is found.
  expect([...new Set(found.map((line) => line.action))].sort()).toEqual([...HANDOVER_ACTIONS].sort());
  expect(new Set(found.map((line) => line.handoverId))).toEqual(
    new Set(['h-1', 'h-2', 'h-3', 'h-4', 'h-5', 'h-6', 'h-7']),
  );
  expect(found.every((line) => line.tenantId === ACME)).toBe(true);
  const other = run(`tenant handovers (replace ${TENANT_PLACEHOLDER})`, produced.lines, {
    [TENANT_PLACEHOLDER]: GLOBEX,
  });
  expect(other.map((line) => line.action)).toEqual(['requestHandover', 'presenceChecked']);
});

test('every field a query filters on or shows is one Baton’s lines carry', () => {
  const carried = new Set(produced.lines.flatMap((line) => Object.keys(line)));
  const filtered = queries.flatMap((query) =>
    parseFilter(filterOf(query)).conditions.map(({ field }) => field),
  );
  expect([...new Set(filtered)].sort()).toEqual([
    'action',
    'conversationRef',
    'correlationId',
    'level',
    'message',
    'tenantId',
  ]);
  const shown = queries.flatMap(shownFields);
  expect(shown.length).toBeGreaterThan(20);
  expect([...new Set([...filtered, ...shown])].filter((field) => !carried.has(field))).toEqual([]);
});
