// Settings → Signals (GET /api/signals, docs/signals.md): each source of engagement signals — the web
// pixel (activated or not), Klaviyo system webhooks, Klaviyo flow webhooks and other tools, the checkout
// webhooks — with its last delivery, what it dropped and why, the exact address and header to connect
// it, and the rotate buttons (a new token or secret is shown once).
import { say, type ExplanationMsg } from '../explanations.ts';
import { useState } from 'react';
import { Badge, Banner, BlockStack, Button, Card, InlineStack, Layout, Text } from '@shopify/polaris';
import { useTranslation } from 'react-i18next';
import { DataTable } from '../DataTable.tsx';
import { api, formatDate, formatNumber } from '../api.ts';
import { useApi } from '../useApi.ts';
import type { WebPixelView } from '../types.ts';

type Source = 'pixel' | 'klaviyo' | 'flow' | 'generic' | 'checkouts';
interface SourceView { source: Source; lastDeliveryAt: string | null; dropped: number; lastDropReason: string | null; lastDropReasonMsg?: ExplanationMsg | null; connected: boolean; url: string | null; header: string | null; howToConnect: string; howToConnectMsg?: ExplanationMsg | null }
interface SignalsView {
  counts: { visits: number; clicks: number; checkouts: number };
  pixelKey: string;
  webPixel: WebPixelView;
  sources: SourceView[];
}
type Rotation = { kind: 'token' | 'secret' | 'pixelKey'; value: string };


function StatusBadge({ s, data }: { s: SourceView; data: SignalsView }) {
  const { t } = useTranslation();
  if (s.source === 'pixel') {
    if (data.webPixel.activated) return <Badge tone="success">{t('signals.pixelActive')}</Badge>;
    return <Badge tone={data.webPixel.lastPass?.action === 'failed' ? 'critical' : 'attention'}>{t('signals.pixelInactive')}</Badge>;
  }
  return s.connected ? <Badge tone="success">{t('signals.connected')}</Badge> : <Badge>{t('signals.notConnected')}</Badge>;
}

/** Why Shopify refused the pixel, in the viewer's language (each error's message; its code or Shopify's words as sent). */
const refusal = (p: WebPixelView): string | null => (p.lastPass?.action === 'failed' ? p.lastPass.errors.map((e, i) => say(p.lastPass!.errorMsgs?.[i], e.code ?? e.message)).join('; ') : null);

/** On the Sync page: why Shopify refused the web pixel at the last pass (nothing when it is fine). */
export function PixelRefusal({ webPixel }: { webPixel: WebPixelView }) {
  const { t } = useTranslation();
  const reason = refusal(webPixel);
  if (!reason) return null;
  return (
    <Layout.Section>
      <div data-testid="sync-pixel-refused">
        <Banner tone="warning" title={t('signals.pixelRefusedTitle')}>{t('signals.pixelRefused', { reason })}</Banner>
      </div>
    </Layout.Section>
  );
}

function SourcesTable({ data }: { data: SignalsView }) {
  const { t } = useTranslation();
  const rows = data.sources.map((s) => [
    t(`signals.sources.${s.source}`),
    <StatusBadge key={`${s.source}-status`} s={s} data={data} />,
    s.lastDeliveryAt ? formatDate(s.lastDeliveryAt) : t('signals.never'),
    formatNumber(s.dropped),
    s.lastDropReason ? say(s.lastDropReasonMsg, s.lastDropReason) : '—',
  ]);
  return (
    <div data-testid="signal-sources">
      <DataTable columnContentTypes={['text', 'text', 'text', 'numeric', 'text']} headings={[t('signals.columns.source'), t('signals.columns.status'), t('signals.columns.last'), t('signals.columns.dropped'), t('signals.columns.reason')]} rows={rows} />
    </div>
  );
}

function HowToConnect({ s, data }: { s: SourceView; data: SignalsView }) {
  const { t } = useTranslation();
  const refused = s.source === 'pixel' ? refusal(data.webPixel) : null;
  return (
    <BlockStack gap="100">
      <Text as="h3" variant="headingSm">{t(`signals.sources.${s.source}`)}</Text>
      <Text as="p">{say(s.howToConnectMsg, s.howToConnect)}</Text>
      {refused && <div data-testid="pixel-refused"><Text as="p" tone="critical">{t('signals.pixelRefused', { reason: refused })}</Text></div>}
      {s.source === 'pixel' && <Text as="p" tone="subdued">{t('signals.pixelKey')} <code data-testid="pixel-key">{data.pixelKey}</code></Text>}
      {s.url && <Text as="p">{t('signals.url')} <code data-testid={`url-${s.source}`}>{s.url}</code></Text>}
      {s.header && s.source !== 'pixel' && <Text as="p">{t('signals.header')} <code data-testid={`header-${s.source}`}>{s.source === 'klaviyo' ? s.header : `${s.header}: <token>`}</code></Text>}
    </BlockStack>
  );
}

function Rotate({ onRotated }: { onRotated: (r: Rotation) => void }) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState<Rotation['kind'] | null>(null);
  const rotate = async (kind: Rotation['kind']) => {
    setBusy(kind);
    try {
      const path = { token: '/signals/flow-token', secret: '/signals/klaviyo-secret', pixelKey: '/signals/pixel-key' }[kind];
      const r = await api<{ token?: string; secret?: string; pixelKey?: string }>(path, { method: 'POST', body: {} });
      onRotated({ kind, value: r.token ?? r.secret ?? r.pixelKey ?? '' });
    } finally {
      setBusy(null);
    }
  };
  return (
    <InlineStack gap="200">
      <Button onClick={() => void rotate('token')} loading={busy === 'token'}>{t('signals.rotateToken')}</Button>
      <Button onClick={() => void rotate('secret')} loading={busy === 'secret'}>{t('signals.rotateSecret')}</Button>
      <Button onClick={() => void rotate('pixelKey')} loading={busy === 'pixelKey'}>{t('signals.rotatePixelKey')}</Button>
    </InlineStack>
  );
}

function Rotated({ r, onDismiss }: { r: Rotation; onDismiss: () => void }) {
  const { t } = useTranslation();
  const title = { token: t('signals.newToken'), secret: t('signals.newSecret'), pixelKey: t('signals.newPixelKey') }[r.kind];
  return (
    <Banner tone={r.kind === 'pixelKey' ? 'info' : 'warning'} title={title} onDismiss={onDismiss}>
      <p><code data-testid="rotated-value">{r.value}</code></p>
      <p>{r.kind === 'pixelKey' ? t('signals.pixelKeyRotated') : t('signals.shownOnce')}</p>
    </Banner>
  );
}

export function Signals() {
  const { t } = useTranslation();
  const loaded = useApi<SignalsView>('/signals');
  const [rotated, setRotated] = useState<Rotation | null>(null);
  const data = loaded.data;
  if (!data) return null;
  const c = data.counts;
  return (
    <Layout.AnnotatedSection title={t('signals.title')} description={t('signals.description')}>
      <Card>
        <div data-testid="signals">
          <BlockStack gap="400">
            <div data-testid="signal-counts"><Text as="p">{t('signals.counts', { visits: formatNumber(c.visits), clicks: formatNumber(c.clicks), checkouts: formatNumber(c.checkouts) })}</Text></div>
            <SourcesTable data={data} />
            <Text as="h2" variant="headingMd">{t('signals.connectTitle')}</Text>
            {data.sources.map((s) => <HowToConnect key={s.source} s={s} data={data} />)}
            {rotated && <Rotated r={rotated} onDismiss={() => setRotated(null)} />}
            <Rotate onRotated={(r) => { setRotated(r); loaded.reload(); }} />
          </BlockStack>
        </div>
      </Card>
    </Layout.AnnotatedSection>
  );
}
