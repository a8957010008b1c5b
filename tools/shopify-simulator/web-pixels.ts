// The app's web pixel on a shop (issue 19): the `webPixel` query and the `webPixelCreate` /
// `webPixelUpdate` mutations, one pixel per app and shop. Settings are validated against the
// `[settings]` fields the extension declares in extensions/segment-pixel/shopify.extension.toml, as
// Shopify does ("Shopify validates it against the settings definition in shopify.extension.toml. If the
// settings input field doesn't match the schema that you defined, then the mutation fails"):
//   https://shopify.dev/docs/api/admin-graphql/2026-10/mutations/webPixelCreate
//   https://shopify.dev/docs/api/admin-graphql/2026-10/mutations/webPixelUpdate
//   https://shopify.dev/docs/api/admin-graphql/2026-10/queries/webPixel
// Error codes: https://shopify.dev/docs/api/admin-graphql/2026-10/enums/ErrorsWebPixelUserErrorCode.
// Scopes: the mutations need write_pixels and read_customer_events ("Requires write_pixels access scope.
// Also: The app requires read_customer_events access scope"); the WebPixel object needs read_pixels
// (https://shopify.dev/docs/api/admin-graphql/2026-10/objects/WebPixel), which write_pixels implies.
import { readFileSync } from 'node:fs';
import { GraphQLError } from 'graphql';
import { parse as parseToml } from 'smol-toml';
import { gid, parseGid } from './formats.ts';
import { requireScope } from './sources.ts';
import type { RequestContext } from './context.ts';
import type { ShopState } from './store.ts';

export interface WebPixelRecord { id: string; apiKey: string; settings: string; createdAt: number; updatedAt: number }

interface DeclaredField { type: string; validations?: Array<{ name: string; value: string }> }
const PIXEL_TOML = new URL('../../extensions/segment-pixel/shopify.extension.toml', import.meta.url);
let declared: Map<string, DeclaredField> | undefined;

/** The settings fields the app's web pixel extension declares: key → field. */
export function declaredPixelSettings(): Map<string, DeclaredField> {
  if (declared) return declared;
  const doc = parseToml(readFileSync(PIXEL_TOML, 'utf8')) as { type?: string; settings?: { fields?: Record<string, DeclaredField> } };
  declared = new Map(Object.entries(doc.settings?.fields ?? {}));
  return declared;
}

const pixels = new WeakMap<ShopState, Map<string, WebPixelRecord>>();
let nextId = 1;

function pixelsOf(shop: ShopState): Map<string, WebPixelRecord> {
  let m = pixels.get(shop);
  if (!m) pixels.set(shop, (m = new Map()));
  return m;
}

type PixelError = { field: string[]; message: string; code: string };

/**
 * The settings as Shopify checks them: a JSON object (a JSON string is parsed; not JSON:
 * INVALID_CONFIGURATION_JSON) whose keys are exactly the declared fields, each a value of its type that
 * passes its validations (else INVALID_SETTINGS).
 */
function settingsErrors(raw: unknown): { text: string | null; errors: PixelError[] } {
  let value: unknown = raw;
  if (typeof raw === 'string') {
    try { value = JSON.parse(raw); } catch { return { text: null, errors: [{ field: ['webPixel', 'settings'], message: 'Settings is not a valid JSON', code: 'INVALID_CONFIGURATION_JSON' }] }; }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { text: null, errors: [{ field: ['webPixel', 'settings'], message: 'Settings is not a valid JSON object', code: 'INVALID_CONFIGURATION_JSON' }] };
  }
  const fields = declaredPixelSettings();
  const given = value as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(given)) if (!fields.has(key)) problems.push(`"${key}" is not a declared setting`);
  for (const [key, f] of fields) {
    const v = given[key];
    if (typeof v !== 'string' || (f.type === 'single_line_text_field' && v.includes('\n'))) { problems.push(`"${key}" must be a ${f.type}`); continue; }
    for (const rule of f.validations ?? []) {
      if (rule.name === 'min' && v.length < Number(rule.value)) problems.push(`"${key}" is shorter than ${rule.value}`);
      if (rule.name === 'max' && v.length > Number(rule.value)) problems.push(`"${key}" is longer than ${rule.value}`);
    }
  }
  if (problems.length) return { text: null, errors: [{ field: ['webPixel', 'settings'], message: `Settings does not match the settings definition: ${problems.join('; ')}`, code: 'INVALID_SETTINGS' }] };
  return { text: JSON.stringify(given), errors: [] };
}

const wrap = (p: WebPixelRecord) => ({ __typename: 'WebPixel', id: gid('WebPixel', p.id), settings: p.settings });
type Args = Record<string, unknown>;

export const WEB_PIXEL_RESOLVERS = {
  Query: {
    webPixel: (_s: unknown, a: Args, ctx: RequestContext) => {
      requireScope(ctx, 'read_pixels', 'webPixel');
      const p = pixelsOf(ctx.shop).get(ctx.install.app.apiKey);
      const wanted = a.id == null ? null : (parseGid(String(a.id))?.id ?? '');
      // The page documents no answer for an app without a pixel; Shopify answers a top-level error
      // "No web pixel was found for this app." with `webPixel: null` (the message apps match on).
      if (!p || (wanted !== null && wanted !== p.id)) throw new GraphQLError('No web pixel was found for this app.');
      return wrap(p);
    },
  },
  Mutation: {
    webPixelCreate: (_s: unknown, a: Args, ctx: RequestContext) => {
      requireScope(ctx, 'write_pixels', 'webPixelCreate');
      requireScope(ctx, 'read_customer_events', 'webPixelCreate');
      const all = pixelsOf(ctx.shop);
      if (all.has(ctx.install.app.apiKey)) return { webPixel: null, userErrors: [{ field: ['webPixel'], message: 'Web pixel has already been taken for this app', code: 'TAKEN' }] };
      const { text, errors } = settingsErrors((a.webPixel as { settings?: unknown } | null)?.settings);
      if (!text) return { webPixel: null, userErrors: errors };
      const p: WebPixelRecord = { id: String(9_000_000 + nextId++), apiKey: ctx.install.app.apiKey, settings: text, createdAt: ctx.now, updatedAt: ctx.now };
      all.set(p.apiKey, p);
      return { webPixel: wrap(p), userErrors: [] };
    },
    webPixelUpdate: (_s: unknown, a: Args, ctx: RequestContext) => {
      requireScope(ctx, 'write_pixels', 'webPixelUpdate');
      requireScope(ctx, 'read_customer_events', 'webPixelUpdate');
      const p = pixelsOf(ctx.shop).get(ctx.install.app.apiKey);
      if (!p || parseGid(String(a.id))?.id !== p.id) return { webPixel: null, userErrors: [{ field: ['id'], message: 'Web pixel does not exist', code: 'NOT_FOUND' }] };
      const { text, errors } = settingsErrors((a.webPixel as { settings?: unknown } | null)?.settings);
      if (!text) return { webPixel: null, userErrors: errors };
      p.settings = text;
      p.updatedAt = ctx.now;
      return { webPixel: wrap(p), userErrors: [] };
    },
  },
};

/** What tests see of an app's pixel on a shop (settings parsed); the merchant can also remove it. */
export interface WebPixelView {
  get(apiKey: string): (WebPixelRecord & { parsed: Record<string, unknown> }) | undefined;
  /** Removes the pixel (tests: a pixel that disappeared is created again). */
  remove(apiKey: string): boolean;
}

export function webPixelView(shop: ShopState): WebPixelView {
  return {
    get: (apiKey) => {
      const p = pixelsOf(shop).get(apiKey);
      return p ? { ...p, parsed: JSON.parse(p.settings) as Record<string, unknown> } : undefined;
    },
    remove: (apiKey) => pixelsOf(shop).delete(apiKey),
  };
}
