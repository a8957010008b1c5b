// Native Shopify customer segments, one per enabled segment of the app, defined on our tag in Shopify's
// segment query language — `customer_tags CONTAINS 'seg:vip'` (https://shopify.dev/api/shopifyql/list,
// List-type attributes: CONTAINS on customer_tags, single-quoted, case-insensitive) — and named for the
// merchant ("VIP — Customer Segments app"). Flow's "Customer joined segment", Shopify Email, marketing
// automations and segment discounts then work on our segments with no setup.
//
// reconcileNativeSegments makes Shopify match the desired list, and is safe to re-run after a crash
// between any two calls: each call's outcome is recorded before the next (records.put/remove), and a
// segment created just before a crash (not yet recorded) is found again by name and query, never
// created twice. It only updates or deletes segments whose ids it recorded: merchant segments are never
// touched; a name the merchant already uses gets a suffix ("VIP — Customer Segments app (2)").
// Segment mutations need write_customers, reading needs read_customers:
// https://shopify.dev/docs/api/admin-graphql/2026-10/mutations/segmentCreate
import type { AdminGraphqlClient } from './admin-graphql-client.ts';
import type { ShopSettings } from '../segments/settings.ts';
import { SEGMENT_DEFINITIONS } from '../segments/tags.ts';

export const SEGMENT_NAME_SUFFIX = ' — Customer Segments app';
const MAX_NAME = 255;

export interface DesiredSegment {
  /** Stable key "family--segment" (no '.', a FerretDB key limit). */
  key: string;
  family: string;
  segment: string;
  tag: string;
  name: string;
  query: string;
}

export interface NativeSegmentRecord {
  key: string;
  shopifyId: string;
  /** The name and query the app last gave it. */
  name: string;
  query: string;
  /** The merchant deleted it and opted out of recreation: left deleted. */
  deletedByMerchant: boolean;
}

export interface NativeSegmentRecords {
  list(): Promise<Map<string, NativeSegmentRecord>>;
  put(rec: NativeSegmentRecord): Promise<void>;
  remove(key: string): Promise<void>;
}

export interface ReconcileReport {
  created: string[];
  updated: string[];
  deleted: string[];
  /** Found on Shopify by name and query after an interrupted run, recorded instead of created again. */
  adopted: string[];
  /** Deleted by the merchant in the admin and created again. */
  recreated: string[];
  /** Deleted by the merchant and left deleted (the merchant opted out of recreation). */
  leftDeleted: string[];
  unchanged: number;
  /** userErrors Shopify answered, per key. */
  errors: Array<{ key: string; messages: string[] }>;
}

/** The segment query on one tag; a quote inside is escaped as \' (https://shopify.dev/api/shopifyql/list). */
export const segmentQueryFor = (tag: string): string => `customer_tags CONTAINS '${tag.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** One native segment per segment of every enabled family (none when the merchant turned them off). */
export function desiredSegments(settings: ShopSettings): DesiredSegment[] {
  if (!settings.shopify.nativeSegments) return [];
  return SEGMENT_DEFINITIONS.filter((d) => settings.families[d.family]).map((d) => {
    const tag = settings.tagPrefix + d.tagSuffix;
    return { key: `${d.family}--${d.segment}`, family: d.family, segment: d.segment, tag, name: `${d.label}${SEGMENT_NAME_SUFFIX}`.slice(0, MAX_NAME), query: segmentQueryFor(tag) };
  });
}

export const SEGMENTS_QUERY = 'query AppSegmentsList($after: String) { segments(first: 250, after: $after) { nodes { id name query } pageInfo { hasNextPage endCursor } } }';
export const SEGMENT_CREATE_MUTATION = 'mutation AppSegmentCreate($name: String!, $query: String!) { segmentCreate(name: $name, query: $query) { segment { id name query } userErrors { field message } } }';
export const SEGMENT_UPDATE_MUTATION = 'mutation AppSegmentUpdate($id: ID!, $name: String, $query: String) { segmentUpdate(id: $id, name: $name, query: $query) { segment { id name query } userErrors { field message } } }';
export const SEGMENT_DELETE_MUTATION = 'mutation AppSegmentDelete($id: ID!) { segmentDelete(id: $id) { deletedSegmentId userErrors { field message } } }';

interface RemoteSegment { id: string; name: string; query: string }
interface Payload { segment: RemoteSegment | null; userErrors: Array<{ message: string }> }

/** Every segment of the shop (the merchant's included: names must not collide). */
export async function listSegments(client: AdminGraphqlClient): Promise<Map<string, RemoteSegment>> {
  const out = new Map<string, RemoteSegment>();
  for (let after: string | null = null; ;) {
    const { data }: { data: { segments: { nodes: RemoteSegment[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } } } =
      await client.request(SEGMENTS_QUERY, { after });
    for (const s of data.segments.nodes) out.set(s.id, s);
    if (!data.segments.pageInfo.hasNextPage || !data.segments.pageInfo.endCursor) return out;
    after = data.segments.pageInfo.endCursor;
  }
}

const lower = (s: string) => s.trim().toLowerCase();
/** "VIP — Customer Segments app", or the same with a " (n)" suffix. */
const isOurName = (name: string, base: string) => lower(name) === lower(base) || new RegExp(`^${escapeRe(lower(base))} \\(\\d+\\)$`).test(lower(name));
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function freeName(base: string, remote: Map<string, RemoteSegment>, selfId: string | null): string {
  const taken = new Set([...remote.values()].filter((r) => r.id !== selfId).map((r) => lower(r.name)));
  if (!taken.has(lower(base))) return base;
  for (let n = 2; ; n++) {
    const name = `${base} (${n})`;
    if (!taken.has(lower(name))) return name;
  }
}

const emptyReport = (): ReconcileReport => ({ created: [], updated: [], deleted: [], adopted: [], recreated: [], leftDeleted: [], unchanged: 0, errors: [] });

export async function reconcileNativeSegments(
  client: AdminGraphqlClient, desired: readonly DesiredSegment[], records: NativeSegmentRecords, opts: { recreateDeleted: boolean },
): Promise<ReconcileReport> {
  const report = emptyReport();
  const remote = await listSegments(client);
  const stored = await records.list();
  const owned = new Set([...stored.values()].map((r) => r.shopifyId));
  for (const d of desired) {
    const rec = stored.get(d.key);
    const live = rec ? remote.get(rec.shopifyId) : undefined;
    if (rec && live) {
      await keepInStep(client, d, rec, live, remote, records, report);
      continue;
    }
    if (rec && !opts.recreateDeleted) {
      if (!rec.deletedByMerchant) await records.put({ ...rec, deletedByMerchant: true });
      report.leftDeleted.push(d.key);
      continue;
    }
    const orphan = [...remote.values()].find((r) => !owned.has(r.id) && r.query === d.query && isOurName(r.name, d.name));
    if (orphan) {
      await records.put({ key: d.key, shopifyId: orphan.id, name: orphan.name, query: orphan.query, deletedByMerchant: false });
      owned.add(orphan.id);
      report.adopted.push(d.key);
      continue;
    }
    const created = await createSegment(client, d, remote, records, report);
    if (created) (rec ? report.recreated : report.created).push(d.key);
  }
  const wanted = new Set(desired.map((d) => d.key));
  for (const rec of stored.values()) {
    if (wanted.has(rec.key)) continue;
    if (remote.has(rec.shopifyId)) {
      const { data } = await client.request<{ segmentDelete: { deletedSegmentId: string | null; userErrors: Array<{ message: string }> } }>(SEGMENT_DELETE_MUTATION, { id: rec.shopifyId });
      const gone = data.segmentDelete.deletedSegmentId !== null || data.segmentDelete.userErrors.every((e) => /not exist|not found/i.test(e.message));
      if (!gone) {
        report.errors.push({ key: rec.key, messages: data.segmentDelete.userErrors.map((e) => e.message) });
        continue;
      }
    }
    await records.remove(rec.key);
    report.deleted.push(rec.key);
  }
  return report;
}

async function createSegment(client: AdminGraphqlClient, d: DesiredSegment, remote: Map<string, RemoteSegment>, records: NativeSegmentRecords, report: ReconcileReport): Promise<boolean> {
  const name = freeName(d.name, remote, null);
  const { data } = await client.request<{ segmentCreate: Payload }>(SEGMENT_CREATE_MUTATION, { name, query: d.query });
  const s = data.segmentCreate.segment;
  if (!s) {
    report.errors.push({ key: d.key, messages: data.segmentCreate.userErrors.map((e) => e.message) });
    return false;
  }
  await records.put({ key: d.key, shopifyId: s.id, name: s.name, query: s.query, deletedByMerchant: false });
  remote.set(s.id, s);
  return true;
}

/**
 * Our segment exists: its query always follows our tag (a prefix change moves it); its name follows
 * ours only when ours changed — a name the merchant gave it in the admin stays.
 */
async function keepInStep(
  client: AdminGraphqlClient, d: DesiredSegment, rec: NativeSegmentRecord, live: RemoteSegment, remote: Map<string, RemoteSegment>, records: NativeSegmentRecords, report: ReconcileReport,
): Promise<void> {
  const rename = !isOurName(rec.name, d.name);
  if (live.query === d.query && !rename) {
    if (rec.deletedByMerchant || rec.query !== live.query) await records.put({ ...rec, query: live.query, deletedByMerchant: false });
    report.unchanged++;
    return;
  }
  const vars: Record<string, unknown> = { id: rec.shopifyId };
  if (live.query !== d.query) vars.query = d.query;
  if (rename) vars.name = freeName(d.name, remote, rec.shopifyId);
  const { data } = await client.request<{ segmentUpdate: Payload }>(SEGMENT_UPDATE_MUTATION, vars);
  const s = data.segmentUpdate.segment;
  if (!s) {
    report.errors.push({ key: d.key, messages: data.segmentUpdate.userErrors.map((e) => e.message) });
    return;
  }
  remote.set(s.id, s);
  await records.put({ key: d.key, shopifyId: s.id, name: rename ? s.name : rec.name, query: s.query, deletedByMerchant: false });
  report.updated.push(d.key);
}
