/** Whatever was thrown, as an Error whose message can be shown. */
export const asError = (thrown: unknown): Error => (thrown instanceof Error ? thrown : new Error(String(thrown)));
