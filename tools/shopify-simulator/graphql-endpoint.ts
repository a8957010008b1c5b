// POST /admin/api/:version/graphql.json: authenticate by access token, inject faults, validate, price
// the query, take it from the leaky bucket (or answer THROTTLED), execute, refund the unused cost.
import { execute, parse, validate } from 'graphql';
import type { DocumentNode, GraphQLError } from 'graphql';
import type { Request, Response } from 'express';
import type { RequestContext } from './context.ts';
import { actualCost, getOperation, MAX_SINGLE_QUERY_COST, requestedCost } from './cost.ts';
import type { ThrottleStatus } from './leaky-bucket.ts';
import type { Simulator } from './simulator.ts';

export const INVALID_TOKEN_BODY = { errors: '[API] Invalid API key or access token (unrecognized login or wrong password)' };
export const THROTTLED_ERROR = { message: 'Throttled', extensions: { code: 'THROTTLED', documentation: 'https://shopify.dev/api/usage/rate-limits' } };

function costExtension(requested: number, actual: number | null, status: ThrottleStatus): Record<string, unknown> {
  return { cost: { requestedQueryCost: requested, actualQueryCost: actual, throttleStatus: status } };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function handleGraphql(sim: Simulator, req: Request, res: Response, shopHint: string | null): Promise<void> {
  const version = String(req.params.version);
  if (!/^(\d{4}-\d{2}|unstable)$/.test(version)) {
    res.status(404).json({ errors: 'Not Found' });
    return;
  }
  const install = sim.authenticate(req.get('X-Shopify-Access-Token') ?? '');
  if (!install || (shopHint && install.shop.domain !== shopHint)) {
    res.status(401).json(INVALID_TOKEN_BODY);
    return;
  }
  const shop = install.shop;
  shop.stats.apiCalls++;
  res.set('X-Shopify-API-Version', version);
  if (shop.faults.latencyMs > 0) await sleep(shop.faults.latencyMs);
  if (shop.faultPrng.chance(shop.faults.errorRate)) {
    shop.stats.injected5xx++;
    const status = shop.faults.errorStatus;
    res.status(status).json({ errors: status === 503 ? 'Service Unavailable' : 'Internal Server Error' });
    return;
  }
  const body = (typeof req.body === 'string' ? { query: req.body } : (req.body ?? {})) as { query?: unknown; variables?: unknown; operationName?: unknown };
  if (typeof body.query !== 'string' || !body.query.trim()) {
    res.status(400).json({ errors: { query: 'Required parameter missing or invalid' } });
    return;
  }
  const variables = (body.variables && typeof body.variables === 'object' ? body.variables : {}) as Record<string, unknown>;
  const operationName = typeof body.operationName === 'string' ? body.operationName : null;
  const bucket = install.bucket;
  let document: DocumentNode;
  try {
    document = parse(body.query);
  } catch (err) {
    res.json({ errors: [(err as GraphQLError).toJSON()], extensions: costExtension(0, 0, bucket.status()) });
    return;
  }
  const errors = validate(sim.schema, document);
  const operation = getOperation(document, operationName);
  if (errors.length > 0 || !operation) {
    const list = errors.length > 0 ? errors.map((e) => e.toJSON()) : [{ message: operationName ? `Unknown operation named "${operationName}".` : 'Must provide operation name if query contains multiple operations.' }];
    res.json({ errors: list, extensions: costExtension(0, 0, bucket.status()) });
    return;
  }
  const costInput = { schema: sim.schema, document, operation, variables };
  const requested = requestedCost(costInput);
  if (requested > MAX_SINGLE_QUERY_COST) {
    res.json({
      errors: [{
        message: `Query cost is ${requested}, which exceeds the single query max cost limit (${MAX_SINGLE_QUERY_COST}).`,
        extensions: { code: 'MAX_COST_EXCEEDED', cost: requested, maxCost: MAX_SINGLE_QUERY_COST },
      }],
      extensions: costExtension(requested, null, bucket.status()),
    });
    return;
  }
  const forced = shop.faults.throttle || shop.faults.throttleNext > 0;
  if (shop.faults.throttleNext > 0) shop.faults.throttleNext--;
  if (forced || !bucket.tryTake(requested)) {
    shop.stats.throttled++;
    res.json({ errors: [THROTTLED_ERROR], extensions: costExtension(requested, null, bucket.status()) });
    return;
  }
  const ctx: RequestContext = { hooks: sim.hooks, shop, install, apiVersion: version, now: sim.clock.now(), search: [] };
  const result = await execute({ schema: sim.schema, document, operationName, variableValues: variables, contextValue: ctx });
  const actual = Math.min(requested, actualCost(costInput, result.data));
  bucket.giveBack(requested - actual);
  shop.stats.pointsUsed += actual;
  const extensions: Record<string, unknown> = costExtension(requested, actual, bucket.status());
  if (ctx.search.length > 0) extensions.search = ctx.search;
  // Request errors (e.g. bad variables) have no data key at all, as in the GraphQL spec.
  res.json({ ...(result.errors ? { errors: result.errors.map((e) => e.toJSON()) } : {}), ...('data' in result ? { data: result.data } : {}), extensions });
}
