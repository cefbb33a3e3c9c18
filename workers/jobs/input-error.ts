/** A failure of the input itself: retrying cannot help. */
export class JobInputError extends Error {}
