import { Args, ArgsType, Context, Field, ID, Int, Mutation, ObjectType, Parent, Query, ResolveField, Resolver, Subscription } from '@nestjs/graphql';
import type { RequestAuth } from '../auth/auth.guard';
import { LiveEvents } from '../core/graphql/live-events';
import { RequestLoader } from '../core/graphql/request-loader';
import { IsDate, IsEnum, IsOptional, IsString, IsUUID, Length } from 'class-validator';
import { CurrentUser, Roles } from '../auth/access.decorators';
import { AuthUser, Role } from '../auth/role';
import { PageInput } from '../core/pagination/pagination';
import { IdArg } from '../core/validation/id-arg';
import { AlertEvent } from './alert-event.entity';
import { ScannedType } from './alert-rules';
import { AlertScans } from './alert-scans';
import { AlertsService, visibleTo } from './alerts.service';
import { ALERT_CHANGED_TOPIC, AlertChanged, AlertSeverity, AlertType, BusinessAlert, SEVERITY_ORDER } from './business-alert.entity';
import { AlertsFilter, RaiseAlertInput } from './dto/alert.input';
import { AlertConnection } from './dto/alert.output';
import { InputError } from '../core/errors/herald-error';
import { SCANNED_TYPES } from './alert-rules';

@ArgsType()
class AlertIdArgs {
  @Field(() => ID)
  @IsUUID()
  id: string;
}

@ArgsType()
class AssignArgs extends AlertIdArgs {
  @Field(() => ID)
  @IsUUID()
  assigneeId: string;
}

@ArgsType()
class ResolveArgs extends AlertIdArgs {
  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  @Length(0, 2000)
  note?: string | null;
}

@ArgsType()
class IgnoreArgs extends AlertIdArgs {
  @Field({ description: 'Silenced until then' })
  @IsDate()
  until: Date;

  @Field()
  @IsString()
  @Length(1, 500)
  reason: string;
}

@ArgsType()
class ScanArgs {
  @Field(() => AlertType)
  @IsEnum(AlertType)
  type: AlertType;
}

@ArgsType()
class AlertChangedArgs {
  @Field(() => [AlertType], { nullable: true })
  @IsOptional()
  @IsEnum(AlertType, { each: true })
  type?: AlertType[];

  @Field(() => AlertSeverity, { nullable: true, description: 'Only alerts at least this severe' })
  @IsOptional()
  @IsEnum(AlertSeverity)
  minSeverity?: AlertSeverity;
}

@ObjectType({ description: 'What a scan did' })
class AlertScanResult {
  @Field(() => AlertType)
  type: AlertType;

  @Field(() => Int)
  raised: number;

  @Field(() => Int)
  seenAgain: number;

  @Field(() => Int)
  escalated: number;

  @Field(() => Int)
  resolved: number;
}

const STAFF = [Role.ops, Role.finance, Role.admin];

@Resolver(() => BusinessAlert)
export class AlertsResolver {
  constructor(
    private readonly service: AlertsService,
    private readonly scans: AlertScans,
    private readonly live: LiveEvents,
  ) {}

  @Query(() => AlertConnection, { description: 'Alerts, most recently seen first; finance sees payment alerts only' })
  @Roles(...STAFF)
  alerts(
    @CurrentUser() caller: AuthUser,
    @Args('filter', { type: () => AlertsFilter, nullable: true }) filter?: AlertsFilter,
    @Args('page', { type: () => PageInput, nullable: true }) page?: PageInput,
  ): Promise<AlertConnection> {
    return this.service.list(caller, filter ?? undefined, page ?? undefined);
  }

  @Query(() => BusinessAlert)
  @Roles(...STAFF)
  alert(@CurrentUser() caller: AuthUser, @IdArg() id: string): Promise<BusinessAlert> {
    return this.service.get(caller, id);
  }

  @Mutation(() => BusinessAlert)
  @Roles(...STAFF)
  acknowledgeAlert(@CurrentUser() caller: AuthUser, @IdArg() id: string): Promise<BusinessAlert> {
    return this.service.acknowledge(caller, id);
  }

  @Mutation(() => BusinessAlert, { description: 'Gives the alert to an ops, finance or admin user' })
  @Roles(...STAFF)
  assignAlert(@CurrentUser() caller: AuthUser, @Args() { id, assigneeId }: AssignArgs): Promise<BusinessAlert> {
    return this.service.assign(caller, id, assigneeId);
  }

  @Mutation(() => BusinessAlert)
  @Roles(...STAFF)
  resolveAlert(@CurrentUser() caller: AuthUser, @Args() { id, note }: ResolveArgs): Promise<BusinessAlert> {
    return this.service.resolve(caller, id, note ?? null);
  }

  @Mutation(() => BusinessAlert, { description: 'Silences the alert until `until`: it stays open, so its condition raises nothing new meanwhile' })
  @Roles(...STAFF)
  ignoreAlert(@CurrentUser() caller: AuthUser, @Args() { id, until, reason }: IgnoreArgs): Promise<BusinessAlert> {
    return this.service.ignore(caller, id, until, reason);
  }

  @Mutation(() => BusinessAlert, { description: 'Raises an alert by hand' })
  @Roles(Role.admin)
  raiseAlert(@CurrentUser() caller: AuthUser, @Args('input') input: RaiseAlertInput): Promise<BusinessAlert> {
    return this.service.raise(caller, input);
  }

  @Mutation(() => AlertScanResult, { description: 'Runs a scan now (signature_pending, payment_on_hold or booking_overdue)' })
  @Roles(Role.admin)
  runAlertScan(@Args() { type }: ScanArgs): Promise<AlertScanResult> {
    if (!(SCANNED_TYPES as AlertType[]).includes(type)) throw new InputError(`${type} alerts have no scan`, [{ field: 'type', problems: [`must be one of ${SCANNED_TYPES.join(', ')}`] }]);
    return this.scans.runNow(type as ScannedType);
  }

  @Subscription(() => BusinessAlert, {
    description: 'Alerts as they are raised, escalate, change hands or resolve; finance hears of payment alerts only',
    filter: (payload: AlertChanged, args: AlertChangedArgs, context: RequestAuth) => {
      const caller = context.user;
      if (!caller) return false;
      const visible = visibleTo(caller);
      if (visible.type && payload.type !== visible.type) return false;
      if (args.type?.length && !args.type.includes(payload.type)) return false;
      return !args.minSeverity || SEVERITY_ORDER.indexOf(payload.severity) >= SEVERITY_ORDER.indexOf(args.minSeverity);
    },
    resolve(this: AlertsResolver, payload: AlertChanged) {
      return this.service.findDetached(payload.alertId);
    },
  })
  @Roles(...STAFF)
  alertChanged(@Args() _filter: AlertChangedArgs): AsyncIterableIterator<AlertChanged> {
    return this.live.subscribe<AlertChanged>(ALERT_CHANGED_TOPIC);
  }

  /** Every row's events in one query per list. */
  private readonly alertEvents = new RequestLoader((alertIds) => this.service.eventsOf(alertIds), (): AlertEvent[] => []);

  @ResolveField(() => [AlertEvent], { description: 'Every change of the alert and who made it, oldest first' })
  events(@Parent() alert: BusinessAlert, @Context() auth: RequestAuth): Promise<AlertEvent[]> {
    return this.alertEvents.get(auth, alert.id);
  }

  @ResolveField(() => ID, { nullable: true })
  assigneeId(@Parent() alert: BusinessAlert): string | null {
    return alert.assignee?.id ?? null;
  }
}
