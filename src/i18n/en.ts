/**
 * The English strings: the fallback for every language, and the list of string ids (a
 * {@link StringId} is a key of this table, so a typo in an id is a compile error). Each id is
 * documented in docs/i18n.md. `{name}`-style placeholders are filled in by `t()`; a value with
 * plural forms is an object keyed by `Intl.PluralRules` category (`other` required), chosen by
 * the `count` value.
 */
export const en = {
  // Pre-join screen
  you: 'You',
  muteMic: 'Mute microphone',
  unmuteMic: 'Unmute microphone',
  cameraOff: 'Turn camera off',
  cameraOn: 'Turn camera on',
  room: 'Room {room}',
  readyToJoin: 'Ready to join?',
  yourName: 'Your name',
  join: 'Join',
  joining: 'Joining…',
  noRoom: 'There is no room to join yet: this page has not said which one.',
  // Banners
  dismiss: 'Dismiss',
  dismissMessage: 'Dismiss message',
  retry: 'Retry',
  soundBlocked: "The browser is holding back the others' sound until you interact with the page.",
  turnOnSound: 'Turn on sound',
  signalingLost: 'Connection to the signaling server lost. Reconnecting…',
  // Stage and tiles
  participants: { one: '{count} person in the call', other: '{count} people in the call' },
  waitingForOthers: 'Waiting for others to join…',
  waitingForOthersRoom: 'Waiting for others to join room {room}…',
  guest: 'Guest',
  connecting: 'Connecting…',
  reconnecting: 'Reconnecting…',
  disconnected: 'Disconnected',
  cantConnect: "Can't connect to this person. Their network or yours may be blocking calls. Still trying…",
  youSuffix: '{name} (you)',
  yourVideo: 'Your video',
  videoOf: 'Video of {name}',
  micOffBadge: 'Microphone off',
  cameraOffBadge: 'Camera off',
  sharingScreen: 'Sharing screen',
  lineGood: 'Good connection',
  lineFair: 'Fair connection',
  linePoor: 'Poor connection',
  lineDetails: '{quality}: {rtt} ms round trip, {loss} % loss, {bitrate} kbit/s',
  // Ring flow
  someone: 'Someone',
  they: 'They',
  waitingForSomeone: 'Waiting for someone to join…',
  declined: '{name} declined the call.',
  isHere: '{name} is here.',
  startCall: 'Start call',
  calling: 'Calling {name}…',
  waitingForTheirCall: '{name} is here. Waiting for their call…',
  incoming: '{name} is calling you.',
  accept: 'Accept',
  decline: 'Decline',
  // Control bar
  callControls: 'Call controls',
  shareScreen: 'Share screen',
  shareYourScreen: 'Share your screen',
  stopSharing: 'Stop sharing your screen',
  chat: 'Chat',
  openChat: 'Open chat',
  closeChat: 'Close chat',
  unread: '{count} unread',
  leaveCall: 'Leave call',
  // Recording (the `recording` attribute)
  record: 'Record the call',
  recording: 'Recording',
  // Chat
  noMessages: 'No messages yet. Messages go straight to the others in the call.',
  olderHidden: 'Older messages are not shown.',
  message: 'Message',
  messageEveryone: 'Message everyone',
  send: 'Send',
  sendMessage: 'Send message',
  newMessageFrom: 'New message from {name}: {text}',
  // (Shown for two or more: one message is `newMessageFrom`. Translations give their plural forms.)
  newMessages: '{count} new messages. The latest from {name}: {text}',
} satisfies Record<string, string | Plural>;

/**
 * The strings of the call's extras (the extra control-bar buttons and the participants panel):
 * they ship in the extras chunk (src/components/video-call/social.ts), which adds them to the
 * English table when it loads.
 */
export const enExtras = {
  // Tiles
  handRaised: 'Hand raised',
  raisedHand: '{name} raised their hand',
  pinTile: 'Pin {name}',
  unpinTile: 'Unpin {name}',
  // Control bar
  raiseHand: 'Raise hand',
  lowerHand: 'Lower hand',
  reactions: 'Reactions',
  fullscreen: 'Full screen',
  pip: 'Picture in picture',
  // Participants panel
  participantsPanel: 'Participants',
  closeParticipants: 'Close participants',
  micOnBadge: 'Microphone on',
  cameraOnBadge: 'Camera on',
} satisfies Record<string, string | Plural>;

/**
 * The errors as the element shows them, one per `vc-error` code, for the translations to follow
 * (and the docs). Not in the bundle: in English the element shows the `vc-error` message itself,
 * which is English and says more.
 */
export const enErrors = {
  'error.permission-denied': 'Camera or microphone access was refused. Allow it in the browser and try again.',
  'error.no-device': 'No camera or microphone was found.',
  'error.bad-config': 'This call is not set up correctly.',
  'error.transport': 'Could not reach the call server. Check your connection.',
  'error.room-full': 'This room is full.',
  'error.unauthorized': 'You are not allowed to join this room.',
  'error.bad-request': 'The request was refused.',
  'error.rate-limited': 'Too many attempts. Wait a moment and try again.',
  'error.not-joined': 'Join the call first.',
  'error.invalid-state': 'That is not possible right now.',
  'error.ice-failed': 'Could not connect to a participant. The network may be blocking calls.',
  'error.background-failed': 'The background effect could not run here, so your camera is shown as it is.',
  'error.not-supported': 'This browser does not support this feature.',
  'error.noise-suppression-failed': "Strong noise suppression could not run here, so the browser's own is used.",
} satisfies Record<string, string>;

/**
 * The English of the device settings (panel, level meter, notices): they come with the panel's
 * own chunk (src/device-chunk.ts), which adds them to the English table when it loads, so the
 * bundle does not carry them.
 */
export const enDevices = {
  settings: 'Settings',
  micLevel: 'Microphone level',
  closeSettings: 'Close settings',
  camera: 'Camera',
  microphone: 'Microphone',
  speaker: 'Speaker',
  noiseSuppression: 'Noise suppression',
  noiseStandard: 'Standard',
  noiseStrong: 'Strong',
  noiseOff: 'Off',
  cameraUnplugged: 'Camera disconnected. Now using {device}.',
  microphoneUnplugged: 'Microphone disconnected. Now using {device}.',
  speakerUnplugged: 'Speaker disconnected. Now using {device}.',
  deviceRestored: '{device} is connected again and in use.',
  cameraGone: 'Camera disconnected, and no other camera found. Your camera is off.',
  microphoneGone: 'Microphone disconnected, and no other microphone found. Your microphone is off.',
} satisfies Record<string, string>;

/** Plural forms of one string, keyed by `Intl.PluralRules` category; `other` is required. */
export type Plural = { zero?: string; one?: string; two?: string; few?: string; many?: string; other: string };

/** The id of a UI string (see docs/i18n.md). The Join button's is `join`. */
export type StringId = keyof typeof en | keyof typeof enExtras | keyof typeof enErrors | keyof typeof enDevices;

/** A language's table: every id, no other. */
export type Translation = { [K in StringId]: string | Plural };

/** Overrides for some strings (the element's `strings` property). */
export type Strings = Partial<Translation>;
