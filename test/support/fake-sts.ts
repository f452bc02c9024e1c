/**
 * STS's AssumeRole on 127.0.0.1, written from the STS API reference: the Query protocol (a form-
 * encoded POST: `Action=AssumeRole&Version=2011-06-15&RoleArn=…&RoleSessionName=…&DurationSeconds=…
 * &Policy=…&Tags.member.N.Key/Value`), answered with `AssumeRoleResponse` XML, or an `ErrorResponse`
 * with its HTTP status. Each call gets fresh credentials whose access key id names the session's
 * `tenant` tag, so a test can tell from a signed request whose credentials signed it.
 */
import { createServer, type Server } from 'node:http';

export interface AssumeRoleCall {
  roleArn: string;
  sessionName: string;
  durationSeconds: number;
  tags: Record<string, string>;
  /** The session policy, parsed. */
  policy: unknown;
  /** The access key id that signed the call (the function's own). */
  signedBy: string;
  /** The credentials it gave. */
  accessKeyId: string;
}

export interface FakeSts {
  url: string;
  calls: AssumeRoleCall[];
  /** The next `count` calls answer this error (e.g. 403 AccessDenied). */
  failNext(count: number, status: number, code: string): void;
  /** How long the credentials it gives last (default an hour, as asked). */
  lifetimeSeconds: number | undefined;
  stop(): Promise<void>;
}

/** The access key id a test expects a tenant's requests signed with: `ASIA` + the tenant + a counter. */
export const isKeyOfTenant = (accessKeyId: string, tenantId: string): boolean =>
  accessKeyId.startsWith(`ASIA${tenantId.toUpperCase()}`);

/** The access key id in a SigV4 `Authorization` header (`Credential=<key>/<date>/…`). */
export const signingKeyOf = (authorization: string | undefined): string =>
  /Credential=([^/,\s]+)\//.exec(authorization ?? '')?.[1] ?? '';

const escapeXml = (text: string): string =>
  text.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c,
  );

export async function startFakeSts(): Promise<FakeSts> {
  const calls: AssumeRoleCall[] = [];
  let failures: { count: number; status: number; code: string } | undefined;
  let issued = 0;
  const sts: FakeSts = {
    url: '',
    calls,
    lifetimeSeconds: undefined,
    failNext(count, status, code) {
      failures = { count, status, code };
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      response.setHeader('content-type', 'text/xml');
      const error = (status: number, code: string, message: string) => {
        response.statusCode = status;
        response.end(
          `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>fake</RequestId></ErrorResponse>`,
        );
      };
      if (form.get('Action') !== 'AssumeRole' || form.get('Version') !== '2011-06-15')
        return error(400, 'InvalidAction', `not AssumeRole 2011-06-15: ${form.get('Action')}`);
      if (failures && failures.count > 0) {
        failures.count -= 1;
        return error(failures.status, failures.code, 'refused by the test');
      }
      const tags: Record<string, string> = {};
      for (let n = 1; form.has(`Tags.member.${n}.Key`); n += 1)
        tags[form.get(`Tags.member.${n}.Key`) ?? ''] = form.get(`Tags.member.${n}.Value`) ?? '';
      const roleArn = form.get('RoleArn') ?? '';
      const sessionName = form.get('RoleSessionName') ?? '';
      if (!roleArn || !/^[\w+=,.@-]{2,64}$/.test(sessionName))
        return error(
          400,
          'ValidationError',
          'RoleArn and a RoleSessionName of 2 to 64 [\\w+=,.@-] are required',
        );
      const policyText = form.get('Policy');
      if (policyText !== null && policyText.length > 2048)
        return error(400, 'PackedPolicyTooLarge', 'the session policy is longer than 2048 characters');
      issued += 1;
      const accessKeyId = `ASIA${(tags.tenant ?? 'NONE').toUpperCase()}${String(issued).padStart(6, '0')}`;
      const durationSeconds = Number(form.get('DurationSeconds') ?? '3600');
      const expiration = new Date(Date.now() + (sts.lifetimeSeconds ?? durationSeconds) * 1000);
      calls.push({
        roleArn,
        sessionName,
        durationSeconds,
        tags,
        policy: policyText === null ? undefined : JSON.parse(policyText),
        signedBy: signingKeyOf(request.headers.authorization),
        accessKeyId,
      });
      response.end(
        `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><AssumedRoleUser><Arn>${escapeXml(`${roleArn.replace(':iam::', ':sts::').replace(':role/', ':assumed-role/')}/${sessionName}`)}</Arn><AssumedRoleId>AROAFAKE:${escapeXml(sessionName)}</AssumedRoleId></AssumedRoleUser><Credentials><AccessKeyId>${accessKeyId}</AccessKeyId><SecretAccessKey>secret-${accessKeyId}</SecretAccessKey><SessionToken>token-${accessKeyId}</SessionToken><Expiration>${expiration.toISOString()}</Expiration></Credentials><PackedPolicySize>6</PackedPolicySize></AssumeRoleResult><ResponseMetadata><RequestId>fake-${issued}</RequestId></ResponseMetadata></AssumeRoleResponse>`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  sts.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return sts;
}
