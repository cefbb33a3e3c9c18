/** A request the raster library cannot serve, with the HTTP status that says why. */
export class RasterError extends Error {
  constructor(
    readonly status: 400 | 404 | 422,
    message: string,
  ) {
    super(message);
  }
}
