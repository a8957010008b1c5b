// POST /admin/oauth/access_token. Three grants share the endpoint:
// - token exchange with a session token: an offline or online access token out (shopify.dev "Exchange a
//   session token for an access token"); `expiring=1` asks for an expiring offline token with a refresh
//   token (https://shopify.dev/changelog/offline-access-tokens-now-support-expiry-and-refresh);
// - token exchange with a non-expiring offline token as subject: its migration to an expiring pair
//   (https://shopify.dev/docs/apps/build/authentication-authorization/migrate-to-expiring-offline-access-tokens);
// - grant_type=refresh_token: a new expiring pair (same changelog). Token rules live in access-tokens.ts.
import { peekClaims, verifySessionToken } from './session-token.ts';
import type { AppRegistration } from './context.ts';
import type { RefreshResult, TokenPair } from './access-tokens.ts';

export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const REFRESH_TOKEN_GRANT = 'refresh_token';
export const ID_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:id_token';
export const OFFLINE_TOKEN_TYPE = 'urn:shopify:params:oauth:token-type:offline-access-token';
export const ONLINE_TOKEN_TYPE = 'urn:shopify:params:oauth:token-type:online-access-token';
export const ONLINE_TOKEN_TTL_S = 86_399;

export interface TokenExchangeDeps {
  now(): number;
  app(apiKey: string): AppRegistration | undefined;
  /** Installs if needed (token exchange is how managed installs complete) and issues a token. */
  issue(shopDomain: string, app: AppRegistration, kind: 'offline' | 'online', userId: string, expiring: boolean): { accessToken: string; scopes: string[] } | { pair: TokenPair } | { error: string };
  /** Migrates a non-expiring offline token of the shop to an expiring pair. */
  migrate(shopDomain: string | null, app: AppRegistration, nonExpiringToken: string): TokenPair | { error: string; description: string };
  refresh(app: AppRegistration, refreshToken: string): RefreshResult;
}

export interface HttpAnswer {
  status: number;
  json: unknown;
  /** The grant took effect but its answer never reaches the client (the connection drops). */
  lost?: boolean;
}

const fail = (status: number, error: string, error_description: string): HttpAnswer => ({ status, json: { error, error_description } });
const truthy = (v: unknown) => v === true || v === 1 || v === '1' || v === 'true';

export function exchangeToken(deps: TokenExchangeDeps, body: Record<string, unknown>, shopHint: string | null): HttpAnswer {
  const str = (k: string): string => (typeof body[k] === 'string' ? (body[k] as string) : '');
  const clientId = str('client_id');
  const app = deps.app(clientId);
  if (!app || str('client_secret') !== app.apiSecret) return fail(401, 'invalid_client', 'Client credentials are invalid.');
  if (str('grant_type') === REFRESH_TOKEN_GRANT) {
    if (!str('refresh_token')) return fail(400, 'invalid_request', 'refresh_token is required.');
    const r = deps.refresh(app, str('refresh_token'));
    if (!r.ok) return fail(400, r.error, r.description);
    return { status: 200, json: r.pair, lost: r.lost };
  }
  if (str('grant_type') !== TOKEN_EXCHANGE_GRANT) return fail(400, 'unsupported_grant_type', 'grant_type must be token-exchange or refresh_token.');
  const requested = str('requested_token_type') || OFFLINE_TOKEN_TYPE;
  if (requested !== OFFLINE_TOKEN_TYPE && requested !== ONLINE_TOKEN_TYPE) return fail(400, 'invalid_request', 'Unsupported requested_token_type.');
  if (str('subject_token_type') === OFFLINE_TOKEN_TYPE && requested === OFFLINE_TOKEN_TYPE) {
    if (!truthy(body.expiring)) return fail(400, 'invalid_request', 'Migrating an offline token requires expiring=1.');
    const r = deps.migrate(shopHint, app, str('subject_token'));
    return 'error' in r ? fail(400, r.error, r.description) : { status: 200, json: r };
  }
  if (str('subject_token_type') !== ID_TOKEN_TYPE) return fail(400, 'invalid_request', 'subject_token_type must be an id_token.');
  const token = str('subject_token');
  if (!token || !peekClaims(token)) return fail(400, 'invalid_subject_token', 'Session token is missing or malformed.');
  const check = verifySessionToken(token, app.apiSecret, clientId, deps.now());
  if (!check.valid) return fail(400, 'invalid_subject_token', `Session token is invalid: ${check.reason}.`);
  if (shopHint && shopHint !== check.shop) return fail(400, 'invalid_subject_token', 'Session token was issued for another shop.');
  const kind = requested === ONLINE_TOKEN_TYPE ? 'online' : 'offline';
  const issued = deps.issue(check.shop, app, kind, check.claims.sub, kind === 'offline' && truthy(body.expiring));
  if ('error' in issued) return fail(400, 'invalid_subject_token', issued.error);
  if ('pair' in issued) return { status: 200, json: issued.pair };
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
