// POST /admin/oauth/access_token with grant_type token-exchange: an App Bridge session token in,
// an offline or online access token out (shopify.dev "Exchange a session token for an access token").
import { peekClaims, verifySessionToken } from './session-token.ts';
import type { AppRegistration } from './context.ts';

export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const ID_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:id_token';
export const OFFLINE_TOKEN_TYPE = 'urn:shopify:params:oauth:token-type:offline-access-token';
export const ONLINE_TOKEN_TYPE = 'urn:shopify:params:oauth:token-type:online-access-token';
export const ONLINE_TOKEN_TTL_S = 86_399;

export interface TokenExchangeDeps {
  now(): number;
  app(apiKey: string): AppRegistration | undefined;
  /** Installs if needed (token exchange is how managed installs complete) and issues a token. */
  issue(shopDomain: string, app: AppRegistration, kind: 'offline' | 'online', userId: string): { accessToken: string; scopes: string[] } | { error: string };
}

export interface HttpAnswer {
  status: number;
  json: unknown;
}

const fail = (status: number, error: string, error_description: string): HttpAnswer => ({ status, json: { error, error_description } });

export function exchangeToken(deps: TokenExchangeDeps, body: Record<string, unknown>, shopHint: string | null): HttpAnswer {
  const str = (k: string): string => (typeof body[k] === 'string' ? (body[k] as string) : '');
  const clientId = str('client_id');
  const app = deps.app(clientId);
  if (!app || str('client_secret') !== app.apiSecret) return fail(401, 'invalid_client', 'Client credentials are invalid.');
  if (str('grant_type') !== TOKEN_EXCHANGE_GRANT) return fail(400, 'unsupported_grant_type', 'grant_type must be token-exchange.');
  if (str('subject_token_type') !== ID_TOKEN_TYPE) return fail(400, 'invalid_request', 'subject_token_type must be an id_token.');
  const requested = str('requested_token_type') || OFFLINE_TOKEN_TYPE;
  if (requested !== OFFLINE_TOKEN_TYPE && requested !== ONLINE_TOKEN_TYPE) return fail(400, 'invalid_request', 'Unsupported requested_token_type.');
  const token = str('subject_token');
  if (!token || !peekClaims(token)) return fail(400, 'invalid_subject_token', 'Session token is missing or malformed.');
  const check = verifySessionToken(token, app.apiSecret, clientId, deps.now());
  if (!check.valid) return fail(400, 'invalid_subject_token', `Session token is invalid: ${check.reason}.`);
  if (shopHint && shopHint !== check.shop) return fail(400, 'invalid_subject_token', 'Session token was issued for another shop.');
  const kind = requested === ONLINE_TOKEN_TYPE ? 'online' : 'offline';
  const issued = deps.issue(check.shop, app, kind, check.claims.sub);
  if ('error' in issued) return fail(400, 'invalid_subject_token', issued.error);
  const scope = issued.scopes.join(',');
  if (kind === 'offline') return { status: 200, json: { access_token: issued.accessToken, scope } };
  const userId = Number(check.claims.sub);
  return {
    status: 200,
    json: {
      access_token: issued.accessToken, scope, expires_in: ONLINE_TOKEN_TTL_S, associated_user_scope: scope,
      associated_user: {
        id: Number.isSafeInteger(userId) ? userId : 1, first_name: 'Simulated', last_name: 'Staff', email: 'staff@example.invalid',
        account_owner: true, locale: 'en', collaborator: false, email_verified: true,
      },
    },
  };
}
