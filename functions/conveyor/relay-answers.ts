/**
 * The bot's answers to the head → the user, in order, from the consumer itself; then one write pops
 * the message and, when an answer asks for it, starts the handover. No event, no once-only claim:
 * the consumer is the only one delivering this conversation's head, and its pop is the record.
 *
 * An answer that cannot be sent here (the channel failed, or time runs short) waits in the item,
 * parked in that same write with the answers after it; the relay delivers those with the bus's
 * retries and applies what they ask for. One the channel refuses for good (a 4xx) is not retried.
 */

import type { TenantConfig } from '../../shared/config/tenants';
import { transcriptPolicyOf } from '../../shared/config/transcript-policy';
import type { Conversation } from '../../shared/domain/conversation';
import { asksForHandover, handoverCommandFor, handoverIdFrom } from '../../shared/domain/handover-trigger';
import type { Route } from '../../shared/domain/routing';
import { botEntry, userEntry } from '../../shared/domain/transcript';
import { type Unsent, unsentKey } from '../../shared/domain/unsent';
import type { BotAnswer, UserMessage } from '../../shared/events/shapes';
import { botIntakeCommand } from '../../shared/flow/bot-intake';
import { answerMessage, reportRefused } from '../../shared/flow/tell-user';
import { errorFields } from '../../shared/log/logger';
import type { Runtime } from '../../shared/runtime/runtime';
import { type PopOptions, popAnd } from './pop-and';

type Ports = Pick<Runtime, 'clock' | 'conversations' | 'channels' | 'logger' | 'metrics'>;

/**
 * `state`: the conversation the consumer acts on. `sendUntil`: a `performance.now()` time after
 * which no send is started here (each may take the channel's whole timeout). Returns the state
 * written, the message popped.
 */
export async function relayAnswers(
  ports: Ports,
  tenant: TenantConfig,
  state: Conversation,
  message: UserMessage,
  answers: readonly BotAnswer[],
  sendUntil: number,
  /** The bot's own route, or the intake's when the bot runs it. */
  route: Route = 'bot',
): Promise<Conversation | undefined> {
  const sent = await sendInOrder(ports, state, answers, sendUntil);
  // What the answers ask for is applied in the pop, sent or not: those not sent wait in the item,
  // and the handover's notices wait behind them, so the user still reads them first.
  const unsent = answers.slice(sent).map(
    (answer): Unsent => ({
      kind: 'answer',
      key: unsentKey.answer(answer.id),
      answer,
      pageUrl: message.pageUrl,
    }),
  );
  // The first answer that asks for a handover starts it.
  const asking = answers.find((answer) => asksForHandover(answer, tenant.handoverEvent));
  const written = await popAnd(
    ports,
    state,
    message.id,
    route,
    (current, at) =>
      // In a bot-run intake the answers may end it; outside one, the first asking starts a handover.
      botIntakeCommand(tenant, answers, current, at, () =>
        ports.logger.warn('customerInfo is not a JSON object of strings; handed over without it'),
      ) ??
      (asking ? handoverCommandFor(asking, tenant.handoverEvent, message.pageUrl, current, at) : undefined),
    {
      park: unsent,
      // A bot-run intake's answers go as customer info, not in the transcript.
      remember: route === 'bot' ? turnEntries(tenant, message, answers, ports.clock.now()) : undefined,
    },
  );
  if (asking)
    ports.logger.info(
      written?.state.phase === 'presence' &&
        written.state.handover?.id === handoverIdFrom('answer', asking.id)
        ? 'handover requested'
        : 'handover request ignored',
      { tenantId: state.tenantId },
    );
  return written?.state;
}

/**
 * Sends the answers' texts in order until one fails in a way a retry may mend, or time runs short;
 * returns how many are done with (sent, or refused by the channel for good).
 */
async function sendInOrder(
  ports: Ports,
  to: Conversation,
  answers: readonly BotAnswer[],
  sendUntil: number,
): Promise<number> {
  let done = 0;
  // Behind messages already waiting for the relay, these wait too: the user gets them in order.
  if (to.unsent?.length) return done;
  for (const answer of answers) {
    const message = answerMessage(answer);
    if (message) {
      if (performance.now() > sendUntil) break;
      try {
        await ports.channels.send(to, message);
      } catch (error) {
        if (!reportRefused(ports, to, error)) {
          // A send that timed out may have arrived: the relay may send it twice, as any retry would.
          ports.logger.warn('answer not sent by the conveyor; it waits for the relay', errorFields(error));
          break;
        }
      }
    }
    done += 1;
  }
  return done;
}

/** The message and the answers the user saw, as the transcript keeps them (redacted); none when it is off. */
function turnEntries(
  tenant: TenantConfig,
  message: UserMessage,
  answers: readonly BotAnswer[],
  at: number,
): PopOptions['remember'] {
  const policy = transcriptPolicyOf(tenant);
  if (policy.messages === 0) return undefined;
  const entries = [
    userEntry(message, policy.redact),
    ...answers.map((answer) => botEntry(answer, at, policy.redact)),
  ];
  return { entries: entries.filter((entry) => entry !== undefined), policy };
}
