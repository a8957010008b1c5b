import { useEffect, useRef, useState } from 'react';
import { say } from '../explanations.ts';
import { Badge, Banner, BlockStack, Button, Card, InlineGrid, InlineStack, Layout, ProgressBar, Text } from '@shopify/polaris';
import { useTranslation } from 'react-i18next';
import { DataTable } from '../DataTable.tsx';
import { Section } from '../Section.tsx';
import { api, formatDate, formatNumber } from '../api.ts';
import { useApi, type Loaded } from '../useApi.ts';
import type { ResyncView, SyncView } from '../types.ts';
import { Loading } from './Loading.tsx';
import { InsideShopify } from './InsideShopify.tsx';
import { PixelRefusal } from './Signals.tsx';

const RUNNING = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

function ResyncProgress({ r }: { r: ResyncView }) {
  const { t } = useTranslation();
  const c = r.progress?.counts;
  const tone = r.state === 'failed' ? 'critical' : r.state === 'completed' ? 'success' : 'highlight';
  return (
    <BlockStack gap="200">
      <InlineStack align="space-between">
        <Text as="span">{t('sync.state', { state: t(`sync.states.${r.state}`, { defaultValue: r.state }) })}{r.progress ? ` — ${r.progress.phase}` : ''}</Text>
        <Text as="span"><span data-testid="resync-percent">{r.percent}</span>%</Text>
      </InlineStack>
      <div data-testid="resync-progress" data-percent={r.percent} data-state={r.state}>
        <ProgressBar progress={r.percent} tone={tone} animated={RUNNING.has(r.state)} />
      </div>
      {c && <Text as="p" tone="subdued">{t('sync.counts', { customers: formatNumber(c.customers), orders: formatNumber(c.orders), profiles: formatNumber(c.profiles), tags: formatNumber(c.tagsPending) })}</Text>}
      {r.failedReason && <Banner tone="critical">{r.failedReason}</Banner>}
    </BlockStack>
  );
}

/** The resync shown on the page: one just started here, or one already running; polled every 500 ms while it runs. */
function useResync(sync: Loaded<SyncView>, setError: (e: string | null) => void) {
  const [resync, setResync] = useState<ResyncView | null>(null);
  const [starting, setStarting] = useState(false);
  const timer = useRef<number | null>(null);
  const { reload } = sync;
  useEffect(() => {
    if (!resync || !RUNNING.has(resync.state)) return;
    timer.current = window.setTimeout(() => {
      api<ResyncView>(`/resync/${encodeURIComponent(resync.jobId)}`)
        .then((r) => {
          setResync(r);
          if (!RUNNING.has(r.state)) reload();
        })
        .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
    }, 500);
    return () => {
      if (timer.current !== null) window.clearTimeout(timer.current);
    };
  }, [resync, reload, setError]);
  // Pick up a resync that is already running (started by support, the CLI or another tab).
  useEffect(() => {
    if (!resync && sync.data?.lastResync && RUNNING.has(sync.data.lastResync.state)) setResync(sync.data.lastResync);
  }, [sync.data, resync]);
  const start = async () => {
    setStarting(true);
    setError(null);
    try {
      setResync(await api<ResyncView>('/resync', { method: 'POST' }));
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setStarting(false);
    }
  };
  return { resync, starting, start, running: resync !== null && RUNNING.has(resync.state) };
}

function ResyncCard({ s, shown, starting, running, onStart }: { s: SyncView; shown: ResyncView | null; starting: boolean; running: boolean; onStart: () => void }) {
  const { t } = useTranslation();
  const exportCsv = async () => {
    const { url } = await api<{ url: string }>('/export-link', { method: 'POST' });
    window.location.assign(url);
  };
  return (
    <Card>
      <BlockStack gap="300">
        <InlineStack align="space-between" blockAlign="center">
          <Text as="h2" variant="headingMd">{t('sync.resync')}</Text>
          <InlineStack gap="200">
            <Button onClick={() => void exportCsv()}>{t('sync.exportProfiles')}</Button>
            <Button variant="primary" onClick={onStart} loading={starting} disabled={running}>{t('sync.resyncNow')}</Button>
          </InlineStack>
        </InlineStack>
        <Text as="p" tone="subdued">{t('sync.resyncHelp')}</Text>
        {shown ? <ResyncProgress r={shown} /> : <Text as="p">{t('sync.noResync')}</Text>}
        {shown?.finishedAt && <Text as="p" tone="subdued">{t('sync.lastFinished', { at: formatDate(shown.finishedAt), by: shown.requestedBy ?? t('sync.unknown') })}</Text>}
        {s.lastCalibration && <Text as="p" tone="subdued">{t('sync.lastCalibration', { at: formatDate(s.lastCalibration.at), reason: say(s.lastCalibration.reasonMsg, s.lastCalibration.reason), buyers: formatNumber(s.lastCalibration.buyers) })}</Text>}
      </BlockStack>
    </Card>
  );
}

function SyncTotals({ s }: { s: SyncView }) {
  const { t } = useTranslation();
  const tile = (label: string, value: string | number, testId?: string) => (
    <Card><BlockStack gap="100"><Text as="h3" variant="headingSm">{label}</Text><Text as="p" variant="headingXl"><span data-testid={testId}>{value}</span></Text></BlockStack></Card>
  );
  return (
    <InlineGrid columns={{ xs: 1, md: 3 }} gap="400">
      {tile(t('sync.tiles.profiles'), formatNumber(s.profiles), 'sync-profiles')}
      {tile(t('sync.tiles.tagsWaiting'), formatNumber(s.tagsPending), 'sync-tags-pending')}
      {tile(t('sync.tiles.failures'), formatNumber(s.failures.length + s.deadLetters.length))}
    </InlineGrid>
  );
}

function AccessSection({ access }: { access: SyncView['access'] }) {
  const { t } = useTranslation();
  return (
    <Section title={t('sync.access')}>
      <div data-testid="access" data-read-all-orders={access.readAllOrders ? 'yes' : 'no'}>
        <BlockStack gap="200">
          <InlineStack gap="200">{access.scopes.map((scope) => <Badge key={scope} tone={scope === 'read_all_orders' ? 'success' : undefined}>{scope}</Badge>)}</InlineStack>
          {access.readAllOrders ? (
            <Text as="p" tone="subdued">{t('sync.fullHistory')}</Text>
          ) : (
            <Banner tone="warning" title={t('sync.sixtyDaysTitle')}>
              <p>{t('sync.sixtyDaysBody')}</p>
            </Banner>
          )}
          {access.checkedAt && <Text as="p" tone="subdued">{t('sync.checkedAt', { at: formatDate(access.checkedAt) })}</Text>}
        </BlockStack>
      </div>
    </Section>
  );
}

function FailuresSection({ s }: { s: SyncView }) {
  const { t } = useTranslation();
  return (
    <Section title={t('sync.failures')}>
      {s.failures.length === 0 && s.deadLetters.length === 0 ? (
        <InlineStack gap="200"><Badge tone="success">{t('sync.none')}</Badge><Text as="span" tone="subdued">{t('sync.noFailures')}</Text></InlineStack>
      ) : (
        <DataTable
          columnContentTypes={['text', 'text', 'text', 'text']}
          headings={(['when', 'what', 'customer', 'reason'] as const).map((c) => t(`sync.failureColumns.${c}`))}
          rows={[
            ...s.failures.map((f) => [formatDate(f.failedAt), t('sync.job', { queue: f.queue }), f.customerId ?? '—', f.failedReason]),
            ...s.deadLetters.map((d) => [formatDate(d.receivedAt), t('sync.webhook', { topic: d.topic }), '—', say(d.reasonMsg, d.reason)]),
          ]}
        />
      )}
    </Section>
  );
}

export function Sync() {
  const { t } = useTranslation();
  const sync = useApi<SyncView>('/sync');
  const [error, setError] = useState<string | null>(null);
  const { resync, starting, start, running } = useResync(sync, setError);
  if (!sync.data) return <Loading state={sync} />;
  const s = sync.data;
  return (
    <Layout>
      {error && <Layout.Section><Banner tone="critical">{error}</Banner></Layout.Section>}
      <Layout.Section><ResyncCard s={s} shown={resync ?? s.lastResync} starting={starting} running={running} onStart={() => void start()} /></Layout.Section>
      <Layout.Section><SyncTotals s={s} /></Layout.Section>
      <AccessSection access={s.access} />
      {s.webPixel && <PixelRefusal webPixel={s.webPixel} />}
      <Section title={t('sync.queues')}>
        <div data-testid="queue-depth">
          <DataTable
            columnContentTypes={['text', 'numeric', 'numeric', 'numeric', 'numeric']}
            headings={(['queue', 'waiting', 'running', 'delayed', 'failed'] as const).map((c) => t(`sync.queueColumns.${c}`))}
            rows={Object.entries(s.queueDepth).map(([q, d]) => [q, d.waiting, d.active, d.delayed, d.failed])}
          />
        </div>
      </Section>
      <FailuresSection s={s} />
      <InsideShopify />
    </Layout>
  );
}
