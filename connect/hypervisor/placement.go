package hypervisor

import (
	"fmt"
	"sort"

	"tessera/domain"
)

// PlacementPolicy is how much a site may overcommit its hosts.
type PlacementPolicy struct {
	Cluster       string  // only hosts of this cluster ("" for all)
	CPURatio      float64 // vCPUs per physical core, e.g. 4
	MemoryRatio   float64 // allocated memory per physical memory, e.g. 1.0
	StorageMargin float64 // fraction of each datastore kept free, e.g. 0.1
}

// DefaultPlacementPolicy overcommits CPU four times and memory not at all,
// and keeps 10% of each datastore free.
var DefaultPlacementPolicy = PlacementPolicy{CPURatio: 4, MemoryRatio: 1, StorageMargin: 0.1}

// PlacementRequest is the size of what is to be placed.
type PlacementRequest struct {
	VCPUs     int
	MemoryMiB int
	DiskGiB   int
}

// Placement is where a VM goes.
type Placement struct {
	Cluster   string
	Host      string
	Datastore string
}

// Place chooses a host and a datastore with room for req, spreading load: of
// the hosts that fit it takes the one whose memory would be least allocated
// afterwards (then the fewest VMs, then by name), and of that host's
// datastores the one with the most free space. When nothing fits it returns
// ECONFLICT with a reason a person can act on.
func Place(inv *Inventory, req PlacementRequest, p PlacementPolicy) (Placement, error) {
	if req.VCPUs < 1 || req.MemoryMiB < 1 || req.DiskGiB < 0 {
		return Placement{}, domain.Errorf(domain.EINVALID, "A machine needs at least 1 vCPU and some memory.")
	}
	if p.CPURatio <= 0 {
		p.CPURatio = DefaultPlacementPolicy.CPURatio
	}
	if p.MemoryRatio <= 0 {
		p.MemoryRatio = DefaultPlacementPolicy.MemoryRatio
	}
	ds := map[string]DatastoreInfo{}
	for _, d := range inv.Datastores {
		ds[d.Name] = d
	}
	dsFree := func(d DatastoreInfo) int64 {
		return d.FreeGiB - int64(float64(d.CapacityGiB)*p.StorageMargin)
	}
	type cand struct {
		h        HostInfo
		memAfter float64
		store    DatastoreInfo
	}
	var cands []cand
	var considered, cpuShort, memShort, diskShort int
	var bestMem int64
	var bestDisk int64
	for _, h := range inv.Hosts {
		if !h.Usable || (p.Cluster != "" && h.Cluster != p.Cluster) {
			continue
		}
		considered++
		memCap := int64(float64(h.MemoryMiB) * p.MemoryRatio)
		memFree := memCap - h.MemAlloc
		if memFree > bestMem {
			bestMem = memFree
		}
		var store *DatastoreInfo
		for _, name := range h.Datastores {
			d, ok := ds[name]
			if !ok || !d.Usable {
				continue
			}
			if f := dsFree(d); f > bestDisk {
				bestDisk = f
			}
			if dsFree(d) >= int64(req.DiskGiB) && (store == nil || dsFree(d) > dsFree(*store) || dsFree(d) == dsFree(*store) && d.Name < store.Name) {
				d := d
				store = &d
			}
		}
		cpuFree := int(float64(h.Cores)*p.CPURatio) - h.VCPUsAlloc
		switch {
		case cpuFree < req.VCPUs:
			cpuShort++
			continue
		case memFree < int64(req.MemoryMiB):
			memShort++
			continue
		case store == nil:
			diskShort++
			continue
		}
		cands = append(cands, cand{h: h, memAfter: float64(h.MemAlloc+int64(req.MemoryMiB)) / float64(memCap), store: *store})
	}
	if len(cands) == 0 {
		where := "this site"
		if p.Cluster != "" {
			where = "cluster " + p.Cluster
		}
		switch {
		case considered == 0:
			return Placement{}, domain.Errorf(domain.ECONFLICT, "No usable host in %s (all are disconnected or in maintenance).", where)
		case memShort >= cpuShort && memShort >= diskShort:
			return Placement{}, domain.Errorf(domain.ECONFLICT, "No host in %s has %d MiB of memory free (the most any host has is %d MiB).", where, req.MemoryMiB, max(bestMem, 0))
		case cpuShort >= diskShort:
			return Placement{}, domain.Errorf(domain.ECONFLICT, "No host in %s has room for %d more vCPUs.", where, req.VCPUs)
		default:
			return Placement{}, domain.Errorf(domain.ECONFLICT, "No datastore in %s has %d GiB free (the most any has is %d GiB).", where, req.DiskGiB, max(bestDisk, 0))
		}
	}
	sort.Slice(cands, func(i, j int) bool {
		a, b := cands[i], cands[j]
		if a.memAfter != b.memAfter {
			return a.memAfter < b.memAfter
		}
		if a.h.VMs != b.h.VMs {
			return a.h.VMs < b.h.VMs
		}
		return a.h.Name < b.h.Name
	})
	c := cands[0]
	return Placement{Cluster: c.h.Cluster, Host: c.h.Name, Datastore: c.store.Name}, nil
}

// Reserve records a placement in inv so the next Place call sees it (used
// when several VMs are placed from one inventory snapshot).
func (inv *Inventory) Reserve(pl Placement, req PlacementRequest) {
	for i := range inv.Hosts {
		if inv.Hosts[i].Name == pl.Host {
			inv.Hosts[i].VCPUsAlloc += req.VCPUs
			inv.Hosts[i].MemAlloc += int64(req.MemoryMiB)
			inv.Hosts[i].VMs++
		}
	}
	for i := range inv.Datastores {
		if inv.Datastores[i].Name == pl.Datastore {
			inv.Datastores[i].FreeGiB -= int64(req.DiskGiB)
		}
	}
}

func (p Placement) String() string {
	return fmt.Sprintf("host %s, datastore %s", p.Host, p.Datastore)
}
