// React through the package's wrapper: props set the element's properties, onVc… are its events.
// Plain JS with createElement (JSX works the same: <VideoCall room="x" onVcJoined={…} />).
import { createElement as h, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { VideoCall } from 'video-call-element/react';

function App() {
  const [name, setName] = useState('Ada');
  const [selfId, setSelfId] = useState('');
  const [error, setError] = useState('');
  return h(
    'main',
    null,
    h('input', { id: 'name', value: name, onChange: (e) => setName(e.target.value) }),
    h(VideoCall, {
      room: 'x',
      transport: 'local',
      name,
      style: { display: 'block', height: '480px' },
      onVcJoined: (e) => setSelfId(e.detail.selfId),
      onVcError: (e) => setError(e.detail.code),
    }),
    h('p', { id: 'self' }, selfId),
    h('p', { id: 'error' }, error),
  );
}

createRoot(document.getElementById('app')).render(h(App));
