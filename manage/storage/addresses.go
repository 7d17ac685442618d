package storage

import (
	"context"

	"tessera/domain"
	"tessera/manage/operations"
)

// AttachAddress attaches an allocated public address to a machine in its
// location: the machine's site records the mapping (connect Gateway) and the
// address reads attached once the site's operation succeeded. ECONFLICT
// (state), EINVALID (another location), ENOTFOUND.
func (m *Manager) AttachAddress(ctx context.Context, tenantID, addressID, machineID string, at domain.MachinePlace) error {
	ad, err := m.Addresses.PublicAddress(ctx, tenantID, addressID)
	if err != nil {
		return err
	}
	if err := ad.CanAttach(at.LocationID); err != nil {
		return err
	}
	if at.SiteID == "" {
		return domain.Errorf(domain.ECONFLICT, "The machine has no site yet; try again once it is created.")
	}
	if err := m.Addresses.SetAddressOp(ctx, tenantID, addressID, at.SiteID, "address_attach:"+domain.NewID()); err != nil {
		return err
	}
	if err := m.Addresses.SetPublicAddressState(ctx, tenantID, addressID, domain.AddressAllocated, domain.AddressAttaching, machineID); err != nil {
		return err
	}
	return m.queueAddress(ctx, tenantID, addressID)
}

// DetachAddress removes an attached address from its machine. ECONFLICT, ENOTFOUND.
func (m *Manager) DetachAddress(ctx context.Context, tenantID, addressID string) error {
	ad, err := m.Addresses.PublicAddress(ctx, tenantID, addressID)
	if err != nil {
		return err
	}
	if err := ad.CanDetach(); err != nil {
		return err
	}
	if err := m.Addresses.SetAddressOp(ctx, tenantID, addressID, ad.SiteID, "address_detach:"+domain.NewID()); err != nil {
		return err
	}
	if err := m.Addresses.SetPublicAddressState(ctx, tenantID, addressID, domain.AddressAttached, domain.AddressDetaching, ad.MachineID); err != nil {
		return err
	}
	return m.queueAddress(ctx, tenantID, addressID)
}

func (m *Manager) queueAddress(ctx context.Context, tenantID, id string) error {
	ad, err := m.Addresses.PublicAddress(ctx, tenantID, id)
	if err != nil {
		return err
	}
	return m.enqueueAddress(ctx, ad)
}

// addressStep is the operation an attaching or detaching address waits
// for: attaching becomes attached (allocated when the site refused),
// detaching becomes allocated (attached when the site refused).
func addressStep(ad *domain.PublicAddress) (req domain.OperationRequest, done, failed domain.PublicAddressState, ok bool) {
	var kind domain.OperationKind
	switch ad.State {
	case domain.AddressAttaching:
		kind, done, failed = domain.OpAddressAttach, domain.AddressAttached, domain.AddressAllocated
	case domain.AddressDetaching:
		kind, done, failed = domain.OpAddressDetach, domain.AddressAllocated, domain.AddressAttached
	default:
		return req, "", "", false
	}
	if ad.OpKey == "" || ad.SiteID == "" || ad.MachineID == "" {
		return req, "", "", false
	}
	return domain.OperationRequest{Key: ad.OpKey, Kind: kind, MachineID: ad.MachineID, Address: &domain.AddressRequest{ID: ad.ID, Address: ad.Address}}, done, failed, true
}

// enqueueAddress queues an attaching or detaching address's operation.
func (m *Manager) enqueueAddress(ctx context.Context, ad *domain.PublicAddress) error {
	req, _, _, ok := addressStep(ad)
	if !ok {
		return nil
	}
	return m.enqueue(ctx, ad.TenantID, ad.SiteID, operations.ResourceAddress, ad.ID, req)
}

// applyAddress moves an address on when its operation ended; a request the
// site refused itself will never run, so the address goes back rather
// than waiting for ever.
func (m *Manager) applyAddress(ctx context.Context, j *operations.Job, out operations.Outcome) error {
	ad, err := m.Addresses.PublicAddress(ctx, j.TenantID, j.ResourceID)
	if err != nil {
		return err
	}
	req, done, failed, ok := addressStep(ad)
	if !ok || req.Key != j.Request.Key {
		return nil // moved on already
	}
	to := done
	if !out.Succeeded {
		to = failed
	}
	machine := ad.MachineID
	if to == domain.AddressAllocated {
		machine = ""
	}
	if err := m.Addresses.SetPublicAddressState(ctx, ad.TenantID, ad.ID, ad.State, to, machine); err != nil {
		if domain.ErrorCode(err) == domain.ECONFLICT {
			return nil // another apply moved it on
		}
		return err
	}
	site := ad.SiteID
	if to == domain.AddressAllocated {
		site = ""
	}
	return m.Addresses.SetAddressOp(ctx, ad.TenantID, ad.ID, site, "")
}
