package demo

import (
	"context"
	"fmt"

	"tessera/domain"
	"tessera/web"
)

var demoFlavors = []domain.Flavor{
	{Name: "s-1vcpu-1gb", VCPUs: 1, MemoryMiB: 1024, DiskGiB: 20},
	{Name: "s-2vcpu-2gb", VCPUs: 2, MemoryMiB: 2048, DiskGiB: 20},
	{Name: "s-2vcpu-4gb", VCPUs: 2, MemoryMiB: 4096, DiskGiB: 40},
	{Name: "s-4vcpu-8gb", VCPUs: 4, MemoryMiB: 8192, DiskGiB: 80},
	{Name: "m-8vcpu-32gb", VCPUs: 8, MemoryMiB: 32768, DiskGiB: 160},
}

var demoImages = []domain.MachineImage{
	{Name: "Debian 12", Template: "debian-12", OS: "linux"},
	{Name: "Ubuntu 24.04", Template: "ubuntu-24.04", OS: "linux"},
	{Name: "Windows Server 2022", Template: "windows-server-2022", OS: "windows", Licensed: true},
}

// SeedCatalogue adds the demo catalogue, allows all of it (and every
// geo-location known now) to the demo tenants, and gives them quotas. It
// only adds what is missing, so running it again changes nothing; run it
// again once the demo sites are registered to allow their locations.
func SeedCatalogue(ctx context.Context, s *web.Server) error {
	cat := s.App.Catalogue
	flavors, err := cat.FindFlavors(ctx)
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for _, f := range flavors {
		have[f.Name] = true
	}
	for _, f := range demoFlavors {
		if !have[f.Name] {
			f := f
			if err := cat.CreateFlavor(ctx, &f); err != nil {
				return fmt.Errorf("seed flavor %s: %w", f.Name, err)
			}
		}
	}
	images, err := cat.FindImages(ctx)
	if err != nil {
		return err
	}
	have = map[string]bool{}
	for _, i := range images {
		have[i.Name] = true
	}
	for _, i := range demoImages {
		if !have[i.Name] {
			i := i
			if err := cat.CreateImage(ctx, &i); err != nil {
				return fmt.Errorf("seed image %s: %w", i.Name, err)
			}
		}
	}
	if flavors, err = cat.FindFlavors(ctx); err != nil {
		return err
	}
	if images, err = cat.FindImages(ctx); err != nil {
		return err
	}
	var all domain.TenantCatalogue
	for _, f := range flavors {
		all.FlavorIDs = append(all.FlavorIDs, f.ID)
	}
	for _, i := range images {
		all.ImageIDs = append(all.ImageIDs, i.ID)
	}
	if s.App.Locations != nil {
		locs, err := s.App.Locations.FindLocations(ctx)
		if err != nil {
			return err
		}
		for _, l := range locs {
			all.LocationIDs = append(all.LocationIDs, l.ID)
		}
	}
	for _, dt := range demoTenants {
		t, err := s.App.Tenants.FindTenantBySlug(ctx, dt.tenant.Slug)
		if err != nil {
			return err
		}
		// Keep what the provider chose; add only when the tenant has nothing.
		if fs, err := cat.TenantFlavors(ctx, t.ID); err != nil {
			return err
		} else if locs, err := cat.TenantLocationIDs(ctx, t.ID); err != nil {
			return err
		} else if len(fs) == 0 || (len(locs) == 0 && len(all.LocationIDs) > 0) {
			if err := cat.SetTenantCatalogue(ctx, t.ID, all); err != nil {
				return err
			}
		}
		if q, _, err := cat.FindQuota(ctx, t.ID); err != nil {
			return err
		} else if *q == (domain.Quota{TenantID: t.ID, Machines: domain.DefaultQuota.Machines, VCPUs: domain.DefaultQuota.VCPUs, MemoryMiB: domain.DefaultQuota.MemoryMiB, DiskGiB: domain.DefaultQuota.DiskGiB}) {
			if err := cat.SetQuota(ctx, &domain.Quota{TenantID: t.ID, Machines: 20, VCPUs: 40, MemoryMiB: 81920, DiskGiB: 2000}); err != nil {
				return err
			}
		}
	}
	return nil
}
