import 'reflect-metadata';
import { Controller, Get, Req } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { adapterCases } from '../test/adapter-cases';
import { GatewayModule, RequireSession, RevocationGate } from './nestjs';
import type { RevocationGateOptions } from './options';

@RequireSession()
@Controller('protected')
class ProtectedController {
  @Get()
  get(@Req() request: { gatewaySession: { sessionId: string } }) {
    return { session: request.gatewaySession.sessionId };
  }
}

adapterCases('NestJS', async (gate) => {
  const moduleRef = await Test.createTestingModule({
    imports: [
      GatewayModule.forRootAsync({
        useFactory: (): RevocationGateOptions => ({
          token: { secret: 'unused-secret-of-at-least-32-bytes!!' },
          ssf: { issuer: 'http://127.0.0.1:9', bearerToken: 'unused' },
          maxTokenLifetimeSeconds: 600,
        }),
      }),
    ],
    controllers: [ProtectedController],
  })
    // The spec's gate, already following the test transmitter, stands in for the module's.
    .overrideProvider(RevocationGate)
    .useValue(gate)
    .compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
});
