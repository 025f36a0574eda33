import { ObjectType } from '@nestjs/graphql';
import { Paginated } from '../../core/pagination/pagination';
import { BusinessAlert } from '../business-alert.entity';

@ObjectType()
export class AlertConnection extends Paginated(BusinessAlert) {}
