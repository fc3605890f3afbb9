import { VideoCallError } from './errors.js';

/**
 * Where the script-tag bundle was loaded from, to fetch on-demand chunks (the
 * Firebase transport) from beside it. Works for classic and module scripts:
 * a `data-video-call-base` attribute on any script tag wins; otherwise the
 * `src` of the script whose file name is `video-call.js` (Shoelace's way).
 * The currently executing classic script is captured at load time as a
 * fallback.
 */
const loadingScript = typeof document !== 'undefined' ? (document.currentScript as HTMLScriptElement | null) : null;

export function basePath(): string {
  if (typeof document === 'undefined') return '';
  const scripts = [...document.getElementsByTagName('script')];
  const configured = scripts.find((s) => s.hasAttribute('data-video-call-base'));
  if (configured) return ensureSlash(new URL(configured.getAttribute('data-video-call-base')!, document.baseURI).href);
  const own = scripts.find((s) => /(^|\/)video-call(\.min)?\.js($|[?#])/.test(s.src)) ?? loadingScript;
  if (own?.src) return new URL('.', own.src).href;
  return new URL('.', document.baseURI).href;
}

function ensureSlash(url: string): string {
  return url.endsWith('/') ? url : url + '/';
}

/**
 * Script-tag build: imports the on-demand chunk `file` from beside the bundle (the Firebase
 * transport, the recorder); `what` names it in the error when it cannot be loaded.
 */
export async function importSibling<T>(file: string, what: string): Promise<T> {
  const url = new URL(file, basePath()).href;
  try {
    return await import(/* @vite-ignore */ url);
  } catch (err) {
    throw new VideoCallError('transport', `Could not load ${what} from ${url}.`, { cause: err });
  }
}
