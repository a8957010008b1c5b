// Shopify signs the raw body with the app secret; after a rotation it may still use the previous one
// for up to an hour, so both are tried. Comparison is constant-time.
import { createHmac, timingSafeEqual } from 'node:crypto';

export type HmacCheck =
  | { valid: true; signedWith: 'current' | 'previous' }
  | { valid: false; reason: 'missing_hmac' | 'invalid_hmac' };

export function webhookHmac(rawBody: Buffer | string, secret: string): string {
  return createHmac('sha256', secret).update(rawBody).digest('base64');
}

function sameSignature(expectedB64: string, givenB64: string): boolean {
  const expected = Buffer.from(expectedB64, 'base64');
  const given = Buffer.from(givenB64, 'base64');
  // timingSafeEqual needs equal lengths; compare against a same-length buffer so timing stays flat.
  if (given.length !== expected.length) {
    timingSafeEqual(expected, expected);
    return false;
  }
  return timingSafeEqual(expected, given);
}

export function verifyWebhookHmac(
  rawBody: Buffer,
  headerValue: string | undefined,
  secrets: { current: string; previous?: string | undefined },
): HmacCheck {
  if (!headerValue) return { valid: false, reason: 'missing_hmac' };
  if (sameSignature(webhookHmac(rawBody, secrets.current), headerValue)) return { valid: true, signedWith: 'current' };
  if (secrets.previous && sameSignature(webhookHmac(rawBody, secrets.previous), headerValue)) {
    return { valid: true, signedWith: 'previous' };
  }
  return { valid: false, reason: 'invalid_hmac' };
}
