import { type ChildProcess, spawn } from 'node:child_process';

/** A gateway (test/support/gateway-app.ts) running in a process of its own. */
export interface GatewayProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
  stop: () => Promise<void>;
}

export interface GatewaySettings {
  serviceUrl: string;
  ssfIssuer: string;
  receiverToken: string;
  feedToken: string;
  jwtSecret: string;
  jwtIssuer: string;
  jwtAudience: string;
  streamName: string;
  pollIntervalMs?: number;
  /** Push delivery to this gateway: its port and public URL of the push endpoint. */
  push?: { port: number; url: string };
}

/**
 * Starts a gateway process (through ts-node, as test/support/service-process.ts
 * starts the service) and waits up to 60 s until it is current: its stream
 * exists and its snapshot of the revocation feed is read.
 */
export async function startGatewayProcess(settings: GatewaySettings): Promise<GatewayProcess> {
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register', '-r', 'tsconfig-paths/register', 'test/support/gateway-app.ts'],
    {
      cwd: `${__dirname}/../..`,
      env: {
        ...process.env,
        TS_NODE_TRANSPILE_ONLY: 'true',
        GATEWAY_SERVICE_URL: settings.serviceUrl,
        GATEWAY_SSF_ISSUER: settings.ssfIssuer,
        GATEWAY_RECEIVER_TOKEN: settings.receiverToken,
        GATEWAY_FEED_TOKEN: settings.feedToken,
        GATEWAY_JWT_SECRET: settings.jwtSecret,
        GATEWAY_JWT_ISSUER: settings.jwtIssuer,
        GATEWAY_JWT_AUDIENCE: settings.jwtAudience,
        GATEWAY_STREAM_NAME: settings.streamName,
        ...(settings.pollIntervalMs !== undefined && {
          GATEWAY_POLL_INTERVAL_MS: String(settings.pollIntervalMs),
        }),
        ...(settings.push && {
          GATEWAY_PORT: String(settings.push.port),
          GATEWAY_PUSH_URL: settings.push.url,
        }),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const match = /Gateway ready on (http:\/\/[^\s]+)/.exec(output);
    if (match) return { child, url: match[1], output: () => output, stop };
    if (child.exitCode !== null) throw new Error(`gateway exited early:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await stop();
  throw new Error(`gateway did not start:\n${output}`);
}
