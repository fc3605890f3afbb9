/**
 * The background effect, loaded on first use (npm/ESM build: a normal code-split import). Its
 * worker, runtime and model are the folder `video-call-background/` of the package's dist, served
 * by the page: where `basePath()` points (a `data-video-call-base` script attribute, else the page).
 */
export const loadBackground = (): Promise<typeof import('./background.js')> => import('./background.js');
