// Shopify ids exceed 2^53, so JSON.parse would round them. Node 24's reviver receives each literal's
// source text: integers beyond the safe range are kept as their exact digits (a string).
type ReviverContext = { source?: string };

export function parseJsonKeepingBigIds(text: string): unknown {
  const reviver = (_key: string, value: unknown, context?: ReviverContext): unknown => {
    if (typeof value === 'number' && !Number.isSafeInteger(value) && context?.source && /^-?\d+$/.test(context.source)) {
      return context.source;
    }
    return value;
  };
  return JSON.parse(text, reviver as (this: unknown, key: string, value: unknown) => unknown);
}
