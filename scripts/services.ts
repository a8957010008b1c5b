// Makes sure a real Redis and a real MongoDB-compatible server answer, starting them if needed.
//   node scripts/services.ts up|down|status
// The servers and their preference order: tools/local-services/shared-servers.ts; the FerretDB build:
// tools/ferretdb/build.ts. This file is only the command line.
import { serviceUrls } from '../src/config.ts';
import { ferretdbBinary, which } from '../tools/ferretdb/build.ts';
import { mongoAnswers, redactUri, redisAnswers } from '../tools/local-services/probe.ts';
import { ferretdbFound, mongoUp, ourPid, redisUp, startedHandler, stop } from '../tools/local-services/shared-servers.ts';
import { ensureChromium } from '../tools/local-services/browser.ts';

async function up(mongodbUri: string, redisUrl: string): Promise<void> {
  const results = await Promise.allSettled([redisUp(redisUrl), mongoUp(mongodbUri)]);
  const [r, m] = results;
  for (const [label, res] of [['Redis  ', r], ['MongoDB', m]] as const) {
    if (res?.status === 'fulfilled') console.log(`[services] ${label} ${res.value}`);
    else console.error(`[services] ${label} FAILED: ${(res?.reason as Error)?.message}`);
  }
  if (results.some((x) => x.status === 'rejected')) process.exit(1);
  // Not a service, but what the browser tests need (they skip, saying why, without it).
  console.log(`[services] ${ensureChromium()}`);
  // The fault-injection suites (test/proof, scripts/chaos.ts) start private FerretDB servers that
  // they can kill and restart, so the binary is needed even when a MongoDB server already answers.
  if (which('go')) {
    try {
      ferretdbBinary();
    } catch (err) {
      console.error(`[services] FerretDB could not be built (the chaos and outage suites need it): ${(err as Error).message}`);
    }
  }
}

async function status(mongodbUri: string, redisUrl: string): Promise<void> {
  const [redisOk, mongoVersion] = await Promise.all([redisAnswers(redisUrl), mongoAnswers(mongodbUri)]);
  const who = (name: 'redis' | 'mongo') => (ourPid(name) ? `started by services:up, pid ${ourPid(name)}` : 'not started by us');
  console.log(`Redis    ${redisUrl}: ${redisOk ? 'answering' : 'NOT answering'} (${who('redis')})`);
  console.log(`MongoDB  ${redactUri(mongodbUri)}: ${mongoVersion ? `answering, ${mongoVersion}` : 'NOT answering'} (${who('mongo')}${startedHandler() ? `, FerretDB on ${startedHandler()}` : ''})`);
  console.log(`FerretDB binary: ${ferretdbFound() ?? 'not built yet (built on first services:up when no MongoDB answers)'}`);
  if (!redisOk || !mongoVersion) process.exitCode = 1;
}

async function main(): Promise<void> {
  const cmd = process.argv[2] ?? 'status';
  const { mongodbUri, redisUrl } = serviceUrls();
  // `--redis-cluster`: also the local 6-node Redis Cluster (tools/redis-cluster/cluster.ts, up|down|status).
  if (process.argv.includes('--redis-cluster')) await import('../tools/redis-cluster/cluster.ts').then((c) => c.clusterCommand(cmd));
  if (cmd === 'up') await up(mongodbUri, redisUrl);
  else if (cmd === 'down') {
    console.log(`[services] ${stop('redis')}`);
    console.log(`[services] ${stop('mongo')}`);
  } else if (cmd === 'status') await status(mongodbUri, redisUrl);
  else {
    console.error('usage: node scripts/services.ts up|down|status');
    process.exit(2);
  }
}

main().catch((err: unknown) => {
  console.error(`[services] ${(err as Error).message}`);
  process.exit(1);
});
