/**
 * The user page on Nest 12 and its Fastify adapter with nothing else: one guard that
 * verifies the token and that it is the path's user, the baseline's statement on a
 * `pg.Pool`, the page joined as the baseline joins it. No rate limits, metrics, request
 * ids, security headers, interceptors or validation pipes. `npm run bench:cpu` runs it
 * beside the service and the baseline, so what the framework costs and what the
 * service's own features cost are told apart.
 *
 * Environment: PORT, HOST, DATABASE_URL, DATABASE_POOL_SIZE, JWT_SECRET, JWT_ISSUER,
 * JWT_AUDIENCE, as the service reads them.
 */
import 'reflect-metadata';
import { createSecretKey } from 'node:crypto';
import {
  type CanActivate,
  Controller,
  type ExecutionContext,
  Get,
  Header,
  Injectable,
  Module,
  Param,
  Query,
  UseGuards,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import jwt, { type JwtPayload } from 'jsonwebtoken';
import { Pool } from 'pg';
import { USER_PAGE } from '../baseline/sql';

const env = process.env;
const key = createSecretKey(Buffer.from(env.JWT_SECRET ?? '', 'utf8'));
const verifyOptions: jwt.VerifyOptions & { complete?: false } = {
  algorithms: ['HS256'],
  issuer: env.JWT_ISSUER || undefined,
  audience: env.JWT_AUDIENCE || undefined,
  clockTolerance: 5,
};
const pool = new Pool({
  connectionString: env.DATABASE_URL,
  max: Number(env.DATABASE_POOL_SIZE ?? 10),
  application_name: 'session-service-bench-nest-route',
});
pool.on('error', () => undefined);

interface PageRow {
  user_exists: boolean;
  total: number | null;
  item: string | null;
}

/** The token's subject must be the path's user. */
@Injectable()
class OwnTokenGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<{
      headers: Record<string, string | undefined>;
      params: Record<string, string>;
    }>();
    const header = req.headers.authorization;
    if (!header?.startsWith('Bearer ')) return false;
    try {
      const claims = jwt.verify(header.slice(7), key, verifyOptions) as JwtPayload;
      return claims.sub === req.params.user_id;
    } catch {
      return false;
    }
  }
}

@Controller()
class UserPageController {
  @Get('sessions/user/:user_id/sessions')
  @UseGuards(OwnTokenGuard)
  @Header('Content-Type', 'application/json; charset=utf-8')
  async page(
    @Param('user_id') userId: string,
    @Query('page') pageText?: string,
    @Query('page_size') pageSizeText?: string,
  ): Promise<string> {
    const page = pageText ? Number(pageText) : 1;
    const pageSize = pageSizeText ? Number(pageSizeText) : 20;
    const { rows } = await pool.query<PageRow>({
      ...USER_PAGE,
      values: [userId, pageSize, (page - 1) * pageSize],
    });
    const total = rows[0]?.total ?? 0;
    let items = '';
    for (const row of rows) if (row.item !== null) items += (items ? ',' : '') + row.item;
    const totalPages = Math.ceil(total / pageSize);
    return (
      `{"code":0,"message":"success","items":[${items}],"pagination":{"page":${page},` +
      `"page_size":${pageSize},"total":${total},"total_pages":${totalPages},` +
      `"has_next":${page < totalPages},"has_prev":${page > 1}},"total":${total},` +
      `"timestamp":"${new Date().toISOString()}"}`
    );
  }

  @Get('health/ready')
  ready(): { status: string } {
    return { status: 'ok' };
  }
}

@Module({ controllers: [UserPageController], providers: [OwnTokenGuard] })
class NestRouteModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create<NestFastifyApplication>(
    NestRouteModule,
    new FastifyAdapter({ skipMiddie: true }),
    { logger: false },
  );
  await app.listen(Number(env.PORT ?? 3002), env.HOST ?? '127.0.0.1');
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      void app
        .close()
        .then(() => pool.end())
        .finally(() => process.exit(0));
    });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
