/**
 * The local stand-in for the IAM condition the AWS stack puts on each function's tenant role,
 * `dynamodb:LeadingKeys` = `T#<tenant>#*`: a middleware on a tenant's DynamoDB client that refuses,
 * with AccessDeniedException as DynamoDB would, any request touching an item whose partition key is
 * not the tenant's. A function's own client (no tenant) may only query the expiry index. A request
 * whose keys it cannot read is refused: the guard fails closed, as IAM does.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EXPIRY_INDEX, PHASE_INDEX } from '../../shared/store/keys';

export class AccessDeniedException extends Error {
  override readonly name = 'AccessDeniedException';
}

type Scope = { tenantId: string } | 'function';

const record = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? Object.fromEntries(Object.entries(value))
    : undefined;
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** A partition key value, plain (the document client's input) or marshalled (`{ S: … }`). */
function pkOf(item: unknown): string | undefined {
  const pk = record(item)?.pk;
  if (typeof pk === 'string') return pk;
  const s = record(pk)?.S;
  return typeof s === 'string' ? s : undefined;
}

/** The partition keys a request touches, or undefined when it is not an item request it knows. */
export function partitionKeysOf(command: string, input: unknown): Array<string | undefined> | undefined {
  const given = record(input) ?? {};
  switch (command) {
    case 'GetItemCommand':
    case 'GetCommand':
    case 'DeleteItemCommand':
    case 'DeleteCommand':
    case 'UpdateItemCommand':
    case 'UpdateCommand':
      return [pkOf(given.Key)];
    case 'PutItemCommand':
    case 'PutCommand':
      return [pkOf(given.Item)];
    case 'TransactWriteItemsCommand':
    case 'TransactWriteCommand':
    case 'TransactGetItemsCommand':
    case 'TransactGetCommand':
      return list(given.TransactItems).map((entry) => {
        const action = record(entry) ?? {};
        const [kind] = Object.keys(action);
        const body = record(kind === undefined ? undefined : action[kind]);
        return pkOf(body?.Item ?? body?.Key);
      });
    case 'QueryCommand': {
      // The table's partition key, or the phase index's (its values begin with the tenant's too).
      const key =
        given.IndexName === undefined ? 'pk' : given.IndexName === PHASE_INDEX ? 'phaseKey' : undefined;
      if (key === undefined) return undefined;
      const expression = typeof given.KeyConditionExpression === 'string' ? given.KeyConditionExpression : '';
      const placeholder = new RegExp(`(?:^|[\\s(])${key}\\s*=\\s*(:\\w+)`).exec(expression)?.[1];
      const values = record(given.ExpressionAttributeValues) ?? {};
      const value = placeholder === undefined ? undefined : values[placeholder];
      return [typeof value === 'string' ? value : pkOf({ pk: value })];
    }
    default:
      return undefined;
  }
}

/** Why `scope` may not make this request, or undefined when it may. */
export function refusal(scope: Scope, command: string, input: unknown): string | undefined {
  if (scope === 'function') {
    const index = record(input)?.IndexName;
    return command === 'QueryCommand' && index === EXPIRY_INDEX
      ? undefined
      : `a function's own credentials reach no tenant's items (${command})`;
  }
  const keys = partitionKeysOf(command, input);
  if (!keys || keys.length === 0) return `${command} is not an item request of tenant ${scope.tenantId}`;
  const prefix = `T#${scope.tenantId}#`;
  return keys.every((pk) => pk?.startsWith(prefix))
    ? undefined
    : `${command} reaches an item outside tenant ${scope.tenantId}`;
}

export function guardLeadingKeys(client: DynamoDBClient, scope: Scope): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const why = refusal(scope, context.commandName ?? '', args.input);
      if (why) throw new AccessDeniedException(why);
      return next(args);
    },
    { step: 'initialize', name: 'leadingKeysGuard', priority: 'high' },
  );
}
