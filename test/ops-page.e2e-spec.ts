/// <reference lib="dom" />
// Functions passed to page.evaluate and waitForFunction run in the browser.
import { existsSync } from 'node:fs';
import puppeteer, { Browser, Page } from 'puppeteer-core';
import { BusinessAlert } from '../src/alerts/business-alert.entity';
import { dataOf } from './bookings.fixtures';
import { waitFor } from './notifications-delivery.fixtures';
import { startTestApp, TestApp } from './support/test-app';

/** Debian's chromium, which `.ci/run` installs; HERALD_CHROMIUM points elsewhere. */
const CHROMIUM = process.env.HERALD_CHROMIUM ?? '/usr/bin/chromium';
const RAISE = `mutation($input: RaiseAlertInput!) { raiseAlert(input: $input) { id } }`;

describe('the live ops page (e2e, headless Chromium)', () => {
  let t: TestApp;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`No browser at ${CHROMIUM}: apt-get install chromium (as .ci/run does), or set HERALD_CHROMIUM`);
    t = await startTestApp({ env: { HERALD_ROLE: 'api' } });
    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    page = await browser.newPage();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const rowOf = (id: string) => `tr[data-alert-id="${id}"]`;

  it('shows an alert raised elsewhere without a reload, and acknowledging it from the page changes it in the database', async () => {
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    const response = await page.goto(`${t.url}/ops`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");

    await page.type('#token', t.tokens.ops);
    await page.click('#connect');
    await page.waitForFunction(() => document.getElementById('status')!.textContent!.includes('live'));

    const title = `SMS balance low ${Date.now()}`;
    const { raiseAlert } = dataOf(await t.gql<{ raiseAlert: { id: string } }>(RAISE, { input: { severity: 'critical', title } }, t.tokens.admin));
    const row = await page.waitForSelector(rowOf(raiseAlert.id), { timeout: 10_000 });
    expect(await row!.evaluate((element) => element.textContent)).toContain(title);
    expect(await page.$eval(`${rowOf(raiseAlert.id)} td.critical`, (cell) => cell.textContent)).toBe('critical');

    await page.click(`${rowOf(raiseAlert.id)} button[data-action="acknowledge"]`);
    const stored = await waitFor('the alert to be acknowledged in the database', async () => {
      const alert = await t.orm.em.fork().findOneOrFail(BusinessAlert, { id: raiseAlert.id }, { populate: ['acknowledgedBy'] });
      return alert.status === 'acknowledged' && alert;
    });
    expect(stored.acknowledgedBy?.id).toBe(t.users.ops.id);
    // The page shows the new status, and the button that no longer applies is gone.
    await page.waitForFunction((selector) => document.querySelector(selector)?.textContent?.includes('acknowledged'), {}, rowOf(raiseAlert.id));
    expect(await page.$(`${rowOf(raiseAlert.id)} button[data-action="acknowledge"]`)).toBeNull();
    expect(errors).toEqual([]);
  }, 60_000);

  it('says why when the token is not staff', async () => {
    await page.evaluate(() => sessionStorage.clear());
    await page.goto(`${t.url}/ops`);
    await page.type('#token', t.tokens.customer);
    await page.click('#connect');
    await page.waitForFunction(() => /role/i.test(document.getElementById('status')!.textContent ?? ''));
    expect(await page.$$('tbody tr')).toHaveLength(0);
  }, 30_000);
});
