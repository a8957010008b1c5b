import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, startReceiver, SHOP, customerGid } from './helpers.ts';
import type { Harness, WebhookReceiver, ReceivedWebhook } from './helpers.ts';

describe('simulator merchant actions', () => {
  let h: Harness;
  let hooks: WebhookReceiver;
  before(async () => {
    hooks = await startReceiver();
    h = await startHarness({ webhookAddress: hooks.url });
  });
  after(async () => {
    await h.sim.close();
    await hooks.close();
  });
  async function received(topic: string): Promise<Array<Record<string, unknown>>> {
    await h.sim.webhooksIdle();
    return hooks.received.filter((w: ReceivedWebhook) => w.headers['x-shopify-topic'] === topic).map((w) => JSON.parse(w.body) as Record<string, unknown>);
  }

  it('replaces tags when the merchant edits them and sends customers/update', async () => {
    const c = h.sim.createCustomer(SHOP, { tags: ['seg:vip'] });
    h.sim.setMerchantTags(SHOP, c.id, ['staff', 'seg:vip', 'Staff']);
    assert.deepEqual(h.sim.getCustomer(SHOP, c.id)?.tags, ['seg:vip', 'staff']);
    const updates = (await received('customers/update')).filter((p) => p.id === Number(c.id));
    assert.equal(updates.at(-1)?.tags, 'seg:vip, staff');
  });

  it('keeps order versions apart with a strictly later updated_at even on a frozen clock', async () => {
    const c = h.sim.createCustomer(SHOP);
    const o = h.sim.createOrder(SHOP, { customerId: c.id, financialStatus: 'pending', totalPrice: '40.00' });
    h.sim.updateOrder(SHOP, o.id, { tags: ['gift'] });
    h.sim.markOrderPaid(SHOP, o.id);
    // Deliveries run in parallel and may arrive in any order: order the versions by updated_at.
    const versions = (await received('orders/updated')).filter((p) => p.id === Number(o.id))
      .sort((a, b) => Date.parse(String(a.updated_at)) - Date.parse(String(b.updated_at)));
    assert.equal(versions.length, 2);
    assert.deepEqual(versions.map((v) => v.tags), ['gift', 'gift']);
    assert.equal(versions[1]?.financial_status, 'paid');
    assert.ok(Date.parse(String(versions[1]?.updated_at)) > Date.parse(String(versions[0]?.updated_at)));
    const paid = (await received('orders/paid')).filter((p) => p.id === Number(o.id));
    assert.equal(paid.length, 1);
  });

  it('deletes orders and customers with the delete topics', async () => {
    const c = h.sim.createCustomer(SHOP);
    const o = h.sim.createOrder(SHOP, { customerId: c.id });
    const keep = h.sim.createOrder(SHOP, { customerId: c.id });
    h.sim.deleteOrder(SHOP, o.id);
    h.sim.deleteCustomer(SHOP, c.id);
    assert.deepEqual((await received('orders/delete')).at(-1), { id: Number(o.id) });
    assert.equal((await received('customers/delete')).at(-1)?.id, Number(c.id));
    assert.equal(h.sim.getOrder(SHOP, o.id), undefined);
    assert.equal(h.sim.getOrder(SHOP, keep.id)?.customerId, null, 'orders outlive their customer');
    const { body } = await h.gql('query($id: ID!) { customer(id: $id) { id } }', { id: customerGid(c.id) });
    assert.equal(body.data?.customer, null);
  });

  it('refuses impossible actions loudly', () => {
    const c = h.sim.createCustomer(SHOP);
    const o = h.sim.createOrder(SHOP, { customerId: c.id, totalPrice: '5.00' });
    assert.throws(() => h.sim.refundOrder(SHOP, o.id, { amount: '6.00' }), /exceeds refundable/);
    assert.throws(() => h.sim.createOrder(SHOP, { customerId: '1' }), /unknown customer/);
    h.sim.cancelOrder(SHOP, o.id);
    assert.throws(() => h.sim.cancelOrder(SHOP, o.id), /already cancelled/);
  });

  it('voids a pending order on cancel instead of refunding it', () => {
    const c = h.sim.createCustomer(SHOP);
    const o = h.sim.createOrder(SHOP, { customerId: c.id, financialStatus: 'pending' });
    h.sim.cancelOrder(SHOP, o.id, { reason: 'fraud' });
    const after = h.sim.getOrder(SHOP, o.id)!;
    assert.equal(after.financialStatus, 'voided');
    assert.equal(after.refunds.length, 0);
    assert.equal(after.cancelReason, 'fraud');
  });
});
