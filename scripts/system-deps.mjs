// Run first by `npm test`: the system packages the suites need are Debian's chromium (every
// browser test drives /usr/bin/chromium, or $CHROMIUM_PATH), redis-server (the relay's scale-out
// tests), coturn's turnserver (the TURN tests) nftables' nft (the netns lab's firewall) and janus (the SFU lab). When one is missing and we are root (or have
// password-less sudo) with apt-get, install them; otherwise stop at once with the one command that does.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const NEEDED = [
  { pkg: 'chromium', path: process.env.CHROMIUM_PATH || '/usr/bin/chromium' },
  { pkg: 'redis-server', path: '/usr/bin/redis-server' },
  { pkg: 'coturn', path: '/usr/bin/turnserver' },
  // nft: the netns lab's firewall rules (a direct path dropped between two hosts, TURN tests).
  { pkg: 'nftables', path: '/usr/sbin/nft' },
  // Janus (VideoRoom over WebSocket): the SFU lab's tests run it inside network namespaces.
  { pkg: 'janus', path: '/usr/bin/janus' },
];

const missing = () => NEEDED.filter((n) => !existsSync(n.path));
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

let lacking = missing();
if (lacking.length === 0) process.exit(0);

const pkgs = lacking.map((n) => n.pkg);
const command = `apt-get update && apt-get install -y ${pkgs.join(' ')}`;
const isRoot = process.getuid?.() === 0;
const sudo = !isRoot && has('sudo') && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0;

if (!has('apt-get') || (!isRoot && !sudo)) {
  console.error(`npm test needs ${lacking.map((n) => n.path).join(', ')} (missing). Install with:\n\n  sudo sh -c '${command}'\n`);
  if (!has('apt-get'))
    console.error(
      '(no apt-get here: install Chromium, Redis, coturn, nftables and Janus another way; set CHROMIUM_PATH for Chromium elsewhere)',
    );
  process.exit(1);
}

console.log(`installing ${pkgs.join(', ')} (missing ${lacking.map((n) => n.path).join(', ')})`);
const run = (args) =>
  execFileSync(sudo ? 'sudo' : args[0], sudo ? ['-n', ...args] : args.slice(1), {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
try {
  run(['apt-get', 'update', '-qq']);
  run(['apt-get', 'install', '-y', '-qq', ...pkgs]);
} catch {
  console.error(`installing failed; run:\n\n  ${command}\n`);
  process.exit(1);
}
lacking = missing();
if (lacking.length > 0) {
  console.error(`still missing after apt-get: ${lacking.map((n) => n.path).join(', ')}`);
  process.exit(1);
}
