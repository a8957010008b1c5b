import { useState } from 'react';
import { BlockStack, Card, InlineGrid, InlineStack, Layout, Select, Text } from '@shopify/polaris';
import { useApi } from '../useApi.ts';
import { formatMoney } from '../api.ts';
import type { Overview as OverviewData, Sizes } from '../types.ts';
import { BarChart } from '../charts/BarChart.tsx';
import { Heatmap } from '../charts/Heatmap.tsx';
import { ShareBar } from '../charts/ShareBar.tsx';
import { LineChart } from '../charts/LineChart.tsx';
import { Loading } from './Loading.tsx';

export const FAMILY_LABELS: Record<string, string> = {
  loyalty: 'Loyalty groups', rfm: 'RFM segments', churn: 'Churn risk', value: 'Predicted value', replenishment: 'Replenishment', behaviour: 'Behaviour',
};
const familyOptions = Object.entries(FAMILY_LABELS).map(([value, label]) => ({ value, label }));

export function Overview() {
  const overview = useApi<OverviewData>('/overview');
  const [shareFamily, setShareFamily] = useState('loyalty');
  const [sizesFamily, setSizesFamily] = useState('loyalty');
  const sizes = useApi<Sizes>(`/overview/sizes?family=${sizesFamily}&days=90`);
  if (!overview.data) return <Loading state={overview} />;
  const o = overview.data;
  const share = o.families.find((f) => f.family === shareFamily);
  return (
    <Layout>
      <Layout.Section>
        <InlineGrid columns={3} gap="400">
          <Card><BlockStack gap="100"><Text as="h3" variant="headingSm">Customers with a profile</Text><Text as="p" variant="heading2xl"><span data-testid="total-customers">{o.customers.toLocaleString('en-US')}</span></Text></BlockStack></Card>
          <Card><BlockStack gap="100"><Text as="h3" variant="headingSm">Revenue counted</Text><Text as="p" variant="heading2xl"><span data-testid="total-revenue">{formatMoney(o.revenueMinor, o.currency)}</span></Text></BlockStack></Card>
          <Card><BlockStack gap="100"><Text as="h3" variant="headingSm">Scored by RFM</Text><Text as="p" variant="heading2xl">{o.rfmGrid.scored.toLocaleString('en-US')}</Text></BlockStack></Card>
        </InlineGrid>
      </Layout.Section>
      <Layout.Section>
        <InlineGrid columns={{ xs: 1, md: 2 }} gap="400">
          {o.families.filter((f) => f.segments.some((s) => s.customers > 0)).map((f) => (
            <Card key={f.family}>
              <BlockStack gap="200">
                <Text as="h2" variant="headingMd">{FAMILY_LABELS[f.family] ?? f.family}</Text>
                <BarChart testId={`family-${f.family}`} bars={f.segments.map((s) => ({ key: s.segment, label: s.label, value: s.customers }))} />
              </BlockStack>
            </Card>
          ))}
        </InlineGrid>
      </Layout.Section>
      <Layout.Section>
        <InlineGrid columns={{ xs: 1, md: 2 }} gap="400">
          <Card>
            <BlockStack gap="200">
              <Text as="h2" variant="headingMd">RFM grid: recency × frequency</Text>
              <Text as="p" tone="subdued">Customers per cell; R5 = bought most recently, F5 = buys most often (quintiles within your shop).</Text>
              <Heatmap counts={o.rfmGrid.counts} />
            </BlockStack>
          </Card>
          <Card>
            <BlockStack gap="200">
              <InlineStack align="space-between" blockAlign="center">
                <Text as="h2" variant="headingMd">Revenue share</Text>
                <Select label="Family" labelInline options={familyOptions} value={shareFamily} onChange={setShareFamily} />
              </InlineStack>
              {share && <ShareBar shares={share.segments.map((s) => ({ key: s.segment, label: s.label, share: s.revenueShare, display: formatMoney(s.revenueMinor, o.currency) }))} />}
            </BlockStack>
          </Card>
        </InlineGrid>
      </Layout.Section>
      <Layout.Section>
        <Card>
          <BlockStack gap="200">
            <InlineStack align="space-between" blockAlign="center">
              <Text as="h2" variant="headingMd">Segment sizes over time (90 days)</Text>
              <Select label="Family" labelInline options={familyOptions} value={sizesFamily} onChange={setSizesFamily} />
            </InlineStack>
            {sizes.data ? <LineChart days={sizes.data.days} series={sizes.data.series.map((s) => ({ key: s.segment, label: s.label, values: s.sizes }))} /> : <Loading state={sizes} />}
          </BlockStack>
        </Card>
      </Layout.Section>
    </Layout>
  );
}
