// App Bridge's navigation menu element (only rendered when embedded in the Shopify admin).
import 'react';

declare module 'react' {
  namespace JSX {
    interface IntrinsicElements {
      'ui-nav-menu': React.DetailedHTMLProps<React.HTMLAttributes<HTMLElement>, HTMLElement>;
    }
  }
}
