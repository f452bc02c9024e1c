/** What Baton sends to a user, whatever the channel. */
import type { ChannelRef } from '../domain/conversation';
import type { ChoiceList, OutboundMedia } from '../events/rich-content';

export interface OutgoingMessage {
  /** May be empty when a file says it all. */
  text: string;
  /** Reply buttons (WhatsApp: at most 3, titles of at most 20 characters). */
  buttons?: ReadonlyArray<{ payload: string; title: string }> | undefined;
  /** A file by its URL, which the channel fetches. */
  media?: OutboundMedia | undefined;
  /** A list of choices behind one button. */
  list?: ChoiceList | undefined;
  /**
   * WhatsApp: send as this approved template instead (its window closed): the body parameters
   * filled in; the text and rich fields are not sent. Other channels send the text as usual.
   */
  template?: { name: string; language: string; parameters: readonly string[] } | undefined;
  /** WhatsApp: echoed in the message's statuses (`biz_opaque_callback_data`), so they find their way back. */
  tracking?: string | undefined;
}

export interface UserAddress {
  tenantId: string;
  conversationId: string;
  channel: ChannelRef;
}

/** Delivers to the user on the channel the conversation came from. */
export interface ChannelSender {
  send(to: UserAddress, message: OutgoingMessage): Promise<void>;
}
