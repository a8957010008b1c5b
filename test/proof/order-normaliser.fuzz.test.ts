// Property-based fuzzing of the webhook order normaliser (webhooks/order-normaliser.ts), the first code
// that touches an untrusted (if signed) payload: it must never throw, never hang, and every rejection
// must say which field was wrong. Seeded so CI sees the same cases every run.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { normaliseRestOrder } from '../../webhooks/order-normaliser.ts';
import { parseJsonKeepingBigIds } from '../../webhooks/parse-json-ids.ts';

const SEED = 20261124;
const RUNS = 400;

const digits = (min: number, max: number) => fc.stringMatching(new RegExp(`^[1-9][0-9]{${min - 1},${max - 1}}$`));
const bigId = digits(1, 20);
const amount = fc.tuple(fc.integer({ min: 0, max: 99_999_999 }), fc.integer({ min: 0, max: 99 })).map(([w, f]) => `${w}.${String(f).padStart(2, '0')}`);
const isoInstant = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2035-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString());
const currency = fc.constantFrom('USD', 'EUR', 'JPY', 'GBP', 'KWD', 'usd');

/** An order payload as Shopify sends it (REST shape), ids as JSON numbers of any size. */
const validOrder = fc.record({
  id: bigId,
  customer: fc.option(bigId, { nil: null }),
  created_at: isoInstant,
  updated_at: isoInstant,
  total_price: amount,
  current_total_price: fc.option(amount, { nil: null }),
  currency,
  financial_status: fc.constantFrom('paid', 'pending', 'refunded', 'partially_refunded', 'voided', 'weird_new_status', null),
  tags: fc.array(fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/), { maxLength: 4 }),
  line_items: fc.array(fc.record({ product_id: fc.option(bigId, { nil: null }), quantity: fc.integer({ min: 0, max: 1000 }) }), { maxLength: 5 }),
  email: fc.emailAddress(),
});

type OrderSpec = typeof validOrder extends fc.Arbitrary<infer T> ? T : never;

/** Renders with ids as raw JSON numbers (not strings), as Shopify does — big ids exceed 2^53. */
function render(o: OrderSpec): string {
  const lineItems = o.line_items.map((li) => `{"product_id":${li.product_id ?? 'null'},"variant_id":null,"sku":"S","quantity":${li.quantity}}`).join(',');
  return `{"id":${o.id},"created_at":"${o.created_at}","updated_at":"${o.updated_at}","cancelled_at":null,` +
    `"financial_status":${o.financial_status === null ? 'null' : `"${o.financial_status}"`},"test":false,"currency":"${o.currency}",` +
    `"total_price":"${o.total_price}","current_total_price":${o.current_total_price === null ? 'null' : `"${o.current_total_price}"`},` +
    `"tags":"${o.tags.join(', ')}","email":"${o.email}",` +
    `"customer":${o.customer === null ? 'null' : `{"id":${o.customer},"email":"${o.email}"}`},"line_items":[${lineItems}]}`;
}

function assertExplained(r: ReturnType<typeof normaliseRestOrder>): void {
  if (r.ok) return;
  assert.match(r.reason, /^invalid order payload: +\S/);
}

describe('order normaliser under fuzzing', () => {
  it('never throws on arbitrary JSON values and explains every rejection', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => {
        assertExplained(normaliseRestOrder(v));
      }),
      { seed: SEED, numRuns: RUNS * 2 },
    );
  });

  it('never throws on arbitrary objects shaped almost like an order', () => {
    const nearly = fc.record(
      {
        id: fc.oneof(bigId, fc.integer(), fc.double(), fc.string(), fc.constant(null), fc.constant(-1)),
        created_at: fc.oneof(isoInstant, fc.string(), fc.integer(), fc.constant(null)),
        updated_at: fc.oneof(isoInstant, fc.string(), fc.constant(null)),
        currency: fc.oneof(currency, fc.string({ maxLength: 5 }), fc.constant(null)),
        total_price: fc.oneof(amount, fc.string({ maxLength: 12 }), fc.double(), fc.constant('1e309'), fc.constant('-0.5'), fc.constant('9'.repeat(40))),
        current_total_price: fc.oneof(amount, fc.string({ maxLength: 12 }), fc.constant(null)),
        current_total_price_set: fc.oneof(fc.constant(null), fc.record({ shop_money: fc.record({ amount: fc.oneof(amount, fc.string()), currency_code: fc.string() }) })),
        customer: fc.oneof(fc.constant(null), fc.record({ id: fc.oneof(bigId, fc.string(), fc.double()) }), fc.string()),
        line_items: fc.oneof(fc.constant(null), fc.array(fc.record({ quantity: fc.oneof(fc.integer(), fc.double(), fc.string()), product_id: fc.oneof(bigId, fc.string(), fc.constant(null)) }), { maxLength: 3 })),
        discount_codes: fc.oneof(fc.constant(null), fc.array(fc.record({ code: fc.oneof(fc.string(), fc.integer()) }), { maxLength: 2 })),
        tags: fc.oneof(fc.string(), fc.constant(null), fc.integer()),
      },
      { requiredKeys: [] },
    );
    fc.assert(fc.property(nearly, (v) => assertExplained(normaliseRestOrder(v))), { seed: SEED, numRuns: RUNS * 2 });
  });

  it('parses any byte soup without hanging: either a JSON error (dead letter) or an explained result', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.json({ maxDepth: 3 }), validOrder.map(render).map((s) => s.slice(0, Math.floor(s.length / 2)))), (text) => {
        let payload: unknown;
        try {
          payload = parseJsonKeepingBigIds(text);
        } catch (err) {
          assert.ok(err instanceof SyntaxError, `only SyntaxError escapes the parser, got ${String(err)}`);
          return;
        }
        assertExplained(normaliseRestOrder(payload));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('accepts every well-formed order and keeps ids exact and money in integer minor units', () => {
    fc.assert(
      fc.property(validOrder, (o) => {
        const r = normaliseRestOrder(parseJsonKeepingBigIds(render(o)));
        assert.ok(r.ok, r.ok ? '' : r.reason);
        assert.equal(r.order.id, o.id, 'id survives beyond 2^53');
        assert.equal(r.order.customerId, o.customer);
        assert.equal(r.order.createdAt, Date.parse(o.created_at));
        assert.equal(r.order.updatedAt, Date.parse(o.updated_at));
        assert.ok(Number.isSafeInteger(r.order.grossMinor) && Number.isSafeInteger(r.order.netMinor));
        assert.equal(r.order.currency, o.currency.toUpperCase());
        const exp = o.currency.toUpperCase() === 'JPY' ? 0 : o.currency.toUpperCase() === 'KWD' ? 3 : 2;
        const [w, f] = o.total_price.split('.') as [string, string];
        const expectedGross = exp === 2 ? Number(w) * 100 + Number(f) : exp === 3 ? Number(w) * 1000 + Number(f) * 10 : Number(w) + (Number(f[0]) >= 5 ? 1 : 0);
        assert.equal(r.order.grossMinor, expectedGross, `${o.total_price} ${o.currency}`);
        assert.deepEqual(r.order.tags, o.tags);
        // Items whose current quantity is 0 (refunded or removed) drop out; the rest are kept in order.
        assert.deepEqual(r.order.lineItems.map((li) => li.quantity), o.line_items.map((li) => li.quantity).filter((q) => q > 0));
        assert.ok(!JSON.stringify(r.order).includes(o.email), 'no e-mail in the normalised order');
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('rejects an order with one required field broken and names that field', () => {
    const fields = ['id', 'created_at', 'currency', 'total_price'] as const;
    const garbage = fc.constantFrom<unknown>(null, '', 'abc', -1, 1.5, {}, [], true, 'not a date', '12,00');
    fc.assert(
      fc.property(validOrder, fc.constantFrom(...fields), garbage, (o, field, bad) => {
        const payload = parseJsonKeepingBigIds(render(o)) as Record<string, unknown>;
        payload[field] = bad;
        const r = normaliseRestOrder(payload);
        // Some garbage is valid for some fields (a numeric total, a non-negative integer id): then it must be accepted sanely.
        if (r.ok) {
          assert.ok(Number.isSafeInteger(r.order.grossMinor));
          return;
        }
        assert.match(r.reason, new RegExp(`^invalid order payload: (${field}\\b|not a decimal amount|amount out of range)`), r.reason);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
