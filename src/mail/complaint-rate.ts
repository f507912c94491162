// The complaint rate against what Gmail and Yahoo enforce on bulk senders: below 0.3 % of delivered mail reported
// as spam, and Google asks for below 0.1 %. Pure: the dashboard and `paperboy stats` show what this decides.

/** The rate the big mailbox providers enforce (0.3 %). */
export const COMPLAINT_RATE_LIMIT = 0.003;
/** From here the rate is close to the limit (Google's own recommendation, 0.1 %). */
export const COMPLAINT_RATE_WARNING = 0.001;

export type ComplaintRateStatus = 'ok' | 'close' | 'over';

export interface ComplaintRate {
  /** complaints / sent, 0 when nothing was sent. */
  rate: number;
  status: ComplaintRateStatus;
}

export function complaintRate(complaints: number, sent: number): ComplaintRate {
  const rate = sent > 0 ? complaints / sent : 0;
  const status: ComplaintRateStatus = rate >= COMPLAINT_RATE_LIMIT ? 'over' : rate >= COMPLAINT_RATE_WARNING ? 'close' : 'ok';
  return { rate, status };
}

export const formatRate = (rate: number) => `${(rate * 100).toFixed(rate > 0 && rate < 0.0001 ? 3 : 2)} %`;
