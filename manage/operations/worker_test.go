package operations

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"tessera/domain"
)

// fakeQueue holds jobs in memory and records what the worker reports.
type fakeQueue struct {
	mu       sync.Mutex
	due      []*Job
	later    []string
	finished []Outcome
}

func (q *fakeQueue) Claim(context.Context, int, time.Duration) ([]*Job, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := q.due
	q.due = nil
	for _, j := range out {
		j.Attempts++
	}
	return out, nil
}

func (q *fakeQueue) Submitted(_ context.Context, j *Job, siteOpID string, _ time.Duration) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	j.SiteOpID = siteOpID
	q.due = append(q.due, j)
	return nil
}

func (q *fakeQueue) Later(_ context.Context, j *Job, _ time.Duration, note string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.later = append(q.later, note)
	q.due = append(q.due, j)
	return nil
}

func (q *fakeQueue) Finish(_ context.Context, _ *Job, out Outcome) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.finished = append(q.finished, out)
	return nil
}

func (q *fakeQueue) Listen(ctx context.Context, _ func()) error { <-ctx.Done(); return ctx.Err() }

// fakeSite answers Submit and Operation as told; hang makes it never answer.
type fakeSite struct {
	mu        sync.Mutex
	submitted []domain.OperationRequest
	submitErr error
	state     domain.OperationState
	hang      bool
}

func (s *fakeSite) Client(context.Context, string) (domain.SiteClient, error) { return s, nil }
func (s *fakeSite) Info(context.Context) (*domain.SiteInfo, error)            { return nil, nil }
func (s *fakeSite) Machine(context.Context, string) (*domain.MachineObservation, error) {
	return nil, domain.Errorf(domain.ENOTFOUND, "no")
}

func (s *fakeSite) Submit(ctx context.Context, req domain.OperationRequest) (*domain.Operation, error) {
	s.mu.Lock()
	hang, err := s.hang, s.submitErr
	s.submitted = append(s.submitted, req)
	s.mu.Unlock()
	if hang {
		<-ctx.Done()
		return nil, domain.Errorf(domain.EUNAVAILABLE, "The site does not answer.")
	}
	if err != nil {
		return nil, err
	}
	return &domain.Operation{ID: "op-" + req.Key, Key: req.Key, State: domain.OpQueued}, nil
}

func (s *fakeSite) Operation(context.Context, string) (*domain.Operation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return &domain.Operation{State: s.state}, nil
}

// fakeApplier records outcomes; it fails the first failures calls.
type fakeApplier struct {
	mu       sync.Mutex
	applied  []Outcome
	failures int
}

func (a *fakeApplier) Apply(_ context.Context, _ *Job, out Outcome, _ domain.SiteClient) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.failures > 0 {
		a.failures--
		return domain.Errorf(domain.EUNAVAILABLE, "database down")
	}
	a.applied = append(a.applied, out)
	return nil
}

func diskJob() *Job {
	return &Job{ID: "j1", TenantID: "t", SiteID: "s", Resource: ResourceDisk, ResourceID: "d1",
		Request: domain.OperationRequest{Key: "disk_create:d1", Kind: domain.OpDiskCreate}}
}

// TestWorkerStorageOperation: the worker sends the queued request with its
// key, follows the site's operation while it runs, and when it ends moves
// the resource on before it finishes the job; an apply that fails is tried
// again rather than lost.
func TestWorkerStorageOperation(t *testing.T) {
	q := &fakeQueue{due: []*Job{diskJob()}}
	site := &fakeSite{state: domain.OpRunning}
	apply := &fakeApplier{failures: 1}
	w := &Worker{Queue: q, Sites: site, Apply: apply, Log: slog.New(slog.DiscardHandler), Timeout: time.Second}
	ctx := context.Background()

	w.Step(ctx)
	if len(site.submitted) != 1 || site.submitted[0].Key != "disk_create:d1" || q.due[0].SiteOpID != "op-disk_create:d1" {
		t.Fatalf("submit: %+v, due %+v", site.submitted, q.due)
	}
	w.Step(ctx) // still running: put back
	if len(q.finished) != 0 || len(apply.applied) != 0 || len(q.later) != 1 {
		t.Fatalf("running: finished %v, applied %v, later %v", q.finished, apply.applied, q.later)
	}
	site.state = domain.OpSucceeded
	w.Step(ctx) // the apply fails: nothing finished, tried later
	if len(q.finished) != 0 || len(q.due) != 1 {
		t.Fatalf("failed apply: finished %v, due %d", q.finished, len(q.due))
	}
	w.Step(ctx)
	if len(apply.applied) != 1 || !apply.applied[0].Succeeded || len(q.finished) != 1 || !q.finished[0].Succeeded || len(site.submitted) != 1 {
		t.Errorf("done: applied %v, finished %v, submitted %d times", apply.applied, q.finished, len(site.submitted))
	}
}

// TestWorkerSiteRefuses: a storage request the site refuses will never run,
// so the resource is moved on as failed with the site's answer; a machine
// operation meeting a conflict waits and tries again.
func TestWorkerSiteRefuses(t *testing.T) {
	q := &fakeQueue{due: []*Job{diskJob()}}
	site := &fakeSite{submitErr: domain.Errorf(domain.ECONFLICT, "The disk is busy.")}
	apply := &fakeApplier{}
	w := &Worker{Queue: q, Sites: site, Apply: apply, Log: slog.New(slog.DiscardHandler), Timeout: time.Second}
	w.Step(context.Background())
	if len(apply.applied) != 1 || apply.applied[0].Succeeded || domain.ErrorCode(apply.applied[0].Refused) != domain.ECONFLICT || len(q.finished) != 1 {
		t.Fatalf("refused: applied %+v, finished %+v", apply.applied, q.finished)
	}

	mj := &Job{ID: "m1", SiteID: "s", Resource: ResourceMachine, ResourceID: "m",
		Machine: &MachineWork{Op: &domain.MachineOperation{ID: "m1", Kind: domain.OpStart, MachineID: "m"}, Machine: &domain.Machine{}}}
	q = &fakeQueue{due: []*Job{mj}}
	w.Queue = q
	w.Step(context.Background())
	if len(q.finished) != 0 || len(q.later) != 1 {
		t.Errorf("machine conflict: finished %+v, later %v", q.finished, q.later)
	}
}

// TestWorkerHangingSite: a site that never answers costs the worker one
// timeout per try, and the operation waits for the next try.
func TestWorkerHangingSite(t *testing.T) {
	q := &fakeQueue{due: []*Job{diskJob()}}
	w := &Worker{Queue: q, Sites: &fakeSite{hang: true}, Apply: &fakeApplier{}, Log: slog.New(slog.DiscardHandler), Timeout: 100 * time.Millisecond}
	start := time.Now()
	w.Step(context.Background())
	if took := time.Since(start); took > time.Second {
		t.Errorf("a step took %v with a hanging site", took)
	}
	if len(q.finished) != 0 || len(q.later) != 1 || q.later[0] != "The site does not answer; retrying." {
		t.Errorf("hanging: finished %v, later %v", q.finished, q.later)
	}
}
