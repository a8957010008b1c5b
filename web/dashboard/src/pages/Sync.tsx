import { useEffect, useRef, useState } from 'react';
import { Badge, Banner, BlockStack, Button, Card, InlineGrid, InlineStack, Layout, ProgressBar, Text } from '@shopify/polaris';
import { DataTable } from '../DataTable.tsx';
import { Section } from '../Section.tsx';
import { api, formatDate } from '../api.ts';
import { useApi, type Loaded } from '../useApi.ts';
import type { ResyncView, SyncView } from '../types.ts';
import { Loading } from './Loading.tsx';
import { InsideShopify } from './InsideShopify.tsx';
import { PixelRefusal } from './Signals.tsx';

const RUNNING = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

function ResyncProgress({ r }: { r: ResyncView }) {
  const c = r.progress?.counts;
  const tone = r.state === 'failed' ? 'critical' : r.state === 'completed' ? 'success' : 'highlight';
  return (
    <BlockStack gap="200">
      <InlineStack align="space-between">
        <Text as="span">Resync {r.state === 'completed' ? 'finished' : r.state}{r.progress ? ` — ${r.progress.phase}` : ''}</Text>
        <Text as="span"><span data-testid="resync-percent">{r.percent}</span>%</Text>
      </InlineStack>
      <div data-testid="resync-progress" data-percent={r.percent} data-state={r.state}>
        <ProgressBar progress={r.percent} tone={tone} animated={RUNNING.has(r.state)} />
      </div>
      {c && <Text as="p" tone="subdued">{c.customers.toLocaleString('en-US')} customers, {c.orders.toLocaleString('en-US')} orders, {c.profiles.toLocaleString('en-US')} profiles computed, {c.tagsPending.toLocaleString('en-US')} tag changes to write.</Text>}
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
  const exportCsv = async () => {
    const { url } = await api<{ url: string }>('/export-link', { method: 'POST' });
    window.location.assign(url);
  };
  return (
    <Card>
      <BlockStack gap="300">
        <InlineStack align="space-between" blockAlign="center">
          <Text as="h2" variant="headingMd">Resync</Text>
          <InlineStack gap="200">
            <Button onClick={() => void exportCsv()}>Export profiles (CSV)</Button>
            <Button variant="primary" onClick={onStart} loading={starting} disabled={running}>Resync now</Button>
          </InlineStack>
        </InlineStack>
        <Text as="p" tone="subdued">Reads every customer and order from Shopify again, recalculates thresholds and segments, and writes the tag changes.</Text>
        {shown ? <ResyncProgress r={shown} /> : <Text as="p">No resync in the last hour.</Text>}
        {shown?.finishedAt && <Text as="p" tone="subdued">Last finished {formatDate(shown.finishedAt)} (requested by {shown.requestedBy ?? 'unknown'}).</Text>}
        {s.lastCalibration && <Text as="p" tone="subdued">Thresholds last recalculated {formatDate(s.lastCalibration.at)} ({s.lastCalibration.reason}, {s.lastCalibration.buyers.toLocaleString('en-US')} buyers).</Text>}
      </BlockStack>
    </Card>
  );
}

function SyncTotals({ s }: { s: SyncView }) {
  const tile = (label: string, value: string | number, testId?: string) => (
    <Card><BlockStack gap="100"><Text as="h3" variant="headingSm">{label}</Text><Text as="p" variant="headingXl"><span data-testid={testId}>{value}</span></Text></BlockStack></Card>
  );
  return (
    <InlineGrid columns={{ xs: 1, md: 3 }} gap="400">
      {tile('Profiles', s.profiles.toLocaleString('en-US'), 'sync-profiles')}
      {tile('Tag changes waiting', s.tagsPending.toLocaleString('en-US'), 'sync-tags-pending')}
      {tile('Failures', s.failures.length + s.deadLetters.length)}
    </InlineGrid>
  );
}

function AccessSection({ access }: { access: SyncView['access'] }) {
  return (
    <Section title="Access granted by this store">
      <div data-testid="access" data-read-all-orders={access.readAllOrders ? 'yes' : 'no'}>
        <BlockStack gap="200">
          <InlineStack gap="200">{access.scopes.map((scope) => <Badge key={scope} tone={scope === 'read_all_orders' ? 'success' : undefined}>{scope}</Badge>)}</InlineStack>
          {access.readAllOrders ? (
            <Text as="p" tone="subdued">Full order history: every order this store has, however old, counts towards the segments.</Text>
          ) : (
            <Banner tone="warning" title="Only the last 60 days of orders are visible">
              <p>
                Without the read_all_orders permission Shopify shares only orders from the last 60 days, so loyalty groups, RFM scores,
                churn and lifetime value and replenishment see at most two months of each customer&apos;s history. Granting it lets the app
                read every order older than 60 days too: long-standing customers are recognised, and lapsed ones are no longer missing.
                It is requested by the app&apos;s developer (Partner Dashboard, then shopify.app.toml); once you approve it, a resync
                fetches the older orders by itself.
              </p>
            </Banner>
          )}
          {access.checkedAt && <Text as="p" tone="subdued">As Shopify reported it {formatDate(access.checkedAt)}.</Text>}
        </BlockStack>
      </div>
    </Section>
  );
}

function FailuresSection({ s }: { s: SyncView }) {
  return (
    <Section title="Failures">
      {s.failures.length === 0 && s.deadLetters.length === 0 ? (
        <InlineStack gap="200"><Badge tone="success">none</Badge><Text as="span" tone="subdued">No failed jobs or unusable webhooks for this shop.</Text></InlineStack>
      ) : (
        <DataTable
          columnContentTypes={['text', 'text', 'text', 'text']}
          headings={['When', 'What', 'Customer', 'Reason']}
          rows={[
            ...s.failures.map((f) => [formatDate(f.failedAt), `${f.queue} job`, f.customerId ?? '—', f.failedReason]),
            ...s.deadLetters.map((d) => [formatDate(d.receivedAt), `webhook ${d.topic}`, '—', d.reason]),
          ]}
        />
      )}
    </Section>
  );
}

export function Sync() {
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
      <Section title="This shop's queued jobs">
        <div data-testid="queue-depth">
          <DataTable
            columnContentTypes={['text', 'numeric', 'numeric', 'numeric', 'numeric']}
            headings={['Queue', 'Waiting', 'Running', 'Delayed', 'Failed']}
            rows={Object.entries(s.queueDepth).map(([q, d]) => [q, d.waiting, d.active, d.delayed, d.failed])}
          />
        </div>
      </Section>
      <FailuresSection s={s} />
      <InsideShopify />
    </Layout>
  );
}
