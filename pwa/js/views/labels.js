// Words for states, shared by the views.

import { formatTime, t } from '../i18n.js';
import { STATE } from '../visit.js';

/** What the surveyor reads about one visit's sync state. */
export function visitStateText(visit) {
  const sync = visit.sync || {};
  switch (visit.state) {
    case STATE.draft:
      return t('state.draft');
    case STATE.waiting:
      return sync.last_error && sync.last_error.kind === 'network' ? t('state.waiting_network') : t('state.waiting');
    case STATE.uploading:
      return sync.photos_total
        ? t('state.uploading_photos', { done: sync.photos_done || 0, total: sync.photos_total })
        : t('state.uploading');
    case STATE.synced:
      if (sync.server_status === 'approved') return t('state.approved');
      if (sync.server_status === 'rejected') return t('state.rejected');
      return t('state.synced');
    case STATE.returned:
      return t('state.returned');
    case STATE.refused:
      return t('state.refused', { reason: refusalReason(sync.last_error) });
    default:
      return visit.state;
  }
}

/** The server's reason for refusing a visit, in the surveyor's words where we know the code. */
export function refusalReason(problem) {
  if (!problem) return t('refused.unknown');
  const known = {
    'visit.conflict': 'refused.conflict',
    'photo.hash_mismatch': 'refused.hash_mismatch',
    'local.photo_lost': 'refused.photo_lost',
    'local.photo_not_accepted': 'refused.photo_not_accepted',
    'local.instrument_missing': 'refused.instrument_missing',
  }[problem.code];
  if (known) return t(known);
  if (problem.status === 403) return t('refused.forbidden');
  if (problem.status === 413) return t('refused.too_large');
  if (problem.status === 415) return t('refused.not_image');
  return problem.detail || problem.title || t('refused.http', { status: problem.status ?? '?' });
}

/** The outbox's overall state in one line; `work` is `unsentWork` of the surveyor's visits. */
export function outboxStatusText(status, work) {
  const pending = work.queued;
  switch (status.state) {
    case 'running':
      return t('sync.running');
    case 'offline':
      return pending ? t('sync.offline_pending', { n: pending }) : t('sync.offline');
    case 'retrying':
      return pending
        ? t('sync.retrying', { n: pending, time: formatTime(status.next_attempt_at) })
        : t('sync.retrying_none', { time: formatTime(status.next_attempt_at) });
    case 'signin':
      return pending ? t('sync.signin', { n: pending }) : t('sync.signin_none');
    case 'error':
      return t('sync.error', { time: formatTime(status.next_attempt_at) });
    default:
      if (pending) return t('sync.pending', { n: pending });
      if (!status.last_sync_at) return t('sync.idle');
      // "Everything sent" only when it is: a draft or a refused visit is evidence the server does not hold.
      return t(work.total ? 'sync.finished_sent_at' : 'sync.all_sent_at', { time: formatTime(status.last_sync_at) });
  }
}

/**
 * What the server does not hold yet, in one sentence ("Belum terkirim: 1 kunjungan belum selesai."), or null when
 * it holds everything. Every screen that speaks of unsent visits says this same sentence.
 */
export function unsentWorkText(work) {
  const parts = ['queued', 'drafts', 'refused', 'returned']
    .filter((kind) => work[kind])
    .map((kind) => t(`unsent.${kind}`, { n: work[kind] }));
  return parts.length ? t('unsent.summary', { parts: parts.join('; ') }) : null;
}
