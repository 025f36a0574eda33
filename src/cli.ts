import { EntityManager } from '@mikro-orm/postgresql';
import { DynamicModule, Module } from '@nestjs/common';
import { Command, CommandFactory, CommandRunner, Option } from 'nest-commander';
import { isUUID } from 'class-validator';
import { AuthModule } from './auth/auth.module';
import { TokenService } from './auth/token.service';
import { seedDemoData } from './bookings/demo-data';
import { Clock, ClockModule } from './core/clock/clock';
import { ConfigModule } from './core/config/config.module';
import { ConfigValidationError, HeraldConfig, loadConfig } from './core/config/herald-config';
import { DatabaseModule } from './core/database/database.module';
import { migrateDatabase } from './core/database/migrate';
import { User } from './users/user.entity';

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
    private readonly em: EntityManager,
    private readonly tokens: TokenService,
  ) {
    super();
  }

  async run([who]: string[], options: { ttl?: string }): Promise<void> {
    const em = this.em.fork();
    const user = await em.findOne(User, isUUID(who) ? { id: who } : { email: who.toLowerCase() });
    if (!user) throw new Error(`No user with id or email "${who}"`);
    console.log(await this.tokens.mint(user, options.ttl));
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
      imports: [ConfigModule.forRoot(config), ClockModule, DatabaseModule, AuthModule],
      providers: [MigrateCommand, MintTokenCommand, SeedDemoCommand],
    };
  }
}

async function main(): Promise<void> {
  const config = loadConfig();
  await CommandFactory.run(CliModule.forConfig(config), {
    logger: ['error', 'warn'],
    errorHandler: (error) => {
      console.error(error.message);
      process.exit(1);
    },
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigValidationError ? error.message : error);
  process.exit(1);
});
