package snapshot

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// A deadline timer that has fired but is still waiting for the lock when
// the deadline moves later must not end the context (the late move wins).
func TestDeadlineMovedWhileItsTimerFiresIsKept(t *testing.T) {
	for _, move := range []struct {
		name  string
		by    time.Duration
		ended bool
	}{
		{"moved later", time.Hour, false},
		// The near miss: a move to a time already past still ends it.
		{"moved to the past", -time.Hour, true},
	} {
		t.Run(move.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				fired := make(chan struct{})
				proceed := make(chan struct{})
				var once sync.Once
				deadlineFired = func() {
					once.Do(func() {
						close(fired)
						<-proceed
					})
				}
				defer func() { deadlineFired = nil }()
				d, release := newDeadlineCtx(context.Background(), time.Now().Add(time.Second))
				defer release()
				<-fired // the first timer fired; its callback waits
				d.setDeadline(time.Now().Add(move.by))
				close(proceed)
				synctest.Wait()
				if got := d.Err() != nil; got != move.ended {
					t.Fatalf("ended = %v (err %v), want %v", got, d.Err(), move.ended)
				}
				if !move.ended {
					time.Sleep(move.by + time.Second)
					synctest.Wait()
					if !errors.Is(d.Err(), context.DeadlineExceeded) {
						t.Fatalf("after the moved deadline: err = %v, want DeadlineExceeded", d.Err())
					}
				}
			})
		})
	}
}

// Many tasks at width 1 run one at a time, park no goroutine each, still
// run tasks they spawn, and stop at the first fatal error.
func TestSchedulerDrainsAQueueWithWidthWorkers(t *testing.T) {
	const n = 5000
	for _, fatalAt := range []int{-1, 100} {
		synctest.Test(t, func(t *testing.T) {
			s := newScheduler(context.Background(), 1)
			var running, most, ran, spawned atomic.Int64
			release := make(chan struct{})
			task := func(i int) task {
				return func(ctx context.Context) error {
					if r := running.Add(1); r > most.Load() {
						most.Store(r)
					}
					defer running.Add(-1)
					if i == 0 {
						<-release
					}
					ran.Add(1)
					if i%10 == 0 {
						spawned.Add(1)
						s.spawn(func(context.Context) error { ran.Add(1); return nil })
					}
					if i == fatalAt {
						return errors.New("fatal")
					}
					return nil
				}
			}
			before := runtime.NumGoroutine()
			for i := range n {
				s.spawn(task(i))
			}
			synctest.Wait() // task 0 runs and blocks; the rest are queued
			if g := runtime.NumGoroutine() - before; g > 2 {
				t.Fatalf("%d goroutines for %d queued tasks at width 1, want at most 2", g, n)
			}
			close(release)
			err := s.wait(context.Background())
			if most.Load() != 1 {
				t.Fatalf("%d tasks ran at once at width 1", most.Load())
			}
			if fatalAt < 0 {
				if err != nil || ran.Load() != n+spawned.Load() || spawned.Load() != n/10 {
					t.Fatalf("err %v, ran %d of %d + %d spawned", err, ran.Load(), n, spawned.Load())
				}
				return
			}
			var fe *FatalError
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v, want a FatalError", err)
			}
			// Tasks 0..fatalAt ran and those spawned by them (queued
			// behind the others, so skipped); nothing after the fatal one.
			if ran.Load() != int64(fatalAt+1) {
				t.Fatalf("ran %d tasks, want %d (none after the fatal error)", ran.Load(), fatalAt+1)
			}
		})
	}
}
