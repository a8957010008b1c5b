// Bright spots: what the best customers teach the store (GET /api/insights, computed at recalibration).
// Gateway products with their repeat rate against the shop's, what VIPs and Champions buy more often,
// and each product's reorder rhythm; a CSV of all three.
import { say } from '../explanations.ts';
import { BlockStack, Button, Card, Layout, List, Text } from '@shopify/polaris';
import { useTranslation } from 'react-i18next';
import { DataTable } from '../DataTable.tsx';
import { Section } from '../Section.tsx';
import { useApi } from '../useApi.ts';
import { formatDate, formatMoney, formatNumber, formatPercent } from '../api.ts';
import type { InsightsView } from '../types.ts';
import { BarChart } from '../charts/BarChart.tsx';
import { Loading } from './Loading.tsx';
import { formatLocale } from '../i18n/index.ts';

type Insights = NonNullable<InsightsView['insights']>;

const csvCell = (v: string | number): string => (typeof v === 'number' ? String(v) : /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** One CSV of the three lists (a `list` column says which), money in minor units, rates as fractions. */
export function insightsCsv(i: Insights): string {
  const rows: Array<Array<string | number>> = [['list', 'product', 'customers', 'rate', 'rate_ci_low', 'rate_ci_high', 'mean_clv_12m_minor', 'best_buyers', 'lift', 'interval_days', 'q1_days', 'q3_days']];
  for (const g of i.gatewayProducts) rows.push(['gateway', g.product, g.customers, g.repeatRate, g.repeatRateCi[0], g.repeatRateCi[1], g.meanClv12mMinor, '', '', '', '', '']);
  for (const b of i.bestCustomerProducts) rows.push(['best-customers', b.product, b.buyers, b.bestShare, '', '', '', b.bestBuyers, b.lift, '', '', '']);
  for (const r of i.reorder) rows.push(['reorder', r.product, r.customers, r.reorderRate, '', '', '', '', '', r.intervalDays, r.q1, r.q3]);
  return rows.map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
}

function download(i: Insights): void {
  const url = URL.createObjectURL(new Blob([insightsCsv(i)], { type: 'text/csv' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = `bright-spots-${i.date}.csv`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function BrightSpots() {
  const { t } = useTranslation();
  const v = useApi<InsightsView>('/insights');
  if (!v.data) return <Loading state={v} />;
  const { insights: i, currency, calibratedAt } = v.data;
  if (!i) return <Card><Text as="p">{t('brightSpots.none')}</Text></Card>;
  const money = (m: number) => formatMoney(m, currency);
  const s = i.shop;
  const top = i.gatewayProducts.slice(0, 10);
  return (
    <Layout>
      <Layout.Section>
        <Card>
          <BlockStack gap="200">
            <Text as="h2" variant="headingMd">{t('brightSpots.shop', { date: i.date })}</Text>
            <div data-testid="insights-shop">
              <Text as="p">
                {s.repeatRate === null
                  ? t('brightSpots.notObserved', { days: formatNumber(i.windowDays) })
                  : t('brightSpots.repeat', { rate: formatPercent(s.repeatRate), customers: formatNumber(s.customers), days: formatNumber(i.windowDays), clv: money(s.meanClv12mMinor ?? 0) })}
              </Text>
            </div>
            <Text as="p" tone="subdued">
              {t('brightSpots.counts', { buyers: formatNumber(s.buyers), best: formatNumber(s.bestCustomers), products: formatNumber(s.products), at: formatDate(calibratedAt) })}
            </Text>
            <div><Button onClick={() => download(i)}>{t('brightSpots.downloadCsv')}</Button></div>
          </BlockStack>
        </Card>
      </Layout.Section>
      {i.notes.length > 0 && (
        <Section title={t('brightSpots.notes')}>
          <div data-testid="insights-notes"><List>{i.notes.map((n, k) => <List.Item key={n}>{say(i.noteMsgs?.[k], n)}</List.Item>)}</List></div>
        </Section>
      )}
      <Section title={t('brightSpots.gatewayTitle', { min: formatNumber(i.minCustomers) })}>
        {top.length > 0 && (
          <BarChart testId="gateway-chart" label={t('brightSpots.gatewayChart')} bars={[...(s.repeatRate === null ? [] : [{ key: '(shop)', label: t('brightSpots.shopAverage'), value: s.repeatRate, display: formatPercent(s.repeatRate) }]), ...top.map((g) => ({ key: g.product, label: g.product, value: g.repeatRate, display: formatPercent(g.repeatRate) }))]} />
        )}
        <div data-testid="gateway-table">
          <DataTable
            columnContentTypes={['text', 'numeric', 'numeric', 'text', 'numeric']}
            headings={(['product', 'customers', 'again', 'interval', 'clv'] as const).map((c) => t(`brightSpots.gatewayColumns.${c}`))}
            rows={i.gatewayProducts.map((g) => [g.product, formatNumber(g.customers), formatPercent(g.repeatRate), `${formatPercent(g.repeatRateCi[0])}–${formatPercent(g.repeatRateCi[1])}`, money(g.meanClv12mMinor)])}
          />
        </div>
        {i.gatewayProducts[0]?.explanation && <Text as="p" tone="subdued">{say(i.gatewayProducts[0].explanationMsg, i.gatewayProducts[0].explanation)}.</Text>}
      </Section>
      <Section title={t('brightSpots.bestTitle', { min: formatNumber(i.minBestBuyers) })}>
        <div data-testid="best-table">
          <DataTable
            columnContentTypes={['text', 'numeric', 'numeric', 'numeric', 'numeric']}
            headings={(['product', 'best', 'ofThem', 'ofAll', 'lift'] as const).map((c) => t(`brightSpots.bestColumns.${c}`))}
            rows={i.bestCustomerProducts.map((b) => [b.product, formatNumber(b.bestBuyers), formatPercent(b.bestShare), formatPercent(b.shopShare), `${new Intl.NumberFormat(formatLocale(), { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(b.lift)}×`])}
          />
        </div>
      </Section>
      <Section title={t('brightSpots.reorderTitle')}>
        <div data-testid="reorder-table">
          <DataTable
            columnContentTypes={['text', 'numeric', 'text', 'numeric', 'numeric']}
            headings={(['product', 'every', 'middle', 'by', 'rate'] as const).map((c) => t(`brightSpots.reorderColumns.${c}`))}
            rows={i.reorder.map((r) => [r.product, formatNumber(r.intervalDays), `${formatNumber(r.q1)}–${formatNumber(r.q3)}`, t('brightSpots.ofBuyers', { customers: formatNumber(r.customers), buyers: formatNumber(r.buyers) }), formatPercent(r.reorderRate)])}
          />
        </div>
      </Section>
    </Layout>
  );
}
