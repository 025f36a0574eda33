import { User } from '../src/users/user.entity';
import { startTestApp, TestApp } from './support/test-app';

const USER_FIELDS = 'id name email phone locale timezone roles postalCode telegramLinked';

describe('users', () => {
  let herald: TestApp;

  beforeAll(async () => {
    herald = await startTestApp();
  });
  afterAll(() => herald.close());

  const countUsers = () => herald.orm.em.fork().getConnection().execute<{ n: string }[]>('select count(*) as n from users').then((rows) => Number(rows[0].n));

  it('me returns the signed-in user', async () => {
    const result = await herald.gql<{ me: { id: string; email: string; roles: string[]; telegramLinked: boolean } }>(`query { me { ${USER_FIELDS} } }`, {}, herald.tokens.customer);
    expect(result.errors).toBeUndefined();
    expect(result.data!.me).toMatchObject({ id: herald.users.customer.id, email: 'customer@herald.test', roles: ['customer'], telegramLinked: false });
  });

  it('admin creates a user; the new user exists with what was given', async () => {
    const before = await countUsers();
    const result = await herald.gql<{ createUser: { id: string; email: string; locale: string; timezone: string } }>(
      `mutation($input: CreateUserInput!) { createUser(input: $input) { ${USER_FIELDS} } }`,
      { input: { name: '  Zarina  ', email: 'Zarina@Example.COM', phone: '+998901112233', locale: 'uz', timezone: 'Asia/Samarkand', roles: ['customer'], postalCode: '140100' } },
      herald.tokens.admin,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data!.createUser).toMatchObject({ name: 'Zarina', email: 'zarina@example.com', locale: 'uz', timezone: 'Asia/Samarkand' });
    expect(await countUsers()).toBe(before + 1);
  });

  it.each([
    ['an invalid phone', { phone: '12345' }, 'phone'],
    ['an unknown time zone', { timezone: 'Mars/Olympus' }, 'timezone'],
    ['an invalid email', { email: 'not-an-email' }, 'email'],
    ['no roles', { roles: [] }, 'roles'],
  ])('createUser with %s is BAD_USER_INPUT and writes nothing', async (_case, override, field) => {
    const before = await countUsers();
    const result = await herald.gql(
      `mutation($input: CreateUserInput!) { createUser(input: $input) { id } }`,
      { input: { name: 'Bad', email: `bad-${field}@example.com`, roles: ['customer'], ...override } },
      herald.tokens.admin,
    );
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(result.errors?.[0]?.extensions?.fields)).toContain(field);
    expect(await countUsers()).toBe(before);
  });

  it('a taken email is CONFLICT', async () => {
    const result = await herald.gql(
      `mutation($input: CreateUserInput!) { createUser(input: $input) { id } }`,
      { input: { name: 'Copy', email: 'ops@herald.test', roles: ['customer'] } },
      herald.tokens.admin,
    );
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'EMAIL_TAKEN' });
  });

  it('updateMe changes the caller only, and cannot touch roles', async () => {
    const result = await herald.gql<{ updateMe: { name: string; locale: string; roles: string[] } }>(
      `mutation { updateMe(input: { name: "Kamola K.", locale: ru }) { name locale roles } }`,
      {},
      herald.tokens.customer,
    );
    expect(result.data!.updateMe).toEqual({ name: 'Kamola K.', locale: 'ru', roles: ['customer'] });
    const escalation = await herald.gql(`mutation { updateMe(input: { roles: [admin] }) { roles } }`, {}, herald.tokens.customer);
    expect(escalation.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('admin updates another user; unknown and malformed ids are NOT_FOUND and BAD_USER_INPUT', async () => {
    const updated = await herald.gql<{ updateUser: { roles: string[] } }>(
      `mutation($id: ID!) { updateUser(id: $id, input: { roles: [provider, customer] }) { roles } }`,
      { id: herald.users.otherCustomer.id },
      herald.tokens.admin,
    );
    expect(updated.data!.updateUser.roles).toEqual(['provider', 'customer']);
    const unknown = await herald.gql(`mutation { updateUser(id: "00000000-0000-4000-8000-000000000000", input: { name: "X" }) { id } }`, {}, herald.tokens.admin);
    expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const malformed = await herald.gql(`mutation { updateUser(id: "42", input: { name: "X" }) { id } }`, {}, herald.tokens.admin);
    expect(malformed.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('ops pages through users with a cursor and filters by role', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const page: { data?: { users: { nodes: { id: string }[]; pageInfo: { endCursor: string | null; hasNextPage: boolean }; totalCount: number } } | null } =
        await herald.gql(
          `query($after: String) { users(page: { first: 3, after: $after }) { nodes { id } pageInfo { endCursor hasNextPage } totalCount } }`,
          { after },
          herald.tokens.ops,
        );
      seen.push(...page.data!.users.nodes.map((node) => node.id));
      after = page.data!.users.pageInfo.hasNextPage ? page.data!.users.pageInfo.endCursor : null;
    } while (after);
    expect(seen.length).toBe(await countUsers());
    expect(new Set(seen).size).toBe(seen.length);

    const providers = await herald.gql<{ users: { nodes: { roles: string[] }[] } }>(`query { users(filter: { role: provider }) { nodes { roles } } }`, {}, herald.tokens.ops);
    expect(providers.data!.users.nodes.length).toBeGreaterThanOrEqual(2);
    expect(providers.data!.users.nodes.every((node) => node.roles.includes('provider'))).toBe(true);

    const forged = await herald.gql(`query { users(page: { after: "garbage" }) { totalCount } }`, {}, herald.tokens.ops);
    expect(forged.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('keeps a Telegram chat id beyond 2^53 exact, as text', async () => {
    const em = herald.orm.em.fork();
    const user = await em.findOneOrFail(User, { id: herald.users.finance.id });
    user.telegramChatId = '9007199254740993';
    await em.flush();
    const reloaded = await herald.orm.em.fork().findOneOrFail(User, { id: user.id });
    expect(reloaded.telegramChatId).toBe('9007199254740993');
  });

  it('rejects operations deeper than the configured limit', async () => {
    const withinLimit = await herald.gql(`query { me { id name } }`, {}, herald.tokens.customer);
    expect(withinLimit.errors).toBeUndefined();
    const tooDeep = `query { __schema { types { fields { type { ofType { ofType { ofType { ofType { name } } } } } } } } }`;
    const result = await herald.gql(tooDeep, {}, herald.tokens.customer);
    expect(result.errors?.[0]?.extensions?.reason).toBe('QUERY_TOO_DEEP');
  });
});
