// The Admin API objects an app keeps inside Shopify: customer segments, app-owned metafield definitions
// and metafields, and Shopify Flow trigger calls. Kept per shop beside ShopState (a WeakMap), with
// helpers for tests: segment membership (the simulator evaluates the segment query, segment-query.ts),
// merchant edits in the admin, and the recorded Flow trigger calls. Each shape follows shopify.dev,
// cited beside the code.
import { readFileSync } from 'node:fs';
import { GraphQLError } from 'graphql';
import { parse as parseToml } from 'smol-toml';
import { gid, isoUtc, parseGid } from './formats.ts';
import { paginate, type ConnectionArgs } from './connection.ts';
import { requireScope } from './sources.ts';
import type { RequestContext, UserError } from './context.ts';
import type { ShopState } from './store.ts';
import { parseSegmentQuery } from './segment-query.ts';

export interface SegmentRecord { id: string; name: string; query: string; creationDate: number; lastEditDate: number }
export interface MetafieldDefinitionRecord { id: string; namespace: string; key: string; name: string; ownerType: string; type: string }
export interface MetafieldRecord { id: string; ownerId: string; namespace: string; key: string; value: string; type: string; updatedAt: number }
export interface FlowTriggerCall { handle: string; payload: Record<string, unknown>; at: number; accepted: boolean; errors: string[] }

export interface ShopifyObjects {
  segments: Map<string, SegmentRecord>;
  definitions: Map<string, MetafieldDefinitionRecord>;
  /** `${ownerGid}|${namespace}|${key}` → metafield. */
  metafields: Map<string, MetafieldRecord>;
  flowCalls: FlowTriggerCall[];
  /** Flow triggers Shopify would refuse (Flow not installed, trigger not deployed): handles. */
  refusedFlowHandles: Set<string>;
  nextId: number;
}

const objects = new WeakMap<ShopState, ShopifyObjects>();

export function shopifyObjectsOf(shop: ShopState): ShopifyObjects {
  let o = objects.get(shop);
  if (!o) {
    o = { segments: new Map(), definitions: new Map(), metafields: new Map(), flowCalls: [], refusedFlowHandles: new Set(), nextId: 1 };
    objects.set(shop, o);
  }
  return o;
}

const newId = (o: ShopifyObjects): string => String(5_000_000 + o.nextId++);
const wrapSegment = (s: SegmentRecord) => ({ __typename: 'Segment', id: gid('Segment', s.id), name: s.name, query: s.query, creationDate: isoUtc(s.creationDate), lastEditDate: isoUtc(s.lastEditDate) });
const sameName = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

// ---- Segments -------------------------------------------------------------------------------------

/** Customers (ids) whose tags satisfy the segment's query now; null when the segment does not exist. */
export function segmentMembers(shop: ShopState, segmentId: string): string[] | null {
  const s = shopifyObjectsOf(shop).segments.get(parseGid(segmentId)?.id ?? segmentId);
  if (!s) return null;
  const q = parseSegmentQuery(s.query);
  if (!q.ok) return [];
  const out: string[] = [];
  for (const c of shop.customers.values()) if (q.matches(c.tags)) out.push(c.id);
  return out;
}

function validateSegment(o: ShopifyObjects, name: string | undefined, query: string | undefined, selfId: string | null): UserError[] {
  const errors: UserError[] = [];
  if (name !== undefined) {
    if (name.trim() === '') errors.push({ field: ['name'], message: "Name can't be blank" });
    else if (name.length > 255) errors.push({ field: ['name'], message: 'Name is too long (maximum is 255 characters)' });
    // segmentCreate: "Segment names must be unique." https://shopify.dev/docs/api/admin-graphql/2026-10/mutations/segmentCreate
    else if ([...o.segments.values()].some((s) => s.id !== selfId && sameName(s.name, name))) errors.push({ field: ['name'], message: 'Name has already been taken' });
  }
  if (query !== undefined) {
    const q = parseSegmentQuery(query);
    if (!q.ok) errors.push({ field: ['query'], message: `Query is invalid: ${q.error}` });
  }
  return errors;
}

/** A segment made by the merchant in the admin (tests: name collisions, merchant segments untouched). */
export function merchantCreateSegment(shop: ShopState, name: string, query: string, now: number): SegmentRecord {
  const o = shopifyObjectsOf(shop);
  const errors = validateSegment(o, name, query, null);
  if (errors.length) throw new Error(errors.map((e) => e.message).join('; '));
  const s = { id: newId(o), name, query, creationDate: now, lastEditDate: now };
  o.segments.set(s.id, s);
  return s;
}

/** The merchant deletes a segment in the admin. */
export function merchantDeleteSegment(shop: ShopState, segmentId: string): boolean {
  return shopifyObjectsOf(shop).segments.delete(parseGid(segmentId)?.id ?? segmentId);
}

type Args = Record<string, unknown>;

// Segment queries and mutations need read_customers / write_customers:
// https://shopify.dev/docs/api/admin-graphql/2026-10/objects/Segment ("Requires read_customers access scope")
// https://shopify.dev/docs/api/admin-graphql/2026-10/mutations/segmentCreate ("Requires write_customers access scope")
const segmentQueries = {
  segments: (_s: unknown, a: Args, ctx: RequestContext) => {
    requireScope(ctx, 'read_customers', 'segments');
    const all = [...shopifyObjectsOf(ctx.shop).segments.values()];
    return paginate(all, a as ConnectionArgs, (s) => ({ id: s.id, value: s.id }), wrapSegment);
  },
  segment: (_s: unknown, a: Args, ctx: RequestContext) => {
    requireScope(ctx, 'read_customers', 'segment');
    const s = shopifyObjectsOf(ctx.shop).segments.get(parseGid(String(a.id))?.id ?? '');
    return s ? wrapSegment(s) : null;
  },
};

const segmentMutations = {
  segmentCreate: (_s: unknown, a: Args, ctx: RequestContext) => {
    requireScope(ctx, 'write_customers', 'segmentCreate');
    const o = shopifyObjectsOf(ctx.shop);
    const name = String(a.name);
    const query = String(a.query);
    const userErrors = validateSegment(o, name, query, null);
    if (userErrors.length) return { segment: null, userErrors };
    const s = { id: newId(o), name, query, creationDate: ctx.now, lastEditDate: ctx.now };
    o.segments.set(s.id, s);
    return { segment: wrapSegment(s), userErrors: [] };
  },
  segmentUpdate: (_s: unknown, a: Args, ctx: RequestContext) => {
    requireScope(ctx, 'write_customers', 'segmentUpdate');
    const o = shopifyObjectsOf(ctx.shop);
    const s = o.segments.get(parseGid(String(a.id))?.id ?? '');
    if (!s) return { segment: null, userErrors: [{ field: ['id'], message: 'Segment does not exist' }] };
    const name = a.name == null ? undefined : String(a.name);
    const query = a.query == null ? undefined : String(a.query);
    const userErrors = validateSegment(o, name, query, s.id);
    if (userErrors.length) return { segment: null, userErrors };
    if (name !== undefined) s.name = name;
    if (query !== undefined) s.query = query;
    s.lastEditDate = ctx.now;
    return { segment: wrapSegment(s), userErrors: [] };
  },
  segmentDelete: (_s: unknown, a: Args, ctx: RequestContext) => {
    requireScope(ctx, 'write_customers', 'segmentDelete');
    const o = shopifyObjectsOf(ctx.shop);
    const id = parseGid(String(a.id))?.id ?? '';
    if (!o.segments.delete(id)) return { deletedSegmentId: null, userErrors: [{ field: ['id'], message: 'Segment does not exist' }] };
    return { deletedSegmentId: gid('Segment', id), userErrors: [] };
  },
};

// ---- Metafield definitions and metafields -----------------------------------------------------------

/**
 * `$app` (and `$app:suffix`) resolve to the app's reserved namespace `app--{api client id}[--suffix]`:
 * https://shopify.dev/docs/apps/build/custom-data/ownership (Create metafield definitions with reserved namespaces).
 */
export function resolveNamespace(ctx: RequestContext, namespace: string | null | undefined): string {
  const ns = namespace ?? '$app';
  const appId = ctx.install.app.apiKey.replace(/\W/g, '') || 'app';
  if (ns === '$app') return `app--${appId}`;
  if (ns.startsWith('$app:')) return `app--${appId}--${ns.slice(5)}`;
  return ns;
}

/** Metafield types the simulator validates values of: https://shopify.dev/docs/apps/build/custom-data/metafields/list-of-data-types */
const VALUE_CHECKS: Record<string, (v: string) => boolean> = {
  json: (v) => { try { JSON.parse(v); return true; } catch { return false; } },
  single_line_text_field: (v) => !v.includes('\n'),
  multi_line_text_field: () => true,
  number_decimal: (v) => /^-?\d+(\.\d+)?$/.test(v),
  date: (v) => /^\d{4}-\d{2}-\d{2}$/.test(v),
};

const metafieldMutations = {
  metafieldDefinitionCreate: (_s: unknown, a: Args, ctx: RequestContext) => {
    const d = a.definition as { namespace?: string | null; key: string; name: string; ownerType: string; type: string };
    requireScope(ctx, d.ownerType === 'CUSTOMER' ? 'write_customers' : 'write_products', 'metafieldDefinitionCreate');
    const o = shopifyObjectsOf(ctx.shop);
    const namespace = resolveNamespace(ctx, d.namespace);
    if (!VALUE_CHECKS[d.type]) return { createdDefinition: null, userErrors: [{ field: ['definition', 'type'], message: 'Type name is invalid', code: 'INVALID' }] };
    if (!/^[\w-]{2,64}$/.test(d.key)) return { createdDefinition: null, userErrors: [{ field: ['definition', 'key'], message: 'Key is invalid', code: 'INVALID' }] };
    const key = `${d.ownerType}|${namespace}|${d.key}`;
    if (o.definitions.has(key)) {
      return { createdDefinition: null, userErrors: [{ field: ['definition', 'key'], message: 'Key is in use for Customer metafields on the \'' + namespace + '\' namespace.', code: 'TAKEN' }] };
    }
    const rec = { id: newId(o), namespace, key: d.key, name: d.name, ownerType: d.ownerType, type: d.type };
    o.definitions.set(key, rec);
    return { createdDefinition: { __typename: 'MetafieldDefinition', ...rec, id: gid('MetafieldDefinition', rec.id), type: { name: rec.type } }, userErrors: [] };
  },
  // "Allows a maximum of 25 metafields to be set at a time … This operation is atomic":
  // https://shopify.dev/docs/api/admin-graphql/2026-10/mutations/metafieldsSet
  metafieldsSet: (_s: unknown, a: Args, ctx: RequestContext) => {
    const inputs = a.metafields as Array<{ ownerId: string; namespace?: string | null; key: string; value: string; type?: string | null }>;
    if (inputs.length > 25) {
      return { metafields: null, userErrors: [{ field: ['metafields'], message: 'Exceeded the maximum metafields input limit of 25.', code: 'LESS_THAN_OR_EQUAL_TO', elementIndex: null }] };
    }
    const o = shopifyObjectsOf(ctx.shop);
    const userErrors: object[] = [];
    const planned: MetafieldRecord[] = [];
    inputs.forEach((m, i) => {
      const owner = parseGid(m.ownerId);
      if (owner?.type !== 'Customer' || !ctx.shop.customers.get(owner.id)) {
        userErrors.push({ field: ['metafields', String(i), 'ownerId'], message: 'Owner does not exist.', code: 'NOT_FOUND', elementIndex: i });
        return;
      }
      requireScope(ctx, 'write_customers', 'metafieldsSet');
      const namespace = resolveNamespace(ctx, m.namespace);
      const def = o.definitions.get(`CUSTOMER|${namespace}|${m.key}`);
      const type = m.type ?? def?.type;
      if (!type) { userErrors.push({ field: ['metafields', String(i), 'type'], message: "Type can't be blank", code: 'BLANK', elementIndex: i }); return; }
      if (def && def.type !== type) { userErrors.push({ field: ['metafields', String(i), 'type'], message: `Type must be ${def.type} to match the definition`, code: 'INVALID_TYPE', elementIndex: i }); return; }
      if (!VALUE_CHECKS[type]?.(m.value)) { userErrors.push({ field: ['metafields', String(i), 'value'], message: `Value is invalid for type ${type}`, code: 'INVALID_VALUE', elementIndex: i }); return; }
      const k = `${m.ownerId}|${namespace}|${m.key}`;
      planned.push({ id: o.metafields.get(k)?.id ?? newId(o), ownerId: m.ownerId, namespace, key: m.key, value: m.value, type, updatedAt: ctx.now });
    });
    if (userErrors.length) return { metafields: [], userErrors };
    for (const m of planned) o.metafields.set(`${m.ownerId}|${m.namespace}|${m.key}`, m);
    return { metafields: planned.map((m) => ({ __typename: 'Metafield', ...m, id: gid('Metafield', m.id), updatedAt: isoUtc(m.updatedAt) })), userErrors: [] };
  },
};

/** A customer's metafield as stored (tests), by the namespace as the app wrote it ('$app:segments'). */
export function customerMetafield(shop: ShopState, apiKey: string, customerId: string, namespace: string, key: string): MetafieldRecord | undefined {
  const ns = resolveNamespace({ install: { app: { apiKey } } } as RequestContext, namespace);
  return shopifyObjectsOf(shop).metafields.get(`${gid('Customer', customerId)}|${ns}|${key}`);
}

// ---- Flow triggers -------------------------------------------------------------------------------------

interface TriggerField { type: string; key?: string }
const FLOW_TOML = new URL('../../extensions/segment-flow-triggers/shopify.extension.toml', import.meta.url);
let declared: Map<string, TriggerField[]> | undefined;

/** The trigger extensions the app declares (its shopify.extension.toml): handle → fields. */
export function declaredFlowTriggers(): Map<string, TriggerField[]> {
  if (declared) return declared;
  const doc = parseToml(readFileSync(FLOW_TOML, 'utf8')) as { extensions?: Array<{ handle: string; type: string; settings?: { fields?: TriggerField[] } }> };
  declared = new Map((doc.extensions ?? []).filter((e) => e.type === 'flow_trigger').map((e) => [e.handle, e.settings?.fields ?? []]));
  return declared;
}

// Reference fields travel as `<resource>_id` (customer_reference → customer_id), other fields under their
// key; the payload must stay under 50 KB: https://shopify.dev/docs/apps/build/flow/triggers/reference
const REFERENCE_KEYS: Record<string, string> = { customer_reference: 'customer_id', order_reference: 'order_id', product_reference: 'product_id' };
const FLOW_PAYLOAD_MAX_BYTES = 50_000;

function payloadErrors(fields: TriggerField[], payload: Record<string, unknown>): string[] {
  const errors: string[] = [];
  const keys = new Set<string>();
  for (const f of fields) {
    const key = REFERENCE_KEYS[f.type] ?? f.key ?? '';
    keys.add(key);
    const v = payload[key];
    if (v === undefined || v === null) { errors.push(`Missing field "${key}"`); continue; }
    const ok = f.type in REFERENCE_KEYS ? (typeof v === 'number' || (typeof v === 'string' && /^\d+$/.test(v)))
      : f.type === 'number_decimal' ? typeof v === 'number' && Number.isFinite(v)
        : typeof v === 'string' && (f.type !== 'single_line_text_field' || !v.includes('\n'));
    if (!ok) errors.push(`Field "${key}" is not a valid ${f.type}`);
  }
  for (const k of Object.keys(payload)) if (!keys.has(k)) errors.push(`Unknown field "${k}"`);
  if (Buffer.byteLength(JSON.stringify(payload)) > FLOW_PAYLOAD_MAX_BYTES) errors.push('Payload exceeds 50 KB');
  return errors;
}

const flowMutations = {
  flowTriggerReceive: (_s: unknown, a: Args, ctx: RequestContext) => {
    if (a.handle == null || typeof a.payload !== 'object' || a.payload === null) throw new GraphQLError('handle and payload are required');
    const handle = String(a.handle);
    const payload = a.payload as Record<string, unknown>;
    const o = shopifyObjectsOf(ctx.shop);
    const fields = declaredFlowTriggers().get(handle);
    const errors = !fields ? [`Trigger "${handle}" does not exist`]
      : o.refusedFlowHandles.has(handle) ? ['Shopify Flow is not installed or the trigger is not enabled']
        : payloadErrors(fields, payload);
    o.flowCalls.push({ handle, payload, at: ctx.now, accepted: errors.length === 0, errors });
    return { userErrors: errors.map((message) => ({ field: ['payload'], message })) };
  },
};

export const SHOPIFY_OBJECT_RESOLVERS = {
  Query: segmentQueries,
  Mutation: { ...segmentMutations, ...metafieldMutations, ...flowMutations },
};

/** What tests and the demo see of a shop's Shopify objects (ShopifySimulator.shopifyObjects). */
export interface ShopifyObjectsView {
  segments(): SegmentRecord[];
  /** Customer ids in the segment now, by evaluating its query; null when it does not exist. */
  members(segmentId: string): string[] | null;
  /** The merchant creates / deletes a segment in the admin. */
  merchantCreateSegment(name: string, query: string): SegmentRecord;
  merchantDeleteSegment(segmentId: string): boolean;
  metafieldDefinitions(): MetafieldDefinitionRecord[];
  /** A customer's metafield, by the namespace as the app writes it ('$app:segments'). */
  customerMetafield(apiKey: string, customerId: string, namespace: string, key: string): MetafieldRecord | undefined;
  metafieldCount(): number;
  flowCalls(): FlowTriggerCall[];
  /** Flow refuses this trigger's calls (not installed / trigger disabled) until set back. */
  refuseFlowTrigger(handle: string, refuse?: boolean): void;
}

export function shopifyObjectsView(shop: ShopState, now: () => number): ShopifyObjectsView {
  const o = shopifyObjectsOf(shop);
  return {
    segments: () => [...o.segments.values()],
    members: (id) => segmentMembers(shop, id),
    merchantCreateSegment: (name, query) => merchantCreateSegment(shop, name, query, now()),
    merchantDeleteSegment: (id) => merchantDeleteSegment(shop, id),
    metafieldDefinitions: () => [...o.definitions.values()],
    customerMetafield: (apiKey, customerId, namespace, key) => customerMetafield(shop, apiKey, customerId, namespace, key),
    metafieldCount: () => o.metafields.size,
    flowCalls: () => [...o.flowCalls],
    refuseFlowTrigger: (handle, refuse = true) => { if (refuse) o.refusedFlowHandles.add(handle); else o.refusedFlowHandles.delete(handle); },
  };
}
