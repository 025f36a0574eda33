import { Role } from '../../src/auth/role';
import { bareInsert } from '../support/bare-insert';
import { atLeast, metric } from '../support/report';
import { Scenario } from '../support/scenario';
import { insertUsers } from '../support/seed';
import { perSecond } from '../support/stats';
import { SECOND } from '../support/time';
import { signToken } from '../support/tokens';

/** The area the customers live in: it has no bookings, so the low-activity campaign picks it. */
const AREA = '500000';

const CAMPAIGN = `query { campaigns { id kind } }`;
const RUN = `mutation($id: ID!) { runCampaign(id: $id) { recipients planned skipped } }`;

/**
 * A low-activity campaign to many opted-in customers of one area, run by hand: the time the
 * run takes to plan its rows through the bulk path (one in-app row per customer, and one
 * recorded `skipped` on Telegram, which they have not linked), rows planned per second, then
 * the time until a worker has delivered every in-app one. Baseline: a bare multi-row INSERT of
 * as many rows into a scratch copy of `notifications`.
 */
export const campaign: Scenario = {
  name: 'campaign',
  description: 'rows a campaign run to many opted-in customers plans per second, vs a bare multi-row INSERT; then its drain',
  async run(run) {
    const customers = run.settings.scaled('CUSTOMERS', 100_000, 100);
    const timeoutMs = run.settings.fixed('TIMEOUT_S', 600) * SECOND;

    const ids = await insertUsers(run.db, { role: Role.customer, count: customers, label: 'Customer' });
    await run.db.query(`update users set postal_code = $1 where id = any($2::uuid[])`, [AREA, ids]);
    await run.db.query(
      `insert into user_preferences (user_id, opted_in, updated_at) select id, array['area_promotion'], now() from unnest($1::uuid[]) id`,
      [ids],
    );
    const [admin] = await insertUsers(run.db, { role: Role.admin, count: 1, label: 'Admin' });
    const token = await signToken(admin, [Role.admin]);

    // Telegram first for promotions: nobody has linked it, so each customer's message is the in-app one.
    const deployment = await run.deploy([{ role: 'api' }, { role: 'worker' }], { NOTIFY_CHANNELS_BY_TYPE: 'area_promotion=telegram' });
    const gql = async <T>(query: string, variables: Record<string, unknown> = {}): Promise<T> => {
      const response = await fetch(deployment.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const body = (await response.json()) as { data?: T; errors?: unknown[] };
      if (!body.data || body.errors) throw new Error(`GraphQL: ${JSON.stringify(body.errors)}`);
      return body.data;
    };
    const { campaigns } = await gql<{ campaigns: { id: string; kind: string }[] }>(CAMPAIGN);
    const lowActivity = campaigns.find((one) => one.kind === 'low_activity')!;

    run.log(`running the low-activity campaign for ${customers.toLocaleString('en-US')} opted-in customers`);
    const startedAt = Date.now();
    const { runCampaign: result } = await gql<{ runCampaign: { recipients: number; planned: number; skipped: Record<string, number> } }>(RUN, { id: lowActivity.id });
    const planMs = Date.now() - startedAt;
    const { rows } = await run.db.query<{ total: number; in_app: number }>(
      `select count(*)::int as total, count(*) filter (where channel = 'in_app')::int as in_app from notifications where type = 'area_promotion'`,
    );
    const planned = rows[0];
    run.log(`planned ${planned.total.toLocaleString('en-US')} rows in ${(planMs / SECOND).toFixed(1)} s; draining ${planned.in_app.toLocaleString('en-US')} in-app`);

    let sent = 0;
    const drained = await run.waitFor(
      async () => {
        const counted = await run.db.query<{ sent: number }>(`select count(*)::int as sent from notifications where type = 'area_promotion' and status = 'sent'`);
        sent = counted.rows[0].sent;
        return sent >= planned.in_app;
      },
      startedAt + timeoutMs - Date.now(),
      500,
    );
    const drainMs = Date.now() - startedAt - planMs;
    await run.stopDeployments();

    run.log(`baseline: ${planned.total} rows by multi-row INSERT into a scratch copy of notifications`);
    const bareMs = await bareInsert(run.db, planned.total);
    run.details.campaign = { customers, result, planned, planMs, drained, sent, drainMs, bareMs };
    run.notes.push(`run: ${result.recipients} recipients, ${result.planned} messages planned, skipped ${JSON.stringify(result.skipped)}; ${planned.total} rows`);
    run.notes.push(`in-app drain: ${sent} of ${planned.in_app} sent ${(drainMs / SECOND).toFixed(1)} s after the run${drained ? '' : ' (timed out)'}`);
    return [
      metric({ name: 'rows planned/s', unit: '/s', measured: perSecond(planned.total, planMs), baseline: perSecond(planned.total, bareMs), target: atLeast(10_000) }),
      metric({ name: 'run took', unit: 's', measured: planMs / SECOND }),
      metric({ name: 'in-app drained/s', unit: '/s', measured: drained ? perSecond(planned.in_app, drainMs) : null }),
    ];
  },
};
