import { emit, forwardEngineEvents } from './events.js';
import type { SessionHooks } from './session.js';
import type { ViewHost } from './views.js';

/** The session's hooks: a join clears what the last call showed; a transport that cannot be made is shown and fired. */
export function sessionHooks(v: ViewHost): SessionHooks {
  return {
    checkConfig: () => v.config.forJoin(),
    reset: () => {
      v.error = null;
      v.declinedBy = null;
      v.chat.feed.clear();
      v.social?.reset();
    },
    failed: (error) => {
      v.error = error;
      emit(v.host, 'vc-error', { code: error.code, message: error.message });
    },
  };
}

/** The element follows its engine: re-renders on its changes, fires its events on, shows its errors and chat. */
export function followEngine(v: ViewHost): void {
  const e = v.engine;
  e.on('change', () => {
    // A connection that could not be made or was lost (`ice-failed`) is shown until everyone is
    // connected again: then the banner goes (the tiles said who was affected meanwhile).
    if (v.error?.code === 'ice-failed') {
      const peers = e.peers; // built afresh on each read
      if (peers.length && peers.every((p) => !p.problem && p.connectionState === 'connected')) v.error = null;
    }
    v.host.requestUpdate();
  });
  e.on('state', () => v.host.requestUpdate());
  forwardEngineEvents(e, v.host, {
    declined: (peerId) => (v.declinedBy = e.peers.find((p) => p.id === peerId)?.name ?? ''),
    // (Errors stay shown after joining: a refused camera is still refused in the call. Those
    // that go by themselves: `ice-failed`, above, and those with `over` (the media server back).
    // A device gone with none left is `quiet`: the settings' notice says so, not the generic error.)
    error: (d) => {
      if (d.quiet) return;
      v.error = d;
      void d.over?.then(() => {
        if (v.error === d) v.error = null; // (not if dismissed, or another error since)
      });
    },
    chat: (d) => v.chat.feed.add(d, d.from === e.selfId),
    hand: ({ peerId, raised, say }) => v.social?.hand(peerId, raised, say),
    reaction: ({ peerId, emoji }) => v.social?.reactions.add(peerId, emoji),
  });
}
