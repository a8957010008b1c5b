// The app-owned customer metafield `$app:segments.memberships` (type json): each current membership
// with the date the customer entered it, the churn probability, the predicted next order date and the
// predicted 12-month value — where Flow conditions, Shopify Email and other apps can read segment dates.
// `$app:segments` resolves to the app's reserved namespace app--{client id}--segments
// (https://shopify.dev/docs/apps/build/custom-data/ownership). The definition is created once per shop
// (metafieldDefinitionCreate; TAKEN = already there). Values are written with metafieldsSet, at most 25
// per call and atomic (https://shopify.dev/docs/api/admin-graphql/2026-10/mutations/metafieldsSet), or
// through a bulk mutation for large change sets, like tags; only values whose digest changed are sent.
import { createHash } from 'node:crypto';
import type { AdminGraphqlClient } from './admin-graphql-client.ts';
import type { FetchFn } from './admin-fetch.ts';
import { customerGid } from './gid.ts';
import { stageBulkVariables, startBulkMutation, streamJsonl, waitForBulkOperation, type WaitOptions } from './bulk-operations.ts';
import { currencyExponent } from '../money.ts';
import type { CustomerProfileDoc } from '../profiles/customer-profile-store.ts';

export const METAFIELD_NAMESPACE = '$app:segments';
export const METAFIELD_KEY = 'memberships';
export const METAFIELDS_PER_CALL = 25;

export const METAFIELD_DEFINITION_MUTATION = 'mutation AppSegmentsMetafieldDefinition($definition: MetafieldDefinitionInput!) { metafieldDefinitionCreate(definition: $definition) { createdDefinition { id } userErrors { field message code } } }';
export const METAFIELDS_SET_MUTATION = 'mutation AppSegmentsMetafields($metafields: [MetafieldsSetInput!]!) { metafieldsSet(metafields: $metafields) { metafields { id } userErrors { field message code elementIndex } } }';
export const METAFIELDS_SET_BULK_MUTATION = 'mutation AppSegmentsMetafieldsBulk($metafields: [MetafieldsSetInput!]!) { metafieldsSet(metafields: $metafields) { metafields { id } userErrors { field message code elementIndex } } }';

export const METAFIELD_DEFINITION = {
  namespace: METAFIELD_NAMESPACE, key: METAFIELD_KEY, ownerType: 'CUSTOMER', type: 'json',
  name: 'Customer segments', description: 'Segments from the Customer Segments app: entry dates, churn probability, next order, 12-month value',
};

const day = (ms: number | null | undefined): string | null => (ms == null ? null : new Date(ms).toISOString().slice(0, 10));
const decimal = (minor: number, currency: string): string => {
  const e = currencyExponent(currency);
  const sign = minor < 0 ? '-' : '';
  const s = String(Math.abs(Math.round(minor))).padStart(e + 1, '0');
  return e === 0 ? `${sign}${s}` : `${sign}${s.slice(0, -e)}.${s.slice(-e)}`;
};

interface StoredPredictions { churnProbability?: number | null; predictedNextOrderAt?: number | null; clv12mMinor?: number }
function parsePredictions(json: string): StoredPredictions | null {
  try {
    const v: unknown = JSON.parse(json);
    return typeof v === 'object' && v !== null ? (v as StoredPredictions) : null;
  } catch {
    return null;
  }
}

export interface SegmentsMetafieldValue {
  segments: Array<{ segment: string; family: string; label: string; tag: string; since: string | null }>;
  churnProbability: number | null;
  predictedNextOrderDate: string | null;
  predictedValue12m: { amount: string; currencyCode: string } | null;
}

/** The metafield's value for one profile: days (UTC dates), probabilities to 2 decimals, money as decimal text. */
export function metafieldValueOf(p: Pick<CustomerProfileDoc, 'memberships' | 'predictionsJson'>, currency: string): SegmentsMetafieldValue {
  const pred = parsePredictions(p.predictionsJson);
  return {
    segments: p.memberships.map((m) => ({ segment: m.segment, family: m.family, label: m.label, tag: m.tag, since: day(m.since) })),
    churnProbability: typeof pred?.churnProbability === 'number' ? Math.round(pred.churnProbability * 100) / 100 : null,
    predictedNextOrderDate: day(pred?.predictedNextOrderAt ?? null),
    predictedValue12m: typeof pred?.clv12mMinor === 'number' ? { amount: decimal(pred.clv12mMinor, currency), currencyCode: currency } : null,
  };
}

export const valueDigest = (value: string): string => createHash('sha256').update(value).digest('base64url').slice(0, 22);

/** Creates the definition; an existing one (TAKEN) is fine. Returns its id when Shopify gave one. */
export async function ensureMetafieldDefinition(client: AdminGraphqlClient): Promise<{ ok: boolean; id: string | null; errors: string[] }> {
  const { data } = await client.request<{ metafieldDefinitionCreate: { createdDefinition: { id: string } | null; userErrors: Array<{ message: string; code: string | null }> } }>(
    METAFIELD_DEFINITION_MUTATION, { definition: METAFIELD_DEFINITION },
  );
  const r = data.metafieldDefinitionCreate;
  if (r.createdDefinition) return { ok: true, id: r.createdDefinition.id, errors: [] };
  const taken = r.userErrors.length > 0 && r.userErrors.every((e) => e.code === 'TAKEN');
  return { ok: taken, id: null, errors: taken ? [] : r.userErrors.map((e) => e.message) };
}

export interface MetafieldWrite { customerId: string; value: string }
export interface MetafieldWriteResult { written: string[]; gone: string[]; failed: string[] }

const input = (w: MetafieldWrite) => ({ ownerId: customerGid(w.customerId), namespace: METAFIELD_NAMESPACE, key: METAFIELD_KEY, type: 'json', value: w.value });
type SetPayload = { metafields: Array<{ id: string }> | null; userErrors: Array<{ message: string; code: string | null; elementIndex: number | null }> };

/**
 * metafieldsSet in calls of 25. A call is atomic: when some elements are refused (their owner is gone:
 * NOT_FOUND), the rest are sent again without them; other refusals fail the call's customers.
 */
export async function writeMetafields(client: AdminGraphqlClient, writes: readonly MetafieldWrite[]): Promise<MetafieldWriteResult> {
  const out: MetafieldWriteResult = { written: [], gone: [], failed: [] };
  for (let i = 0; i < writes.length; i += METAFIELDS_PER_CALL) {
    let chunk = writes.slice(i, i + METAFIELDS_PER_CALL);
    for (let attempt = 0; chunk.length > 0 && attempt < 2; attempt++) {
      const { data } = await client.request<{ metafieldsSet: SetPayload }>(METAFIELDS_SET_MUTATION, { metafields: chunk.map(input) });
      const errors = data.metafieldsSet.userErrors;
      if (errors.length === 0) {
        out.written.push(...chunk.map((w) => w.customerId));
        chunk = [];
        break;
      }
      const gone = new Set(errors.filter((e) => e.code === 'NOT_FOUND' && e.elementIndex != null).map((e) => e.elementIndex!));
      const refused = errors.some((e) => e.code !== 'NOT_FOUND' || e.elementIndex == null);
      out.gone.push(...chunk.filter((_, n) => gone.has(n)).map((w) => w.customerId));
      if (refused) {
        out.failed.push(...chunk.filter((_, n) => !gone.has(n)).map((w) => w.customerId));
        chunk = [];
        break;
      }
      chunk = chunk.filter((_, n) => !gone.has(n));
    }
    out.failed.push(...chunk.map((w) => w.customerId));
  }
  return out;
}

/** One bulk mutation (one customer per line) for large change sets; lines without a result count as failed. */
export async function writeMetafieldsInBulk(client: AdminGraphqlClient, writes: readonly MetafieldWrite[], opts: WaitOptions & { fetch: FetchFn }): Promise<MetafieldWriteResult> {
  const out: MetafieldWriteResult = { written: [], gone: [], failed: [] };
  const jsonl = writes.map((w) => JSON.stringify({ metafields: [input(w)] })).join('\n') + '\n';
  const key = await stageBulkVariables(client, opts.fetch, jsonl, 'segments-metafields.jsonl');
  const op = await waitForBulkOperation(client, await startBulkMutation(client, METAFIELDS_SET_BULK_MUTATION, key), opts);
  const seen = new Map<number, 'ok' | 'gone' | 'failed'>();
  for (const url of [op.url, op.partialDataUrl]) {
    if (!url) continue;
    for await (const line of streamJsonl(opts.fetch, url)) {
      if (typeof line.__lineNumber !== 'number') continue;
      const p = (line.data as { metafieldsSet?: SetPayload } | undefined)?.metafieldsSet;
      seen.set(line.__lineNumber, !p ? 'failed' : p.userErrors.length === 0 ? 'ok' : p.userErrors.every((e) => e.code === 'NOT_FOUND') ? 'gone' : 'failed');
    }
  }
  writes.forEach((w, n) => {
    const s = seen.get(n) ?? 'failed';
    (s === 'ok' ? out.written : s === 'gone' ? out.gone : out.failed).push(w.customerId);
  });
  return out;
}
