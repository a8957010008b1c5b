// What Shopify CLI reads from the repository: shopify.app.toml (scopes, webhook subscriptions) and
// shopify.web.toml (how `shopify app dev` starts the web process), checked against the code that must
// agree with them, and the environment the CLI gives the web process checked against loadConfig.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'smol-toml';
import { HANDLED_TOPICS } from '../../webhooks/router.ts';
import { loadConfig } from '../../src/config.ts';

const root = new URL('../../', import.meta.url);
const read = (name: string) => readFileSync(new URL(name, root), 'utf8');

interface AppToml {
  client_id: string;
  application_url: string;
  embedded: boolean;
  build?: { automatically_update_urls_on_dev?: boolean };
  access_scopes: { scopes: string; use_legacy_install_flow?: boolean };
  webhooks: { api_version: string; subscriptions: Array<{ topics?: string[]; compliance_topics?: string[]; uri: string }> };
}
interface WebToml {
  name?: string;
  roles: string[];
  webhooks_path?: string;
  commands: { dev: string; build?: string };
}

const app = parse(read('shopify.app.toml')) as unknown as AppToml;
const web = parse(read('shopify.web.toml')) as unknown as WebToml;
const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };

describe('shopify.app.toml', () => {
  it('subscribes to exactly the topics the webhook router handles, all at /webhooks', () => {
    const subscribed = app.webhooks.subscriptions.flatMap((s) => [...(s.topics ?? []), ...(s.compliance_topics ?? [])]);
    assert.deepEqual([...subscribed].sort(), [...HANDLED_TOPICS].sort());
    assert.equal(new Set(subscribed).size, subscribed.length, 'a topic appears in one subscription only');
    assert.ok(subscribed.includes('app/scopes_update'), 'granted scopes are followed');
    for (const s of app.webhooks.subscriptions) assert.equal(s.uri, '/webhooks');
  });

  it('asks for the scopes the app uses, with Shopify-managed install, and lets `app dev` set the URLs', () => {
    const scopes = app.access_scopes.scopes.split(',').map((s) => s.trim());
    for (const s of ['read_customers', 'write_customers', 'read_orders']) assert.ok(scopes.includes(s), s);
    assert.equal(app.access_scopes.use_legacy_install_flow, false);
    assert.equal(app.embedded, true);
    assert.equal(app.build?.automatically_update_urls_on_dev, true);
    assert.equal(app.webhooks.api_version, loadConfig(baseEnv).SHOPIFY_API_VERSION, 'webhooks in the API version the app calls');
  });
});

const baseEnv = { SHOPIFY_API_KEY: 'k', SHOPIFY_API_SECRET: 's', SHOPIFY_APP_URL: 'https://segments.example.com', ENCRYPTION_KEY: 'a'.repeat(64), SUPPORT_TOKEN: 't'.repeat(32) };

describe('shopify.web.toml (`shopify app dev`)', () => {
  it('declares one web process in both roles, receiving webhooks at the router path', () => {
    assert.deepEqual([...web.roles].sort(), ['backend', 'frontend']);
    assert.equal(web.webhooks_path, '/webhooks');
  });

  it('starts the web process and the workers through an npm script that exists', () => {
    const m = /^npm run ([\w:-]+)$/.exec(web.commands.dev);
    assert.ok(m, `commands.dev is an npm script: ${web.commands.dev}`);
    const script = pkg.scripts[m[1]!];
    assert.ok(script, `package.json has the script ${m[1]}`);
    assert.match(script, /node web\/main\.ts --with-worker/);
    assert.match(pkg.scripts[`pre${m[1]}`] ?? '', /dashboard:build/, 'the dashboard is built before the server starts');
  });

  it('runs with the environment the CLI passes plus the secrets from .env', () => {
    // launchWebProcess in Shopify/cli (packages/app/src/cli/services/dev/processes/web.ts) sets these.
    const tunnel = 'https://quiet-river-1234.trycloudflare.com';
    const cli = {
      SHOPIFY_API_KEY: 'client-id', SHOPIFY_API_SECRET: 'client-secret', HOST: tunnel, APP_URL: tunnel, SCOPES: app.access_scopes.scopes,
      NODE_ENV: 'development', BACKEND_PORT: '51234', FRONTEND_PORT: '51234', PORT: '51234', APP_ENV: 'development',
    };
    const dotEnv = { ENCRYPTION_KEY: 'a'.repeat(64), SUPPORT_TOKEN: 't'.repeat(32), SHOPIFY_APP_URL: 'https://segments.example.com' };
    const c = loadConfig({ ...dotEnv, ...cli });
    assert.equal(c.SHOPIFY_APP_URL, tunnel);
    assert.equal(c.PORT, 51234);
    assert.equal(c.HOST, '0.0.0.0');
    assert.equal(c.SHOPIFY_API_KEY, 'client-id');
  });
});
