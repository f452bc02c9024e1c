/** Whether a request Baton sent carries its signature with `secret`, timestamped now. */
import { checkSignature, type SignatureCheck } from '../../shared/http/signature';

export function signatureOf(
  secret: string,
  request: { headers: Record<string, string | string[] | undefined>; body: string } | undefined,
): SignatureCheck {
  const header = (name: string) => {
    const value = request?.headers[name];
    return typeof value === 'string' ? value : undefined;
  };
  return checkSignature(
    secret,
    {
      rawBody: Buffer.from(request?.body ?? '', 'utf8'),
      signature: header('x-baton-signature'),
      timestamp: header('x-baton-timestamp'),
    },
    { nowMs: Date.now(), acceptUntimed: false },
  );
}
