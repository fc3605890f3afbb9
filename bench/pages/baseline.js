// The baseline: RTCPeerConnections in one page, wired to each other directly (no signaling
// server, no transport), with the element's media constraints and its data channel.
(() => {
  const bench = window.__bench;
  const videos = new Set();
  bench.watch(
    () => videos,
    (v) => v.dataset.key,
  );
  let stream;
  bench.media = async () => {
    stream ??= await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: true, noiseSuppression: true },
      video: { width: { ideal: 1280 }, height: { ideal: 720 } },
    });
    return stream.getTracks().map((t) => t.kind);
  };
  bench.capture = () => {
    const s = stream?.getVideoTracks()[0]?.getSettings();
    return s ? `${s.width}x${s.height}@${s.frameRate}` : 'none';
  };
  let live = [];
  const pcPair = (key) => {
    const a = new RTCPeerConnection({ iceServers: [] });
    const b = new RTCPeerConnection({ iceServers: [] });
    live.push(a, b);
    const connected = {};
    for (const [pc, other, name] of [
      [a, b, 'a'],
      [b, a, 'b'],
    ]) {
      const pending = [];
      pc.__pending = pending;
      pc.onicecandidate = ({ candidate }) => {
        if (!candidate) return;
        if (other.remoteDescription) other.addIceCandidate(candidate).catch(() => {});
        else other.__pending.push(candidate);
      };
      pc.onconnectionstatechange = () => {
        if (pc.connectionState === 'connected' && !connected[name]) connected[name] = bench.now();
      };
      pc.createDataChannel('video-call', { negotiated: true, id: 0 });
      for (const t of stream.getTracks()) pc.addTrack(t, stream);
      const v = document.createElement('video');
      v.autoplay = true;
      v.playsInline = true;
      v.dataset.key = `${key}-${name}`;
      const remote = new MediaStream();
      pc.ontrack = ({ track }) => {
        remote.addTrack(track);
        v.srcObject = remote;
      };
      document.body.append(v);
      videos.add(v);
    }
    return { a, b, connected };
  };
  const drain = async (pc) => {
    for (const c of pc.__pending.splice(0)) await pc.addIceCandidate(c).catch(() => {});
  };
  const negotiate = async ({ a, b }) => {
    // b is the newcomer: it offers, as in the element.
    await b.setLocalDescription();
    await a.setRemoteDescription(b.localDescription);
    await drain(a);
    await a.setLocalDescription();
    await b.setRemoteDescription(a.localDescription);
    await drain(b);
  };
  /** Starts `pairs` loopback pairs at once; returns their start time and keys. */
  bench.start = (pairs, label) => {
    bench.frames = {};
    const t0 = bench.now();
    const made = [];
    for (let i = 0; i < pairs; i++) {
      const p = pcPair(`${label}-${i}`);
      made.push(p);
      void negotiate(p);
    }
    bench.pairs = made;
    return { t0, keys: made.flatMap((_, i) => [`${label}-${i}-a`, `${label}-${i}-b`]) };
  };
  bench.connectedTimes = () => (bench.pairs ?? []).flatMap((p) => [p.connected.a, p.connected.b]);
  bench.stop = () => {
    for (const pc of live) pc.close();
    live = [];
    for (const v of videos) {
      v.srcObject = null;
      v.remove();
    }
    videos.clear();
  };
})();
