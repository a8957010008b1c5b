// Points a client that builds `https://{shop}.myshopify.com/...` URLs (like @shopify/shopify-api) at the
// simulator: the request goes to `${simulatorUrl}/shops/{shop}/...` instead. For tests and the demo:
//   import { setAbstractFetchFunc } from '@shopify/shopify-api/runtime';
//   setAbstractFetchFunc(simulatorFetch(sim.url));
export function simulatorFetch(simulatorUrl: string, base: typeof fetch = globalThis.fetch): typeof fetch {
  const target = simulatorUrl.replace(/\/$/, '');
  return (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const raw = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const m = /^https?:\/\/([a-z0-9][a-z0-9-]*\.myshopify\.com)(\/.*)?$/i.exec(raw);
    if (!m) return base(input, init);
    const url = `${target}/shops/${(m[1] as string).toLowerCase()}${m[2] ?? '/'}`;
    if (input instanceof Request) return base(new Request(url, input), init);
    return base(url, init);
  };
}
