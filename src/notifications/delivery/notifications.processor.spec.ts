import { Job } from 'bullmq';
import { NotificationJob } from '../queue/notification-queue';
import { MaintenanceService } from './maintenance.service';
import { NotificationsProcessor } from './notifications.processor';

function setup() {
  const maintenance = { promote: jest.fn().mockResolvedValue(3), cleanup: jest.fn().mockResolvedValue(0) };
  const sut = new NotificationsProcessor(maintenance as unknown as MaintenanceService);
  const job = (name: string) => ({ name, data: {}, id: 'job' }) as unknown as Job;
  return { sut, maintenance, job };
}

describe(NotificationsProcessor.name, () => {
  it('runs the maintenance job it is given', async () => {
    const { sut, maintenance, job } = setup();
    await expect(sut.process(job(NotificationJob.Promote))).resolves.toBe(3);
    await expect(sut.process(job(NotificationJob.Cleanup))).resolves.toBe(0);
    expect(maintenance.promote).toHaveBeenCalledTimes(1);
    expect(maintenance.cleanup).toHaveBeenCalledTimes(1);
  });

  it('fails a job it does not know, loudly', async () => {
    const { sut, job } = setup();
    jest.spyOn(sut['logger'], 'error').mockImplementation(() => undefined);
    await expect(sut.process(job('deliver'))).rejects.toThrow('unknown job deliver');
  });
});
