// One segment's customers (or one RFM grid cell's): server-side pages through a keyset cursor, sorted
// by spend, orders, last order, churn probability or 12-month value; each row opens the customer page
// and links to the customer in the Shopify admin; the whole segment exports as CSV.
import { useState } from 'react';
import { BlockStack, Button, Card, InlineStack, Layout, Link, Pagination, Select, Text } from '@shopify/polaris';
import { DataTable, TextCell } from '../DataTable.tsx';
import { useTranslation } from 'react-i18next';
import { useApi } from '../useApi.ts';
import { api, formatDay, formatMoney, formatNumber, formatPercent } from '../api.ts';
import { Loading } from './Loading.tsx';
import { familyLabel, segmentLabel, segmentMeaning } from '../segment-names.ts';
import { explain, type ExplanationMsg } from '../explanations.ts';
import { LiveNamesNote, useLiveNames, type LiveNames } from '../live-names.tsx';

const SORTS = ['spend', 'orders', 'lastOrder', 'churn', 'clv'] as const;
type Sort = (typeof SORTS)[number];

interface Row { customerId: string; orders: number | null; spendMinor: number | null; lastOrderAt: number | null; churnProbability: number | null; clv12mMinor: number | null; explanation: string; explanationMsg?: ExplanationMsg | null; shopifyUrl: string }
interface PageData { total: number | null; rows: Row[]; nextCursor: string | null }

function useTitle(family: string, segment: string): { title: string; meaning: string } {
  const { t } = useTranslation();
  const cell = /^r([1-5])f([1-5])$/.exec(segment);
  if (family === 'rfm-cell' && cell) return { title: t('browser.cellTitle', { r: cell[1], f: cell[2] }), meaning: t('overview.heatmapHelp').split(';')[0]! };
  return { title: t('browser.title', { segment: segmentLabel(t, family, segment), family: familyLabel(t, family) }), meaning: segmentMeaning(t, family, segment) };
}

function SortControls({ sort, dir, onChange }: { sort: Sort; dir: 'asc' | 'desc'; onChange: (sort: Sort, dir: 'asc' | 'desc') => void }) {
  const { t } = useTranslation();
  return (
    <InlineStack gap="300" blockAlign="end">
      <Select label={t('browser.sortBy')} options={SORTS.map((s) => ({ value: s, label: t(`browser.sorts.${s}`) }))} value={sort} onChange={(v) => onChange(v as Sort, dir)} />
      <Select label={t('browser.direction')} options={[{ value: 'desc', label: t('browser.desc') }, { value: 'asc', label: t('browser.asc') }]} value={dir} onChange={(v) => onChange(sort, v as 'asc' | 'desc')} />
    </InlineStack>
  );
}

/** The customer cell: the live name (opt-in, not stored) above the id, or the id alone. */
function CustomerCell({ id, name, onOpen }: { id: string; name: string | undefined; onOpen: () => void }) {
  const { t } = useTranslation();
  const button = <Button variant="plain" accessibilityLabel={t('browser.openCustomer', { id })} onClick={onOpen}>{name ?? id}</Button>;
  if (!name) return button;
  return <BlockStack gap="050"><span data-testid="live-name">{button}</span><Text as="span" tone="subdued" variant="bodySm">{id}</Text></BlockStack>;
}

function Rows({ rows, currency, names, onOpenCustomer }: { rows: Row[]; currency: string; names: LiveNames; onOpenCustomer: (id: string) => void }) {
  const { t } = useTranslation();
  const dash = '—';
  return (
    <div data-testid="segment-rows">
      <DataTable
        columnContentTypes={['text', 'numeric', 'numeric', 'text', 'numeric', 'numeric', 'text', 'text']}
        headings={(['customer', 'orders', 'spend', 'lastOrder', 'churn', 'clv', 'why', 'shopify'] as const).map((c) => t(`browser.columns.${c}`))}
        rows={rows.map((r) => [
          <CustomerCell key="id" id={r.customerId} name={names.names[r.customerId]} onOpen={() => onOpenCustomer(r.customerId)} />,
          r.orders === null ? dash : formatNumber(r.orders),
          r.spendMinor === null ? dash : formatMoney(r.spendMinor, currency),
          r.lastOrderAt === null ? dash : formatDay(r.lastOrderAt),
          r.churnProbability === null ? dash : formatPercent(r.churnProbability),
          r.clv12mMinor === null ? dash : formatMoney(r.clv12mMinor, currency),
          <TextCell key="why">{explain(r)}</TextCell>,
          <Link key="shopify" url={r.shopifyUrl} target="_blank" accessibilityLabel={t('browser.openInShopifyLabel', { id: r.customerId })}>{t('browser.openInShopify')}</Link>,
        ])}
      />
    </div>
  );
}

export function SegmentBrowser({ family, segment, currency, onBack, onOpenCustomer }: { family: string; segment: string; currency: string; onBack: () => void; onOpenCustomer: (id: string) => void }) {
  const { t } = useTranslation();
  const [sort, setSort] = useState<Sort>('spend');
  const [dir, setDir] = useState<'asc' | 'desc'>('desc');
  // The cursors of the pages seen so far: page n is fetched with cursors[n] (null for the first).
  const [cursors, setCursors] = useState<Array<string | null>>([null]);
  const [total, setTotal] = useState<number | null>(null);
  const pageNo = cursors.length - 1;
  const cursor = cursors[pageNo];
  const base = `/segments/${family}/${segment}`;
  const page = useApi<PageData>(`${base}/customers?sort=${sort}&dir=${dir}&limit=25${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
  if (page.data?.total != null && page.data.total !== total) setTotal(page.data.total);
  const { title, meaning } = useTitle(family, segment);
  // Names of the rows on screen only, read live when the shop opted in (never stored).
  const names = useLiveNames(page.data?.rows.map((r) => r.customerId) ?? []);
  const exportCsv = async () => {
    const link = await api<{ url: string }>(`${base}/export-link?sort=${sort}&dir=${dir}`, { method: 'POST', body: {} });
    window.location.assign(link.url);
  };
  return (
    <Layout>
      <Layout.Section>
        <Card>
          <BlockStack gap="300">
            <InlineStack align="space-between" blockAlign="center">
              <Button variant="plain" onClick={onBack}>{`← ${t('browser.back')}`}</Button>
              <Button onClick={() => void exportCsv()}>{t('browser.exportCsv')}</Button>
            </InlineStack>
            <Text as="h2" variant="headingLg"><span data-testid="segment-title">{title}</span></Text>
            {meaning && <Text as="p">{meaning}</Text>}
            {total !== null && <Text as="p" tone="subdued"><span data-testid="segment-total" data-total={total}>{t('browser.total', { formatted: formatNumber(total) })}</span></Text>}
            <LiveNamesNote status={names.status} />
            <SortControls sort={sort} dir={dir} onChange={(s, d) => { setSort(s); setDir(d); setCursors([null]); }} />
          </BlockStack>
        </Card>
      </Layout.Section>
      <Layout.Section>
        <Card>
          <BlockStack gap="300">
            {page.data ? (page.data.rows.length ? <Rows rows={page.data.rows} currency={currency} names={names} onOpenCustomer={onOpenCustomer} /> : <Text as="p">{t('browser.empty')}</Text>) : <Loading state={page} />}
            <InlineStack align="center" blockAlign="center" gap="300">
              <Pagination
                hasPrevious={pageNo > 0}
                onPrevious={() => setCursors((c) => c.slice(0, -1))}
                hasNext={Boolean(page.data?.nextCursor)}
                onNext={() => page.data?.nextCursor && setCursors((c) => [...c, page.data!.nextCursor])}
                previousTooltip={t('browser.previous')}
                nextTooltip={t('browser.next')}
                accessibilityLabels={{ previous: t('browser.previous'), next: t('browser.next') }}
                label={<span data-testid="segment-page">{t('browser.pageOf', { page: pageNo + 1 })}</span>}
              />
            </InlineStack>
          </BlockStack>
        </Card>
      </Layout.Section>
    </Layout>
  );
}
