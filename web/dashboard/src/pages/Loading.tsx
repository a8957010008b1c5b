import { Banner, Card, SkeletonBodyText } from '@shopify/polaris';
import { useTranslation } from 'react-i18next';

export function Loading({ state }: { state: { error: Error | null; reload: () => void } }) {
  const { t } = useTranslation();
  if (state.error) {
    return (
      <Banner tone="critical" title={t('app.loadFailed')} action={{ content: t('app.tryAgain'), onAction: state.reload }}>
        <p>{state.error.message}</p>
      </Banner>
    );
  }
  return <Card><SkeletonBodyText lines={6} /></Card>;
}
