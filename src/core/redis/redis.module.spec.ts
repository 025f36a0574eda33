import { loadConfig } from '../config/herald-config';
import { bullPrefix, clusterNodes, sameSlotPrefix } from './redis.module';

const SECRET = 'a-secret-that-is-at-least-32-characters';

describe('Redis settings', () => {
  it('without REDIS_CLUSTER_NODES, names keys as on one Redis: the plain prefix', () => {
    const config = loadConfig({ AUTH_JWT_SECRET: SECRET, REDIS_KEY_PREFIX: 'hx' });
    expect(clusterNodes(config)).toEqual([]);
    expect(sameSlotPrefix(config)).toBe('hx');
    expect(bullPrefix(config)).toBe('hx:bull');
  });

  it('with REDIS_CLUSTER_NODES, reads the seed nodes and makes the prefix of keys used together a hash tag', () => {
    const config = loadConfig({ AUTH_JWT_SECRET: SECRET, REDIS_KEY_PREFIX: 'hx', REDIS_CLUSTER_NODES: '10.0.0.1:7000, redis-b.internal:7001' });
    expect(clusterNodes(config)).toEqual([
      { host: '10.0.0.1', port: 7000 },
      { host: 'redis-b.internal', port: 7001 },
    ]);
    expect(sameSlotPrefix(config)).toBe('{hx}');
    expect(bullPrefix(config)).toBe('{hx}:bull');
  });

  it('refuses seed nodes that are not host:port, naming the variable', () => {
    for (const nodes of ['10.0.0.1', 'redis://10.0.0.1:7000', '10.0.0.1:7000,,10.0.0.2:7000']) {
      expect(() => loadConfig({ AUTH_JWT_SECRET: SECRET, REDIS_CLUSTER_NODES: nodes })).toThrow(/REDIS_CLUSTER_NODES/);
    }
  });
});
