import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'graphql';
import { actualCost, getOperation, requestedCost } from '../../tools/shopify-simulator/cost.ts';
import { simulatorSchema } from '../../tools/shopify-simulator/schema.ts';

const schema = simulatorSchema();
function cost(query: string, variables: Record<string, unknown> = {}, data?: unknown): number {
  const document = parse(query);
  const input = { schema, document, operation: getOperation(document)!, variables };
  return data === undefined ? requestedCost(input) : actualCost(input, data);
}

describe('simulator query cost', () => {
  it('charges 0 for scalars, 1 per object and 2 + first × item per connection', () => {
    assert.equal(cost('{ shop { id name } }'), 1);
    assert.equal(cost('{ shop { plan { displayName } } }'), 2);
    assert.equal(cost('{ customers(first: 10) { nodes { id } pageInfo { hasNextPage } } }'), 12);
    assert.equal(cost('{ customers(first: 10) { edges { cursor node { id amountSpent { amount } } } } }'), 22);
  });

  it('multiplies nested connections and reads first from variables', () => {
    const q = 'query($n: Int!) { customers(first: $n) { nodes { orders(first: 5) { nodes { id lineItems(first: 3) { nodes { sku } } } } } } }';
    // item = 1 + orders(2 + 5 × (1 + lineItems(2 + 3 × 1)))
    assert.equal(cost(q, { n: 4 }), 2 + 4 * (1 + 2 + 5 * (1 + 5)));
  });

  it('follows fragments and aliases', () => {
    assert.equal(cost('{ a: customers(first: 2) { nodes { ...F } } b: customers(first: 3) { nodes { ...F } } } fragment F on Customer { id }'), 4 + 5);
  });

  it('counts 10 per mutation field and nothing for the payload', () => {
    assert.equal(cost('mutation { a: tagsAdd(id: "x", tags: ["a"]) { node { id } userErrors { message } } b: tagsRemove(id: "x", tags: ["a"]) { node { id } } }'), 20);
  });

  it('charges the actual cost from the items returned', () => {
    const q = '{ customers(first: 50) { edges { node { id orders(first: 10) { nodes { id } } } } } }';
    const data = { customers: { edges: [{ node: { id: '1', orders: { nodes: [{ id: 'o' }, { id: 'p' }] } } }, { node: { id: '2', orders: { nodes: [] } } }] } };
    assert.equal(cost(q, {}, data), 2 + (1 + 2 + 2) + (1 + 2));
    assert.equal(cost(q), 2 + 50 * (1 + 2 + 10));
  });
});
