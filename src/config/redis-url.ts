// REDIS_URL names one Redis (redis://, rediss://) or a Redis Cluster: `redis+cluster://[user:password@]host:port,host:port`
// (or rediss+cluster:// for TLS). Any reachable subset of the masters is enough; ioredis finds the rest.

export interface RedisClusterTarget {
  nodes: { host: string; port: number }[];
  username?: string;
  password?: string;
  tls: boolean;
}

const CLUSTER_URL = /^(rediss?)\+cluster:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?#]+)\/?$/;

/** The cluster a `redis+cluster://` URL names; undefined for any other URL; throws when it names no node. */
export function parseRedisClusterUrl(value: string): RedisClusterTarget | undefined {
  if (!/^rediss?\+cluster:/.test(value)) return undefined;
  const match = CLUSTER_URL.exec(value);
  if (!match) throw new Error('must look like redis+cluster://host:port,host:port');
  const nodes = match[4]!.split(',').map((entry) => {
    const node = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(entry.trim());
    if (!node || Number(node[2]) > 65535) throw new Error(`names a node that is not host:port: ${entry}`);
    return { host: node[1]!, port: Number(node[2]) };
  });
  return {
    nodes,
    username: match[2] ? decodeURIComponent(match[2]) : undefined,
    password: match[3] ? decodeURIComponent(match[3]) : undefined,
    tls: match[1] === 'rediss',
  };
}

/** BullMQ keeps a queue's keys in one hash slot only if they share a hash tag: `{paperboy}` instead of `paperboy`. */
export function hashTaggedPrefix(prefix: string): string {
  return /\{[^}]+\}/.test(prefix) ? prefix : `{${prefix}}`;
}
