/**
 * The background effect's page side, loaded on first use (the script-tag build: the sibling file
 * `video-call-background.js`; see background-loader*.ts). Its worker, runtime and model are the
 * folder `video-call-background/` beside the bundle.
 */
export { BackgroundControl } from './background-control.js';
export { startBackground, type BackgroundHooks, type BackgroundOptions } from './background-effect.js';
