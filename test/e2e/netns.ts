/**
 * A real network to break, for the resilience tests: Linux network namespaces joined to
 * the host by veth pairs, the host routing between them. Each namespace gets one /24 of
 * 10.231.0.0/16: 10.231.1.0/24 and 10.231.2.0/24, or the next free pair when another run
 * on this machine holds those (slots claimed by lock files in the temp dir; never a subnet
 * an interface already uses). The host side of a veth is `.1`, the namespace side `.2`
 * (or whatever `moveTo` picks). Namespaces route only to the lab's other subnets (no
 * default route), so a browser inside can reach nothing but the lab.
 *
 * Chromium runs inside a namespace through a wrapper script (`ip netns exec NS chromium
 * "$@"`) handed to playwright's `executablePath`; `exec` keeps playwright's pipe
 * descriptors. The wrapper records the browser's pid (= its process group) so the lab can
 * kill exactly the browsers it started.
 *
 * Everything created (namespaces, veths, the ip_forward sysctl, wrapper scripts, browser
 * processes) is undone by `teardown()`, which never throws and is safe to call twice.
 * Needs root (CAP_NET_ADMIN); `createLab` throws a clear error without it.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const IP =
  ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'].find((p) => {
    try {
      execFileSync(p, ['-V'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  }) ?? 'ip';
const FORWARD = '/proc/sys/net/ipv4/ip_forward';
export const LAB_PREFIX = '10.231.';
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const MAX_SLOTS = 60;

function ip(...args: string[]): string {
  try {
    return execFileSync(IP, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
  } catch (e) {
    const err = e as Error & { stderr?: string };
    throw new Error(`ip ${args.join(' ')} failed: ${(err.stderr || err.message).trim()}`, { cause: e });
  }
}

function tryIp(...args: string[]): void {
  try {
    ip(...args);
  } catch {
    /* teardown: keep going */
  }
}

export interface Side {
  /** Namespace name. */
  ns: string;
  /** Host side of the veth (in the root namespace). */
  hostIf: string;
  /** Namespace side of the veth. */
  nsIf: string;
  /** Subnet index: the side lives in 10.231.<net>.0/24. */
  net: number;
  /** Host address on this side's veth: the address pages in this namespace use to reach servers. */
  hostAddr: string;
  /** The namespace's current address. */
  addr: string;
  /** Executable for playwright's `executablePath`: Chromium inside this namespace. */
  chromium: string;
  /** Pids (process groups) of browsers started through `chromium`, newest last. */
  browserPids(): number[];
  /** Pulls the cable: the namespace's link goes down (the host side loses carrier). */
  cut(): void;
  /** Plugs it back in (same address), restoring the route to the other subnets. */
  restore(): void;
  /**
   * "Another network": drops the current address, takes `newHost` (.2–.254) in the same
   * subnet, brings the link up and restores the route. Candidate pairs on the old address
   * can never work again.
   */
  moveTo(newHost: number): void;
  /** Addresses and link state inside the namespace, for failure messages. */
  describe(): string;
}

export interface Lab {
  sides: Side[];
  teardown(): Promise<void>;
}

/**
 * Builds `count` namespaces (10.231.1.0/24, 10.231.2.0/24, … in the first free slot) routed through the host.
 * Throws (with what to do) when namespaces cannot be created.
 */
export function createLab(count = 2, { chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium' } = {}): Lab {
  const tag = String(process.pid); // interface names stay within 15 characters: vrh + ≤ 7 digits + letter
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'vc-netns-'));
  const sides: Side[] = [];
  let forwardBefore: string | null = null;
  let slot = -1;
  let tornDown = false;

  // Synchronous, so it can also run from process 'exit' and signal handlers.
  const teardownSync = () => {
    if (tornDown) return;
    tornDown = true;
    for (const s of sides) {
      for (const pid of s.browserPids()) killGroup(pid);
      // Whatever still runs in the namespace was started by this lab (through the wrapper).
      let pids: number[] = [];
      try {
        pids = ip('netns', 'pids', s.ns).split(/\s+/).filter(Boolean).map(Number);
      } catch {
        /* namespace already gone */
      }
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    }
    if (sides.length) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    for (const s of sides) {
      tryIp('link', 'del', s.hostIf);
      tryIp('netns', 'del', s.ns);
    }
    if (forwardBefore !== null && !otherLiveSlots().length) {
      try {
        writeFileSync(FORWARD, readFileSync(FORWARD_ORIG, 'utf8').trim());
        rmSync(FORWARD_ORIG, { force: true });
      } catch {
        /* nothing more to do */
      }
    }
    if (slot >= 0) rmSync(slotLock(slot), { force: true });
    rmSync(tmp, { recursive: true, force: true });
    process.off('exit', teardownSync);
    for (const sig of SIGNALS) process.off(sig, onSignal);
  };
  // Interrupted runs (Ctrl-C, a runner's SIGTERM) still leave the machine as they found it.
  const onSignal = (sig: NodeJS.Signals) => {
    teardownSync();
    process.kill(process.pid, sig);
  };
  process.once('exit', teardownSync);
  for (const sig of SIGNALS) process.once(sig, onSignal);
  const teardown = async () => teardownSync();

  try {
    removeStaleLabs();
    try {
      ip('netns', 'add', `vcr${tag}probe`);
      ip('netns', 'del', `vcr${tag}probe`);
    } catch (e) {
      throw new Error(
        `cannot create network namespaces (${(e as Error).message}). These tests need root or CAP_NET_ADMIN + CAP_SYS_ADMIN ` +
          `(they build two namespaces with veth pairs in ${LAB_PREFIX}0.0/16); run them as root, as CI does.`,
        { cause: e },
      );
    }
    // Our own subnets within 10.231.0.0/16 (another run on this machine may hold others).
    slot = claimSlot(count);
    // ip_forward: the first lab remembers the machine's value, the last one puts it back.
    if (!otherLiveSlots().length) writeFileSync(FORWARD_ORIG, readFileSync(FORWARD, 'utf8').trim());
    forwardBefore = '1';
    writeFileSync(FORWARD, '1');

    for (let i = 0; i < count; i++) {
      const net = slot * count + i + 1;
      const letter = String.fromCharCode(97 + i);
      const ns = `vcr${tag}${letter}`;
      const hostIf = `vrh${tag}${letter}`; // ≤ 15 characters
      const nsIf = `vrn${tag}${letter}`;
      const hostAddr = `${LAB_PREFIX}${net}.1`;
      const pidFile = path.join(tmp, `${ns}.pids`);
      const wrapper = path.join(tmp, `chromium-${ns}`);
      writeFileSync(pidFile, '');
      writeFileSync(wrapper, `#!/bin/sh\necho $$ >> '${pidFile}'\nexec '${IP}' netns exec '${ns}' '${chromiumPath}' "$@"\n`);
      chmodSync(wrapper, 0o755);
      const side: Side = {
        ns,
        hostIf,
        nsIf,
        net,
        hostAddr,
        addr: `${LAB_PREFIX}${net}.2`,
        chromium: wrapper,
        browserPids: () => readFileSync(pidFile, 'utf8').split('\n').filter(Boolean).map(Number),
        cut() {
          ip('-n', ns, 'link', 'set', nsIf, 'down');
        },
        restore() {
          ip('-n', ns, 'link', 'set', nsIf, 'up');
          routes();
        },
        moveTo(host: number) {
          const next = `${LAB_PREFIX}${net}.${host}`;
          if (next === side.addr || host < 2 || host > 254) throw new Error(`bad new address ${next}`);
          ip('-n', ns, 'addr', 'del', `${side.addr}/24`, 'dev', nsIf);
          ip('-n', ns, 'addr', 'add', `${next}/24`, 'dev', nsIf);
          side.addr = next;
          ip('-n', ns, 'link', 'set', nsIf, 'up');
          routes();
        },
        describe: () =>
          `${ns}: ${ip('-n', ns, '-br', 'addr').trim().replace(/\n/g, '; ')} | routes: ${ip('-n', ns, 'route').trim().replace(/\n/g, '; ')}`,
      };
      // Routes to every other lab subnet via the host (replace: idempotent after a link flap).
      const routes = () => {
        for (let j = slot * count + 1; j <= slot * count + count; j++)
          if (j !== net) ip('-n', ns, 'route', 'replace', `${LAB_PREFIX}${j}.0/24`, 'via', hostAddr, 'dev', nsIf);
      };
      sides.push(side);
      ip('netns', 'add', ns);
      ip('link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf);
      ip('link', 'set', nsIf, 'netns', ns);
      ip('addr', 'add', `${hostAddr}/24`, 'dev', hostIf);
      ip('link', 'set', hostIf, 'up');
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      ip('-n', ns, 'addr', 'add', `${side.addr}/24`, 'dev', nsIf);
      ip('-n', ns, 'link', 'set', nsIf, 'up');
    }
    for (const s of sides) s.restore();
  } catch (e) {
    teardownSync();
    throw e;
  }
  return { sides, teardown };
}

/** SIGKILLs a process group started by us (a browser launched through a wrapper). */
export function killGroup(pid: number): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

/**
 * Removes what an earlier lab left behind when its test process was killed before its
 * `after` hook ran: only namespaces and veths named by this file (`vcr<pid><letter>`,
 * `vrh<pid><letter>`) whose pid is no longer alive.
 */
function removeStaleLabs(): void {
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'EPERM';
    }
  };
  const inUse = (tag: string) => tag === String(process.pid) || alive(Number(tag));
  for (const line of ip('netns', 'list').split('\n')) {
    const m = /^vcr(\d+)[a-z]\b/.exec(line.trim());
    if (m && !inUse(m[1])) {
      for (const pid of ip('netns', 'pids', line.trim().split(/\s+/)[0]).split(/\s+/).filter(Boolean)) killGroup(Number(pid));
      tryIp('netns', 'del', line.trim().split(/\s+/)[0]);
    }
  }
  for (const line of ip('-o', 'link', 'show').split('\n')) {
    const m = /^\d+:\s+(vrh(\d+)[a-z])[@:]/.exec(line);
    if (m && !inUse(m[2])) tryIp('link', 'del', m[1]);
  }
}

/** Lock files of labs running on this machine: one per slot, holding the owner's pid. */
const SLOT_DIR = os.tmpdir();
const slotLock = (k: number) => path.join(SLOT_DIR, `vc-netns-slot-${k}.lock`);
const FORWARD_ORIG = path.join(SLOT_DIR, 'vc-netns-ip_forward.orig');

function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Slots held by live labs other than ours. */
function otherLiveSlots(): number[] {
  const out: number[] = [];
  for (let k = 0; k < MAX_SLOTS; k++) {
    try {
      const pid = Number(readFileSync(slotLock(k), 'utf8').trim());
      if (pid !== process.pid && pidAlive(pid)) out.push(k);
    } catch {
      /* free */
    }
  }
  return out;
}

/**
 * Claims a slot (atomically, by creating its lock file) whose subnets nothing on the
 * machine uses, so two test runs on one machine each get their own addresses.
 */
function claimSlot(count: number): number {
  const used = ip('-o', 'addr', 'show');
  for (let k = 0; k < MAX_SLOTS; k++) {
    const nets = Array.from({ length: count }, (_, i) => k * count + i + 1);
    if (nets[nets.length - 1] > 254) break;
    if (nets.some((n) => used.includes(` ${LAB_PREFIX}${n}.`))) continue;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        writeFileSync(slotLock(k), String(process.pid), { flag: 'wx' });
        return k;
      } catch {
        // Held: by a live lab (next slot), or left by a dead one (take it over).
        let pid = 0;
        try {
          pid = Number(readFileSync(slotLock(k), 'utf8').trim());
        } catch {
          /* vanished meanwhile: retry */
        }
        if (pidAlive(pid)) break;
        rmSync(slotLock(k), { force: true });
      }
    }
  }
  throw new Error(`no free lab slot in ${LAB_PREFIX}0.0/16 (${MAX_SLOTS} slots busy or their subnets in use)`);
}

const NFT = ['/usr/sbin/nft', '/sbin/nft', '/usr/bin/nft'].find((p) => {
  try {
    execFileSync(p, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
});

/**
 * A firewall between two sides: inside each namespace, nftables drops every packet to and from
 * the other side's address (both ways, any protocol, or only UDP with `udp`: media goes, TCP
 * connections such as a WebSocket stay), so a direct connection between them is impossible,
 * while the host (the relay, a TURN server on a host address) stays reachable. The rules live
 * in the namespaces and go with them at teardown. Throws when nft is missing, with the package
 * to install (Debian: nftables).
 */
export function blockBetween(a: Side, b: Side, { udp = false } = {}): void {
  const only = udp ? ' meta l4proto udp' : '';
  if (!NFT) throw new Error("nft is not installed (the firewall between the lab's hosts needs it); run: apt-get install -y nftables");
  for (const [self, other] of [
    [a, b],
    [b, a],
  ] as const) {
    const rules = [
      'table inet vc_block {',
      '  chain out { type filter hook output priority 0; policy accept;',
      `    ip daddr ${other.addr}${only} drop`,
      '  }',
      '  chain in { type filter hook input priority 0; policy accept;',
      `    ip saddr ${other.addr}${only} drop`,
      '  }',
      '}',
    ].join('\n');
    try {
      execFileSync(IP, ['netns', 'exec', self.ns, NFT, '-f', '-'], {
        input: rules,
        encoding: 'utf8',
        stdio: ['pipe', 'pipe', 'pipe'],
        timeout: 10_000,
      });
    } catch (e) {
      const err = e as Error & { stderr?: string };
      throw new Error(`nft in ${self.ns} failed: ${(err.stderr || err.message).trim()}`, { cause: e });
    }
  }
}

/** Lifts {@link blockBetween}'s firewall between `a` and `b`. */
export function unblockBetween(a: Side, b: Side): void {
  for (const side of [a, b]) {
    execFileSync(IP, ['netns', 'exec', side.ns, NFT!, 'delete', 'table', 'inet', 'vc_block'], { stdio: 'ignore', timeout: 10_000 });
  }
}
