import { useState } from 'react';
import { BlockStack, Card, InlineGrid, InlineStack, Layout, Select, Text } from '@shopify/polaris';
import { useTranslation } from 'react-i18next';
import { useApi } from '../useApi.ts';
import { formatMoney, formatNumber } from '../api.ts';
import type { Overview as OverviewData, Sizes } from '../types.ts';
import { BarChart } from '../charts/BarChart.tsx';
import { Heatmap } from '../charts/Heatmap.tsx';
import { ShareBar } from '../charts/ShareBar.tsx';
import { LineChart } from '../charts/LineChart.tsx';
import { Loading } from './Loading.tsx';
import { familyLabel, segmentLabel } from '../segment-names.ts';
import { FirstRun } from './FirstRun.tsx';

export const FAMILIES = ['loyalty', 'rfm', 'churn', 'value', 'replenishment', 'behaviour'] as const;

/** Where a segment's customers open: the dashboard path the segment browser reads. */
export const segmentPath = (family: string, segment: string): string => `/app/segment/${family}/${segment}${window.location.search}`;

function Totals({ o }: { o: OverviewData }) {
  const { t } = useTranslation();
  const tile = (label: string, value: string, testId?: string) => (
    <Card><BlockStack gap="100"><Text as="h3" variant="headingSm">{label}</Text><Text as="p" variant="heading2xl"><span data-testid={testId}>{value}</span></Text></BlockStack></Card>
  );
  return (
    <InlineGrid columns={3} gap="400">
      {tile(t('overview.customers'), formatNumber(o.customers), 'total-customers')}
      {tile(t('overview.revenue'), formatMoney(o.revenueMinor, o.currency), 'total-revenue')}
      {tile(t('overview.scored'), formatNumber(o.rfmGrid.scored))}
    </InlineGrid>
  );
}

function FamilyBars({ o, onOpen }: { o: OverviewData; onOpen: (family: string, segment: string) => void }) {
  const { t } = useTranslation();
  return (
    <InlineGrid columns={{ xs: 1, md: 2 }} gap="400">
      {o.families.filter((f) => f.segments.some((s) => s.customers > 0)).map((f) => (
        <Card key={f.family}>
          <BlockStack gap="200">
            <Text as="h2" variant="headingMd">{familyLabel(t, f.family)}</Text>
            <BarChart
              testId={`family-${f.family}`}
              label={familyLabel(t, f.family)}
              bars={f.segments.map((s) => ({ key: s.segment, label: segmentLabel(t, f.family, s.segment, s.label), value: s.customers, display: formatNumber(s.customers) }))}
              href={(b) => segmentPath(f.family, b.key)}
              onOpen={(b) => onOpen(f.family, b.key)}
            />
          </BlockStack>
        </Card>
      ))}
    </InlineGrid>
  );
}

export function Overview({ onOpenSegment, onOpenCustomer, onOpenSettings }: { onOpenSegment: (family: string, segment: string) => void; onOpenCustomer: (id: string) => void; onOpenSettings: () => void }) {
  const { t } = useTranslation();
  const overview = useApi<OverviewData>('/overview');
  const [shareFamily, setShareFamily] = useState('loyalty');
  const [sizesFamily, setSizesFamily] = useState('loyalty');
  const sizes = useApi<Sizes>(`/overview/sizes?family=${sizesFamily}&days=90`);
  if (!overview.data) return <Loading state={overview} />;
  const o = overview.data;
  const familyOptions = FAMILIES.map((value) => ({ value, label: familyLabel(t, value) }));
  const share = o.families.find((f) => f.family === shareFamily);
  return (
    <Layout>
      <Layout.Section><FirstRun onOpenCustomer={onOpenCustomer} onOpenSettings={onOpenSettings} /></Layout.Section>
      <Layout.Section><Totals o={o} /></Layout.Section>
      <Layout.Section>
        <BlockStack gap="200">
          <Text as="p" tone="subdued">{t('overview.barsHelp')}</Text>
          <FamilyBars o={o} onOpen={onOpenSegment} />
        </BlockStack>
      </Layout.Section>
      <Layout.Section>
        <InlineGrid columns={{ xs: 1, md: 2 }} gap="400">
          <Card>
            <BlockStack gap="200">
              <Text as="h2" variant="headingMd">{t('overview.heatmapTitle')}</Text>
              <Text as="p" tone="subdued">{t('overview.heatmapHelp')}</Text>
              <Heatmap
                counts={o.rfmGrid.counts}
                format={formatNumber}
                href={(r, f) => segmentPath('rfm-cell', `r${r}f${f}`)}
                cellLabel={(r, f, n) => t('overview.openCell', { r, f, count: formatNumber(n) })}
                onOpen={(r, f) => onOpenSegment('rfm-cell', `r${r}f${f}`)}
              />
            </BlockStack>
          </Card>
          <Card>
            <BlockStack gap="200">
              <InlineStack align="space-between" blockAlign="center">
                <Text as="h2" variant="headingMd">{t('overview.revenueShare')}</Text>
                <Select label={t('overview.family')} labelInline options={familyOptions} value={shareFamily} onChange={setShareFamily} />
              </InlineStack>
              {share && <ShareBar label={`${t('overview.revenueShare')}: ${familyLabel(t, share.family)}`} shares={share.segments.map((s) => ({ key: s.segment, label: segmentLabel(t, share.family, s.segment, s.label), share: s.revenueShare, display: formatMoney(s.revenueMinor, o.currency) }))} />}
            </BlockStack>
          </Card>
        </InlineGrid>
      </Layout.Section>
      <Layout.Section>
        <Card>
          <BlockStack gap="200">
            <InlineStack align="space-between" blockAlign="center">
              <Text as="h2" variant="headingMd">{t('overview.sizesTitle')}</Text>
              <Select label={t('overview.family')} labelInline options={familyOptions} value={sizesFamily} onChange={setSizesFamily} />
            </InlineStack>
            {sizes.data ? <LineChart label={t('overview.sizesTitle')} days={sizes.data.days} series={sizes.data.series.map((s) => ({ key: s.segment, label: segmentLabel(t, sizes.data!.family, s.segment, s.label), values: s.sizes }))} /> : <Loading state={sizes} />}
          </BlockStack>
        </Card>
      </Layout.Section>
    </Layout>
  );
}
