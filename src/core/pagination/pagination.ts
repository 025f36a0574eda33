import { Cursor } from '@mikro-orm/core';
import { Type } from '@nestjs/common';
import { Field, InputType, Int, ObjectType } from '@nestjs/graphql';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { InputError } from '../errors/herald-error';

@InputType({ description: 'Forward cursor pagination: pass the previous pageInfo.endCursor as `after`.' })
export class PageInput {
  @Field(() => Int, { defaultValue: 20 })
  @IsInt()
  @Min(1)
  @Max(100)
  first: number = 20;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  after?: string;
}

@ObjectType()
export class PageInfo {
  @Field(() => String, { nullable: true })
  endCursor: string | null;

  @Field()
  hasNextPage: boolean;
}

export interface Page<T> {
  nodes: T[];
  pageInfo: PageInfo;
  totalCount: number;
}

/** A GraphQL connection type for `classRef`: `nodes`, `pageInfo`, `totalCount`. */
export function Paginated<T>(classRef: Type<T>): Type<Page<T>> {
  @ObjectType({ isAbstract: true })
  abstract class PageType implements Page<T> {
    @Field(() => [classRef])
    nodes: T[];

    @Field(() => PageInfo)
    pageInfo: PageInfo;

    @Field(() => Int)
    totalCount: number;
  }
  return PageType as Type<Page<T>>;
}

export function toPage<T extends object>(cursor: Cursor<T>): Page<T> {
  return {
    nodes: cursor.items as T[],
    pageInfo: { endCursor: cursor.endCursor, hasNextPage: cursor.hasNextPage },
    totalCount: cursor.totalCount,
  };
}

/** Decodes `after` up front so a forged cursor is BAD_USER_INPUT rather than a crash. */
export function assertCursor(after: string | undefined): void {
  if (!after) return;
  try {
    const decoded: unknown = Cursor.decode(after);
    if (!Array.isArray(decoded)) throw new Error('not a cursor');
  } catch {
    throw new InputError('`after` is not a cursor issued by this API', [{ field: 'page.after', problems: ['unknown cursor'] }]);
  }
}
