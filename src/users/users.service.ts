import { EnsureRequestContext } from '@mikro-orm/core';
import { EntityManager, FilterQuery, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { Role } from '../auth/role';
import { pgArray } from '../core/database/raw-query';
import { assertCursor, Page, PageInput, toPage } from '../core/pagination/pagination';
import { CreateUserInput, UpdateMeInput, UpdateUserInput, UsersFilter } from './dto/user.input';
import { UserLookup, UserRoles } from './user-lookup';
import { User } from './user.entity';
import { UserError } from './users.error';

/** Postal codes served mean something only for providers; a user who is not one keeps an empty list. */
function assertServesOnlyAsProvider(user: User): void {
  if (user.postalCodes.length && !user.roles.includes(Role.provider)) throw UserError.postalCodesForProvidersOnly(user.id);
}

@Injectable()
export class UsersService {
  constructor(private readonly em: EntityManager) {}

  async get(id: string): Promise<User> {
    const user = await this.em.findOne(User, { id });
    if (!user) throw UserError.notFound(id);
    return user;
  }

  /** A user named by id or by email, as operators type them on the command line (which runs outside any request). */
  @EnsureRequestContext()
  async getByIdOrEmail(idOrEmail: string): Promise<User> {
    const user = await this.em.findOne(User, isUUID(idOrEmail) ? { id: idOrEmail } : { email: idOrEmail.toLowerCase() });
    if (!user) throw UserError.notFound(idOrEmail);
    return user;
  }

  /**
   * Who of these users exists in which role, in one query however many ids (a whole import
   * batch): a hot path, so it reads the two columns without building entities.
   */
  async lookup(ids: Iterable<string>): Promise<UserLookup> {
    const unique = [...new Set(ids)].filter((id) => isUUID(id));
    if (unique.length === 0) return new UserLookup([]);
    // Through knex with a bind parameter: em.execute would inline the ids into the SQL text.
    const { rows } = await this.em
      .getKnex()
      .raw<{ rows: UserRoles[] }>(`select "id", "roles" from "users" where "id" = any(?::uuid[])`, [pgArray(unique)]);
    return new UserLookup(rows);
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
      postalCodes: input.postalCodes ?? [],
    });
    assertServesOnlyAsProvider(user);
    await this.flushUnique(user.email);
    return user;
  }

  async update(id: string, input: UpdateUserInput | UpdateMeInput): Promise<User> {
    const user = await this.get(id);
    this.em.assign(user, Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined)));
    assertServesOnlyAsProvider(user);
    await this.flushUnique(user.email);
    return user;
  }

  /** Sets the user's language and time zone (each when given) in `em`'s transaction, so a caller's change commits or rolls back as one. */
  async setLanguageAndZone(em: EntityManager, id: string, change: Pick<UpdateMeInput, 'locale' | 'timezone'>): Promise<void> {
    const set = Object.fromEntries(Object.entries(change).filter(([, value]) => value !== undefined && value !== null));
    if (Object.keys(set).length === 0) return;
    const updated = await em.nativeUpdate(User, { id }, { ...set, updatedAt: new Date() });
    if (updated === 0) throw UserError.notFound(id);
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
