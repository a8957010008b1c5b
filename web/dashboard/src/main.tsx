import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { AppProvider } from '@shopify/polaris';
import '@shopify/polaris/build/esm/styles.css';
import { App } from './App.tsx';
import { initI18n, POLARIS } from './i18n/index.ts';

void initI18n().then((lng) => {
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <AppProvider i18n={POLARIS[lng]}>
        <App />
      </AppProvider>
    </StrictMode>,
  );
});
