// One titled card on a dashboard page: the block every page repeats.
import type { ReactNode } from 'react';
import { BlockStack, Card, Layout, Text } from '@shopify/polaris';

export function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Layout.Section>
      <Card>
        <BlockStack gap="200">
          <Text as="h2" variant="headingMd">{title}</Text>
          {children}
        </BlockStack>
      </Card>
    </Layout.Section>
  );
}
