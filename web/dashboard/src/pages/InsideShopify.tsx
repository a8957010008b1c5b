// "Inside Shopify" on the Sync page: the native customer segments the app keeps (links into the
// Shopify admin), the customer metafield and the Flow trigger counters (GET /api/inside-shopify).
import { DataTable, Link, Text } from '@shopify/polaris';
import { useTranslation } from 'react-i18next';
import { Section } from '../Section.tsx';
import { useApi } from '../useApi.ts';
import { formatNumber } from '../api.ts';

interface InsideShopifyView {
  segments: Array<{ key: string; name: string; query: string; adminUrl: string; deletedByMerchant: boolean }>;
  metafieldDefinition: { namespace: string; key: string } | null;
  flowTriggers: { sent: number; refused: number; dropped: number; pending: number; lastRefusal: string | null } | null;
}

export function InsideShopify() {
  const { t } = useTranslation();
  const { data } = useApi<InsideShopifyView>('/inside-shopify');
  if (!data) return null;
  const f = data.flowTriggers;
  return (
    <Section title={t('insideShopify.title')}>
      <Text as="p" tone="subdued">
        {t('insideShopify.segments', { n: formatNumber(data.segments.length) })}
        {' '}{t('insideShopify.metafield', { name: data.metafieldDefinition ? `${data.metafieldDefinition.namespace}.${data.metafieldDefinition.key}` : t('insideShopify.notCreated') })}
        {f ? ` ${t('insideShopify.flow', { sent: formatNumber(f.sent), refused: formatNumber(f.refused), dropped: formatNumber(f.dropped), pending: formatNumber(f.pending) })}` : ''}
      </Text>
      {f?.lastRefusal && <Text as="p" tone="critical">{t('insideShopify.lastRefusal', { reason: f.lastRefusal })}</Text>}
      {data.segments.length > 0 && (
        <DataTable
          columnContentTypes={['text', 'text']}
          headings={[t('insideShopify.columns.segment'), t('insideShopify.columns.query')]}
          rows={data.segments.map((s) => [
            s.deletedByMerchant ? t('insideShopify.deleted', { name: s.name }) : <Link key={s.key} url={s.adminUrl} target="_blank">{s.name}</Link>,
            <code key={`${s.key}-q`}>{s.query}</code>,
          ])}
        />
      )}
    </Section>
  );
}
