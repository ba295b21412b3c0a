//! One client's stream of a monitor: the replayed backlog, then live events, then at most one
//! final notice (replaced, dropped for being too slow) after which it ends.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::mpsc;

use crate::envelope::Frame;
use crate::monitor::CrossRefId;

/// The hub's end of a subscription. Ending it (replacement, too slow, monitor ended) drops the
/// sender after leaving a final notice, so the client reads everything already queued first.
#[derive(Debug)]
pub(crate) struct StreamSlot {
    pub(crate) sender: mpsc::Sender<Frame>,
    final_notice: Arc<Mutex<Option<Frame>>>,
}

impl StreamSlot {
    /// Ends the stream; `notice` (if any) is the last frame its client reads.
    pub(crate) fn end_with(self, notice: Option<Frame>) {
        if let Some(notice) = notice {
            *self
                .final_notice
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = Some(notice);
        }
        drop(self.sender);
    }
}

/// A client's stream of one monitor, from `MonitorHub::subscribe`. Read it with `next`.
#[derive(Debug)]
pub struct Subscription {
    cross_ref_id: CrossRefId,
    backlog: VecDeque<Frame>,
    live: mpsc::Receiver<Frame>,
    final_notice: Arc<Mutex<Option<Frame>>>,
    finished: bool,
}

impl Subscription {
    pub(crate) fn open(
        cross_ref_id: CrossRefId,
        backlog: VecDeque<Frame>,
        capacity: usize,
    ) -> (Self, StreamSlot) {
        let (sender, live) = mpsc::channel(capacity.max(1));
        let final_notice = Arc::new(Mutex::new(None));
        let subscription = Self {
            cross_ref_id,
            backlog,
            live,
            final_notice: final_notice.clone(),
            finished: false,
        };
        (
            subscription,
            StreamSlot {
                sender,
                final_notice,
            },
        )
    }

    pub fn cross_ref_id(&self) -> &CrossRefId {
        &self.cross_ref_id
    }

    /// The next frame: replayed ones first, then live ones; `None` once the stream has ended
    /// (the monitor ended, a newer stream replaced it, or it fell too far behind). Cancel-safe,
    /// so it can sit in a `select!` next to heartbeats and socket reads.
    pub async fn next(&mut self) -> Option<Frame> {
        if let Some(frame) = self.backlog.pop_front() {
            return Some(frame);
        }
        if self.finished {
            return None;
        }
        match self.live.recv().await {
            Some(frame) => Some(frame),
            None => {
                self.finished = true;
                self.final_notice
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .take()
            }
        }
    }

    /// The next frame if one is ready now, without waiting.
    pub fn try_next(&mut self) -> Option<Frame> {
        if let Some(frame) = self.backlog.pop_front() {
            return Some(frame);
        }
        if self.finished {
            return None;
        }
        match self.live.try_recv() {
            Ok(frame) => Some(frame),
            Err(mpsc::error::TryRecvError::Empty) => None,
            Err(mpsc::error::TryRecvError::Disconnected) => {
                self.finished = true;
                self.final_notice
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .take()
            }
        }
    }
}
