/** Largest id the INT columns hold: ids, user ids and cursors stay within it. */
export const MAX_ID = 2_147_483_647;

/** Longest description any resource takes (TEXT columns). */
export const MAX_DESCRIPTION_LENGTH = 10_000;
