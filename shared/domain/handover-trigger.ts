/** Whether a bot answer asks for a handover, and the additions it carries for presence and routing. Pure. */
import type { BotAnswer } from '../events/shapes';
import { idRef } from '../log/logger';
import { type Command, type Conversation, effectivePhase, type HandoverAdditions } from './conversation';

export {
  LIVECHAT_SESSION_END,
  LIVECHAT_SESSION_EXPIRED,
  LIVECHAT_SESSION_START,
} from './livechat-payloads';
/** The additions an answer carries; `mscChannel` left out takes the conversation's channel. */
export type RequestedAdditions = Omit<HandoverAdditions, 'mscChannel'> & { mscChannel?: string | undefined };

/**
 * MSC's name of a conversation's channel, as its presence API lists them ("WhatsApp", "WebChat"):
 * CM.com's flow defaults to WhatsApp, the channel it serves; Baton knows the channel it came on.
 */
export function mscChannelOf(channel: Conversation['channel']): string {
  if (channel.type === 'whatsapp') return 'WhatsApp';
  if (channel.type === 'web') return 'WebChat';
  // The router's channel name: MSC names its web chat `WebChat` where the router says `CXWebConversations`.
  return channel.channel === 'CXWebConversations' ? 'WebChat' : channel.channel;
}

/** An output addition that says yes: `true`, or the text `true` (bots that write additions as strings). */
export const isTrueAddition = (value: unknown): boolean =>
  value === true || String(value).toLowerCase() === 'true';

export function handoverRequestOf(answer: BotAnswer, handoverEvent: string): RequestedAdditions | undefined {
  const additions = answer.outputAdditions ?? {};
  const livechat = isTrueAddition(additions.livechat);
  const triggered = answer.metadata?.triggerEvent === handoverEvent;
  if (!livechat && !triggered) return undefined;
  return additionsOf(additions);
}

/** The additions saved with a handover, trimmed; empty ones left out. */
export function additionsOf(additions: Record<string, string | number | boolean>): RequestedAdditions {
  const text = (value: unknown): string | undefined => {
    // Additions are typed by the bot's editor; a numeric skill id is still a skill.
    const raw = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
    return typeof raw === 'string' && raw.trim() !== '' ? raw.trim() : undefined;
  };
  return {
    skill: text(additions.skill),
    mscWebstore: text(additions.mscWebstore),
    mscChannel: text(additions.mscChannel),
  };
}

/**
 * A handover's id, from what asked for it: the same cause names the same handover (a redelivery, an
 * answer pushed and replied), and the name is keyed, since a WhatsApp message id holds the sender's
 * number and a handover id travels on the bus and to the desk.
 */
export const handoverIdFrom = (cause: 'answer' | 'start', id: string): string => `${cause}:${idRef(id)}`;

/**
 * The command that starts handover `handoverId`, or undefined when the bot does not own the
 * conversation (a handover is under way or live: a request then changes nothing). `pageUrl`: the
 * page of the message that asked, else the web chat's, for URL-based routing.
 */
export function handoverRequestFor(
  handoverId: string,
  additions: RequestedAdditions,
  pageUrl: string | undefined,
  state: Conversation,
  now: number,
): Command | undefined {
  if (effectivePhase(state, now) !== 'bot') return undefined;
  return {
    type: 'requestHandover',
    handoverId,
    additions: { ...additions, mscChannel: additions.mscChannel ?? mscChannelOf(state.channel) },
    pageUrl: pageUrl ?? (state.channel.type === 'web' ? state.channel.pageUrl : undefined),
  };
}

/** Whether a bot answer asks for a handover. */
export const asksForHandover = (answer: BotAnswer, handoverEvent: string): boolean =>
  handoverRequestOf(answer, handoverEvent) !== undefined;

/**
 * The handover an answer asks for, or undefined: it does not ask, or one is under way or live (a
 * request then changes nothing). `pageUrl`: the page of the message answered, for URL routing.
 * The same id whichever way the answer came (the bot's reply or its push), so it is requested once.
 */
export function handoverCommandFor(
  answer: BotAnswer,
  handoverEvent: string,
  pageUrl: string | undefined,
  state: Conversation,
  now: number,
): Command | undefined {
  const additions = handoverRequestOf(answer, handoverEvent);
  return additions && handoverRequestFor(handoverIdFrom('answer', answer.id), additions, pageUrl, state, now);
}
