import {
  type ArgumentMetadata,
  BadRequestException,
  type CanActivate,
  Controller,
  Get,
  Injectable,
  type PipeTransform,
  Query,
  UnauthorizedException,
  UseGuards,
  ValidationPipe,
} from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { PROBLEM_CONTENT_TYPE } from './problem.dto';
import { ProblemResponses, RequestIds } from './problem-responses.decorator';
import type { RequestContext } from './request-id.middleware';

class PageQuery {
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  page!: number;
}

/** Refuses every request: a route behind it never reaches its pipes. */
@Injectable()
class RefuseAll implements CanActivate {
  canActivate(): boolean {
    throw new UnauthorizedException();
  }
}

@Controller()
@ProblemResponses()
class Routes {
  @Get('pages')
  list(@Query() query: PageQuery): PageQuery {
    return query;
  }

  @Get('guarded')
  @UseGuards(RefuseAll)
  guarded(@Query() query: PageQuery): PageQuery {
    return query;
  }

  @Get('ids')
  ids(@RequestIds() ids: RequestContext): RequestContext {
    return ids;
  }
}

/** A host's global pipe with rules of its own: odd pages only. */
class OddPagesOnly implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    const page = (value as { page?: unknown } | undefined)?.page;
    if (metadata.type === 'query' && Number(page) % 2 === 0) {
      throw new BadRequestException('the host takes odd pages only');
    }
    return value;
  }
}

async function appWithGlobalPipe(pipe: PipeTransform): Promise<NestFastifyApplication> {
  const module = await Test.createTestingModule({ controllers: [Routes] }).compile();
  const app = module.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), {
    logger: false,
  });
  app.useGlobalPipes(pipe);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

describe('@ProblemResponses() behind a host global pipe', () => {
  let hostValidation: NestFastifyApplication;
  let hostRule: NestFastifyApplication;

  beforeAll(async () => {
    hostValidation = await appWithGlobalPipe(new ValidationPipe({ transform: true }));
    hostRule = await appWithGlobalPipe(new OddPagesOnly());
  });

  afterAll(async () => {
    await hostValidation?.close();
    await hostRule?.close();
  });

  it("answers the library's 400 naming the field when the host pipe refuses first", async () => {
    const res = await hostValidation.inject({ method: 'GET', url: '/pages?page=0' });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(res.json().errors).toEqual([expect.objectContaining({ field: 'page', code: 'range' })]);
  });

  it('serves valid input through both pipes', async () => {
    const res = await hostValidation.inject({ method: 'GET', url: '/pages?page=7' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ page: 7 });
  });

  it("keeps the host pipe's own refusal of input the library accepts, as a Problem", async () => {
    const res = await hostRule.inject({ method: 'GET', url: '/pages?page=2' });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    const body = res.json();
    expect(body.detail).toBe('the host takes odd pages only');
    expect(body.errors).toEqual([]);
  });

  it('does not check the input of a request a guard refused', async () => {
    const res = await hostValidation.inject({ method: 'GET', url: '/guarded?page=0' });
    expect(res.statusCode).toBe(401);
    expect(res.json().errors).toBeUndefined();
  });

  it("hands a route the request's ids", async () => {
    const res = await hostRule.inject({
      method: 'GET',
      url: '/ids',
      headers: { 'x-request-id': 'req-ids-1' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ requestId: 'req-ids-1' });
    expect(res.json().traceId).toMatch(/^[0-9a-f]{32}$/);
  });
});
