import { EntityManager } from '@mikro-orm/postgresql';
import { DynamicModule, Module } from '@nestjs/common';
import { Command, CommandFactory, CommandRunner, Option } from 'nest-commander';
import { ANALYTICS_COMMANDS } from './analytics/analytics.commands';
import { AnalyticsModule } from './analytics/analytics.module';
import { AuthModule } from './auth/auth.module';
import { TokenService } from './auth/token.service';
import { BOOKING_COMMANDS } from './bookings/bookings.commands';
import { BookingsModule } from './bookings/bookings.module';
import { seedDemoData } from './bookings/demo-data';
import { ChannelsModule } from './channels/channels.module';
import { Clock } from './core/clock/clock';
import { ConfigValidationError, HeraldConfig, loadConfig, ProcessRole } from './core/config/herald-config';
import { withDevStack } from './core/cli/dev-stack';
import { coloursOnlyOnTerminal } from './core/cli/terminal';
import { CoreModule } from './core/core.module';
import { migrateDatabase } from './core/database/migrate';
import { NOTIFICATION_COMMANDS } from './notifications/notifications.commands';
import { NotificationsModule } from './notifications/notifications.module';
import { UsersModule } from './users/users.module';
import { UsersService } from './users/users.service';

@Command({ name: 'migrate', description: 'Apply pending database migrations' })
class MigrateCommand extends CommandRunner {
  constructor(private readonly config: HeraldConfig) {
    super();
  }

  async run(): Promise<void> {
    const applied = await migrateDatabase(this.config.DATABASE_URL);
    console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'Database is up to date');
  }
}

@Command({ name: 'token', description: 'Mint a bearer token for a user (development and demos)', arguments: '<user>' })
class MintTokenCommand extends CommandRunner {
  constructor(
    private readonly users: UsersService,
    private readonly tokens: TokenService,
  ) {
    super();
  }

  async run([who]: string[], options: { ttl?: string }): Promise<void> {
    console.log(await this.tokens.mint(await this.users.getByIdOrEmail(who), options.ttl));
  }

  @Option({ flags: '--ttl <duration>', description: 'Token lifetime, e.g. 30m, 12h, 7d' })
  parseTtl(value: string): string {
    return value;
  }
}

@Command({ name: 'seed:demo', description: 'Load demo users and bookings (skipped when already there)' })
class SeedDemoCommand extends CommandRunner {
  constructor(
    private readonly em: EntityManager,
    private readonly clock: Clock,
  ) {
    super();
  }

  async run(): Promise<void> {
    const { users } = await seedDemoData(this.em.fork(), this.clock);
    for (const [key, user] of Object.entries(users)) console.log(`${key.padEnd(10)} ${user.email}`);
  }
}

@Module({})
class CliModule {
  static forConfig(config: HeraldConfig): DynamicModule {
    return {
      module: CliModule,
      imports: [CoreModule.forRoot(config), AuthModule, UsersModule, BookingsModule, NotificationsModule.forConfig(config), ChannelsModule.forConfig(config), AnalyticsModule],
      providers: [MigrateCommand, MintTokenCommand, SeedDemoCommand, ...BOOKING_COMMANDS, ...NOTIFICATION_COMMANDS, ...ANALYTICS_COMMANDS],
    };
  }
}

async function main(): Promise<void> {
  coloursOnlyOnTerminal();
  const stack = withDevStack(process.env);
  // On stderr, so `token` still prints the token alone.
  if (stack.filled.length) console.error(`Using the development stack of scripts/up (${stack.dataDir}) for ${stack.filled.join(', ')}`);
  // Commands do their work in this process; it consumes no queue, runs no scheduler and takes no bot updates.
  const config = loadConfig({ ...stack.env, HERALD_ROLE: ProcessRole.Api, TELEGRAM_UPDATES: 'none' });
  await CommandFactory.run(CliModule.forConfig(config), {
    logger: ['error', 'warn'],
    // Commander's own outcomes (help, unknown command, bad flags) keep their exit codes.
    errorHandler: (error) => process.exit((error as Error & { exitCode?: number }).exitCode ?? 1),
    // A command that fails says why and exits non-zero.
    serviceErrorHandler: (error) => {
      console.error(error.message);
      process.exitCode = 1;
    },
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigValidationError ? error.message : error);
  process.exit(1);
});
