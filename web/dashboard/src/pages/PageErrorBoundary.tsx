import { Component, type ReactNode } from 'react';
import { Banner } from '@shopify/polaris';
import { i18next } from '../i18n/index.ts';

/** Keeps one page's failure from blanking the whole app: the tabs stay usable. */
export class PageErrorBoundary extends Component<{ children: ReactNode; page: string }, { error: Error | null }> {
  override state: { error: Error | null } = { error: null };
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  override componentDidUpdate(prev: { page: string }) {
    if (prev.page !== this.props.page && this.state.error) this.setState({ error: null });
  }
  override render() {
    if (this.state.error) return <Banner tone="critical" title={i18next.t('app.loadFailed')}>{this.state.error.message}</Banner>;
    return this.props.children;
  }
}
