/** The scope of the signed URLs one attempt of one job uses for its input and outputs. */
export const jobIoScope = (jobId: string, attempt: number): string => `job-io:${jobId}:${attempt}`;

/** Cloudflare refuses request bodies over 100 MB: larger outputs arrive as multipart uploads. */
export const MAX_IO_BODY = 100_000_000;
