import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { MikroORM } from '@mikro-orm/postgresql';
import { ApolloDriver, ApolloDriverConfig } from '@nestjs/apollo';
import { Module } from '@nestjs/common';
import { GraphQLSchemaHost, GraphQLModule as NestGraphQLModule } from '@nestjs/graphql';
import type { Request } from 'express';
import { RequestAuth } from '../../auth/auth.guard';
import { bearerToken, TokenService } from '../../auth/token.service';
import { HeraldConfig } from '../config/herald-config';
import { ComplexityPlugin } from './complexity.plugin';
import { StrictDateTimeScalar } from './date-time.scalar';
import { formatError } from './format-error';
import { graphqlWsOptions } from './graphql-ws';
import { operationRules } from './operation-rules';

interface ContextSource {
  req?: Request;
  connectionParams?: Record<string, unknown>;
}

/** HTTP requests carry the token in Authorization; graphql-ws in the connection_init payload. */
export function requestAuth({ req, connectionParams }: ContextSource): RequestAuth {
  if (req) return { token: bearerToken(req.headers.authorization) };
  return { token: bearerToken(connectionParams?.authorization ?? connectionParams?.Authorization ?? connectionParams?.token) };
}

@Module({
  imports: [
    NestGraphQLModule.forRootAsync<ApolloDriverConfig>({
      driver: ApolloDriver,
      inject: [HeraldConfig, TokenService, GraphQLSchemaHost, MikroORM],
      useFactory: (config: HeraldConfig, tokens: TokenService, schemaHost: GraphQLSchemaHost, orm: MikroORM) => ({
        path: '/graphql',
        autoSchemaFile: true,
        sortSchema: true,
        playground: false,
        // Apollo's own switch would cover HTTP only: operationRules refuses introspection on both transports.
        introspection: true,
        plugins: config.sandboxEnabled ? [ApolloServerPluginLandingPageLocalDefault({ embed: true })] : [],
        subscriptions: { 'graphql-ws': graphqlWsOptions({ config, tokens, schemaHost, orm, auth: requestAuth }) },
        context: requestAuth,
        formatError,
        validationRules: operationRules(config),
        includeStacktraceInErrorResponses: false,
      }),
    }),
  ],
  providers: [ComplexityPlugin, StrictDateTimeScalar],
})
export class GraphQLModule {}
