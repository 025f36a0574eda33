import { AlertNoticeKind } from '../notifications/notification.entity';
import { noticeFor, NoticeState } from './alert-notices';
import { AlertSeverity, AlertStatus } from './business-alert.entity';

const HOUR = 3_600_000;
const now = new Date('2031-01-10T06:00:00Z');
const repeat = { [AlertSeverity.critical]: HOUR, [AlertSeverity.high]: 4 * HOUR };
const told = (overrides: Partial<NoticeState> = {}): NoticeState => ({
  status: AlertStatus.active,
  severity: AlertSeverity.high,
  noticesSent: 1,
  lastNoticeAt: new Date(now.getTime() - HOUR),
  lastNoticeSeverity: AlertSeverity.high,
  ...overrides,
});

describe(noticeFor.name, () => {
  it('tells staff of an open alert nobody was told of yet', () => {
    expect(noticeFor(told({ noticesSent: 0, lastNoticeAt: null, lastNoticeSeverity: null }), now, repeat)).toBe(AlertNoticeKind.raised);
  });

  it('tells again of a severity above the last one told, acknowledged or not', () => {
    expect(noticeFor(told({ severity: AlertSeverity.critical }), now, repeat)).toBe(AlertNoticeKind.escalated);
    expect(noticeFor(told({ severity: AlertSeverity.critical, status: AlertStatus.acknowledged }), now, repeat)).toBe(AlertNoticeKind.escalated);
  });

  it("repeats an unacknowledged alert once its severity's interval has passed, and only then", () => {
    expect(noticeFor(told(), now, repeat)).toBeNull();
    expect(noticeFor(told({ lastNoticeAt: new Date(now.getTime() - 4 * HOUR) }), now, repeat)).toBe(AlertNoticeKind.repeated);
    expect(noticeFor(told({ lastNoticeAt: new Date(now.getTime() - 4 * HOUR), status: AlertStatus.acknowledged }), now, repeat)).toBeNull();
    // No interval for medium: never repeated.
    expect(noticeFor(told({ severity: AlertSeverity.medium, lastNoticeSeverity: AlertSeverity.medium, lastNoticeAt: new Date(0) }), now, repeat)).toBeNull();
  });

  it('stays quiet while silenced, even on escalation', () => {
    expect(noticeFor(told({ status: AlertStatus.ignored, severity: AlertSeverity.critical }), now, repeat)).toBeNull();
    expect(noticeFor(told({ status: AlertStatus.ignored, noticesSent: 0 }), now, repeat)).toBeNull();
  });
});
