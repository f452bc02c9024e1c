/** A tenant's transcript settings as the domain uses them, the redaction compiled once per tenant. */
import { redactor } from '../domain/redaction';
import type { TranscriptPolicy } from '../domain/transcript';
import type { TenantConfig } from './tenants';

const compiled = new WeakMap<TenantConfig, TranscriptPolicy & { redact: (text: string) => string }>();

export function transcriptPolicyOf(
  tenant: TenantConfig,
): TranscriptPolicy & { redact: (text: string) => string } {
  const known = compiled.get(tenant);
  if (known) return known;
  const { messages, retentionHours, redact: redaction } = tenant.transcript;
  const policy = {
    messages,
    retentionMs: retentionHours * 3_600_000,
    redaction,
    redact: redactor(redaction),
  };
  compiled.set(tenant, policy);
  return policy;
}
