/** The longest delay a Node or browser timer can wait (2^31 − 1 ms); longer ones fire at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;
