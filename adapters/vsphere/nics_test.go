package vsphere_test

import (
	"context"
	"slices"
	"testing"

	"tessera/adapters/vsphere"
	"tessera/connect/hypervisor"
	"tessera/domain"
)

// TestCreateVMWithNICs clones a machine with two interfaces on two port
// groups; guest customization sets each fixed address, and once the VM runs
// the guest reports both.
func TestCreateVMWithNICs(t *testing.T) {
	_, b := startSim(t, vsphere.SimOptions{})
	ctx := context.Background()
	for _, pg := range []struct {
		name string
		vlan int
	}{{"tessera-acme-101", 101}, {"tessera-acme-102", 102}} {
		if err := b.EnsurePortGroup(ctx, pg.name, pg.vlan); err != nil {
			t.Fatal(err)
		}
	}
	id := domain.NewID()
	_, err := b.CreateVM(ctx, hypervisor.VMCreate{MachineID: id, OperationID: "op", Name: "acme-web", Folder: "tessera/acme",
		Template: "ubuntu-24.04", VCPUs: 1, MemoryMiB: 512, NICs: []hypervisor.NIC{
			{PortGroup: "tessera-acme-101", Address: "10.0.0.2", PrefixLength: 24, Gateway: "10.0.0.1"},
			{PortGroup: "tessera-acme-102", Address: "10.9.0.5", PrefixLength: 29, Gateway: "10.9.0.1"},
		}})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if err := b.PowerOn(ctx, id); err != nil {
		t.Fatal(err)
	}
	vm, err := b.FindVM(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"10.0.0.2", "10.9.0.5"} {
		if !slices.Contains(vm.Addresses, want) {
			t.Errorf("guest addresses = %v, want %s among them", vm.Addresses, want)
		}
	}
	// A port group the site does not have is refused before anything is made.
	_, err = b.CreateVM(ctx, hypervisor.VMCreate{MachineID: domain.NewID(), OperationID: "op", Name: "acme-x", Folder: "tessera/acme",
		Template: "ubuntu-24.04", VCPUs: 1, MemoryMiB: 512, NICs: []hypervisor.NIC{{PortGroup: "nope", Address: "10.0.0.3", PrefixLength: 24}}})
	if domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("unknown port group: %v", err)
	}
}

// TestCreateVMWithNICsAfterCrash: an attempt that died after the clone left
// a VM without its interfaces; the retried create finishes them.
func TestCreateVMWithNICsAfterCrash(t *testing.T) {
	_, b := startSim(t, vsphere.SimOptions{})
	ctx := context.Background()
	if err := b.EnsurePortGroup(ctx, "tessera-acme-201", 201); err != nil {
		t.Fatal(err)
	}
	if err := b.EnsurePortGroup(ctx, "tessera-acme-202", 202); err != nil {
		t.Fatal(err)
	}
	id := domain.NewID()
	req := hypervisor.VMCreate{MachineID: id, OperationID: "op", Name: "acme-db", Folder: "tessera/acme", Template: "ubuntu-24.04", VCPUs: 1, MemoryMiB: 512}
	if _, err := b.CreateVM(ctx, req); err != nil { // the clone alone, as a crashed attempt leaves it
		t.Fatal(err)
	}
	req.NICs = []hypervisor.NIC{
		{PortGroup: "tessera-acme-201", Address: "10.1.0.2", PrefixLength: 24, Gateway: "10.1.0.1"},
		{PortGroup: "tessera-acme-202", Address: "10.2.0.2", PrefixLength: 24},
	}
	for range 2 {
		if _, err := b.CreateVM(ctx, req); err != nil {
			t.Fatalf("retried create: %v", err)
		}
	}
	if err := b.PowerOn(ctx, id); err != nil {
		t.Fatal(err)
	}
	vm, err := b.FindVM(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(vm.Addresses, "10.1.0.2") || !slices.Contains(vm.Addresses, "10.2.0.2") {
		t.Errorf("guest addresses = %v", vm.Addresses)
	}
}
