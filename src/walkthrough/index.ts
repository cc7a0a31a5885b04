/** `pim-emulator walkthrough`: the article's five phases, narrated, against a running emulator (walk.ts). */
export { DEFAULT_URL, runWalkthrough, type WalkthroughOptions, type WalkthroughResult, type WalkthroughStep } from './walk.js';
export { WALKTHROUGH_HELP, walkthroughCommand } from './command.js';
