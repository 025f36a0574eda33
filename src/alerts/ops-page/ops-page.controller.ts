import { Controller, Get, Header, Module } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Public } from '../../auth/access.decorators';
import { OPS_HTML, OPS_JS } from './ops-page.assets';

/** Only this origin's scripts and connections; the page's one style element is inline. */
const CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; connect-src 'self' ws: wss:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** graphql-ws's browser build, as the installed package ships it (its exports name no path to it). */
const GRAPHQL_WS_BROWSER = readFileSync(join(dirname(require.resolve('graphql-ws/package.json')), 'umd', 'graphql-ws.min.js'), 'utf8');

/**
 * The live ops page at /ops. Public, since it holds nothing: every figure it shows comes from
 * GraphQL with the token its user pastes, under that user's role.
 */
@Controller('ops')
export class OpsPageController {
  @Get()
  @Public()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('content-security-policy', CONTENT_SECURITY_POLICY)
  @Header('x-content-type-options', 'nosniff')
  @Header('referrer-policy', 'no-referrer')
  page(): string {
    return OPS_HTML;
  }

  @Get('ops.js')
  @Public()
  @Header('content-type', 'text/javascript; charset=utf-8')
  @Header('x-content-type-options', 'nosniff')
  script(): string {
    return OPS_JS;
  }

  @Get('graphql-ws.js')
  @Public()
  @Header('content-type', 'text/javascript; charset=utf-8')
  @Header('x-content-type-options', 'nosniff')
  @Header('cache-control', 'public, max-age=86400')
  graphqlWs(): string {
    return GRAPHQL_WS_BROWSER;
  }
}

/** The ops page, for API processes. */
@Module({ controllers: [OpsPageController] })
export class OpsPageModule {}
