// Package central is connect Central: the durable workflow engine that runs
// a site's operations as River jobs on PostgreSQL, places machines on hosts,
// and reconciles what it knows with what vCenter reports.
//
// Exactly once: every operation row has a lease (owner + heartbeat). A
// worker claims the lease before acting and finishes the row only while it
// holds it. Each step against the backend is idempotent (a VM is found by its
// machine id before cloning; power and delete accept the target state), so a
// worker that dies mid-operation is resumed by any live process: its
// rescuer sees the stale heartbeat, requeues the operation and enqueues a new
// job, which finds what the dead worker created and carries on.
package central

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	"tessera/connect/hypervisor"
	"tessera/connect/model"
	"tessera/connect/store"
	"tessera/domain"
)

// APIVersion is the version of the connect API this site serves.
const APIVersion = "v1"

// Config tunes a site's engine.
type Config struct {
	SiteName string
	Naming   domain.Naming
	Policy   hypervisor.PlacementPolicy
	// Workers is how many operations run at once (default 10).
	Workers int
	// MaxAttempts before an operation fails for good (default 8).
	MaxAttempts int
	// RetryBase and RetryMax shape the exponential backoff between attempts
	// (defaults 2 s and 5 min).
	RetryBase, RetryMax time.Duration
	// Heartbeat is how often a running operation renews its lease; a lease
	// not renewed for 4 heartbeats is taken over (default 2 s).
	Heartbeat time.Duration
	// SyncInterval is how often the reconciler reads vCenter (default 1 min;
	// negative disables the loop, for tests that call Sync).
	SyncInterval time.Duration
	// ShutdownTimeout is how long a guest may take to shut down (default 2 min).
	ShutdownTimeout time.Duration
	// InventoryMaxAge is how old the placement snapshot may get before an
	// operation reads vCenter again (default 30 s).
	InventoryMaxAge time.Duration
	// StorageClasses maps a storage class to a datastore of this site
	// ("" or missing: the datastore with the most free space).
	StorageClasses map[string]string
	// VLANFrom and VLANTo bound the VLAN ids new networks' port groups get
	// (defaults 100 and 3999).
	VLANFrom, VLANTo int
}

func (c *Config) defaults() {
	if c.Workers <= 0 {
		c.Workers = 10
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 8
	}
	if c.RetryBase <= 0 {
		c.RetryBase = 2 * time.Second
	}
	if c.RetryMax <= 0 {
		c.RetryMax = 5 * time.Minute
	}
	if c.Heartbeat <= 0 {
		c.Heartbeat = 2 * time.Second
	}
	if c.SyncInterval == 0 {
		c.SyncInterval = time.Minute
	}
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = 2 * time.Minute
	}
	if c.InventoryMaxAge <= 0 {
		c.InventoryMaxAge = 30 * time.Second
	}
	if c.VLANFrom <= 0 || c.VLANTo < c.VLANFrom {
		c.VLANFrom, c.VLANTo = 100, 3999
	}
	if c.Naming.Name == "" {
		c.Naming = domain.DefaultNaming
	}
	if c.Policy.CPURatio == 0 {
		c.Policy = hypervisor.DefaultPlacementPolicy
	}
}

func (c *Config) lease() time.Duration { return 4 * c.Heartbeat }

// Central runs one site's operations.
type Central struct {
	cfg     Config
	store   *store.Store
	backend hypervisor.Backend
	river   *river.Client[pgx.Tx]
	log     *slog.Logger
	metrics *metrics
	owner   string // this process's lease owner id

	mu       sync.Mutex
	inv      *hypervisor.Inventory // placement snapshot, with reservations
	invAt    time.Time
	stopLoop context.CancelFunc
	loops    sync.WaitGroup
}

// New wires the engine. st must be migrated. reg may be nil.
func New(st *store.Store, backend hypervisor.Backend, cfg Config, log *slog.Logger, reg prometheus.Registerer) (*Central, error) {
	cfg.defaults()
	if log == nil {
		log = slog.Default()
	}
	c := &Central{cfg: cfg, store: st, backend: backend, log: log.With("site", cfg.SiteName), metrics: newMetrics(reg), owner: domain.NewID()}
	workers := river.NewWorkers()
	river.AddWorker(workers, &opWorker{c: c})
	rc, err := river.NewClient(riverpgxv5.New(st.Pool), &river.Config{
		Queues:      map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.Workers}},
		Workers:     workers,
		MaxAttempts: cfg.MaxAttempts,
		RetryPolicy: &backoff{base: cfg.RetryBase, max: cfg.RetryMax},
		JobTimeout:  -1, // a clone may take long; leases detect dead workers
		// Pick the next job up promptly: River's default cooldown of 100 ms
		// would add that much to every operation when workers are busy.
		FetchCooldown:     5 * time.Millisecond,
		FetchPollInterval: 250 * time.Millisecond,
		Logger:            log.With("component", "river"),
		ID:                "connect-" + c.owner[:8],
	})
	if err != nil {
		return nil, err
	}
	c.river = rc
	return c, nil
}

// backoff doubles the wait after each failed attempt, up to max.
type backoff struct{ base, max time.Duration }

func (b *backoff) NextRetry(job *rivertype.JobRow) time.Time {
	d := b.base
	for i := 1; i < job.Attempt && d < b.max; i++ {
		d *= 2
	}
	return time.Now().Add(min(d, b.max))
}

// Start runs the workers, the rescuer and the reconciler until Stop.
func (c *Central) Start(ctx context.Context) error {
	if err := c.river.Start(ctx); err != nil {
		return err
	}
	lctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	c.stopLoop = cancel
	c.loops.Go(func() { c.every(lctx, c.cfg.Heartbeat, c.rescue) })
	if c.cfg.SyncInterval > 0 {
		c.loops.Go(func() {
			_ = c.Sync(lctx)
			c.every(lctx, c.cfg.SyncInterval, c.Sync)
		})
	}
	return nil
}

func (c *Central) every(ctx context.Context, d time.Duration, fn func(context.Context) error) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := fn(ctx); err != nil && ctx.Err() == nil {
				c.log.Warn("background task failed", "err", err)
			}
		}
	}
}

// Stop lets running operations finish (up to ctx's deadline), then cancels them.
func (c *Central) Stop(ctx context.Context) error {
	if c.stopLoop != nil {
		c.stopLoop()
		c.loops.Wait()
	}
	err := c.river.Stop(ctx)
	if err != nil {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err = c.river.StopAndCancel(sctx)
	}
	return err
}

// opArgs is the River job of an operation. Gen makes a resumed operation's
// job distinct from the dead worker's.
type opArgs struct {
	OperationID string `json:"operation_id"`
	Gen         int64  `json:"gen,omitempty"`
}

func (opArgs) Kind() string { return "connect_operation" }

// Submit queues an operation for manageID; the same key returns the first
// operation. EINVALID, ENOTFOUND (a machine of another manage instance),
// ECONFLICT (key reused, machine id taken).
func (c *Central) Submit(ctx context.Context, manageID string, req model.OperationRequest) (*model.Operation, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	var out *store.OpRecord
	err := pgx.BeginFunc(ctx, c.store.Pool, func(tx pgx.Tx) error {
		op, created, err := store.InsertOperation(ctx, tx, manageID, req)
		if err != nil {
			return err
		}
		out = op
		if !created {
			return nil
		}
		if req.Kind.StorageOp() {
			if err := c.claimStorage(ctx, tx, manageID, req); err != nil {
				return err
			}
		} else if req.Kind == model.OpCreate {
			if err := store.ClaimMachine(ctx, tx, manageID, req.MachineID, req.Spec); err != nil {
				return err
			}
		} else if _, err := store.OwnedMachine(ctx, tx, manageID, req.MachineID); err != nil {
			return err
		}
		res, err := c.river.InsertTx(ctx, tx, opArgs{OperationID: op.ID}, nil)
		if err != nil {
			return domain.Internal(err)
		}
		return store.SetRiverJob(ctx, tx, op.ID, res.Job.ID)
	})
	if err != nil {
		return nil, err
	}
	c.metrics.submitted.WithLabelValues(string(req.Kind)).Inc()
	c.log.Info("operation submitted", "operation", out.ID, "kind", out.Kind, "machine", out.MachineID, "manage", manageID)
	op := out.Operation
	return &op, nil
}

// Operation returns manageID's operation. ENOTFOUND.
func (c *Central) Operation(ctx context.Context, manageID, id string) (*model.Operation, error) {
	r, err := c.store.FindOperation(ctx, manageID, id)
	if err != nil {
		return nil, err
	}
	op := r.Operation
	return &op, nil
}

// Machine returns what the site last saw of manageID's machine. ENOTFOUND.
func (c *Central) Machine(ctx context.Context, manageID, machineID string) (*model.MachineObservation, error) {
	m, err := c.store.FindMachine(ctx, manageID, machineID)
	if err != nil {
		return nil, err
	}
	obs := m.Obs
	return &obs, nil
}

// Info describes the site from its last inventory sync, syncing first if
// there was none.
func (c *Central) Info(ctx context.Context) (*model.SiteInfo, error) {
	snap, err := c.store.Snapshot(ctx)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		if err := c.Sync(ctx); err != nil {
			return nil, err
		}
		snap, err = c.store.Snapshot(ctx)
	}
	if err != nil {
		return nil, err
	}
	inv := snap.Inventory
	return &model.SiteInfo{
		Name: c.cfg.SiteName, APIVersion: APIVersion, Backend: "vsphere",
		Capacity: inv.Capacity(), Templates: nonNil(inv.Templates), Networks: nonNil(inv.Networks), LastSync: snap.LastSync,
	}, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// rescue requeues operations whose worker died (stale heartbeat).
func (c *Central) rescue(ctx context.Context) error {
	return pgx.BeginFunc(ctx, c.store.Pool, func(tx pgx.Tx) error {
		ids, err := store.RequeueExpired(ctx, tx, c.cfg.lease())
		if err != nil {
			return err
		}
		for _, id := range ids {
			res, err := c.river.InsertTx(ctx, tx, opArgs{OperationID: id, Gen: time.Now().UnixNano()}, nil)
			if err != nil {
				return err
			}
			if err := store.SetRiverJob(ctx, tx, id, res.Job.ID); err != nil {
				return err
			}
			c.metrics.resumed.Inc()
			c.log.Warn("operation resumed after its worker stopped", "operation", id)
		}
		return nil
	})
}

// place chooses a host and datastore from the placement snapshot (read from
// vCenter again when stale) and reserves the machine's size in it.
func (c *Central) place(ctx context.Context, req hypervisor.PlacementRequest) (hypervisor.Placement, error) {
	c.mu.Lock()
	stale := c.inv == nil || time.Since(c.invAt) > c.cfg.InventoryMaxAge
	c.mu.Unlock()
	if stale {
		inv, err := c.backend.Inventory(ctx)
		if err != nil {
			return hypervisor.Placement{}, err
		}
		c.setInventory(inv)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	pl, err := hypervisor.Place(c.inv, req, c.cfg.Policy)
	if err == nil {
		c.inv.Reserve(pl, req)
	}
	return pl, err
}

func (c *Central) setInventory(inv *hypervisor.Inventory) {
	c.mu.Lock()
	c.inv, c.invAt = inv, time.Now()
	c.mu.Unlock()
}

// permanent reports whether err will not go away by retrying.
func permanent(err error) bool {
	switch domain.ErrorCode(err) {
	case domain.EINVALID, domain.ENOTFOUND, domain.ECONFLICT, domain.EFORBIDDEN:
		return true
	}
	return false
}

func reason(err error) string {
	var de *domain.Error
	if errors.As(err, &de) && de.Code != domain.EINTERNAL {
		return de.Message
	}
	return "Internal error at the site; its logs have the details."
}
