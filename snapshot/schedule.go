package snapshot

import (
	"context"
	"errors"
	"sync"
	"time"
)

// scheduler runs the tasks of a collection after phase 1 with no barrier
// between them: a task may start further tasks (spawn) as soon as what they
// depend on has arrived, and the scheduler ends when every task has. At
// most width tasks run at once (--concurrency, the one bound of fan-out):
// spawned tasks wait in a queue that at most width workers drain, so the
// goroutines of a collection do not grow with its projects. The first
// fatal error cancels the context the tasks run under, so that the tasks
// not yet started make no request; ctx's deadline is not fatal (the tasks
// past it fail at once and record their sections missing).
type scheduler struct {
	ctx    context.Context
	cancel context.CancelFunc
	width  int
	wg     sync.WaitGroup // one count per task spawned and not yet ended

	mu      sync.Mutex
	queue   []task // spawned, not started, in spawn order
	workers int    // running workers, at most width

	errOnce  sync.Once
	firstErr error
}

func newScheduler(ctx context.Context, width int) *scheduler {
	ctx, cancel := context.WithCancel(ctx)
	return &scheduler{ctx: ctx, cancel: cancel, width: max(width, 1)}
}

// spawn queues t, to start once a worker is free (a new worker starts while
// fewer than width run). It may be called from a task.
func (s *scheduler) spawn(t task) {
	s.wg.Add(1)
	s.mu.Lock()
	s.queue = append(s.queue, t)
	start := s.workers < s.width
	if start {
		s.workers++
	}
	s.mu.Unlock()
	if start {
		go s.work()
	}
}

// work runs queued tasks until the queue is empty.
func (s *scheduler) work() {
	for {
		s.mu.Lock()
		if len(s.queue) == 0 {
			s.workers--
			s.mu.Unlock()
			return
		}
		t := s.queue[0]
		s.queue[0] = nil
		s.queue = s.queue[1:]
		s.mu.Unlock()
		s.run(t)
	}
}

// run runs one task, unless a fatal error or an interrupt came first.
func (s *scheduler) run(t task) {
	defer s.wg.Done()
	if err := s.ctx.Err(); errors.Is(err, context.Canceled) {
		return
	}
	if err := t(s.ctx); err != nil {
		s.errOnce.Do(func() {
			s.firstErr = err
			s.cancel()
		})
	}
}

// wait waits for every task, those spawned by tasks included, and returns
// the first fatal error as a *FatalError, or parent's cancellation.
func (s *scheduler) wait(parent context.Context) error {
	s.wg.Wait()
	s.cancel()
	err := s.firstErr
	if err == nil && errors.Is(parent.Err(), context.Canceled) {
		err = parent.Err()
	}
	if err != nil {
		return &FatalError{Err: err}
	}
	return nil
}

// deadlineCtx is a context whose deadline can be set (and moved) after it
// was made: the collection's deadline derived from its plan
// (Options.TimeoutFor). Past it, it is done with context.DeadlineExceeded,
// exactly as a context.WithDeadline would be; its parent's end (and
// deadline) still apply.
type deadlineCtx struct {
	context.Context // the parent

	mu       sync.Mutex
	deadline time.Time
	timer    *time.Timer
	// gen numbers the deadlines set: a timer that fired for an earlier one
	// (and waited on mu while the deadline moved) ends nothing.
	gen  uint64
	done chan struct{}
	err  error
	stop chan struct{}
}

// newDeadlineCtx returns a deadlineCtx under parent with the deadline at;
// release stops its timer and goroutine.
func newDeadlineCtx(parent context.Context, at time.Time) (*deadlineCtx, func()) {
	d := &deadlineCtx{Context: parent, done: make(chan struct{}), stop: make(chan struct{})}
	d.setDeadline(at)
	go func() {
		select {
		case <-parent.Done():
			d.end(parent.Err())
		case <-d.stop:
		}
	}()
	var once sync.Once
	return d, func() {
		once.Do(func() {
			close(d.stop)
			d.mu.Lock()
			if d.timer != nil {
				d.timer.Stop()
			}
			d.mu.Unlock()
		})
	}
}

// setDeadline moves the deadline to at (a past one ends d at once).
func (d *deadlineCtx) setDeadline(at time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.err != nil {
		return
	}
	d.deadline = at
	d.gen++
	gen := d.gen
	if d.timer != nil {
		d.timer.Stop()
	}
	d.timer = time.AfterFunc(time.Until(at), func() {
		if deadlineFired != nil {
			deadlineFired()
		}
		d.endIf(gen)
	})
}

// deadlineFired, when set (by tests), runs when a deadline's timer fires,
// before it takes d.mu: where a setDeadline may slip in.
var deadlineFired func()

func (d *deadlineCtx) end(err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.endLocked(err)
}

// endIf ends d with context.DeadlineExceeded unless the deadline was moved
// since generation gen was set: a timer that fired but was stopped too late
// (its callback waiting on mu while setDeadline ran) is void.
func (d *deadlineCtx) endIf(gen uint64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if gen == d.gen {
		d.endLocked(context.DeadlineExceeded)
	}
}

func (d *deadlineCtx) endLocked(err error) {
	if d.err != nil {
		return
	}
	d.err = err
	close(d.done)
}

// Deadline is the earlier of d's deadline and its parent's.
func (d *deadlineCtx) Deadline() (time.Time, bool) {
	d.mu.Lock()
	at := d.deadline
	d.mu.Unlock()
	if pd, ok := d.Context.Deadline(); ok && pd.Before(at) {
		return pd, true
	}
	return at, true
}

func (d *deadlineCtx) Done() <-chan struct{} { return d.done }

func (d *deadlineCtx) Err() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.err
}
