package demo

import (
	"context"
	"crypto/sha1"
	"fmt"
	"time"

	"tessera/adapters/postgres"
	"tessera/domain"
	"tessera/web"
)

// demoID is a stable id for a demo resource, so seeding twice finds the same one.
func demoID(name string) string {
	b := sha1.Sum([]byte("tessera-demo:" + name))
	b[6] = (b[6] & 0x0f) | 0x50
	b[8] = (b[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

type demoChange struct {
	slug, name string
	kind       domain.StateChangeKind
	month      int // months before the current one
	day, hour  int
	shape      domain.MachineShape
	class      string
}

// seedUsage meters two past months (and this one so far) of demo machines
// and closes the past months into invoices. Event keys and the month close
// make it idempotent.
func seedUsage(ctx context.Context, s *web.Server, zone *time.Location) error {
	small := domain.MachineShape{VCPUs: 2, MemoryMiB: 2048, DiskGiB: 20, ImageID: "debian-12"}
	db := domain.MachineShape{VCPUs: 4, MemoryMiB: 8192, DiskGiB: 100, ImageID: "debian-12"}
	dbBig := domain.MachineShape{VCPUs: 8, MemoryMiB: 16384, DiskGiB: 100, ImageID: "debian-12"}
	win := domain.MachineShape{VCPUs: 2, MemoryMiB: 4096, DiskGiB: 60, ImageID: "windows-server-2022"}
	app := domain.MachineShape{VCPUs: 2, MemoryMiB: 4096, DiskGiB: 40, ImageID: "ubuntu-24.04"}
	batch := domain.MachineShape{VCPUs: 8, MemoryMiB: 32768, DiskGiB: 160, ImageID: "ubuntu-24.04"}
	changes := []demoChange{
		{"acme", "web-1", domain.ChangeCreated, 2, 3, 9, small, ""},
		{"acme", "db-1", domain.ChangeCreated, 2, 2, 14, db, "fast"},
		{"acme", "db-1", domain.ChangeStopped, 2, 20, 18, db, "fast"},
		{"acme", "db-1", domain.ChangeStarted, 2, 23, 8, db, "fast"},
		{"acme", "db-1", domain.ChangeResized, 1, 10, 22, dbBig, "fast"},
		{"acme", "win-1", domain.ChangeCreated, 1, 5, 10, win, ""},
		{"acme", "win-1", domain.ChangeDeleted, 1, 25, 17, win, ""},
		{"globex", "app-1", domain.ChangeCreated, 2, 4, 11, app, ""},
		{"globex", "batch-1", domain.ChangeCreated, 1, 2, 6, batch, ""},
		{"globex", "batch-1", domain.ChangeStopped, 1, 4, 6, batch, ""},
		{"globex", "batch-1", domain.ChangeDeleted, 1, 20, 12, batch, ""},
	}
	now := time.Now().In(zone)
	monthStart, _ := domain.MonthBounds(now, zone)
	meter := postgres.NewMeterService(s.DB)
	tenants := map[string]string{}
	for i, c := range changes {
		if tenants[c.slug] == "" {
			t, err := s.App.Tenants.FindTenantBySlug(ctx, c.slug)
			if err != nil {
				return err
			}
			tenants[c.slug] = t.ID
		}
		at := monthStart.AddDate(0, -c.month, c.day-1).Add(time.Duration(c.hour) * time.Hour)
		_, err := meter.RecordStateChange(ctx, domain.StateChange{
			EventKey: fmt.Sprintf("demo:%s:%s:%d", c.slug, c.name, i), TenantID: tenants[c.slug],
			ResourceID: demoID(c.slug + "/" + c.name), ResourceType: "machine", ResourceName: c.name,
			Kind: c.kind, At: at, Shape: c.shape, StorageClass: c.class,
		})
		if err != nil {
			return fmt.Errorf("meter %s %s: %w", c.name, c.kind, err)
		}
	}
	for m := 2; m >= 1; m-- {
		month := monthStart.AddDate(0, -m, 0).Format("2006-01")
		if _, err := s.App.Billing.CloseMonth(ctx, month, now); err != nil {
			return fmt.Errorf("close %s: %w", month, err)
		}
	}
	return nil
}
