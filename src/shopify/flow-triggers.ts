// Shopify Flow triggers of the app ("Customer entered a segment" / "Customer left a segment",
// extensions/segment-flow-triggers/shopify.extension.toml), fired with flowTriggerReceive:
// https://shopify.dev/docs/api/admin-graphql/2026-10/mutations/flowTriggerReceive (handle + payload;
// the payload carries the extension's fields: `customer_id` for the customer_reference, the other
// fields by key — https://shopify.dev/docs/apps/build/flow/triggers/reference). One call per event,
// paced by the client like every other request. A call Shopify answers with userErrors (Flow not
// installed, trigger not enabled, payload refused) is "refused": counted, never retried.
import type { AdminGraphqlClient } from './admin-graphql-client.ts';

export const FLOW_TRIGGER_HANDLES = { entered: 'customer-entered-segment', left: 'customer-left-segment' } as const;
export const FLOW_TRIGGER_MUTATION = 'mutation AppSegmentFlowTrigger($handle: String!, $payload: JSON!) { flowTriggerReceive(handle: $handle, payload: $payload) { userErrors { field message } } }';

export interface FlowTriggerCall { handle: string; payload: Record<string, unknown> }
export type FlowTriggerOutcome = { status: 'sent' } | { status: 'refused'; errors: string[] };

/** Fires the calls one after another; transport failures throw (typed, errors.ts) after the sent ones are reported. */
export async function fireFlowTriggers(
  client: AdminGraphqlClient, calls: readonly FlowTriggerCall[], onOutcome: (i: number, o: FlowTriggerOutcome) => void | Promise<void>,
): Promise<void> {
  for (let i = 0; i < calls.length; i++) {
    const c = calls[i]!;
    const { data } = await client.request<{ flowTriggerReceive: { userErrors: Array<{ message: string }> } | null }>(FLOW_TRIGGER_MUTATION, { handle: c.handle, payload: c.payload });
    const errors = data.flowTriggerReceive?.userErrors.map((e) => e.message) ?? ['no payload'];
    await onOutcome(i, errors.length === 0 ? { status: 'sent' } : { status: 'refused', errors });
  }
}
