/** One update of a conversation item, only if the stored version is still the one read. */
import { ConditionalCheckFailedException, TransactionConflictException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Conversation } from '../domain/conversation';
import { conversationKey, sweepShard } from './keys';

/**
 * Runs `expression` on `conversation`'s item if its version is still `conversation.version`
 * (`:shard` and `:due` are given for `due`); false when it moved on meanwhile.
 */
export async function updateOnVersion(
  doc: DynamoDBDocumentClient,
  tableName: string,
  conversation: Conversation,
  expression: string,
  due: number | undefined,
  values: Record<string, unknown> = {},
): Promise<boolean> {
  try {
    await doc.send(
      new UpdateCommand({
        TableName: tableName,
        Key: conversationKey(conversation.tenantId, conversation.conversationId),
        UpdateExpression: expression,
        ConditionExpression: '#version = :version',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: {
          ...values,
          ':version': conversation.version,
          ...(due === undefined
            ? {}
            : { ':due': due, ':shard': sweepShard(conversation.tenantId, conversation.conversationId) }),
        },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException || error instanceof TransactionConflictException)
      return false;
    throw error;
  }
}
