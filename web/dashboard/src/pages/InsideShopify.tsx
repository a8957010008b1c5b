// "Inside Shopify" on the Sync page: the native customer segments the app keeps (links into the
// Shopify admin), the customer metafield and the Flow trigger counters (GET /api/inside-shopify).
import { DataTable, Link, Text } from '@shopify/polaris';
import { Section } from '../Section.tsx';
import { useApi } from '../useApi.ts';

interface InsideShopifyView {
  segments: Array<{ key: string; name: string; query: string; adminUrl: string; deletedByMerchant: boolean }>;
  metafieldDefinition: { namespace: string; key: string } | null;
  flowTriggers: { sent: number; refused: number; dropped: number; pending: number; lastRefusal: string | null } | null;
}

export function InsideShopify() {
  const { data } = useApi<InsideShopifyView>('/inside-shopify');
  if (!data) return null;
  const f = data.flowTriggers;
  return (
    <Section title="Inside Shopify">
      <Text as="p" tone="subdued">
        Customer segments in Shopify (usable in Flow, Shopify Email, marketing automations and discounts): {data.segments.length}.
        {' '}Customer metafield {data.metafieldDefinition ? `${data.metafieldDefinition.namespace}.${data.metafieldDefinition.key}` : 'not created yet'}.
        {f ? ` Flow triggers: ${f.sent} fired, ${f.refused} refused by Shopify, ${f.dropped} dropped, ${f.pending} waiting.` : ''}
      </Text>
      {f?.lastRefusal && <Text as="p" tone="critical">Last refusal: {f.lastRefusal}</Text>}
      {data.segments.length > 0 && (
        <DataTable
          columnContentTypes={['text', 'text']}
          headings={['Segment in Shopify', 'Query']}
          rows={data.segments.map((s) => [
            s.deletedByMerchant ? `${s.name} (deleted in Shopify)` : <Link key={s.key} url={s.adminUrl} target="_blank">{s.name}</Link>,
            <code key={`${s.key}-q`}>{s.query}</code>,
          ])}
        />
      )}
    </Section>
  );
}
