/**
 * A handler learns whose work it does from its trigger (the URL's tenant, the number a WhatsApp
 * message came to, an event's or a stream record's tenant) and only then gets the ports that act:
 * the tenant's. In AWS they carry credentials assumed for that tenant alone (its items in the table,
 * its secrets), so a slip that reaches another tenant's data is refused by IAM, not by our own code;
 * locally the same rule is enforced in front of DynamoDB Local and the secrets.
 */
import type { Runtime } from './runtime';

/** The ports that read or write a tenant's data or use its secrets. */
export type TenantPorts = Pick<
  Runtime,
  | 'secrets'
  | 'conversations'
  | 'inbox'
  | 'answerPushes'
  | 'deskAsks'
  | 'idempotency'
  | 'conversationAdmin'
  | 'sweepIndex'
  | 'channels'
  | 'bot'
  | 'presence'
  | 'desk'
  | 'deskMessages'
  | 'notifications'
  | 'whatsappMedia'
>;

/** A handler's ports before it knows the tenant: none of the tenant's, and the way to them. */
export type Scoped<Ports> = Omit<Ports, keyof TenantPorts> & {
  /** The ports acting for `tenantId`, built once per tenant and container. */
  forTenant(tenantId: string): Promise<Ports>;
};

/**
 * `forTenant` from a builder of one tenant's ports: each tenant's built once (their clients, cached
 * credentials and secrets kept for the container's life); a failed build is tried again next time.
 */
export function scopedBy<Ports>(
  build: (tenantId: string) => Promise<Ports>,
): (tenantId: string) => Promise<Ports> {
  const built = new Map<string, Promise<Ports>>();
  return (tenantId) => {
    const hit = built.get(tenantId);
    if (hit) return hit;
    const ports = build(tenantId);
    built.set(tenantId, ports);
    ports.catch(() => built.delete(tenantId));
    return ports;
  };
}
