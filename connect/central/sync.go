package central

import (
	"context"
	"time"

	"tessera/domain"
)

// Sync reads vCenter once: it stores the inventory (for site info and
// placement) and the state of every machine, so a VM powered off or deleted
// behind Tessera's back shows so. A failed read is recorded and returned.
func (c *Central) Sync(ctx context.Context) error {
	start := time.Now().UTC()
	inv, err := c.backend.Inventory(ctx)
	if err != nil {
		c.metrics.syncs.WithLabelValues("failed").Inc()
		_ = c.store.SaveSyncError(context.WithoutCancel(ctx), domain.ErrorMessage(err))
		return err
	}
	c.setInventory(inv)
	vms, err := c.backend.ListVMs(ctx)
	if err != nil {
		c.metrics.syncs.WithLabelValues("failed").Inc()
		_ = c.store.SaveSyncError(context.WithoutCancel(ctx), domain.ErrorMessage(err))
		return err
	}
	// Machines being created have no VM yet (power "pending") and are left
	// alone, as are VMs of machines this site does not know.
	if err := c.store.ApplySync(ctx, vms, start); err != nil {
		return err
	}
	if err := c.store.SaveSnapshot(ctx, inv, time.Now().UTC()); err != nil {
		return err
	}
	c.metrics.syncs.WithLabelValues("ok").Inc()
	c.metrics.syncDuration.Observe(time.Since(start).Seconds())
	c.log.Debug("inventory synced", "hosts", len(inv.Hosts), "vms", len(vms), "duration", time.Since(start))
	return nil
}
