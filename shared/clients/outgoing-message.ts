/** What Baton sends to a user, whatever the channel. */
export interface OutgoingMessage {
  text: string;
  /** Quick-reply buttons; WhatsApp allows at most 3, titles of at most 20 characters. */
  buttons?: ReadonlyArray<{ payload: string; title: string }>;
}

export interface UserAddress {
  tenantId: string;
  conversationId: string;
  channel: import('../domain/conversation').ChannelRef;
}

/** Delivers to the user on the channel the conversation came from. */
export interface ChannelSender {
  send(to: UserAddress, message: OutgoingMessage): Promise<void>;
}
