/**
 * Is an agent available? MSC's presence API (plain text `Online` / `Offline`) or a generic URL
 * (`{"agentAvailable": bool}`). Never throws: an error, a timeout or an unreadable answer is `offline`.
 */
import * as z from 'zod/mini';
import type { DeskView } from '../config/desk-routing';
import type { SecretResolver } from '../config/secrets';
import type { TenantConfig } from '../config/tenants';
import type { AgentStatus } from '../domain/conversation';
import { type HttpCall, OutsideCallError, parseJsonBody } from './http';

export interface PresenceQuery {
  conversationId: string;
  channel: string;
  /** The web store, or the user's page URL for URL-based routing. */
  referrer: string | undefined;
}

export interface PresenceResult {
  status: AgentStatus;
  /** Why it is offline when the desk did not say so itself. */
  failure?: string;
  /** A shared answer used this many ms past its time, because the call budget allowed no call. */
  expiredMs?: number;
}

export interface PresenceClient {
  /** `desk`: the tenant as the desk asked sees it; a named desk's answers and call budget are its own. */
  check(desk: DeskView, query: PresenceQuery): Promise<PresenceResult>;
}

const webhookAnswer = z.object({ agentAvailable: z.boolean() });

export function createPresenceClient(http: HttpCall, secrets: SecretResolver): PresenceClient {
  const ask = async (tenant: TenantConfig, query: PresenceQuery): Promise<AgentStatus> => {
    const presence = tenant.presence;
    if (presence.type === 'msc') {
      const params = new URLSearchParams({
        apikey: await secrets.resolve(presence.apiKey),
        Channel: query.channel,
        referrer: query.referrer ?? '',
      });
      const base = presence.url.replace(/\/+$/, '');
      const response = await http({
        system: 'presence',
        method: 'GET',
        url: `${base}/api/v1?${params}`,
        timeoutMs: presence.timeoutMs,
      });
      const answer = response.text.trim().toLowerCase();
      if (answer === 'online' || answer === 'offline') return answer;
      throw new OutsideCallError('presence', 'invalid-response', 'answered neither Online nor Offline');
    }
    const params = new URLSearchParams({ conversationId: query.conversationId, channel: query.channel });
    if (query.referrer) params.set('referrer', query.referrer);
    const separator = presence.url.includes('?') ? '&' : '?';
    const response = await http({
      system: 'presence',
      method: 'GET',
      url: `${presence.url}${separator}${params}`,
      timeoutMs: presence.timeoutMs,
    });
    const parsed = webhookAnswer.safeParse(parseJsonBody('presence', response.text));
    if (!parsed.success)
      throw new OutsideCallError('presence', 'invalid-response', 'answered without agentAvailable');
    return parsed.data.agentAvailable ? 'online' : 'offline';
  };
  return {
    async check(tenant, query) {
      try {
        return { status: await ask(tenant, query) };
      } catch (error) {
        const failure = error instanceof OutsideCallError ? error.kind : 'error';
        return { status: 'offline', failure };
      }
    },
  };
}
