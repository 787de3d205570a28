/**
 * Which metric names this instance answers for, decided once from its shard: nats.conf's
 * `partition()` mappings spread names over `partitions`, and `--shard I/N` owns the partitions p
 * with p mod N == I. Every part that must tell its own names from another shard's (subscriptions,
 * queries, history, restore, disruptions) asks this one rule.
 */
import { partitionOf } from "../api/subjects.js";
import type { MonitorConfig } from "../config.js";

export interface Ownership {
  /** Whether this instance owns metric name `name` (a name lives on one shard). */
  owns(name: string): boolean;
  /** The partitions owned; undefined: all of them (no shard). */
  partitions: number[] | undefined;
  /** `all` or `I/N`, as logs and status show the shard. */
  label: string;
  /** What replicas of one shard share in internal subjects: `all`, or `<index>-of-<count>`. */
  tag: string;
}

export function ownershipOf(config: Pick<MonitorConfig, "shard" | "partitions">): Ownership {
  const shard = config.shard;
  if (!shard) return { owns: () => true, partitions: undefined, label: "all", tag: "all" };
  const owned = Array.from({ length: config.partitions }, (_, p) => p).filter((p) => p % shard.count === shard.index);
  const mine = new Set(owned);
  return {
    owns: (name) => mine.has(partitionOf(name, config.partitions)),
    partitions: owned,
    label: `${shard.index}/${shard.count}`,
    tag: `${shard.index}-of-${shard.count}`,
  };
}
