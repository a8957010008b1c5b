// Bright spots: what the best customers teach the store (GET /api/insights, computed at recalibration).
// Gateway products with their repeat rate against the shop's, what VIPs and Champions buy more often,
// and each product's reorder rhythm; a CSV of all three.
import { BlockStack, Button, Card, Layout, List, Text } from '@shopify/polaris';
import { DataTable } from '../DataTable.tsx';
import { Section } from '../Section.tsx';
import { useApi } from '../useApi.ts';
import { formatDate, formatMoney, formatPercent } from '../api.ts';
import type { InsightsView } from '../types.ts';
import { BarChart } from '../charts/BarChart.tsx';
import { Loading } from './Loading.tsx';

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
  const v = useApi<InsightsView>('/insights');
  if (!v.data) return <Loading state={v} />;
  const { insights: i, currency, calibratedAt } = v.data;
  if (!i) return <Card><Text as="p">No bright spots yet: they are computed at the next recalibration (nightly, or a resync from the Sync page).</Text></Card>;
  const money = (m: number) => formatMoney(m, currency);
  const s = i.shop;
  const top = i.gatewayProducts.slice(0, 10);
  return (
    <Layout>
      <Layout.Section>
        <Card>
          <BlockStack gap="200">
            <Text as="h2" variant="headingMd">Your shop (as of {i.date})</Text>
            <div data-testid="insights-shop">
              <Text as="p">
                {s.repeatRate === null
                  ? `No customer has been observed for ${i.windowDays} days after a first order yet.`
                  : `${formatPercent(s.repeatRate)} of ${s.customers.toLocaleString('en-US')} customers ordered again within ${i.windowDays} days of their first order; their predicted 12-month value averages ${money(s.meanClv12mMinor ?? 0)}.`}
              </Text>
            </div>
            <Text as="p" tone="subdued">
              {s.buyers.toLocaleString('en-US')} buyers, {s.bestCustomers.toLocaleString('en-US')} of them VIPs or Champions; {s.products === 1 ? '1 product' : `${s.products.toLocaleString('en-US')} products`}. Computed at the recalibration of {formatDate(calibratedAt)}.
            </Text>
            <div><Button onClick={() => download(i)}>Download CSV</Button></div>
          </BlockStack>
        </Card>
      </Layout.Section>
      {i.notes.length > 0 && (
        <Section title="Notes">
          <div data-testid="insights-notes"><List>{i.notes.map((n) => <List.Item key={n}>{n}</List.Item>)}</List></div>
        </Section>
      )}
      <Section title={`Gateway products: first orders that bring customers back (≥ ${i.minCustomers} customers; ranked by the lower end of the 95% interval)`}>
        {top.length > 0 && (
          <BarChart testId="gateway-chart" label="Repeat rate after each gateway product" bars={[...(s.repeatRate === null ? [] : [{ key: '(shop)', label: 'Shop average', value: s.repeatRate, display: formatPercent(s.repeatRate) }]), ...top.map((g) => ({ key: g.product, label: g.product, value: g.repeatRate, display: formatPercent(g.repeatRate) }))]} />
        )}
        <div data-testid="gateway-table">
          <DataTable
            columnContentTypes={['text', 'numeric', 'numeric', 'text', 'numeric']}
            headings={['First order included', 'Customers', 'Ordered again', '95% interval', 'Predicted 12-month value']}
            rows={i.gatewayProducts.map((g) => [g.product, g.customers, formatPercent(g.repeatRate), `${formatPercent(g.repeatRateCi[0])}–${formatPercent(g.repeatRateCi[1])}`, money(g.meanClv12mMinor)])}
          />
        </div>
        {i.gatewayProducts[0]?.explanation && <Text as="p" tone="subdued">{i.gatewayProducts[0].explanation}.</Text>}
      </Section>
      <Section title={`What the best buy: VIPs and Champions against all buyers (≥ ${i.minBestBuyers} best buyers)`}>
        <div data-testid="best-table">
          <DataTable
            columnContentTypes={['text', 'numeric', 'numeric', 'numeric', 'numeric']}
            headings={['Product', 'VIPs and Champions', 'Of them', 'Of all buyers', 'Lift']}
            rows={i.bestCustomerProducts.map((b) => [b.product, b.bestBuyers, formatPercent(b.bestShare), formatPercent(b.shopShare), `${b.lift.toFixed(2)}×`])}
          />
        </div>
      </Section>
      <Section title="Reorder rhythm: how often products are bought again">
        <div data-testid="reorder-table">
          <DataTable
            columnContentTypes={['text', 'numeric', 'text', 'numeric', 'numeric']}
            headings={['Product', 'Every (days)', 'Middle half (days)', 'Reordered by', 'Reorder rate']}
            rows={i.reorder.map((r) => [r.product, r.intervalDays, `${r.q1}–${r.q3}`, `${r.customers} of ${r.buyers}`, formatPercent(r.reorderRate)])}
          />
        </div>
      </Section>
    </Layout>
  );
}
