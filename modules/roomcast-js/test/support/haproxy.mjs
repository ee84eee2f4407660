// A real load balancer (Debian's haproxy) in front of test nodes: round robin, no stickiness,
// health checks on /readyz, WebSocket tunnels. Started in the foreground, stopped by PID.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually, freePort, targetDir } from './node.mjs';

export const HAPROXY = process.env.HAPROXY_PATH ?? '/usr/sbin/haproxy';

export class TestHaproxy {
  static async start(nodes) {
    const lb = new TestHaproxy();
    lb.port = await freePort();
    mkdirSync(targetDir, { recursive: true });
    const cfg = join(targetDir, `haproxy-${lb.port}.cfg`);
    writeFileSync(cfg, [
      'global',
      '  maxconn 2000',
      'defaults',
      '  mode http',
      '  timeout connect 1s',
      '  timeout client 60s',
      '  timeout server 60s',
      '  timeout tunnel 1h',
      'frontend web',
      `  bind 127.0.0.1:${lb.port}`,
      '  default_backend nodes',
      'backend nodes',
      '  balance roundrobin',
      '  option httpchk GET /readyz',
      '  option redispatch',
      '  retries 2',
      ...nodes.map((n, i) => `  server n${i} 127.0.0.1:${n.port} check inter 300 fall 1 rise 1`),
      '',
    ].join('\n'));
    const log = openSync(join(targetDir, `haproxy-${lb.port}.log`), 'a');
    lb.proc = spawn(HAPROXY, ['-db', '-f', cfg], { stdio: ['ignore', log, log] });
    lb.exited = new Promise((r) => lb.proc.once('exit', r));
    await eventually(async () => (await fetch(`http://127.0.0.1:${lb.port}/healthz`)).ok, `haproxy on ${lb.port}`, 10_000, 100);
    return lb;
  }

  static available() {
    return existsSync(HAPROXY);
  }

  get httpUrl() {
    return `http://127.0.0.1:${this.port}`;
  }

  async stop() {
    if (!this.proc || this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    process.kill(this.proc.pid, 'SIGTERM');
    await this.exited;
  }
}
