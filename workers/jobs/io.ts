/** The scope of the signed URLs one attempt of one job uses for its input and outputs. */
export const jobIoScope = (jobId: string, attempt: number): string => `job-io:${jobId}:${attempt}`;
