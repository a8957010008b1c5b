import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { effectiveShop, type ShopDoc } from '../../src/profiles/shop-store.ts';
import { defaultShopSettings } from '../../src/segments/settings.ts';

const doc = (o: Partial<ShopDoc> = {}): ShopDoc => ({
  shop: 's.myshopify.com', installedAt: new Date(0), uninstalledAt: null, scopes: [], hasReadAllOrders: true,
  timezone: 'Europe/Berlin', currency: 'EUR', plan: null, settings: {}, lastResync: null, needsReauthAt: null, needsReauthReason: null, scopesUpdatedAt: null, updatedAt: new Date(0), ...o,
});

describe('effectiveShop: the one derivation of a shop\'s state', () => {
  it('lays stored settings over the shop currency', () => {
    assert.equal(effectiveShop('s', doc()).settings.currency, 'EUR');
    assert.equal(effectiveShop('s', doc({ settings: { currency: 'GBP' } })).settings.currency, 'GBP');
    assert.equal(effectiveShop('s', doc({ settings: { tagPrefix: 'xyz:' } })).settings.tagPrefix, 'xyz:');
  });

  it('sets invalid stored settings aside for the defaults in the shop currency, and says why', () => {
    const s = effectiveShop('s', doc({ settings: { tagPrefix: '' } }));
    assert.deepEqual(s.settings, { ...defaultShopSettings, currency: 'EUR' });
    assert.ok(s.settingsIssues?.length && s.settingsIssues.every((i) => i.startsWith('tagPrefix')));
    assert.equal(effectiveShop('s', doc()).settingsIssues, null);
  });

  it('is installed only between an install and an uninstall; a shop never recorded has the defaults', () => {
    assert.equal(effectiveShop('s', doc()).installed, true);
    assert.equal(effectiveShop('s', doc({ uninstalledAt: new Date(1) })).installed, false);
    const none = effectiveShop('s', null);
    assert.deepEqual({ installed: none.installed, settings: none.settings, timezone: none.timezone, hasReadAllOrders: none.hasReadAllOrders }, { installed: false, settings: defaultShopSettings, timezone: 'UTC', hasReadAllOrders: false });
  });
});
