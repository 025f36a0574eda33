import { Logger } from '@nestjs/common';
import { DelayedError, Job } from 'bullmq';
import { Clock } from '../../core/clock/clock';
import { HeraldConfig } from '../../core/config/herald-config';
import { NotificationJob } from '../queue/notification-queue';
import { DeliveryOutcome, DeliveryService } from './delivery.service';
import { MaintenanceService } from './maintenance.service';
import { NotificationsProcessor } from './notifications.processor';

class OffsetClock extends Clock {
  constructor(private readonly offsetMs: number) {
    super();
  }

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
}

function setup(outcome: DeliveryOutcome, clockOffsetMs = 0) {
  const delivery = { deliver: jest.fn().mockResolvedValue(outcome) };
  const maintenance = { promote: jest.fn().mockResolvedValue(3), reconcile: jest.fn().mockResolvedValue({}), cleanup: jest.fn().mockResolvedValue(0) };
  const sut = new NotificationsProcessor(
    delivery as unknown as DeliveryService,
    maintenance as unknown as MaintenanceService,
    new OffsetClock(clockOffsetMs),
    {} as HeraldConfig,
  );
  const job = (name: string, data: object = {}) => ({ name, data, id: 'job', moveToDelayed: jest.fn().mockResolvedValue(undefined) });
  return { sut, delivery, maintenance, job };
}

describe(NotificationsProcessor.name, () => {
  it('delivers the notification named by a deliver job', async () => {
    const { sut, delivery, job } = setup({ status: 'sent' });
    const deliver = job(NotificationJob.Deliver, { notificationId: 'n-1' });
    await expect(sut.process(deliver as unknown as Job, 'token')).resolves.toBe('sent');
    expect(delivery.deliver).toHaveBeenCalledWith('n-1');
    expect(deliver.moveToDelayed).not.toHaveBeenCalled();
  });

  it.each(['retry', 'early'] as const)('keeps the same job and delays it on %s, measuring the wait on the injected clock', async (status) => {
    // The app clock runs an hour ahead of the wall clock; the wait is what is left by the app clock.
    const { sut, job } = setup({ status, retryAt: new Date(Date.now() + 3_600_000 + 5_000) }, 3_600_000);
    const deliver = job(NotificationJob.Deliver, { notificationId: 'n-1' });
    const before = Date.now();
    await expect(sut.process(deliver as unknown as Job, 'token')).rejects.toBeInstanceOf(DelayedError);
    const [timestamp, token] = deliver.moveToDelayed.mock.calls[0];
    expect(token).toBe('token');
    expect(timestamp).toBeGreaterThanOrEqual(before + 4_900);
    expect(timestamp).toBeLessThanOrEqual(Date.now() + 5_000);
  });

  it('hands maintenance jobs to the maintenance service', async () => {
    const { sut, maintenance, job } = setup({ status: 'sent' });
    await sut.process(job(NotificationJob.Promote) as unknown as Job);
    await sut.process(job(NotificationJob.Reconcile) as unknown as Job);
    await sut.process(job(NotificationJob.Cleanup) as unknown as Job);
    expect(maintenance.promote).toHaveBeenCalledTimes(1);
    expect(maintenance.reconcile).toHaveBeenCalledTimes(1);
    expect(maintenance.cleanup).toHaveBeenCalledTimes(1);
  });

  it('fails a job it does not know', async () => {
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const { sut, job } = setup({ status: 'sent' });
    await expect(sut.process(job('mystery') as unknown as Job)).rejects.toThrow('unknown job mystery');
  });
});
