package web

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"tessera/adapters/postgres"
	"tessera/domain"
)

// MachineWorker carries machine operations from manage's queue
// (machine_operations) to the sites and follows them until they end.
//
// It is a polling loop over that table with FOR UPDATE SKIP LOCKED and a
// lease, woken early by LISTEN/NOTIFY: the operations table is already the
// machine's history the portal shows, so one table holds both, every manage
// replica can run a worker, and a restart resumes whatever is not finished.
// Site calls happen outside any transaction with a short timeout; a site
// that is down only delays its operations (the machine stays in its
// transitional status) and never blocks a page.
type MachineWorker struct {
	Queue    *postgres.OperationQueue
	Sites    domain.SiteConnector
	Log      *slog.Logger
	Interval time.Duration // idle poll; default 1 s
	Poll     time.Duration // how soon to look at a submitted operation again; default 500 ms
	Timeout  time.Duration // per site call; default 10 s
	// Networks advances a network a new machine waits for (issue 9); nil
	// leaves that to the storage tracker.
	Networks interface {
		RefreshNetwork(ctx context.Context, tenantID, id string) (*domain.Network, error)
	}

	wake chan struct{}
	done chan struct{}
	stop context.CancelFunc

	ops *prometheus.CounterVec
}

// StartMachineWorker starts the worker with the app's site connector; it stops
// when the server closes (or through the returned function).
func (s *Server) StartMachineWorker(ctx context.Context) func() {
	w := &MachineWorker{Queue: postgres.NewOperationQueue(s.DB), Sites: s.App.Sites, Log: s.Log, ops: s.workerMetrics()}
	if s.App.Storage != nil {
		w.Networks = s.App.Storage
	}
	stop := w.Start(ctx)
	s.OnClose(stop)
	return stop
}

func (s *Server) workerMetrics() *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tessera_machine_operations_total", Help: "Machine operations finished by the worker, by kind and result."}, []string{"kind", "result"})
	if err := s.Registry.Register(c); err != nil {
		if are, ok := err.(prometheus.AlreadyRegisteredError); ok {
			return are.ExistingCollector.(*prometheus.CounterVec)
		}
	}
	return c
}

// Start runs the worker until ctx ends or the returned stop is called.
func (w *MachineWorker) Start(ctx context.Context) (stop func()) {
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
	w.stop, w.wake, w.done = cancel, make(chan struct{}, 1), make(chan struct{})
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

func (w *MachineWorker) poke() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *MachineWorker) loop(ctx context.Context) {
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
func (w *MachineWorker) Step(ctx context.Context) int {
	claimed, err := w.Queue.Claim(ctx, 20, 30*time.Second)
	if err != nil {
		if ctx.Err() == nil {
			w.Log.Error("claim machine operations", "err", err)
		}
		return 0
	}
	var wg sync.WaitGroup
	for _, c := range claimed {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.advance(ctx, c)
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

func (w *MachineWorker) advance(ctx context.Context, c *postgres.ClaimedOperation) {
	op := c.Op
	log := w.Log.With("operation", op.ID, "machine", op.MachineID, "kind", op.Kind, "site", op.SiteID)
	if w.Sites == nil {
		_ = w.Queue.Later(ctx, op.ID, backoff(op.Attempts), "Waiting for the site to be connected.")
		return
	}
	cctx, cancel := context.WithTimeout(ctx, w.Timeout)
	defer cancel()
	client, err := w.Sites.Client(cctx, op.SiteID)
	if err != nil {
		w.wait(ctx, log, op, err)
		return
	}
	if op.SiteOpID == "" {
		req := domain.OperationRequest{Key: "manage-op-" + op.ID, Kind: op.Kind, MachineID: op.MachineID}
		if op.Kind == domain.OpCreate || op.Kind == domain.OpResize {
			spec := &domain.MachineSpec{Name: c.Machine.Name, TenantSlug: c.TenantSlug, VCPUs: c.Machine.VCPUs, MemoryMiB: c.Machine.MemoryMiB, DiskGiB: c.Machine.DiskGiB, Image: c.Template}
			if c.Target != nil {
				spec.VCPUs, spec.MemoryMiB, spec.DiskGiB = c.Target.VCPUs, c.Target.MemoryMiB, c.Target.DiskGiB
			}
			req.Spec = spec
		}
		if op.Kind == domain.OpCreate {
			nics, wait, failed := w.nics(cctx, log, c)
			switch {
			case failed != "":
				w.finish(ctx, log, c, false, failed, nil)
				return
			case wait != "":
				if err := w.Queue.Later(ctx, op.ID, max(w.Poll, time.Second), wait); err != nil {
					log.Error("reschedule operation", "err", err)
				}
				return
			}
			req.Spec.Networks = nics
		}
		so, err := client.Submit(cctx, req)
		if err != nil {
			if domain.ErrorCode(err) == domain.EINVALID {
				w.finish(ctx, log, c, false, "The site refused the request: "+domain.ErrorMessage(err), nil)
				return
			}
			w.wait(ctx, log, op, err)
			return
		}
		if err := w.Queue.Submitted(ctx, op.ID, so.ID, w.Poll); err != nil {
			log.Error("record submitted operation", "err", err)
		}
		return
	}
	so, err := client.Operation(cctx, op.SiteOpID)
	if err != nil {
		w.wait(ctx, log, op, err)
		return
	}
	if !so.State.Done() {
		_ = w.Queue.Later(ctx, op.ID, w.Poll, "")
		return
	}
	var obs *domain.MachineObservation
	if so.State == domain.OpSucceeded && op.Kind != domain.OpDelete {
		if o, err := client.Machine(cctx, op.MachineID); err == nil {
			obs = o
		} else if domain.ErrorCode(err) != domain.ENOTFOUND {
			w.wait(ctx, log, op, err)
			return
		}
	}
	w.finish(ctx, log, c, so.State == domain.OpSucceeded, so.Error, obs)
}

// nics is what the site needs for a new machine's interfaces. A network
// still being made at the site is advanced and waited for (wait says so in
// the history); one the site could not make fails the create (failed).
func (w *MachineWorker) nics(ctx context.Context, log *slog.Logger, c *postgres.ClaimedOperation) (nics []domain.NICSpec, wait, failed string) {
	for _, n := range c.NICs {
		if n.NetworkState == domain.NetworkCreating && w.Networks != nil {
			cur, err := w.Networks.RefreshNetwork(ctx, c.Op.TenantID, n.NetworkID)
			if err != nil {
				log.Warn("refresh network", "network", n.NetworkID, "err", err)
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

func (w *MachineWorker) wait(ctx context.Context, log *slog.Logger, op *domain.MachineOperation, err error) {
	note := "The site does not answer; retrying."
	if domain.ErrorCode(err) == domain.EINTERNAL {
		log.Error("site call", "err", err)
	} else {
		log.Warn("site call", "err", err)
	}
	if ctx.Err() != nil {
		return
	}
	if err := w.Queue.Later(ctx, op.ID, backoff(op.Attempts), note); err != nil {
		log.Error("reschedule operation", "err", err)
	}
}

func (w *MachineWorker) finish(ctx context.Context, log *slog.Logger, c *postgres.ClaimedOperation, ok bool, reason string, obs *domain.MachineObservation) {
	if !ok && reason == "" {
		reason = "The site could not complete the operation."
	}
	if err := w.Queue.Finish(ctx, c, ok, reason, obs); err != nil {
		log.Error("finish operation", "err", err)
		return
	}
	result := "succeeded"
	if !ok {
		result = "failed"
	}
	if w.ops != nil {
		w.ops.WithLabelValues(string(c.Op.Kind), result).Inc()
	}
	log.Info("machine operation finished", "result", result)
}
