/**
 * The Lambda entry: a streamed response (Lambda's `awslambda.streamifyResponse`, behind a function
 * URL in RESPONSE_STREAM mode) on the core AWS adapters, the media links and, per tenant, the Graph
 * API's media client.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { fetchHttp, fetchStream } from '../../shared/clients/http';
import { createWhatsAppMedia } from '../../shared/clients/whatsapp-media';
import { awsCore, awsMediaLinks, scopedPorts } from '../../shared/runtime/aws-core';
import { createHandler } from './handler';

const core = await awsCore('media');

const media = createHandler(
  scopedPorts(core, { mediaLinks: awsMediaLinks(core) }, (tenant) => ({
    whatsappMedia: createWhatsAppMedia(fetchHttp, fetchStream, tenant.secrets),
  })),
);

// `awslambda` is Lambda's runtime global (typed by @types/aws-lambda).
export const handler = awslambda.streamifyResponse<APIGatewayProxyEventV2>((event, responseStream) =>
  media(event, {
    start: (statusCode, headers) =>
      awslambda.HttpResponseStream.from(responseStream, { statusCode, headers }),
  }),
);
