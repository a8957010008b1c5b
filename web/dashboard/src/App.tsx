import { useCallback, useEffect, useState } from 'react';
import { Badge, Banner, Frame, Page, Tabs } from '@shopify/polaris';
import { embedded } from './api.ts';
import { useApi } from './useApi.ts';
import { Overview } from './pages/Overview.tsx';
import { Thresholds } from './pages/Thresholds.tsx';
import { BrightSpots } from './pages/BrightSpots.tsx';
import { CustomerLookup } from './pages/CustomerLookup.tsx';
import { Settings } from './pages/Settings.tsx';
import { Sync } from './pages/Sync.tsx';
import { PageErrorBoundary } from './pages/PageErrorBoundary.tsx';

const PAGES = [
  { id: 'overview', content: 'Overview' },
  { id: 'thresholds', content: 'Thresholds' },
  { id: 'bright-spots', content: 'Bright spots' },
  { id: 'customers', content: 'Customer lookup' },
  { id: 'settings', content: 'Settings' },
  { id: 'sync', content: 'Sync' },
] as const;
type PageId = (typeof PAGES)[number]['id'];

function pageFromPath(): PageId {
  const seg = window.location.pathname.replace(/^\/app\/?/, '').split('/')[0];
  return (PAGES.find((p) => p.id === seg)?.id ?? 'overview') as PageId;
}

export function App() {
  const [page, setPage] = useState<PageId>(pageFromPath);
  const session = useApi<{ shop: string; demo: boolean; currency: string; needsReauth?: { since: string; reason: string | null } | null }>('/session');
  const reauth = session.data?.needsReauth ?? null;
  useEffect(() => {
    const onPop = () => setPage(pageFromPath());
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const go = useCallback((i: number) => {
    const id = PAGES[i]!.id;
    // Keep Shopify's query parameters (shop, host, embedded) when moving between pages.
    window.history.pushState(null, '', `/app/${id}${window.location.search}`);
    setPage(id);
  }, []);
  const currency = session.data?.currency ?? 'USD';
  const title = PAGES.find((p) => p.id === page)!.content;
  return (
    <Frame>
      {embedded() && (
        <ui-nav-menu>
          {PAGES.map((p) => <a key={p.id} href={`/app/${p.id}`} rel={p.id === 'overview' ? 'home' : undefined}>{p.content}</a>)}
        </ui-nav-menu>
      )}
      <Page
        fullWidth
        title={`Customer segments — ${title}`}
        titleMetadata={session.data?.demo ? <Badge tone="attention">demo</Badge> : undefined}
        subtitle={session.data?.shop}
      >
        {reauth && (
          <div style={{ marginBottom: 16 }} data-testid="needs-reauth">
            <Banner tone="critical" title="Tag updates are paused" action={{ content: 'Reconnect', onAction: () => window.location.reload() }}>
              Shopify stopped accepting this app&apos;s access to your store on {new Date(reauth.since).toLocaleString()}. Opening the app
              from your Shopify admin reconnects it; nothing is lost, and queued updates resume then.
            </Banner>
          </div>
        )}
        {!embedded() && (
          <div style={{ marginBottom: 16 }}>
            <Tabs tabs={PAGES.map((p) => ({ id: p.id, content: p.content }))} selected={PAGES.findIndex((p) => p.id === page)} onSelect={go} />
          </div>
        )}
        <PageErrorBoundary page={page}>
        <div data-testid={`page-${page}`}>
          {page === 'overview' && <Overview />}
          {page === 'thresholds' && <Thresholds />}
          {page === 'bright-spots' && <BrightSpots />}
          {page === 'customers' && <CustomerLookup currency={currency} />}
          {page === 'settings' && <Settings />}
          {page === 'sync' && <Sync />}
        </div>
        </PageErrorBoundary>
      </Page>
    </Frame>
  );
}
