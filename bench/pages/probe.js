// Observation only: event times and each remote video's first frame, on one clock shared by
// every page of the browser (performance.timeOrigin + performance.now(), ms since the epoch).
(() => {
  const T = () => performance.timeOrigin + performance.now();
  const bench = (window.__bench = { now: T, events: [], frames: {}, watching: true });
  for (const type of ['vc-joined', 'vc-peer-joined', 'vc-peer-connected', 'vc-error']) {
    window.addEventListener(
      type,
      (e) => bench.events.push({ type, detail: e.detail, at: T() }) && bench.trace?.push({ what: type, at: T() }),
      true,
    );
  }
  const mark = (id, at, how) => {
    const f = bench.frames[id];
    if (!f || f.at > at) bench.frames[id] = { at, how };
  };
  const seen = new WeakSet();
  /** Watches `video` elements (found by `find`) for their first decoded frame, keyed by `key(video)`. */
  bench.watch = (find, key) => {
    const tick = () => {
      if (!bench.watching) return void setTimeout(tick, 50);
      for (const v of find()) {
        const id = key(v);
        if (!id) continue;
        if (!seen.has(v)) {
          seen.add(v);
          // The frame's presentation, as the compositor reports it.
          v.requestVideoFrameCallback((now) => mark(key(v), performance.timeOrigin + now, 'rVFC'));
        }
        if (!bench.frames[id] && v.getVideoPlaybackQuality().totalVideoFrames > 0) mark(id, T(), 'poll');
      }
      setTimeout(tick, 4);
    };
    tick();
  };
  // A timeline of the peer connections' work (observation only: every hook calls through).
  bench.trace = [];
  const tr = (what) => bench.trace.push({ what, at: T() });
  const P = RTCPeerConnection.prototype;
  for (const m of ['setLocalDescription', 'setRemoteDescription', 'addIceCandidate', 'createOffer', 'createAnswer']) {
    const orig = P[m];
    P[m] = function (...args) {
      const d = m === 'setRemoteDescription' ? `:${args[0]?.type}` : m === 'setLocalDescription' ? `:${this.signalingState}` : '';
      tr(`${m}${d}`);
      const r = orig.apply(this, args);
      r?.then?.(
        () => tr(`${m}${d} done`),
        () => tr(`${m}${d} failed`),
      );
      return r;
    };
  }
  // With ?trace (TRACE=1): DTLS state, the first video RTP packet in, the first frame decoded
  // (getStats, polled every 5 ms until then: it costs CPU, so never in measured runs).
  const deepTrace = (pc) => {
    let dtls = false;
    const seen = new Set();
    const poll = async () => {
      if (pc.signalingState === 'closed') return;
      const t = pc.getReceivers().find((r) => r.track.kind === 'video')?.transport;
      if (t && !dtls) {
        dtls = true;
        t.addEventListener('statechange', () => tr(`dtls ${t.state}`));
      }
      const stats = await pc.getStats().catch(() => null);
      stats?.forEach((r) => {
        if (r.type !== 'inbound-rtp' || r.kind !== 'video') return;
        if (r.packetsReceived > 0 && !seen.has('rtp')) {
          seen.add('rtp');
          tr('first video rtp in');
        }
        if (r.framesReceived > 0 && !seen.has('recv')) {
          seen.add('recv');
          tr('first video frame assembled');
        }
        if (r.framesDecoded > 0 && !seen.has('dec')) {
          seen.add('dec');
          tr(`first video frame decoded ${r.frameWidth}x${r.frameHeight} ${r.decoderImplementation}`);
        }
      });
      stats?.forEach((r) => {
        if (r.type === 'outbound-rtp' && r.kind === 'video' && r.framesEncoded > 0 && !seen.has('enc')) {
          seen.add('enc');
          tr(
            `first video frame encoded ${r.frameWidth}x${r.frameHeight} ${r.encoderImplementation} resChanges=${r.qualityLimitationResolutionChanges} ${r.qualityLimitationReason} target=${r.targetBitrate}`,
          );
        }
      });
      if (!seen.has('dec') || !seen.has('enc')) setTimeout(poll, 5);
    };
    setTimeout(poll, 5);
  };
  const OrigPC = window.RTCPeerConnection;
  window.RTCPeerConnection = function (...args) {
    const pc = new OrigPC(...args);
    tr('pc created');
    pc.addEventListener('icecandidate', (e) => tr(`icecandidate ${e.candidate ? e.candidate.type + ' ' + e.candidate.protocol : 'end'}`));
    pc.addEventListener('iceconnectionstatechange', () => tr(`ice ${pc.iceConnectionState}`));
    pc.addEventListener('connectionstatechange', () => tr(`pc ${pc.connectionState}`));
    pc.addEventListener('negotiationneeded', () => tr('negotiationneeded'));
    pc.addEventListener('track', (e) => tr(`track ${e.track.kind}`));
    if (/[?&]trace\b/.test(location.search)) deepTrace(pc);
    return pc;
  };
  window.RTCPeerConnection.prototype = P;
  window.RTCPeerConnection.generateCertificate = OrigPC.generateCertificate.bind(OrigPC);
  const WS = WebSocket.prototype;
  const send = WS.send;
  WS.send = function (data) {
    tr(`ws send ${String(data).slice(0, 40)}`);
    return send.call(this, data);
  };
  const OrigWS = window.WebSocket;
  window.WebSocket = function (...args) {
    const ws = new OrigWS(...args);
    tr('ws created');
    ws.addEventListener('open', () => tr('ws open'));
    ws.addEventListener('message', (e) => tr(`ws recv ${String(e.data).slice(0, 40)}`));
    return ws;
  };
  Object.assign(window.WebSocket, OrigWS);
  window.WebSocket.prototype = WS;
  for (const k of ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED']) window.WebSocket[k] = OrigWS[k];
  const XO = XMLHttpRequest.prototype.open;
  XMLHttpRequest.prototype.open = function (method, url, ...rest) {
    const u = String(url).replace(/^.*\?/, '').slice(0, 60);
    tr(`xhr ${method} ${u}`);
    this.addEventListener('loadend', () => tr(`xhr ${method} done ${String(this.responseText).slice(0, 40)}`));
    return XO.call(this, method, url, ...rest);
  };
  // Main-thread tasks over 50 ms, and the element's re-renders (shadow DOM mutations).
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries())
        bench.trace.push({ what: `longtask ${e.duration.toFixed(0)} ms`, at: performance.timeOrigin + e.startTime });
    }).observe({ type: 'longtask' });
  } catch {}
  const watchRenders = () => {
    const root = document.querySelector('video-call')?.shadowRoot;
    if (!root) return void setTimeout(watchRenders, 50);
    let last = 0;
    new MutationObserver(() => {
      const t = T();
      if (t - last > 2) tr('render');
      last = t;
    }).observe(root, { subtree: true, childList: true, attributes: true, characterData: true });
  };
  if (!location.pathname.endsWith('baseline.html')) addEventListener('DOMContentLoaded', watchRenders);
  bench.remoteVideos = () => [...(document.querySelector('video-call')?.shadowRoot?.querySelectorAll('video[part~="remote-video"]') ?? [])];
  if (document.currentScript && !location.pathname.endsWith('baseline.html')) {
    bench.watch(bench.remoteVideos, (v) => v.dataset.peerId);
  }
})();
