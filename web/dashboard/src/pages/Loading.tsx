import { Banner, Card, SkeletonBodyText } from '@shopify/polaris';

export function Loading({ state }: { state: { error: Error | null; reload: () => void } }) {
  if (state.error) {
    return (
      <Banner tone="critical" title="Could not load this page" action={{ content: 'Try again', onAction: state.reload }}>
        <p>{state.error.message}</p>
      </Banner>
    );
  }
  return <Card><SkeletonBodyText lines={6} /></Card>;
}
