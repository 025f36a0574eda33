import { Job } from 'bullmq';
import { NotificationJob } from '../queue/notification-queue';
import { NotificationPlanner } from '../planning/notification-planner.service';
import { MaintenanceService } from './maintenance.service';
import { NotificationsProcessor } from './notifications.processor';

function setup() {
  const maintenance = { promote: jest.fn().mockResolvedValue(3), cleanup: jest.fn().mockResolvedValue(0) };
  const planner = { planCompletionReminders: jest.fn().mockResolvedValue(2) };
  const sut = new NotificationsProcessor(maintenance as unknown as MaintenanceService, planner as unknown as NotificationPlanner);
  const job = (name: string) => ({ name, data: {}, id: 'job' }) as unknown as Job;
  return { sut, maintenance, planner, job };
}

describe(NotificationsProcessor.name, () => {
  it('runs the maintenance job it is given', async () => {
    const { sut, maintenance, planner, job } = setup();
    await expect(sut.process(job(NotificationJob.Promote))).resolves.toBe(3);
    await expect(sut.process(job(NotificationJob.Cleanup))).resolves.toBe(0);
    await expect(sut.process(job(NotificationJob.CompletionReminders))).resolves.toBe(2);
    expect(maintenance.promote).toHaveBeenCalledTimes(1);
    expect(maintenance.cleanup).toHaveBeenCalledTimes(1);
    expect(planner.planCompletionReminders).toHaveBeenCalledTimes(1);
  });

  it('fails a job it does not know, loudly', async () => {
    const { sut, job } = setup();
    jest.spyOn(sut['logger'], 'error').mockImplementation(() => undefined);
    await expect(sut.process(job('deliver'))).rejects.toThrow('unknown job deliver');
  });
});
