// A real load balancer in front of test nodes: Debian's haproxy with the project's own config,
// deploy/haproxy/haproxy.cfg (round robin over healthy nodes by /readyz, no stickiness, WebSocket
// tunnels), addressed through its environment variables. Started in the foreground, stopped by PID.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { eventually, freePort, packageRoot, targetDir } from './node.mjs';

export const HAPROXY = process.env.HAPROXY_PATH ?? '/usr/sbin/haproxy';
export const HAPROXY_CFG = resolve(packageRoot, '..', '..', 'deploy', 'haproxy', 'haproxy.cfg');

export class TestHaproxy {
  /** @param nodes exactly three TestNodes (the config names node1..node3) */
  static async start(nodes) {
    if (nodes.length !== 3) throw new Error(`deploy/haproxy/haproxy.cfg balances three nodes, got ${nodes.length}`);
    const lb = new TestHaproxy();
    lb.port = await freePort();
    mkdirSync(targetDir, { recursive: true });
    const log = openSync(join(targetDir, `haproxy-${lb.port}.log`), 'a');
    const env = { ...process.env, ROOMCAST_LB_BIND: `127.0.0.1:${lb.port}` };
    nodes.forEach((n, i) => { env[`ROOMCAST_NODE${i + 1}`] = `127.0.0.1:${n.port}`; });
    // -n: the config's maxconn (200000) needs 400k file descriptors; this machine allows 20000.
    lb.proc = spawn(HAPROXY, ['-db', '-n', '4000', '-f', HAPROXY_CFG], { stdio: ['ignore', log, log], env });
    lb.exited = new Promise((r) => lb.proc.once('exit', r));
    await eventually(async () => (await fetch(`http://127.0.0.1:${lb.port}/healthz`)).ok, `haproxy on ${lb.port}`, 10_000, 100);
    return lb;
  }

  static available() {
    return existsSync(HAPROXY) && existsSync(HAPROXY_CFG);
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
