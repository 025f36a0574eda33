import { EntityManager, FilterQuery, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { Role } from '../auth/role';
import { assertCursor, Page, PageInput, toPage } from '../core/pagination/pagination';
import { CreateUserInput, UpdateMeInput, UpdateUserInput, UsersFilter } from './dto/user.input';
import { User } from './user.entity';
import { UserError } from './users.error';

@Injectable()
export class UsersService {
  constructor(private readonly em: EntityManager) {}

  async get(id: string): Promise<User> {
    const user = await this.em.findOne(User, { id });
    if (!user) throw UserError.notFound(id);
    return user;
  }

  /** Loads a user who must hold `role`, e.g. the provider named on a booking. */
  async getWithRole(id: string, role: Role): Promise<User> {
    const user = await this.get(id);
    if (!user.roles.includes(role)) throw UserError.missingRole(id, role);
    return user;
  }

  async list(filter: UsersFilter = {}, page: PageInput = new PageInput()): Promise<Page<User>> {
    assertCursor(page.after);
    const where: FilterQuery<User> = {};
    if (filter.role) where.roles = { $contains: [filter.role] };
    if (filter.search) {
      const pattern = `%${filter.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      where.$or = [{ name: { $ilike: pattern } }, { email: { $ilike: pattern } }];
    }
    const cursor = await this.em.findByCursor(User, where, { first: page.first, after: page.after, orderBy: { createdAt: 'asc', id: 'asc' } });
    return toPage(cursor);
  }

  async create(input: CreateUserInput): Promise<User> {
    const user = this.em.create(User, {
      name: input.name,
      email: input.email,
      phone: input.phone ?? null,
      locale: input.locale,
      timezone: input.timezone,
      roles: input.roles,
      postalCode: input.postalCode ?? null,
    });
    await this.flushUnique(user.email);
    return user;
  }

  async update(id: string, input: UpdateUserInput | UpdateMeInput): Promise<User> {
    const user = await this.get(id);
    this.em.assign(user, Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined)));
    await this.flushUnique(user.email);
    return user;
  }

  private async flushUnique(email: string): Promise<void> {
    try {
      await this.em.flush();
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) {
        this.em.clear();
        throw UserError.emailTaken(email);
      }
      throw error;
    }
  }
}
