import { Controller, Get, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService, MikroOrmHealthIndicator } from '@nestjs/terminus';
import { Cluster } from 'ioredis';
import { Public } from '../../auth/access.decorators';
import { REDIS, RedisClient } from '../redis/redis.module';

const ANSWER_TIMEOUT_MS = 2000;

/** `work`, or a rejection after ANSWER_TIMEOUT_MS: a probe must answer even when Redis does not. */
function withinTimeout<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ANSWER_TIMEOUT_MS} ms`)), ANSWER_TIMEOUT_MS);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: MikroOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    @Inject(REDIS) private readonly redis: RedisClient,
  ) {}

  @Get()
  @Public()
  @HealthCheck()
  check() {
    return this.health.check([() => this.database.pingCheck('postgres', { timeout: ANSWER_TIMEOUT_MS }), () => this.checkRedis()]);
  }

  private async checkRedis() {
    const indicator = this.indicators.check('redis');
    try {
      if (this.redis instanceof Cluster) {
        const problem = await this.clusterProblem(this.redis);
        return problem ? indicator.down(problem) : indicator.up({ masters: this.redis.nodes('master').length });
      }
      const reply = await withinTimeout(this.redis.ping());
      return reply === 'PONG' ? indicator.up() : indicator.down({ reply });
    } catch (error) {
      return indicator.down({ message: messageOf(error) });
    }
  }

  /**
   * What keeps a cluster from serving every key, or null. A queue's keys all live on one master,
   * so one node answering proves little: the cluster's own view first (`cluster_state` turns
   * `fail` once a slot has had no reachable master for the node timeout), then every master
   * serving slots (`cluster_size`) must answer PING. The client forgets a node it lost, so the
   * masters it knows are counted against that size too.
   */
  private async clusterProblem(cluster: Cluster): Promise<Record<string, unknown> | null> {
    const info = String(await withinTimeout(cluster.cluster('INFO')));
    const state = /cluster_state:(\w+)/.exec(info)?.[1] ?? 'unknown';
    if (state !== 'ok') return { message: `cluster_state is ${state}` };
    const size = Number(/cluster_size:(\d+)/.exec(info)?.[1] ?? 0);
    const replies = await Promise.all(
      cluster.nodes('master').map((node) =>
        withinTimeout(node.ping()).then(
          () => null,
          (error: unknown) => `${node.options.host}:${node.options.port}: ${messageOf(error)}`,
        ),
      ),
    );
    const unreachable = replies.filter((reply): reply is string => reply !== null);
    const answering = replies.length - unreachable.length;
    return answering < size ? { message: `${answering} of ${size} masters answer`, unreachable } : null;
  }
}
