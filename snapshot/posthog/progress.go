package posthog

import "context"

// pagesKey carries a list's page observer (WithPagesLeft).
type pagesKey struct{}

// WithPagesLeft returns ctx under which a counted list (List, the activity
// logs' numbered pages) reports, once its first page has told the count,
// fn(count, left) with left the pages still to read (⌈count/size⌉ − 1 for
// a list read in full), and again after each further page with one less.
// A list that fits its first page reports left 0. A cursor chain (no count)
// reports nothing. A list read a second time (ErrIncompleteList's retry)
// reports again from its first page. fn must be safe for concurrent use.
func WithPagesLeft(ctx context.Context, fn func(count, left int)) context.Context {
	return context.WithValue(ctx, pagesKey{}, fn)
}

// reportPages calls ctx's page observer, if any.
func reportPages(ctx context.Context, count, left int) {
	if fn, _ := ctx.Value(pagesKey{}).(func(count, left int)); fn != nil {
		fn(count, max(left, 0))
	}
}
