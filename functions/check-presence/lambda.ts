/**
 * The Lambda entry: the handler on the core AWS adapters and, per tenant, the presence client
 * (cached in the table, held to the tenant's call budget), built once per container.
 */
import { cachedPresence } from '../../shared/clients/cached-presence';
import { fetchHttp } from '../../shared/clients/http';
import { createPresenceClient } from '../../shared/clients/presence-client';
import { systemClock } from '../../shared/domain/clock';
import { awsCore, scopedPorts } from '../../shared/runtime/aws-core';
import { DynamoPresenceCacheStore } from '../../shared/store/presence-cache-repository';
import { createHandler } from './handler';

const core = await awsCore('check-presence');

export const handler = createHandler(
  scopedPorts(core, {}, (tenant) => ({
    presence: cachedPresence(createPresenceClient(fetchHttp, tenant.secrets), {
      store: new DynamoPresenceCacheStore(tenant.doc, core.env.tableName),
      clock: systemClock,
    }),
  })),
);
