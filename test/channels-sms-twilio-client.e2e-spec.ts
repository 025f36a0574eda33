import { createServer } from 'node:net';
import { loadConfig } from '../src/core/config/herald-config';
import { TwilioClient, TwilioFailure, TwilioRequestError } from '../src/channels/sms/twilio.client';
import { TwilioPeer } from './support/twilio-peer';

/** The REST adapter against a local Twilio-compatible server: the wire format, nothing of Herald's. */
describe(TwilioClient.name, () => {
  let twilio: TwilioPeer;

  beforeAll(async () => {
    twilio = await TwilioPeer.start();
  });
  afterAll(() => twilio.close());

  const client = (env: Record<string, string> = {}, timeoutMs?: number) =>
    new TwilioClient(
      loadConfig({
        AUTH_JWT_SECRET: 'x'.repeat(32),
        TWILIO_ACCOUNT_SID: twilio.accountSid,
        TWILIO_AUTH_TOKEN: twilio.authToken,
        TWILIO_FROM: '+15005550006',
        TWILIO_API_BASE: twilio.url,
        ...env,
      }),
      timeoutMs,
    );

  async function failureOf(promise: Promise<unknown>): Promise<TwilioFailure> {
    const error = await promise.then(
      () => null,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(TwilioRequestError);
    return (error as TwilioRequestError).failure;
  }

  it('creates a message from a number', async () => {
    const message = await client().createMessage({ to: '+998901234500', body: 'Hello', statusCallback: 'https://herald.example/twilio/status' });
    expect(message).toEqual({ sid: expect.stringMatching(/^SM[0-9a-f]{32}$/), status: 'queued' });
    expect(twilio.requests.at(-1)).toMatchObject({
      authorized: true,
      status: 201,
      params: { To: '+998901234500', From: '+15005550006', Body: 'Hello', StatusCallback: 'https://herald.example/twilio/status' },
    });
  });

  it('sends through a Messaging Service when TWILIO_FROM is an MG SID, without a StatusCallback when none is given', async () => {
    const service = `MG${'a'.repeat(32)}`;
    await client({ TWILIO_FROM: service }).createMessage({ to: '+998901234500', body: 'Hello' });
    expect(twilio.requests.at(-1)!.params).toEqual({ To: '+998901234500', MessagingServiceSid: service, Body: 'Hello' });
  });

  it("reports Twilio's error body and Retry-After", async () => {
    twilio.failNext({ status: 429, code: 20429, retryAfter: '3' });
    expect(await failureOf(client().createMessage({ to: '+998901234500', body: 'Hello' }))).toEqual({
      kind: 'api',
      httpStatus: 429,
      code: 20429,
      message: 'Too Many Requests',
      retryAfterMs: 3000,
    });
  });

  it('reports a wrong auth token as 401/20003', async () => {
    const failure = await failureOf(client({ TWILIO_AUTH_TOKEN: 'not-the-right-token' }).createMessage({ to: '+998901234500', body: 'Hello' }));
    expect(failure).toMatchObject({ kind: 'api', httpStatus: 401, code: 20003 });
    expect(twilio.requests.at(-1)!.authorized).toBe(false);
  });

  it('reports an invalid number as 400/21211', async () => {
    expect(await failureOf(client().createMessage({ to: '12345', body: 'Hello' }))).toMatchObject({ kind: 'api', httpStatus: 400, code: 21211 });
  });

  it('gives up after its timeout', async () => {
    twilio.failNext({ status: 500, code: 20500, delayMs: 1000 });
    expect(await failureOf(client({}, 150).createMessage({ to: '+998901234500', body: 'Hello' }))).toEqual({ kind: 'timeout', afterMs: 150 });
  });

  it('reports a refused connection as a network failure', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as { port: number };
        probe.close(() => resolve(free));
      });
    });
    const failure = await failureOf(client({ TWILIO_API_BASE: `http://127.0.0.1:${port}` }).createMessage({ to: '+998901234500', body: 'Hello' }));
    expect(failure).toEqual({ kind: 'network', message: 'ECONNREFUSED' });
  });
});
