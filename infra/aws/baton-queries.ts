/**
 * Logs Insights queries saved with the stack (issue 19), over the log groups of every Baton
 * function: one conversation by its keyed reference, the errors, the dead letters, a tenant's
 * handovers. A saved query takes no parameters: the first and the last filter on a placeholder the
 * operator replaces before running it (the query's name says which).
 *
 * Each filter reads fields and values Baton's own lines carry (shared/log/logger.ts writes one JSON
 * object a line, which Logs Insights splits into fields): `level`, `message`, `correlationId` (a
 * conversation's lines, the conveyor's and every event consumer's), `conversationRef` and `tenantId`
 * (the audit lines, shared/flow/write-conversation.ts). test/infra/log-queries.test.ts checks them
 * against lines the code really writes.
 */
import { Stack } from 'aws-cdk-lib';
import { type ILogGroup, QueryDefinition, QueryString } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { DeliveryAction } from '../../shared/domain/audit';
import type { CommandType } from '../../shared/domain/conversation';

/** Replaced by the operator: `c-…` as logs and events name a conversation (README, "What is keyed"). */
export const REFERENCE_PLACEHOLDER = 'c-REPLACE_WITH_REFERENCE';
/** Replaced by the operator: a tenant's id as in the tenant configuration. */
export const TENANT_PLACEHOLDER = 'REPLACE_WITH_TENANT_ID';

/** The message of the line each audit entry is logged as (shared/flow/write-conversation.ts). */
export const AUDIT_MESSAGE = 'audit';
/** The conveyor's line for a user message no owner took (functions/conveyor/dead-letter.ts). */
export const DEAD_LETTER_MESSAGE = 'message dead-lettered';
/** The audit action recorded by the write that keeps such a message among the conversation's dead letters. */
export const DEAD_LETTERED: DeliveryAction = 'dead_lettered';

/**
 * The commands of a handover's life, as the audit trail names them: asked for, presence, the intake's
 * end, the desk's answer, withdrawn or transferred, ended (by an operator too). Not the many steps within one (an intake
 * answer, an agent's message, a waiting notice, a queue position).
 */
export const HANDOVER_ACTIONS = [
  'requestHandover',
  'presenceChecked',
  'intakeCompleted',
  'intakeAbandoned',
  'handoverSucceeded',
  'handoverFailed',
  'withdrawHandover',
  'transferHandover',
  'endSession',
  'expire',
  'forceEnd',
] as const satisfies readonly CommandType[];

/** Baton's level of an error line (shared/log/logger.ts). */
export const ERROR_LEVEL = 'error';
/**
 * The Lambda runtime's own level of an error line in the JSON log format (an uncaught error, an init
 * that failed): no line of Baton's, but an error all the same.
 */
export const RUNTIME_ERROR_LEVEL = 'ERROR';

const quoted = (value: string): string => `'${value}'`;
const list = (values: readonly string[]): string => `[${values.map(quoted).join(', ')}]`;

export interface LogQuery {
  /** Its construct id. */
  readonly id: string;
  /** The last part of its name: what it shows, and the placeholder to replace if it has one. */
  readonly name: string;
  readonly query: QueryString;
}

/** The saved queries. */
export const LOG_QUERIES: readonly LogQuery[] = [
  {
    id: 'Conversation',
    name: `conversation (replace ${REFERENCE_PLACEHOLDER})`,
    query: new QueryString({
      fields: [
        '@timestamp',
        'function',
        'level',
        'message',
        'action',
        'from',
        'to',
        'actor',
        'cause',
        'handoverId',
        'detailType',
        'route',
        'errorName',
      ],
      filterStatements: [
        `correlationId = ${quoted(REFERENCE_PLACEHOLDER)} or conversationRef = ${quoted(REFERENCE_PLACEHOLDER)}`,
      ],
      sort: '@timestamp asc',
      limit: 10_000,
    }),
  },
  {
    id: 'Errors',
    name: 'errors',
    query: new QueryString({
      fields: [
        '@timestamp',
        'function',
        'message',
        'tenantId',
        'correlationId',
        'detailType',
        'errorName',
        'errorMessage',
        '@message',
      ],
      filterStatements: [`level in ${list([ERROR_LEVEL, RUNTIME_ERROR_LEVEL])}`],
      sort: '@timestamp desc',
      limit: 1000,
    }),
  },
  {
    id: 'DeadLetters',
    name: 'dead letters',
    query: new QueryString({
      fields: [
        '@timestamp',
        'function',
        'message',
        'tenantId',
        'conversationRef',
        'correlationId',
        'handoverId',
        'cause',
        'route',
        'attempts',
        'errorName',
      ],
      filterStatements: [
        `message = ${quoted(DEAD_LETTER_MESSAGE)} or (message = ${quoted(AUDIT_MESSAGE)} and action = ${quoted(DEAD_LETTERED)})`,
      ],
      sort: '@timestamp desc',
      limit: 1000,
    }),
  },
  {
    id: 'TenantHandovers',
    name: `tenant handovers (replace ${TENANT_PLACEHOLDER})`,
    query: new QueryString({
      fields: ['@timestamp', 'conversationRef', 'handoverId', 'action', 'from', 'to', 'actor', 'cause'],
      filterStatements: [
        `message = ${quoted(AUDIT_MESSAGE)}`,
        `tenantId = ${quoted(TENANT_PLACEHOLDER)}`,
        `action in ${list(HANDOVER_ACTIONS)}`,
      ],
      sort: '@timestamp desc',
      limit: 10_000,
    }),
  },
];

export interface BatonQueriesProps {
  /** The log groups the queries read: every Baton function's. */
  readonly logGroups: readonly ILogGroup[];
}

export class BatonQueries extends Construct {
  readonly definitions: QueryDefinition[];

  constructor(scope: Construct, id: string, props: BatonQueriesProps) {
    super(scope, id);
    // The console shows each `/` as a folder: Baton, then the stack.
    const folder = `Baton/${Stack.of(this).stackName}`;
    this.definitions = LOG_QUERIES.map(
      ({ id: queryId, name, query }) =>
        new QueryDefinition(this, queryId, {
          queryDefinitionName: `${folder}/${name}`,
          queryString: query,
          logGroups: [...props.logGroups],
        }),
    );
  }
}
