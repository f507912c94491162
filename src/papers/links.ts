// Where a paper can be read: its Hugging Face page (discussion, models, datasets, Spaces), arXiv and the PDF.
// Pure: derived from the external id alone, so editions frozen before these links existed get them too.

const ARXIV_ID = /^(\d{4}\.\d{4,5}|[a-z-]+(\.[A-Z]{2})?\/\d{7})(v\d+)?$/;

/** Daily Papers ids are arXiv ids; `synthetic-…` ids are the demo fixture's and name no real paper. */
export function isArxivId(externalId: string): boolean {
  return ARXIV_ID.test(externalId);
}

export function isSyntheticId(externalId: string): boolean {
  return externalId.startsWith('synthetic-');
}

export interface PaperLinks {
  /** https://huggingface.co/papers/<id>; null for demo papers, which have no page there. */
  huggingFaceUrl: string | null;
  arxivUrl: string | null;
  pdfUrl: string | null;
}

export function paperLinks(externalId: string): PaperLinks {
  const arxiv = isArxivId(externalId);
  return {
    huggingFaceUrl: isSyntheticId(externalId) ? null : `https://huggingface.co/papers/${encodeURIComponent(externalId)}`,
    arxivUrl: arxiv ? `https://arxiv.org/abs/${externalId}` : null,
    pdfUrl: arxiv ? `https://arxiv.org/pdf/${externalId}` : null,
  };
}

/** The Daily Papers page itself, credited in every digest. */
export const DAILY_PAPERS_URL = 'https://huggingface.co/papers';
