package snapshot

import (
	"context"
	"errors"

	"github.com/sourcegraph/conc/pool"
)

// run runs the tasks of one phase, as many at a time as the request budget
// lets requests run at once (--concurrency), and waits for all of them. The
// first fatal error a task returns cancels the context the others run
// under, so that their requests in flight are abandoned and the tasks not
// yet started make none, and is returned as a *FatalError; so is ctx's
// cancellation (an interrupt). ctx's deadline is not fatal: past it the
// remaining tasks still run, fail at once without a request, and record
// their sections missing.
func (col *collector) run(ctx context.Context, tasks []task) error {
	p := pool.New().WithMaxGoroutines(col.width()).WithContext(ctx).WithCancelOnError().WithFirstError()
	for _, t := range tasks {
		p.Go(func(ctx context.Context) error {
			if err := ctx.Err(); errors.Is(err, context.Canceled) {
				return err // skipped: a fatal error or an interrupt came first
			}
			return t(ctx)
		})
	}
	err := p.Wait()
	if err == nil && errors.Is(ctx.Err(), context.Canceled) {
		err = ctx.Err() // cancelled after the last task had finished
	}
	if err != nil {
		return &FatalError{Err: err}
	}
	return nil
}

// width is the number of tasks run at once: as many as the scanning
// client's Budget lets requests run at once (--concurrency), the one bound
// of every fan-out of a collection (the pages of a list fan out as wide).
// A task waiting for the rate windows holds its place.
func (col *collector) width() int { return col.c.Budget().Concurrency() }

// task is one unit of a collection phase. It keeps what it read, or records
// a Missing record saying why it could not, and returns an error only when
// the collection must stop (isFatal).
type task func(ctx context.Context) error

// source names one request of a collection in the Missing record its
// failure becomes: the section it reads, the project it reads it for (nil
// for an organization-wide request) and the endpoint.
type source struct {
	section   string
	projectID *int64
	endpoint  string
}

// fetch returns the task that reads src with get and hands the value to
// keep. keep runs under col.mu, so it may write to the snapshot and the
// collector; it is not called when get fails. A fatal failure is returned
// (and stops the phase); any other becomes src's Missing record, naming its
// cause.
func fetch[T any](col *collector, src source, get func(context.Context) (T, error), keep func(T)) task {
	return func(ctx context.Context) error {
		v, err := get(ctx)
		if err != nil {
			return col.fail(src, err)
		}
		col.mu.Lock()
		defer col.mu.Unlock()
		keep(v)
		return nil
	}
}

// bind is get with its argument given: the request for one organization or
// project.
func bind[A, T any](get func(context.Context, A) (T, error), a A) func(context.Context) (T, error) {
	return func(ctx context.Context) (T, error) { return get(ctx, a) }
}

// noted is get that also leaves its error in *dst (under col.mu), for the
// checks after phase 1 that need PostHog's answer itself, not only the
// Missing record it became.
func noted[T any](col *collector, dst *error, get func(context.Context) (T, error)) func(context.Context) (T, error) {
	return func(ctx context.Context) (T, error) {
		v, err := get(ctx)
		if err != nil {
			col.mu.Lock()
			*dst = err
			col.mu.Unlock()
		}
		return v, err
	}
}
