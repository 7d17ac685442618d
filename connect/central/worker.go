package central

import (
	"context"
	"strconv"
	"time"

	"github.com/riverqueue/river"

	"tessera/connect/hypervisor"
	"tessera/connect/model"
	"tessera/connect/store"
	"tessera/domain"
)

type opWorker struct {
	river.WorkerDefaults[opArgs]
	c *Central
}

// Work runs one attempt of an operation.
func (w *opWorker) Work(ctx context.Context, job *river.Job[opArgs]) error {
	c := w.c
	op, status, err := c.store.Claim(ctx, job.Args.OperationID, c.owner, c.cfg.lease())
	if err != nil {
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			return river.JobCancel(err)
		}
		return err
	}
	switch status {
	case store.Done:
		return nil
	case store.Busy:
		return river.JobSnooze(c.cfg.Heartbeat / 2)
	}
	log := c.log.With("operation", op.ID, "kind", op.Kind, "machine", op.MachineID, "attempt", op.Attempts)
	log.Info("operation running")
	start := time.Now()

	// Renew the lease while working; a process that dies stops renewing.
	hctx, stopHB := context.WithCancel(ctx)
	hbDone := make(chan struct{})
	go func() {
		defer close(hbDone)
		t := time.NewTicker(c.cfg.Heartbeat)
		defer t.Stop()
		for {
			select {
			case <-hctx.Done():
				return
			case <-t.C:
				if err := c.store.Heartbeat(context.WithoutCancel(hctx), op.ID, c.owner); err != nil {
					log.Warn("heartbeat failed", "err", err)
				}
			}
		}
	}()
	runErr := c.run(ctx, op)
	stopHB()
	<-hbDone

	fctx := context.WithoutCancel(ctx)
	switch {
	case runErr == nil:
		if ok, err := c.store.Finish(fctx, op.ID, c.owner, model.OpSucceeded, ""); err != nil {
			return err
		} else if ok {
			c.metrics.done(op.Kind, "succeeded", time.Since(op.CreatedAt), time.Since(start))
			log.Info("operation succeeded", "duration", time.Since(start))
		}
		return nil
	case permanent(runErr) || job.Attempt >= job.MaxAttempts:
		msg := reason(runErr)
		if !permanent(runErr) {
			msg += " (gave up after " + strconv.Itoa(job.Attempt) + " attempts)"
		}
		if domain.ErrorCode(runErr) == domain.EINTERNAL {
			log.Error("operation failed", "err", runErr)
		} else {
			log.Warn("operation failed", "reason", msg, "err", runErr)
		}
		if op.Kind == model.OpCreate {
			// Record what is there ("missing" when no VM was made) before the
			// operation reads as failed, so whoever sees the failure also
			// sees the machine's state.
			if err := c.observe(fctx, op.MachineID); err != nil {
				log.Warn("observe after a failed create", "err", err)
			}
		}
		if ok, err := c.store.Finish(fctx, op.ID, c.owner, model.OpFailed, msg); err != nil {
			return err
		} else if ok {
			c.metrics.done(op.Kind, "failed", time.Since(op.CreatedAt), time.Since(start))
		}
		return nil
	default:
		log.Warn("operation attempt failed; will retry", "err", runErr)
		if err := c.store.Release(fctx, op.ID, c.owner, "Retrying: "+reason(runErr)); err != nil {
			return err
		}
		c.metrics.retries.WithLabelValues(string(op.Kind)).Inc()
		return runErr
	}
}

// run carries out one operation against the backend. Every step is
// idempotent, so running it again after a crash is safe.
func (c *Central) run(ctx context.Context, op *store.OpRecord) error {
	if op.Kind.StorageOp() {
		return c.runStorage(ctx, op)
	}
	b := c.backend
	id := op.MachineID
	m, err := c.store.MachineByID(ctx, id)
	if err != nil {
		return err
	}
	switch op.Kind {
	case model.OpCreate:
		if err := c.create(ctx, op, m); err != nil {
			return err
		}
		err = b.PowerOn(ctx, id)
	case model.OpStart:
		err = b.PowerOn(ctx, id)
	case model.OpStop:
		err = b.Shutdown(ctx, id, c.cfg.ShutdownTimeout)
	case model.OpPowerOff:
		err = b.PowerOff(ctx, id)
	case model.OpReboot:
		err = b.Reboot(ctx, id)
	case model.OpResize:
		err = c.resize(ctx, op, m)
	case model.OpDelete:
		if err := c.detachDisks(ctx, id); err != nil {
			return err
		}
		if err := b.Destroy(ctx, id); err != nil {
			return err
		}
		if err := c.store.ReleaseMachineAddresses(ctx, id); err != nil {
			return err
		}
		return c.store.SetPower(ctx, id, model.PowerDeleted)
	default:
		return domain.Errorf(domain.EINVALID, "Unknown operation kind %q.", op.Kind)
	}
	if err != nil {
		return err
	}
	return c.observe(ctx, id)
}

func (c *Central) create(ctx context.Context, op *store.OpRecord, m *store.Machine) error {
	// An earlier attempt may have created the VM before its process died:
	// CreateVM then returns it instead of cloning again (the placement made
	// here is only a reservation in the snapshot, corrected at the next sync).
	s := m.Spec
	pl, err := c.place(ctx, hypervisor.PlacementRequest{VCPUs: s.VCPUs, MemoryMiB: s.MemoryMiB, DiskGiB: s.DiskGiB})
	if err != nil {
		return err
	}
	name, folder := c.cfg.Naming.Render(domain.NamingVars{Tenant: s.TenantSlug, Machine: s.Name, MachineID: m.MachineID, Site: c.cfg.SiteName})
	_, err = c.backend.CreateVM(ctx, hypervisor.VMCreate{
		MachineID: m.MachineID, OperationID: op.ID, Name: name, Folder: folder,
		Template: s.Image, VCPUs: s.VCPUs, MemoryMiB: s.MemoryMiB, DiskGiB: s.DiskGiB, Network: s.Network, NICs: vmNICs(s.Networks),
		Host: pl.Host, Datastore: pl.Datastore,
	})
	return err
}

// vmNICs is a spec's NICs as the backend takes them; none stays nil, which
// keeps the template's network.
func vmNICs(nics []model.NICSpec) []hypervisor.NIC {
	if nics == nil {
		return nil
	}
	out := make([]hypervisor.NIC, len(nics))
	for i, n := range nics {
		out[i] = hypervisor.NIC(n)
	}
	return out
}

// resize stops a running VM, reconfigures it and starts it again.
func (c *Central) resize(ctx context.Context, op *store.OpRecord, m *store.Machine) error {
	b := c.backend
	vm, err := b.FindVM(ctx, m.MachineID)
	if err != nil {
		return err
	}
	if op.Spec.DiskGiB > 0 && op.Spec.DiskGiB < vm.DiskGiB {
		return domain.Invalid(map[string]string{"spec.disk_gib": "A disk can only grow."})
	}
	// The power state before the first attempt decides whether to restart:
	// the machine row still holds it while this operation runs.
	wasOn := m.Obs.Power == model.PowerOn || vm.Power == model.PowerOn
	if vm.VCPUs != op.Spec.VCPUs || vm.MemoryMiB != op.Spec.MemoryMiB || op.Spec.DiskGiB > vm.DiskGiB {
		if vm.Power == model.PowerOn {
			if err := b.Shutdown(ctx, m.MachineID, c.cfg.ShutdownTimeout); err != nil {
				return err
			}
		}
		if err := b.Reconfigure(ctx, m.MachineID, op.Spec.VCPUs, op.Spec.MemoryMiB, op.Spec.DiskGiB); err != nil {
			return err
		}
	}
	if wasOn {
		if err := b.PowerOn(ctx, m.MachineID); err != nil {
			return err
		}
	}
	spec := m.Spec
	spec.VCPUs, spec.MemoryMiB = op.Spec.VCPUs, op.Spec.MemoryMiB
	if op.Spec.DiskGiB > spec.DiskGiB {
		spec.DiskGiB = op.Spec.DiskGiB
	}
	return c.store.SetSpec(ctx, m.MachineID, spec)
}

// observe stores the VM's current state.
func (c *Central) observe(ctx context.Context, machineID string) error {
	vm, err := c.backend.FindVM(ctx, machineID)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return c.store.SetPower(ctx, machineID, model.PowerMissing)
	}
	if err != nil {
		return err
	}
	return c.store.Observe(ctx, machineID, vm)
}
