// Chaos on a Redis Cluster (`npm run test:chaos -- --redis-cluster`): the app runs on the local
// 6-node cluster (tools/redis-cluster) and the "redis-restart" fault SIGKILLs the master that holds the
// shop's keys — its queue partition and its own keys, hash tag `tag` ({chaos-p0}: src/redis.ts ShopKeys);
// its replica takes over (cluster-node-timeout 2 s), then the killed node is started again and rejoins
// as a replica. Shaped as a PrivateServer so the run's fault code is unchanged.
import { spawnSync } from 'node:child_process';
import { clusterInfo, clusterUp, masterOfKey, pidOf, roleOf, startNode, waitFor } from '../../tools/redis-cluster/cluster.ts';
import type { PrivateServer } from '../../tools/local-services/private-servers.ts';

const BASE = Number(process.env.CHAOS_REDIS_CLUSTER_BASE_PORT ?? 7100);

export async function startChaosCluster(log: (s: string) => void, tag: string): Promise<{ server: PrivateServer; nodes: string }> {
  const c = await clusterUp(BASE);
  let killed: number | null = null;
  const live = () => c.ports.filter((p) => p !== killed);
  const server: PrivateServer = {
    name: 'redis-cluster', port: c.ports[0]!, url: `redis://127.0.0.1:${c.ports[0]}`, dir: '',
    pid: () => pidOf(masterOfKey(live()[0]!, tag)) ?? undefined,
    async stop() {
      killed = masterOfKey(c.ports.find((p) => clusterInfo(p)) ?? c.ports[0]!, tag);
      const pid = pidOf(killed);
      if (pid) process.kill(pid, 'SIGKILL');
      log(`redis cluster: master :${killed} (slot of ${tag}) SIGKILLed`);
      await waitFor('a replica to take over', () => {
        try { return masterOfKey(live()[0]!, tag) !== killed && live().every((p) => clusterInfo(p)?.cluster_state === 'ok'); } catch { return false; }
      }, 30_000);
      log(`redis cluster: :${masterOfKey(live()[0]!, tag)} is the master now`);
    },
    async start() {
      if (killed === null) return;
      startNode(killed);
      const k = killed;
      await waitFor(`:${k} to rejoin as a replica`, () => roleOf(k).role === 'slave' && clusterInfo(k)?.cluster_state === 'ok', 30_000);
      killed = null;
    },
    async restart() { await server.stop(); await server.start(); },
  };
  // Data of an earlier run, on every master (the partitions spread over them): start clean.
  for (const p of c.ports) if (roleOf(p).role === 'master') spawnSync('redis-cli', ['-p', String(p), 'flushall']);
  return { server, nodes: c.nodes };
}
