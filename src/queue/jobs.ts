import type { Queue } from 'bullmq';

/**
 * Removes the job with this id when it has finished (completed or failed), so that adding it again really
 * runs it: BullMQ ignores an add whose id exists, finished or not. A waiting or running job is left alone.
 */
export async function removeFinishedJob(queue: Queue, jobId: string): Promise<void> {
  const state = await queue.getJobState(jobId);
  if (state === 'completed' || state === 'failed') await queue.remove(jobId).catch(() => {});
}
