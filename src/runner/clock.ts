export { nowMs, roundMs } from '../util/clock.ts';
