package operations

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"tessera/domain"
)

// Worker carries queued operations to the sites and follows them until
// they end.
//
// It is a polling loop over the queue (FOR UPDATE SKIP LOCKED and a lease in
// the PostgreSQL adapter), woken early by LISTEN/NOTIFY: every manage
// replica can run one, and a restart resumes whatever is not finished. Site
// calls happen outside any transaction with a short timeout; a site that is
// down only delays its operations (the resource stays in its transitional
// state) and never blocks a page.
type Worker struct {
	Queue Queue
	Sites domain.SiteConnector
	// Apply moves disks, networks, addresses, snapshots and images on; nil
	// when the queue holds machine operations only.
	Apply    Applier
	Log      *slog.Logger
	Interval time.Duration // idle poll; default 1 s
	Poll     time.Duration // how soon to look at a submitted operation again; default 500 ms
	Timeout  time.Duration // per site call; default 10 s
	// Networks reads a network a new machine waits for; nil trusts what the
	// claim read.
	Networks interface {
		Network(ctx context.Context, tenantID, id string) (*domain.Network, error)
	}
	// Finished, when set, counts each finished operation (metrics).
	Finished func(j *Job, result string)

	wake chan struct{}
	done chan struct{}
}

// Start runs the worker until ctx ends or the returned stop is called; stop
// waits for the worker to end.
func (w *Worker) Start(ctx context.Context) (stop func()) {
	if w.Interval == 0 {
		w.Interval = time.Second
	}
	if w.Poll == 0 {
		w.Poll = 500 * time.Millisecond
	}
	if w.Timeout == 0 {
		w.Timeout = 10 * time.Second
	}
	if w.Log == nil {
		w.Log = slog.Default()
	}
	ctx, cancel := context.WithCancel(ctx)
	w.wake, w.done = make(chan struct{}, 1), make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			_ = w.Queue.Listen(ctx, w.poke)
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}()
	go func() {
		defer wg.Done()
		w.loop(ctx)
	}()
	go func() { wg.Wait(); close(w.done) }()
	return func() { cancel(); <-w.done }
}

func (w *Worker) poke() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *Worker) loop(ctx context.Context) {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-w.wake:
		}
		n := w.Step(ctx)
		next := w.Interval
		if n > 0 {
			next = 50 * time.Millisecond
		}
		if !t.Stop() {
			select {
			case <-t.C:
			default:
			}
		}
		t.Reset(next)
	}
}

// Step claims the due operations and advances each by one step. It returns
// how many it handled.
func (w *Worker) Step(ctx context.Context) int {
	claimed, err := w.Queue.Claim(ctx, 20, 30*time.Second)
	if err != nil {
		if ctx.Err() == nil {
			w.Log.Error("claim operations", "err", err)
		}
		return 0
	}
	var wg sync.WaitGroup
	for _, j := range claimed {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.advance(ctx, j)
		}()
	}
	wg.Wait()
	return len(claimed)
}

// backoff grows the wait for a site that does not answer, up to 30 s.
func backoff(attempts int) time.Duration {
	d := time.Second << min(attempts, 5)
	return min(d, 30*time.Second)
}

// refused says whether a site's error means it will never run the request:
// a machine's request the site finds invalid, or a storage request for
// something the site does not have or cannot do.
func refused(j *Job, err error) bool {
	switch domain.ErrorCode(err) {
	case domain.EINVALID:
		return true
	case domain.ECONFLICT, domain.ENOTFOUND:
		return j.Machine == nil
	}
	return false
}

func (w *Worker) advance(ctx context.Context, j *Job) {
	log := w.Log.With("operation", j.ID, "resource", j.Resource, "id", j.ResourceID, "kind", j.Request.Kind, "site", j.SiteID)
	if j.Machine != nil {
		log = w.Log.With("operation", j.ID, "machine", j.ResourceID, "kind", j.Machine.Op.Kind, "site", j.SiteID)
	}
	if w.Sites == nil {
		_ = w.Queue.Later(ctx, j, backoff(j.Attempts), "Waiting for the site to be connected.")
		return
	}
	cctx, cancel := context.WithTimeout(ctx, w.Timeout)
	defer cancel()
	client, err := w.Sites.Client(cctx, j.SiteID)
	if err != nil {
		w.wait(ctx, log, j, err)
		return
	}
	if j.SiteOpID == "" {
		req := j.Request
		if j.Machine != nil {
			req = j.Machine.request()
			if req.Kind == domain.OpCreate {
				nics, wait, failed := w.nics(cctx, log, j.Machine)
				switch {
				case failed != "":
					w.finish(ctx, cctx, log, j, client, Outcome{Reason: failed})
					return
				case wait != "":
					if err := w.Queue.Later(ctx, j, max(w.Poll, time.Second), wait); err != nil {
						log.Error("reschedule operation", "err", err)
					}
					return
				}
				req.Spec.Networks = nics
			}
		}
		so, err := client.Submit(cctx, req)
		if err != nil {
			if refused(j, err) {
				w.finish(ctx, cctx, log, j, client, Outcome{Reason: "The site refused the request: " + domain.ErrorMessage(err), Refused: err})
				return
			}
			w.wait(ctx, log, j, err)
			return
		}
		if j.Machine == nil && so.State.Done() { // sent again after a crash: it ended meanwhile
			w.ended(ctx, cctx, log, j, client, so)
			return
		}
		if err := w.Queue.Submitted(ctx, j, so.ID, w.Poll); err != nil {
			log.Error("record submitted operation", "err", err)
		}
		return
	}
	so, err := client.Operation(cctx, j.SiteOpID)
	if err != nil {
		w.wait(ctx, log, j, err)
		return
	}
	if !so.State.Done() {
		_ = w.Queue.Later(ctx, j, w.Poll, "")
		return
	}
	w.ended(ctx, cctx, log, j, client, so)
}

// ended finishes a job whose site operation is done.
func (w *Worker) ended(ctx, cctx context.Context, log *slog.Logger, j *Job, client domain.SiteClient, so *domain.Operation) {
	out := Outcome{Succeeded: so.State == domain.OpSucceeded, Reason: so.Error}
	if j.Machine != nil && out.Succeeded && j.Machine.Op.Kind != domain.OpDelete {
		if o, err := client.Machine(cctx, j.ResourceID); err == nil {
			out.Observed = o
		} else if domain.ErrorCode(err) != domain.ENOTFOUND {
			w.wait(ctx, log, j, err)
			return
		}
	}
	w.finish(ctx, cctx, log, j, client, out)
}

// nics is what the site needs for a new machine's interfaces. A network
// still being made at the site (its own operation in the queue) is waited
// for (wait says so in the history); one the site could not make fails the
// create (failed).
func (w *Worker) nics(ctx context.Context, log *slog.Logger, m *MachineWork) (nics []domain.NICSpec, wait, failed string) {
	for _, n := range m.NICs {
		if n.NetworkState == domain.NetworkCreating && w.Networks != nil {
			cur, err := w.Networks.Network(ctx, m.Op.TenantID, n.NetworkID)
			if err != nil {
				log.Warn("read network", "network", n.NetworkID, "err", err)
			} else {
				n.NetworkState, n.PortGroup = cur.State, cur.PortGroup
			}
		}
		switch n.NetworkState {
		case domain.NetworkReady:
			nics = append(nics, n.NIC())
		case domain.NetworkCreating:
			return nil, "Waiting for network " + n.NetworkName + " to be ready at the site.", ""
		default:
			return nil, "", "Network " + n.NetworkName + " could not be set up at the site, so the machine was not created. Delete it and choose another network."
		}
	}
	return nics, "", ""
}

func (w *Worker) wait(ctx context.Context, log *slog.Logger, j *Job, err error) {
	note := "The site does not answer; retrying."
	if domain.ErrorCode(err) == domain.EINTERNAL {
		log.Error("site call", "err", err)
	} else {
		log.Warn("site call", "err", err)
	}
	if ctx.Err() != nil {
		return
	}
	if err := w.Queue.Later(ctx, j, backoff(j.Attempts), note); err != nil {
		log.Error("reschedule operation", "err", err)
	}
}

func (w *Worker) finish(ctx, cctx context.Context, log *slog.Logger, j *Job, client domain.SiteClient, out Outcome) {
	if !out.Succeeded && out.Reason == "" {
		out.Reason = "The site could not complete the operation."
	}
	if j.Machine == nil {
		if w.Apply == nil {
			log.Error("no applier for a storage operation")
			return
		}
		// The resource moves first: a crash before Finish claims the job
		// again, and applying the same outcome twice changes nothing.
		if err := w.Apply.Apply(cctx, j, out, client); err != nil {
			w.wait(ctx, log, j, err)
			return
		}
	}
	if err := w.Queue.Finish(ctx, j, out); err != nil {
		log.Error("finish operation", "err", err)
		return
	}
	result := "succeeded"
	if !out.Succeeded {
		result = "failed"
	}
	if w.Finished != nil {
		w.Finished(j, result)
	}
	log.Info("operation finished", "result", result)
}

// request is what the site needs to carry out a machine operation; the
// operation's id is the site's idempotency key.
func (m *MachineWork) request() domain.OperationRequest {
	op := m.Op
	req := domain.OperationRequest{Key: "manage-op-" + op.ID, Kind: op.Kind, MachineID: op.MachineID}
	if op.Kind == domain.OpCreate || op.Kind == domain.OpResize {
		spec := &domain.MachineSpec{Name: m.Machine.Name, TenantSlug: m.TenantSlug, VCPUs: m.Machine.VCPUs, MemoryMiB: m.Machine.MemoryMiB, DiskGiB: m.Machine.DiskGiB, Image: m.Template}
		if m.Target != nil {
			spec.VCPUs, spec.MemoryMiB, spec.DiskGiB = m.Target.VCPUs, m.Target.MemoryMiB, m.Target.DiskGiB
		}
		req.Spec = spec
	}
	return req
}
