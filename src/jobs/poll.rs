//! Poll strategies that cannot lose their wake-up.
//!
//! apalis-core 1.0's `IntervalStrategy` replaces a fired timer without polling the new
//! one, so no waker is registered; when the backend's fetch then comes back empty, nothing
//! wakes the worker until the next heartbeat (seen as jobs stuck for ~30 s). [`Rearm`]
//! polls its inner strategy again until it is `Pending`, which registers the next waker.

use std::task::{Context, Poll};

use apalis::prelude::{PollSnapshot, PollStrategy};

/// Polls the inner strategy until it registers a waker (see the module docs).
#[derive(Debug, Clone)]
pub struct Rearm<S>(pub S);

/// A strategy that polls both inner ones each time, so both keep a waker registered, and is
/// ready when either is. A stream that ended is left out from then on.
#[derive(Debug, Clone)]
pub struct Either<A, B> {
    a: Option<A>,
    b: Option<B>,
}

impl<A, B> Either<A, B> {
    pub fn new(a: A, b: B) -> Self {
        Either {
            a: Some(a),
            b: Some(b),
        }
    }
}

/// Bounds the re-polls of one wake-up, in case a strategy is ready on every poll.
const MAX_SPINS: usize = 64;

impl<S: PollStrategy> PollStrategy for Rearm<S> {
    fn poll_drive(&mut self, cx: &mut Context<'_>, snapshot: &PollSnapshot) -> Poll<Option<()>> {
        let mut fired = false;
        for _ in 0..MAX_SPINS {
            match self.0.poll_drive(cx, snapshot) {
                Poll::Ready(Some(())) => fired = true,
                Poll::Ready(None) => return Poll::Ready(fired.then_some(())),
                Poll::Pending => {
                    return if fired {
                        Poll::Ready(Some(()))
                    } else {
                        Poll::Pending
                    };
                }
            }
        }
        // Still ready after many polls: ask to be polled again rather than spin here.
        cx.waker().wake_by_ref();
        Poll::Ready(Some(()))
    }

    fn on_poll(&mut self, snapshot: &PollSnapshot) {
        self.0.on_poll(snapshot);
    }
}

fn drive<S: PollStrategy>(
    slot: &mut Option<S>,
    cx: &mut Context<'_>,
    snapshot: &PollSnapshot,
) -> Option<bool> {
    let strategy = slot.as_mut()?;
    match strategy.poll_drive(cx, snapshot) {
        Poll::Ready(Some(())) => Some(true),
        Poll::Ready(None) => {
            *slot = None;
            None
        }
        Poll::Pending => Some(false),
    }
}

impl<A: PollStrategy, B: PollStrategy> PollStrategy for Either<A, B> {
    fn poll_drive(&mut self, cx: &mut Context<'_>, snapshot: &PollSnapshot) -> Poll<Option<()>> {
        let a = drive(&mut self.a, cx, snapshot);
        let b = drive(&mut self.b, cx, snapshot);
        match (a, b) {
            (Some(true), _) | (_, Some(true)) => Poll::Ready(Some(())),
            (None, None) => Poll::Ready(None),
            _ => Poll::Pending,
        }
    }

    fn on_poll(&mut self, snapshot: &PollSnapshot) {
        if let Some(a) = &mut self.a {
            a.on_poll(snapshot);
        }
        if let Some(b) = &mut self.b {
            b.on_poll(snapshot);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::{Wake, Waker};

    use super::*;

    /// Ready `ready` times, then pending; counts how often it registered a waker.
    struct Script {
        ready: usize,
        registered: usize,
    }

    impl PollStrategy for Script {
        fn poll_drive(&mut self, _: &mut Context<'_>, _: &PollSnapshot) -> Poll<Option<()>> {
            if self.ready > 0 {
                self.ready -= 1;
                Poll::Ready(Some(()))
            } else {
                self.registered += 1;
                Poll::Pending
            }
        }
    }

    struct CountingWaker(AtomicUsize);

    impl Wake for CountingWaker {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn a_fired_strategy_is_polled_until_it_registers_a_waker() {
        let waker = Waker::from(Arc::new(CountingWaker(AtomicUsize::new(0))));
        let mut cx = Context::from_waker(&waker);
        let mut rearm = Rearm(Script {
            ready: 1,
            registered: 0,
        });
        let snapshot = PollSnapshot::new();
        assert_eq!(rearm.poll_drive(&mut cx, &snapshot), Poll::Ready(Some(())));
        assert_eq!(rearm.0.registered, 1, "the next tick's waker is in place");
        assert_eq!(rearm.poll_drive(&mut cx, &snapshot), Poll::Pending);
    }

    #[test]
    fn either_polls_both_sides_and_forgets_an_ended_one() {
        struct Ended;
        impl PollStrategy for Ended {
            fn poll_drive(&mut self, _: &mut Context<'_>, _: &PollSnapshot) -> Poll<Option<()>> {
                Poll::Ready(None)
            }
        }
        let waker = Waker::from(Arc::new(CountingWaker(AtomicUsize::new(0))));
        let mut cx = Context::from_waker(&waker);
        let snapshot = PollSnapshot::new();
        let mut either = Either::new(
            Script {
                ready: 1,
                registered: 0,
            },
            Script {
                ready: 0,
                registered: 0,
            },
        );
        assert_eq!(either.poll_drive(&mut cx, &snapshot), Poll::Ready(Some(())));
        assert_eq!(either.b.as_ref().unwrap().registered, 1);
        let mut half = Either::new(
            Ended,
            Script {
                ready: 0,
                registered: 0,
            },
        );
        assert_eq!(half.poll_drive(&mut cx, &snapshot), Poll::Pending);
        assert!(half.a.is_none());
    }
}
