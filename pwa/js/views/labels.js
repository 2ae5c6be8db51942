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

/** The outbox's overall state in one line. */
export function outboxStatusText(status, pending) {
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
      return t('sync.signin', { n: pending });
    case 'error':
      return t('sync.error', { time: formatTime(status.next_attempt_at) });
    default:
      if (pending) return t('sync.pending', { n: pending });
      return status.last_sync_at ? t('sync.all_sent_at', { time: formatTime(status.last_sync_at) }) : t('sync.idle');
  }
}

export function isPending(visit) {
  return [STATE.waiting, STATE.uploading].includes(visit.state);
}
