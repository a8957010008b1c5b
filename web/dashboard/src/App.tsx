import { useCallback, useEffect, useState } from 'react';
import { Badge, Banner, Frame, Page, Tabs } from '@shopify/polaris';
import { useTranslation } from 'react-i18next';
import { embedded } from './api.ts';
import { useApi } from './useApi.ts';
import { Overview } from './pages/Overview.tsx';
import { Thresholds } from './pages/Thresholds.tsx';
import { BrightSpots } from './pages/BrightSpots.tsx';
import { CustomerLookup } from './pages/CustomerLookup.tsx';
import { Settings } from './pages/Settings.tsx';
import { Sync } from './pages/Sync.tsx';
import { SegmentBrowser } from './pages/SegmentBrowser.tsx';
import { PageErrorBoundary } from './pages/PageErrorBoundary.tsx';

const PAGES = ['overview', 'thresholds', 'bright-spots', 'customers', 'settings', 'sync'] as const;
type PageId = (typeof PAGES)[number] | 'segment';

/** /app/<page>[/<arg>…]: the segment browser is /app/segment/<family>/<segment>, a customer /app/customers/<id>. */
interface Route { page: PageId; args: string[] }

function routeFromPath(): Route {
  const [seg, ...args] = window.location.pathname.replace(/^\/app\/?/, '').split('/').filter(Boolean);
  if (seg === 'segment' && args.length === 2) return { page: 'segment', args };
  return { page: PAGES.find((p) => p === seg) ?? 'overview', args };
}

interface SessionView { shop: string; demo: boolean; currency: string; needsReauth?: { since: string; reason: string | null } | null }

function ReauthBanner({ since }: { since: string }) {
  const { t } = useTranslation();
  return (
    <div style={{ marginBottom: 16 }} data-testid="needs-reauth">
      <Banner tone="critical" title={t('app.reauthTitle')} action={{ content: t('app.reauthAction'), onAction: () => window.location.reload() }}>
        {t('app.reauthBody', { date: new Date(since).toLocaleString(document.documentElement.lang) })}
      </Banner>
    </div>
  );
}

export function App() {
  const { t } = useTranslation();
  const [route, setRoute] = useState<Route>(routeFromPath);
  const session = useApi<SessionView>('/session');
  const reauth = session.data?.needsReauth ?? null;
  useEffect(() => {
    const onPop = () => setRoute(routeFromPath());
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const navigate = useCallback((page: PageId, args: string[] = []) => {
    // Keep Shopify's query parameters (shop, host, embedded, locale) when moving between pages.
    window.history.pushState(null, '', `/app/${[page, ...args].join('/')}${window.location.search}`);
    setRoute({ page, args });
    window.scrollTo(0, 0);
  }, []);
  const currency = session.data?.currency ?? 'USD';
  const page = route.page;
  const tabPage = page === 'segment' ? 'overview' : page;
  return (
    <Frame>
      {embedded() && (
        <ui-nav-menu>
          {PAGES.map((p) => <a key={p} href={`/app/${p}`} rel={p === 'overview' ? 'home' : undefined}>{t(`app.pages.${p}`)}</a>)}
        </ui-nav-menu>
      )}
      <Page fullWidth title={t('app.title', { page: t(`app.pages.${page}`) })} titleMetadata={session.data?.demo ? <Badge tone="attention">{t('app.demo')}</Badge> : undefined} subtitle={session.data?.shop}>
        {reauth && <ReauthBanner since={reauth.since} />}
        {!embedded() && (
          <div style={{ marginBottom: 16 }}>
            <Tabs tabs={PAGES.map((p) => ({ id: p, content: t(`app.pages.${p}`) }))} selected={PAGES.indexOf(tabPage)} onSelect={(i) => navigate(PAGES[i]!)} />
          </div>
        )}
        <PageErrorBoundary page={page}>
          <div data-testid={`page-${page}`}>
            {page === 'overview' && <Overview onOpenSegment={(family, segment) => navigate('segment', [family, segment])} onOpenCustomer={(id) => navigate('customers', [id])} onOpenSettings={() => navigate('settings')} />}
            {page === 'segment' && (
              <SegmentBrowser key={route.args.join('/')} family={route.args[0]!} segment={route.args[1]!} currency={currency} onBack={() => navigate('overview')} onOpenCustomer={(id) => navigate('customers', [id])} />
            )}
            {page === 'thresholds' && <Thresholds />}
            {page === 'bright-spots' && <BrightSpots />}
            {page === 'customers' && <CustomerLookup key={route.args[0] ?? ''} currency={currency} initialId={route.args[0] ?? ''} shop={session.data?.shop} />}
            {page === 'settings' && <Settings />}
            {page === 'sync' && <Sync />}
          </div>
        </PageErrorBoundary>
      </Page>
    </Frame>
  );
}
