// A real redis-server (Debian's package) for the cluster tests: its own port and directory, no
// persistence, stopped by its PID.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'node:net';
import { eventually, freePort, targetDir } from './node.mjs';

export const REDIS_SERVER = process.env.REDIS_SERVER_PATH ?? '/usr/bin/redis-server';

export class TestRedis {
  static available() {
    return existsSync(REDIS_SERVER);
  }

  static async start() {
    const redis = new TestRedis();
    redis.port = await freePort();
    mkdirSync(targetDir, { recursive: true });
    const dir = mkdtempSync(join(tmpdir(), 'roomcast-js-redis-'));
    const log = openSync(join(targetDir, `redis-${redis.port}.log`), 'a');
    redis.proc = spawn(REDIS_SERVER, ['--port', String(redis.port), '--bind', '127.0.0.1', '--save', '',
      '--appendonly', 'no', '--dir', dir], { stdio: ['ignore', log, log] });
    redis.exited = new Promise((r) => redis.proc.once('exit', r));
    await eventually(() => new Promise((ok) => {
      const s = createConnection(redis.port, '127.0.0.1', () => { s.end(); ok(true); });
      s.on('error', () => ok(false));
    }), `redis-server on ${redis.port}`, 10_000, 50);
    return redis;
  }

  get uri() {
    return `redis://127.0.0.1:${this.port}`;
  }

  async stop() {
    if (!this.proc || this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    process.kill(this.proc.pid, 'SIGKILL');
    await this.exited;
  }
}
