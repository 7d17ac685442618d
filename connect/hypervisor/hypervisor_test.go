package hypervisor

import "testing"

func TestInventoryCapacity(t *testing.T) {
	c := testInventory().Capacity()
	if c.Clusters != 2 || c.Hosts != 4 || c.VCPUsTotal != 74 || c.VCPUsAllocated != 6 || c.MemoryAllocMiB != 7168 || c.StorageTotalGiB != 1100 || c.StorageFreeGiB != 830 {
		t.Errorf("capacity %+v", c)
	}
}
