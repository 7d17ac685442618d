// Package operations is manage's one way to a site: every site operation
// (a machine's create, power actions, resize and delete; disks, networks,
// public addresses, snapshots, image copies and captures) is queued durably
// by the request that asks for it, and carried out by the Worker, which
// sends it to the site outside any transaction with a short timeout,
// follows it and applies its outcome to the resource. A page or an API call
// never waits on a site: it records what it wants and reads what the
// database knows.
package operations

import (
	"context"
	"time"

	"tessera/domain"
)

// Resources an operation can be about.
const (
	ResourceMachine  = "machine"
	ResourceDisk     = "disk"
	ResourceNetwork  = "network"
	ResourceAddress  = "address"
	ResourceSnapshot = "snapshot"
	ResourceImage    = "image"   // a tenant's own image (capture, delete)
	ResourceReplica  = "replica" // a published image's copy at one site
)

// Pending is an operation to queue. Request.Key is the site's idempotency
// key and the queue's too: queueing the same key again is a no-op, so a
// request and the sweep after a crash never queue one step twice.
type Pending struct {
	TenantID   string // "" for the provider's own (image replicas)
	SiteID     string
	Resource   string
	ResourceID string
	Request    domain.OperationRequest
}

// Job is a claimed operation: leased to one worker until it reports back or
// the lease ends (a worker that crashed), when another claims it again.
type Job struct {
	ID         string
	TenantID   string
	SiteID     string
	Resource   string
	ResourceID string
	SiteOpID   string // the site's operation id once submitted
	Attempts   int
	Request    domain.OperationRequest // what to send (machines: built from Machine)
	Machine    *MachineWork            // machine operations only
}

// MachineWork is what a machine operation needs from manage's database.
type MachineWork struct {
	Op         *domain.MachineOperation
	Machine    *domain.Machine
	TenantSlug string
	Template   string
	Target     *domain.Flavor             // resize only
	NICs       []*domain.MachineInterface // create only
}

// Outcome is how an operation ended at the site.
type Outcome struct {
	Succeeded bool
	// Reason is the site's user-safe reason for a failure, or a note.
	Reason string
	// Refused is the site's answer when it refused the request itself
	// (it will never run); Succeeded is false then.
	Refused error
	// Observed is what the site last saw of a machine (machines only).
	Observed *domain.MachineObservation
}

// Queue is the durable store of operations waiting for a site. Every
// method but Claim and Listen takes a job from Claim.
type Queue interface {
	// Claim leases up to n due operations for lease: another worker (another
	// manage replica) skips them until the lease ends.
	Claim(ctx context.Context, n int, lease time.Duration) ([]*Job, error)
	// Submitted records the site's operation id; the job is due again after wait.
	Submitted(ctx context.Context, j *Job, siteOpID string, wait time.Duration) error
	// Later puts the job back for another try after wait, with a note (a
	// machine's shows in its history).
	Later(ctx context.Context, j *Job, wait time.Duration, note string) error
	// Finish ends the job. A machine's job moves the machine on in the same
	// transaction; any other job's resource was moved on by the Applier
	// before. Finishing a finished job does nothing.
	Finish(ctx context.Context, j *Job, out Outcome) error
	// Listen calls wake whenever an operation is queued, until ctx ends or
	// the connection fails (the worker's poll covers that).
	Listen(ctx context.Context, wake func()) error
}

// Enqueuer queues operations; requests use it.
type Enqueuer interface {
	// Enqueue queues p unless an operation with its key is queued already.
	Enqueue(ctx context.Context, p Pending) error
}

// Applier moves a resource that is not a machine on once its operation
// ended. It must be idempotent: after a crash the worker applies the same
// outcome again. site is the resource's site, for reading what the
// operation made (a network's port group).
type Applier interface {
	Apply(ctx context.Context, j *Job, out Outcome, site domain.SiteClient) error
}
