// Activates the app's web pixel (extensions/segment-pixel, docs/signals.md) on a shop and keeps its
// settings current: without a WebPixel record Shopify never runs the extension on the storefront.
//   webPixel        https://shopify.dev/docs/api/admin-graphql/2026-10/queries/webPixel — the app's pixel
//                   (`id` optional). With none yet Shopify answers a top-level error "No web pixel was
//                   found for this app." (not on the page; the message public apps match on).
//   webPixelCreate  https://shopify.dev/docs/api/admin-graphql/2026-10/mutations/webPixelCreate
//   webPixelUpdate  https://shopify.dev/docs/api/admin-graphql/2026-10/mutations/webPixelUpdate
//                   `webPixel: {settings: <JSON>}`, validated against the extension's [settings] fields
//                   (shopKey, endpoint); userErrors carry codes
//                   (https://shopify.dev/docs/api/admin-graphql/2026-10/enums/ErrorsWebPixelUserErrorCode).
// Both mutations need write_pixels and read_customer_events (the pages' access requirements);
// a missing scope is an ACCESS_DENIED GraphQL error, reported like a userError, never thrown.
// Transient failures (throttling, 5xx) still throw: the maintenance job retries.
import type { AdminGraphqlClient } from './admin-graphql-client.ts';
import { ShopifyGraphqlError } from './errors.ts';

/** The settings the extension declares (extensions/segment-pixel/shopify.extension.toml [settings]). */
export interface PixelSettings {
  shopKey: string;
  endpoint: string;
}

export interface WebPixelReport {
  /** created / updated / unchanged: the pixel runs with these settings; failed: see errors. */
  action: 'created' | 'updated' | 'unchanged' | 'failed';
  /** The WebPixel gid, when one exists. */
  id: string | null;
  /** The endpoint the pixel sends to (the shop key stays out of reports). */
  endpoint: string;
  errors: Array<{ code: string | null; message: string }>;
}

export const WEB_PIXEL_QUERY = 'query AppWebPixel { webPixel { id settings } }';
export const WEB_PIXEL_CREATE_MUTATION = 'mutation AppWebPixelCreate($webPixel: WebPixelInput!) { webPixelCreate(webPixel: $webPixel) { webPixel { id settings } userErrors { code field message } } }';
export const WEB_PIXEL_UPDATE_MUTATION = 'mutation AppWebPixelUpdate($id: ID!, $webPixel: WebPixelInput!) { webPixelUpdate(id: $id, webPixel: $webPixel) { webPixel { id settings } userErrors { code field message } } }';

/** The pixel's settings: the shop's pixel key and our ingest URL under the app's public URL. */
export const pixelSettingsFor = (shopKey: string, appUrl: string): PixelSettings => ({ shopKey, endpoint: `${appUrl.replace(/\/+$/, '')}/signals/pixel` });

interface GqlErrorEntry { message?: string; extensions?: { code?: string } }
type Payload = { webPixel: { id: string; settings: unknown } | null; userErrors: Array<{ code: string | null; message: string }> };

const entriesOf = (err: ShopifyGraphqlError): GqlErrorEntry[] => (Array.isArray(err.errors) ? (err.errors as GqlErrorEntry[]) : []);
const isNoPixel = (err: unknown): boolean => err instanceof ShopifyGraphqlError && entriesOf(err).some((e) => /no web pixel was found/i.test(e.message ?? ''));

/** Settings as Shopify returns them (the JSON scalar: a JSON text, or already an object). */
export function parsePixelSettings(raw: unknown): Record<string, unknown> | null {
  let v = raw;
  if (typeof raw === 'string') {
    try { v = JSON.parse(raw); } catch { return null; }
  }
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

const sameSettings = (have: Record<string, unknown> | null, want: PixelSettings): boolean =>
  have !== null && Object.keys(have).length === 2 && have.shopKey === want.shopKey && have.endpoint === want.endpoint;

/** The app's pixel on the shop, or null when there is none yet. */
async function currentPixel(client: AdminGraphqlClient): Promise<{ id: string; settings: Record<string, unknown> | null } | null> {
  try {
    const { data } = await client.request<{ webPixel: { id: string; settings: unknown } | null }>(WEB_PIXEL_QUERY);
    return data.webPixel ? { id: data.webPixel.id, settings: parsePixelSettings(data.webPixel.settings) } : null;
  } catch (err) {
    if (isNoPixel(err)) return null;
    throw err;
  }
}

/** Creates the pixel when there is none, updates its settings when they differ; reports, never throws on a refusal. */
export async function reconcileWebPixel(client: AdminGraphqlClient, want: PixelSettings): Promise<WebPixelReport> {
  const report = (action: WebPixelReport['action'], id: string | null, errors: WebPixelReport['errors'] = []): WebPixelReport => ({ action, id, endpoint: want.endpoint, errors });
  let known: string | null = null;
  try {
    const have = await currentPixel(client);
    known = have?.id ?? null;
    if (have && sameSettings(have.settings, want)) return report('unchanged', have.id);
    // Settings travel as a JSON text, as the pages' examples send them.
    const webPixel = { settings: JSON.stringify(want) };
    const payload = have
      ? (await client.request<{ webPixelUpdate: Payload }>(WEB_PIXEL_UPDATE_MUTATION, { id: have.id, webPixel })).data.webPixelUpdate
      : (await client.request<{ webPixelCreate: Payload }>(WEB_PIXEL_CREATE_MUTATION, { webPixel })).data.webPixelCreate;
    if (!payload.webPixel) return report('failed', known, payload.userErrors.map((e) => ({ code: e.code ?? null, message: e.message })));
    return report(have ? 'updated' : 'created', payload.webPixel.id);
  } catch (err) {
    // Refused requests (a missing scope: ACCESS_DENIED) are a state to show, not a crash.
    if (!(err instanceof ShopifyGraphqlError)) throw err;
    const entries = entriesOf(err);
    return report('failed', known, entries.length ? entries.map((e) => ({ code: e.extensions?.code ?? null, message: e.message ?? 'error' })) : [{ code: null, message: err.message }]);
  }
}
