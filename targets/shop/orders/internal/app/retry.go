package app

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"
)

// RetryPolicy retries technical failures of a dependency call with bounded exponential
// backoff and full jitter. Business failures (Permanent) are returned at once.
type RetryPolicy struct {
	MaxAttempts    int           // attempts in total, default 5
	InitialBackoff time.Duration // wait after the first failure, default 100ms
	MaxBackoff     time.Duration // cap of the wait, default 2s
	// Storm is the retry-storm sabotage: retry at once and without limit, until the call
	// succeeds or the context ends.
	Storm bool
}

// DefaultRetryPolicy is the policy documented above.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{MaxAttempts: 5, InitialBackoff: 100 * time.Millisecond, MaxBackoff: 2 * time.Second}
}

// Do calls op until it succeeds, fails permanently, the attempts run out or ctx ends.
// The returned error is the last failure, annotated with the attempt count.
func (p RetryPolicy) Do(ctx context.Context, op func(context.Context) error) error {
	return p.DoUntil(ctx, op, Permanent)
}

// DoUntil is Do with its own test of a final failure: an error final reports true is
// returned at once, without another attempt (the saga's steps also end on a refusal by
// the open breaker: retrying it only waits for the backoff).
func (p RetryPolicy) DoUntil(ctx context.Context, op func(context.Context) error, final func(error) bool) error {
	backoff := p.InitialBackoff
	for attempt := 1; ; attempt++ {
		err := op(ctx)
		if err == nil || final(err) {
			return err
		}
		if ctx.Err() != nil {
			return fmt.Errorf("attempt %d: %w", attempt, err)
		}
		if p.Storm {
			continue
		}
		if attempt >= p.MaxAttempts {
			return fmt.Errorf("gave up after %d attempts: %w", attempt, err)
		}
		wait := backoff/2 + rand.N(backoff/2+1)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("attempt %d: %w (then %w)", attempt, err, ctx.Err())
		case <-t.C:
		}
		backoff = min(2*backoff, p.MaxBackoff)
	}
}
