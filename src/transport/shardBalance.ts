/**
 * Which shards of an ordered method a worker gives away, from what it knows: the shards it is
 * the active consumer of, which of them ran calls lately, and the reports of the other workers
 * (their probes, AmqpShardBalancer.ts). Pure, so its rules are tested without a broker.
 *
 * RabbitMQ makes the first consumer of a single-active-consumer queue the active one, so the
 * worker that starts first gets every shard. Each worker therefore keeps at most its fair share
 * and gives the rest away (the next waiting consumer takes them):
 * - busy shards first, by their own share: the calls must spread, not just the queues. At most
 *   one busy shard per round, and none while a recent move's effect may not have been reported
 *   yet (`settling`), so two workers do not hand a shard back and forth on stale reports;
 * - then idle shards, down to ceil(shards / workers).
 */

export interface BalanceInput {
  /** Shards this worker is active on. */
  active: readonly number[];
  /** Of those, the ones that ran calls lately, most recently busy last. */
  busy: readonly number[];
  /** The latest report of every other live worker. */
  peers: readonly { active: number; busy: number }[];
  shards: number;
  /** A busy shard moved lately: do not move another yet. */
  settling: boolean;
}

/** The shards to give away now, in the order to give them. */
export function shardsToYield({ active, busy, peers, shards, settling }: BalanceInput): number[] {
  const workers = peers.length + 1;
  if (workers === 1) return [];
  const yielded: number[] = [];
  const totalBusy = busy.length + peers.reduce((sum, peer) => sum + peer.busy, 0);
  const busyShare = Math.ceil(totalBusy / workers);
  // Only when a worker has room for it: moving a busy shard between two workers at their share is churn.
  const someoneBelow = peers.some((peer) => peer.busy < busyShare);
  if (!settling && busy.length > busyShare && someoneBelow) yielded.push(busy[0]!);
  const share = Math.ceil(shards / workers);
  const busySet = new Set(busy);
  const idle = active.filter((shard) => !busySet.has(shard));
  // The highest-numbered idle shards go first, so two workers that met converge on one split.
  for (let i = idle.length - 1; i >= 0 && active.length - yielded.length > share; i--) yielded.push(idle[i]!);
  return yielded;
}
