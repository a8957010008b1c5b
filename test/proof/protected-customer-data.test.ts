// The app asks Shopify for protected customer data level 1 only: customer data without names, e-mail
// addresses, phone numbers or postal addresses (https://shopify.dev/docs/apps/launch/protected-customer-data).
// This keeps it so: no GraphQL document the app sends (requests and bulk operations) selects such a
// field, no mongoose schema in src/profiles stores one, and the webhook path drops them from orders.
// One exception, declared here: the merchant's opt-in live names of the customers on screen
// (src/shopify/customer-names.ts → web/admin/customer-names.ts), read from Shopify where the shop grants
// it and passed to the page only. That document may read Customer.displayName and nothing else
// personal, and only the modules listed in LIVE_NAME_MODULES may reach it; that nothing of it is stored
// or logged is watched at run time by test/web/customer-names.int.test.ts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import mongoose, { type Schema } from 'mongoose';
import { buildSchema, parse, TypeInfo, visit, visitWithTypeInfo } from 'graphql';
import { APP_GRAPHQL_DOCUMENTS } from '../../src/shopify/graphql-documents.ts';
import { SCHEMA_SDL } from '../../tools/shopify-simulator/schema.ts';
import { normaliseRestOrder } from '../../webhooks/order-normaliser.ts';

/** Field or key names that carry a name, e-mail, phone or address, whatever the type. */
const PERSONAL_ANYWHERE = /(e-?mail|phone|address|first_?name|last_?name|birth|latitude|longitude|client_?ip|browser_?ip)/i;
/** On a person (customer, company contact): the name fields too. */
const PERSON_TYPES = new Set(['Customer', 'CompanyContact', 'MailingAddress', 'CustomerEmailAddress', 'CustomerPhoneNumber']);
const PERSON_FIELDS = /^(name|displayName|note|multipassIdentifier)$/;
/** The one document allowed to read a personal field, and exactly what it reads. */
const LIVE_NAME_DOCUMENT = { source: 'customer-names.ts CUSTOMER_NAMES_QUERY', fields: ['Customer.displayName'] };
/**
 * The modules that may import the live name read (src/shopify/customer-names.ts) or call the port's
 * customerNames, each with why. Anything else — a job, a store, the CSV export, a logger call site — fails.
 */
const LIVE_NAME_MODULES = new Map([
  ['src/shopify/customer-names.ts', 'the read itself'],
  ['src/shopify/graphql-documents.ts', 'lists the document for the schema checks'],
  ['jobs/ports.ts', 'declares the port method (type only)'],
  ['jobs/shopify-port.ts', 'binds the port method to the shop\'s Admin API client'],
  ['web/ports.ts', 'names the method in the dashboard\'s ports (type only)'],
  ['web/admin/customer-names.ts', 'the endpoint: answers the page with Cache-Control: no-store'],
  ['web/admin/api.ts', 'mounts that endpoint'],
]);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const APP_DIRS = ['src', 'jobs', 'web', 'webhooks', 'scripts', 'bin', 'extensions'];

/** Every TypeScript file of the app (not tests, not tools), relative to the repository. */
function appSources(): string[] {
  return APP_DIRS.flatMap((d) => {
    try {
      return (readdirSync(new URL(`../../${d}/`, import.meta.url), { recursive: true }) as string[])
        .filter((f) => /\.tsx?$/.test(f) && !f.includes('node_modules') && !f.includes('dist'))
        .map((f) => relative(ROOT, fileURLToPath(new URL(`../../${d}/${f}`, import.meta.url))));
    } catch {
      return [];
    }
  });
}

/** The files that import customer-names.ts or name the port's customerNames. */
export function liveNameReaders(files: ReadonlyArray<{ path: string; text: string }>): string[] {
  return files.filter((f) => /customer-names(\.ts)?['"]|\bcustomerNames\b|CUSTOMER_NAMES_QUERY|fetchCustomerNames/.test(f.text) && !f.path.startsWith('web/dashboard/')).map((f) => f.path).sort();
}

/** Stored paths that match by name but hold no contact detail, each with why. */
const NOT_CONTACT_DATA = new Map([
  ['CustomerEngagement.lastEmailClickAt', 'when a marketing e-mail was last clicked: an instant, not an address'],
]);

export function protectedFieldsIn(document: string): string[] {
  const schema = buildSchema(SCHEMA_SDL);
  const info = new TypeInfo(schema);
  const found: string[] = [];
  visit(parse(document), visitWithTypeInfo(info, {
    Field(node) {
      // The parent type is known even when the field is not in the simulator's schema.
      const parent = info.getParentType()?.name ?? '?';
      const name = node.name.value;
      if (PERSONAL_ANYWHERE.test(name) || (PERSON_TYPES.has(parent) && PERSON_FIELDS.test(name))) found.push(`${parent}.${name}`);
    },
  }));
  return found;
}

/** Every path of a mongoose schema, nested and sub-document paths included. */
function schemaPaths(s: Schema, prefix = ''): string[] {
  const out: string[] = [];
  s.eachPath((path, type) => {
    out.push(prefix + path);
    const sub = (type as unknown as { schema?: Schema }).schema;
    if (sub) out.push(...schemaPaths(sub, `${prefix}${path}.`));
  });
  return out;
}

describe('protected customer data: level 1, no names, e-mails, phones or addresses', () => {
  it('no GraphQL document the app sends selects such a field, but the live name read: displayName only', () => {
    const found = APP_GRAPHQL_DOCUMENTS.filter((d) => d.source !== LIVE_NAME_DOCUMENT.source).flatMap((d) => protectedFieldsIn(d.document).map((f) => `${d.source}: ${f}`));
    assert.deepEqual(found, []);
    const live = APP_GRAPHQL_DOCUMENTS.filter((d) => d.source === LIVE_NAME_DOCUMENT.source);
    assert.equal(live.length, 1, 'the live name read is listed once');
    assert.deepEqual(protectedFieldsIn(live[0]!.document), LIVE_NAME_DOCUMENT.fields);
    // The exception is that document's exact fields: an e-mail added to it is caught.
    assert.deepEqual(protectedFieldsIn(live[0]!.document.replace('displayName', 'displayName email')), ['Customer.displayName', 'Customer.email']);
  });

  it('only the declared modules reach the live name read (no job, store, export or log path)', () => {
    const files = appSources().filter((p) => !p.startsWith('web/dashboard/')).map((path) => ({ path, text: readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8') }));
    assert.ok(files.length > 100, `${files.length} app files read`);
    assert.deepEqual(liveNameReaders(files), [...LIVE_NAME_MODULES.keys()].sort());
    // The check sees a new reader: a job or the CSV export calling the port.
    const sneaky = { path: 'jobs/sync-tags.ts', text: 'const n = await ctx.shopify.customerNames?.(shop, ids);' };
    const csv = { path: 'web/admin/segment-browser.ts', text: "import { fetchCustomerNames } from '../../src/shopify/customer-names.ts';" };
    assert.deepEqual(liveNameReaders([...files, sneaky, csv]), [...LIVE_NAME_MODULES.keys(), 'jobs/sync-tags.ts', 'web/admin/segment-browser.ts'].sort());
  });

  it('the check sees such fields where they would be added (requests, bulk queries, fragments)', () => {
    const backfill = APP_GRAPHQL_DOCUMENTS.find((d) => d.kind === 'bulk-query')!.document;
    assert.deepEqual(protectedFieldsIn(backfill.replace('edges { node { id\n', 'edges { node { id email displayName\n')), ['Customer.email', 'Customer.displayName']);
    assert.deepEqual(protectedFieldsIn('{ orders(first: 1) { nodes { id shippingAddress { city } customer { firstName } } } }'), ['Order.shippingAddress', 'Customer.firstName']);
    assert.deepEqual(protectedFieldsIn('query { nodes(ids: ["x"]) { ... on Customer { id defaultEmailAddress { emailAddress } } } }'), ['Customer.defaultEmailAddress', '?.emailAddress']);
  });

  it('no mongoose schema in src/profiles has such a path', async () => {
    // Build every model the stores register on a connection that never connects.
    const conn = mongoose.createConnection();
    const dir = new URL('../../src/profiles/', import.meta.url);
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const mod = (await import(new URL(file, dir).href)) as Record<string, unknown>;
      for (const [name, value] of Object.entries(mod)) {
        if (typeof value !== 'function') continue;
        try {
          if (/^[A-Z]/.test(name)) new (value as new (...a: unknown[]) => unknown)(conn, Buffer.alloc(32), 'prefix');
          else if (/Model$/.test(name)) (value as (c: unknown) => unknown)(conn);
        } catch {
          // not a store (an error class, a helper needing other input)
        }
      }
    }
    const models = Object.values(conn.models);
    const names = models.map((m) => m.modelName);
    for (const expected of ['Shop', 'OrderBook', 'OrderOwner', 'CustomerProfile', 'ShopifySession', 'WebhookDeadLetter', 'CustomerDataRequest', 'SegmentEvent']) {
      assert.ok(names.includes(expected), `model ${expected} found (saw ${names.join(', ')})`);
    }
    const personal = models
      .flatMap((m) => schemaPaths(m.schema).filter((p) => p.split('.').some((seg) => PERSONAL_ANYWHERE.test(seg) || PERSON_FIELDS.test(seg))).map((p) => `${m.modelName}.${p}`))
      .filter((p) => !NOT_CONTACT_DATA.has(p));
    assert.deepEqual(personal, []);
    await conn.close();
  });

  it('an order webhook full of personal data is stored without it', () => {
    const payload = {
      id: 1, created_at: '2026-11-01T10:00:00-05:00', updated_at: '2026-11-01T10:00:00-05:00', currency: 'USD', total_price: '10.00',
      email: 'ada@example.com', phone: '+4915100000', contact_email: 'ada@example.com', browser_ip: '203.0.113.9', note: 'leave at door',
      billing_address: { first_name: 'Ada', last_name: 'Lovelace', address1: '1 Analytical St', city: 'London', zip: 'N1', phone: '+4915100000' },
      shipping_address: { name: 'Ada Lovelace', address1: '1 Analytical St' },
      customer: { id: 7, email: 'ada@example.com', first_name: 'Ada', last_name: 'Lovelace', phone: '+4915100000', default_address: { address1: '1 Analytical St' } },
      company: { id: 9, location_id: 10 },
      line_items: [{ product_id: 11, variant_id: 12, sku: 'S', quantity: 1, current_quantity: 1, name: 'Widget', title: 'Widget' }],
    };
    const r = normaliseRestOrder(payload);
    assert.ok(r.ok);
    const stored = JSON.stringify(r.order);
    for (const value of ['ada@example.com', '+4915100000', 'Ada', 'Lovelace', 'Analytical', 'London', '203.0.113.9', 'leave at door']) {
      assert.ok(!stored.includes(value), `${value} is not kept`);
    }
  });
});
