import { Args, Mutation, ObjectType, Query, Resolver } from '@nestjs/graphql';
import { IdArg } from '../core/validation/id-arg';
import { CurrentUser, Roles } from '../auth/access.decorators';
import { ALL_ROLES, AuthUser, Role } from '../auth/role';
import { PageInput, Paginated } from '../core/pagination/pagination';
import { CreateUserInput, UpdateMeInput, UpdateUserInput, UsersFilter } from './dto/user.input';
import { User } from './user.entity';
import { UsersService } from './users.service';

@ObjectType()
export class UserConnection extends Paginated(User) {}

@Resolver(() => User)
export class UsersResolver {
  constructor(private readonly usersService: UsersService) {}

  @Query(() => User, { description: 'The signed-in user' })
  @Roles(...ALL_ROLES)
  me(@CurrentUser() caller: AuthUser): Promise<User> {
    return this.usersService.get(caller.id);
  }

  @Query(() => UserConnection)
  @Roles(Role.ops, Role.admin)
  users(
    @Args('filter', { type: () => UsersFilter, nullable: true }) filter?: UsersFilter,
    @Args('page', { type: () => PageInput, nullable: true }) page?: PageInput,
  ): Promise<UserConnection> {
    return this.usersService.list(filter, page);
  }

  @Mutation(() => User)
  @Roles(Role.admin)
  createUser(@Args('input') input: CreateUserInput): Promise<User> {
    return this.usersService.create(input);
  }

  @Mutation(() => User)
  @Roles(Role.admin)
  updateUser(@IdArg() id: string, @Args('input') input: UpdateUserInput): Promise<User> {
    return this.usersService.update(id, input);
  }

  @Mutation(() => User, { description: 'Change your own profile; roles and email stay as they are' })
  @Roles(...ALL_ROLES)
  updateMe(@CurrentUser() caller: AuthUser, @Args('input') input: UpdateMeInput): Promise<User> {
    return this.usersService.update(caller.id, input);
  }
}
